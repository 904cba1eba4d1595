/* app/image/fwimage_write.c — OpenWrt fwtool images: the encoder behind failsafectl mkimage (header, JSON, trailer) (pure) */
#include "fwimage.h"
#include "fwimage_bytes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void fwimage_writer_init(struct fwimage_writer *w)
{
	w->payload_bytes = 0;
	w->crc = 0;
	hash_sha256_init(&w->sha);
}

void fwimage_writer_feed(struct fwimage_writer *w, const void *buf, size_t len_bytes)
{
	if (!len_bytes)
		return;
	w->payload_bytes += len_bytes;
	w->crc = fwimage_crc_update(w->crc, buf, len_bytes);
	hash_sha256_update(&w->sha, buf, len_bytes);
}

static void put_list(struct json_out *o, const char *key, const char *const *names, size_t n)
{
	json_open(o, key, '[');
	for (size_t i = 0; i < n; i++)
		json_put_str(o, NULL, names[i]);
	json_close(o, ']');
}

static bool fits(const char *s, size_t bytes)
{
	return s && *s && strlen(s) < bytes;
}

/* The key order of OpenWrt's include/image-commands.mk metadata_json, then sha256; a NULL field is "". */
static void build_json(const struct fwimage_meta *m, const char *compat, const char *sha_hex, struct json_out *o)
{
	char legacy[FWIMAGE_MAX_DEVICES * FWIMAGE_NAME_BYTES + FWIMAGE_MESSAGE_BYTES + 256];
	const char *one[] = { legacy };
	size_t used = 0;

	json_open(o, NULL, '{');
	json_put_str(o, "metadata_version", "1.1");
	json_put_str(o, "compat_version", compat);
	if (m->compat_message)
		json_put_str(o, "compat_message", m->compat_message);
	if (strcmp(compat, "1.0")) {
		/* What a device that predates compat_version prints when it refuses the image. */
		for (size_t i = 0; i < m->n_devices; i++)
			used += (size_t)snprintf(legacy + used, sizeof(legacy) - used, "%s%s", i ? " " : "",
						 m->devices[i]);
		snprintf(legacy + used, sizeof(legacy) - used,
			 " - Image version mismatch: image %s, device 1.0. Please wipe config during upgrade"
			 " (force required) or reinstall. %s%s", compat,
			 m->compat_message ? "Reason: " : "Please check documentation ...",
			 m->compat_message ? m->compat_message : "");
		put_list(o, "new_supported_devices", m->devices, m->n_devices);
		put_list(o, "supported_devices", one, 1);
	} else {
		put_list(o, "supported_devices", m->devices, m->n_devices);
	}
	json_open(o, "version", '{');
	json_put_str(o, "dist", m->dist);
	json_put_str(o, "version", m->version);
	json_put_str(o, "revision", m->revision);
	json_put_str(o, "target", m->target);
	json_put_str(o, "board", m->board);
	json_close(o, '}');
	json_put_str(o, "sha256", sha_hex);
	json_close(o, '}');
}

int fwimage_writer_finish(const struct fwimage_writer *w, const struct fwimage_meta *m,
			  void *out, size_t out_bytes, size_t *len_bytes)
{
	const char *compat = m->compat_version ? m->compat_version : "1.0";
	struct hash_sha256 sha = w->sha;
	uint8_t digest[FWIMAGE_SHA256_BYTES], *p = out;
	char hex[FWIMAGE_SHA256_HEX_BYTES];
	struct json_out o = { 0 };
	char *json;
	size_t json_len, size;
	uint32_t crc;
	int err;

	if (!w->payload_bytes || !m->n_devices || m->n_devices > FWIMAGE_MAX_DEVICES
	    || !fits(compat, FWIMAGE_COMPAT_BYTES)
	    || (m->compat_message && strlen(m->compat_message) >= FWIMAGE_MESSAGE_BYTES))
		return -EINVAL;
	for (size_t i = 0; i < m->n_devices; i++)
		if (!fits(m->devices[i], FWIMAGE_NAME_BYTES))
			return -EINVAL;
	hash_sha256_digest(&sha, digest);
	fwimage_sha256_hex(digest, hex);
	build_json(m, compat, hex, &o);
	json = json_out_take(&o, &json_len);
	err = json ? 0 : -ENOMEM;
	size = FWIMAGE_HEADER_BYTES + json_len + FWIMAGE_TRAILER_BYTES;
	if (!err && json_len > FWIMAGE_METADATA_MAX_BYTES)
		err = -E2BIG;
	else if (!err && size > out_bytes)
		err = -ENOSPC;
	if (!err) {
		memset(p, 0, FWIMAGE_HEADER_BYTES);
		memcpy(p + FWIMAGE_HEADER_BYTES, json, json_len);
		crc = fwimage_crc_update(w->crc, p, FWIMAGE_HEADER_BYTES + json_len) ^ 0xffffffffu;
		p += FWIMAGE_HEADER_BYTES + json_len;
		fwimage_put_be32(p, FWIMAGE_MAGIC);
		fwimage_put_be32(p + 4, crc);
		p[8] = FWIMAGE_TYPE_METADATA;
		p[9] = p[10] = p[11] = 0;
		fwimage_put_be32(p + 12, (uint32_t)size);
		*len_bytes = size;
	}
	free(json);
	return err;
}
