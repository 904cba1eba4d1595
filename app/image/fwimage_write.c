/* app/image/fwimage_write.c — OpenWrt fwtool images: the encoder behind failsafectl mkimage (header, JSON, trailer) (pure) */
#include "fwimage.h"
#include "fwimage_bytes.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

void fwimage_writer_init(struct fwimage_writer *w)
{
	w->payload_bytes = 0;
	w->crc = 0;
	sha256_init(&w->sha);
}

void fwimage_writer_feed(struct fwimage_writer *w, const void *buf, size_t len_bytes)
{
	if (!len_bytes)
		return;
	w->payload_bytes += len_bytes;
	w->crc = fwimage_crc_update(w->crc, buf, len_bytes);
	sha256_update(&w->sha, len_bytes, buf);
}

/* Adds key: string to o; a NULL value becomes "". Returns 0 or -ENOMEM. */
static int add_string(struct json_object *o, const char *key, const char *s)
{
	struct json_object *v = json_object_new_string(s ? s : "");

	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int add_list(struct json_object *o, const char *key, const char *const *names, size_t n)
{
	struct json_object *a = json_object_new_array();

	if (!a || json_object_object_add(o, key, a)) {
		json_object_put(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_new_string(names[i]);

		if (!s || json_object_array_add(a, s)) {
			json_object_put(s);
			return -ENOMEM;
		}
	}
	return 0;
}

static bool fits(const char *s, size_t bytes)
{
	return s && *s && strlen(s) < bytes;
}

static int add_version(struct json_object *o, const struct fwimage_meta *m)
{
	struct json_object *ver = json_object_new_object();
	int err = 0;

	if (!ver || json_object_object_add(o, "version", ver)) {
		json_object_put(ver);
		return -ENOMEM;
	}
	if (!err)
		err = add_string(ver, "dist", m->dist);
	if (!err)
		err = add_string(ver, "version", m->version);
	if (!err)
		err = add_string(ver, "revision", m->revision);
	if (!err)
		err = add_string(ver, "target", m->target);
	if (!err)
		err = add_string(ver, "board", m->board);
	return err;
}

/* The key order of OpenWrt's include/image-commands.mk metadata_json, then sha256. */
static int build_json(const struct fwimage_meta *m, const char *compat, const char *sha_hex,
		      struct json_object *o)
{
	char legacy[FWIMAGE_MAX_DEVICES * FWIMAGE_NAME_BYTES + FWIMAGE_MESSAGE_BYTES + 256];
	const char *one[] = { legacy };
	size_t used = 0;
	int err = add_string(o, "metadata_version", "1.1");

	if (!err)
		err = add_string(o, "compat_version", compat);
	if (!err && m->compat_message)
		err = add_string(o, "compat_message", m->compat_message);
	if (!err && strcmp(compat, "1.0")) {
		/* What a device that predates compat_version prints when it refuses the image. */
		for (size_t i = 0; i < m->n_devices; i++)
			used += (size_t)snprintf(legacy + used, sizeof(legacy) - used, "%s%s", i ? " " : "",
						 m->devices[i]);
		snprintf(legacy + used, sizeof(legacy) - used,
			 " - Image version mismatch: image %s, device 1.0. Please wipe config during upgrade"
			 " (force required) or reinstall. %s%s", compat,
			 m->compat_message ? "Reason: " : "Please check documentation ...",
			 m->compat_message ? m->compat_message : "");
		err = add_list(o, "new_supported_devices", m->devices, m->n_devices);
		if (!err)
			err = add_list(o, "supported_devices", one, 1);
	} else if (!err) {
		err = add_list(o, "supported_devices", m->devices, m->n_devices);
	}
	if (!err)
		err = add_version(o, m);
	if (!err)
		err = add_string(o, "sha256", sha_hex);
	return err;
}

int fwimage_writer_finish(const struct fwimage_writer *w, const struct fwimage_meta *m,
			  void *out, size_t out_bytes, size_t *len_bytes)
{
	const char *compat = m->compat_version ? m->compat_version : "1.0";
	struct sha256_ctx sha = w->sha;
	uint8_t digest[FWIMAGE_SHA256_BYTES], *p = out;
	char hex[FWIMAGE_SHA256_HEX_BYTES];
	struct json_object *o;
	const char *json;
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
	sha256_digest(&sha, sizeof(digest), digest);
	fwimage_sha256_hex(digest, hex);
	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	err = build_json(m, compat, hex, o);
	json = err ? NULL : json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!err && !json)
		err = -ENOMEM;
	json_len = json ? strlen(json) : 0;
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
	json_object_put(o);
	return err;
}
