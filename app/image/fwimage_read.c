/* app/image/fwimage_read.c — OpenWrt fwtool images: the streaming verifier (CRC, SHA-256, chunk walk, JSON) (pure) */
#include "fwimage.h"
#include "fwimage_bytes.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/* Every chunk the walk may visit lies inside the tail, so the walk never needs folded bytes. */
_Static_assert(FWIMAGE_TAIL_BYTES >= FWIMAGE_METADATA_CHUNK_MAX_BYTES
	       + (FWIMAGE_MAX_CHUNKS - 1) * FWIMAGE_SIGNATURE_CHUNK_MAX_BYTES + FWIMAGE_TRAILER_BYTES,
	       "tail too small for the largest chunks");

__attribute__((format(printf, 3, 4)))
static void set_problem(struct fwimage_info *info, enum fwimage_problem p, const char *fmt, ...)
{
	va_list ap;

	info->problem = p;
	va_start(ap, fmt);
	vsnprintf(info->reason, sizeof(info->reason), fmt, ap);
	va_end(ap);
}

void fwimage_reader_init(struct fwimage_reader *r)
{
	fwimage_reader_init_part(r, FWIMAGE_FOLD_CRC | FWIMAGE_FOLD_SHA256);
}

void fwimage_reader_init_part(struct fwimage_reader *r, unsigned fold)
{
	r->fold = fold;
	r->total_bytes = 0;
	r->crc_folded = 0;
	hash_sha256_init(&r->sha_folded);
	r->tail_head = 0;
	r->tail_len = 0;
	r->head_len = 0;
	if (fold & FWIMAGE_FOLD_CRC)
		payload_deep_init(&r->deep);
}

static void fold(struct fwimage_reader *r, const uint8_t *p, size_t n)
{
	if (!n)
		return;
	if (r->fold & FWIMAGE_FOLD_CRC)
		r->crc_folded = fwimage_crc_update(r->crc_folded, p, n);
	if (r->fold & FWIMAGE_FOLD_SHA256)
		hash_sha256_update(&r->sha_folded, p, n);
}

int fwimage_reader_join(struct fwimage_reader *r, const struct fwimage_reader *part)
{
	if (r->total_bytes != part->total_bytes || r->tail_len != part->tail_len || r->tail_head != part->tail_head ||
	    (r->fold | part->fold) != (FWIMAGE_FOLD_CRC | FWIMAGE_FOLD_SHA256))
		return -EINVAL;
	if (part->fold & FWIMAGE_FOLD_CRC) {
		r->crc_folded = part->crc_folded;
		if (payload_deep_join(&r->deep, &part->deep))
			return -ENOMEM;
	}
	if (part->fold & FWIMAGE_FOLD_SHA256)
		r->sha_folded = part->sha_folded;
	r->fold = FWIMAGE_FOLD_CRC | FWIMAGE_FOLD_SHA256;
	return 0;
}

void fwimage_reader_feed(struct fwimage_reader *r, const void *buf, size_t len_bytes)
{
	const uint8_t *p = buf;

	if (!len_bytes)
		return;
	if (r->fold & FWIMAGE_FOLD_CRC)
		payload_deep_feed(&r->deep, p, len_bytes);
	if (r->head_len < PAYLOAD_HEAD_BYTES) {
		size_t n = PAYLOAD_HEAD_BYTES - r->head_len;

		memcpy(r->head + r->head_len, p, n < len_bytes ? n : len_bytes);
		r->head_len += n < len_bytes ? n : len_bytes;
	}
	r->total_bytes += len_bytes;
	/* Until the tail is full it is linear from index 0. */
	if (r->tail_len < FWIMAGE_TAIL_BYTES) {
		size_t n = FWIMAGE_TAIL_BYTES - r->tail_len;

		if (n > len_bytes)
			n = len_bytes;
		memcpy(r->tail + r->tail_len, p, n);
		r->tail_len += n;
		p += n;
		len_bytes -= n;
	}
	if (len_bytes >= FWIMAGE_TAIL_BYTES) {
		/* The whole window leaves: fold it, fold the new bytes directly, keep their end. */
		fold(r, r->tail + r->tail_head, FWIMAGE_TAIL_BYTES - r->tail_head);
		fold(r, r->tail, r->tail_head);
		fold(r, p, len_bytes - FWIMAGE_TAIL_BYTES);
		memcpy(r->tail, p + len_bytes - FWIMAGE_TAIL_BYTES, FWIMAGE_TAIL_BYTES);
		r->tail_head = 0;
		return;
	}
	while (len_bytes) {
		size_t n = FWIMAGE_TAIL_BYTES - r->tail_head;

		if (n > len_bytes)
			n = len_bytes;
		fold(r, r->tail + r->tail_head, n);
		memcpy(r->tail + r->tail_head, p, n);
		r->tail_head = (r->tail_head + n) % FWIMAGE_TAIL_BYTES;
		p += n;
		len_bytes -= n;
	}
}

/* Rotate the ring so the oldest byte is at index 0, in place: finish does not allocate. */
static void linearize(struct fwimage_reader *r)
{
	uint8_t tmp[4096];

	while (r->tail_head) {
		size_t k = r->tail_head < sizeof(tmp) ? r->tail_head : sizeof(tmp);

		memcpy(tmp, r->tail, k);
		memmove(r->tail, r->tail + k, r->tail_len - k);
		memcpy(r->tail + r->tail_len - k, tmp, k);
		r->tail_head -= k;
	}
}

struct walk {
	const struct fwimage_reader *r;
	uint64_t folded;                    /* absolute offset of tail[0] */
	uint64_t meta_start;                /* absolute offset of the metadata chunk */
	uint32_t meta_size;
};

static const uint8_t *at(const struct walk *w, uint64_t off)
{
	return w->r->tail + (off - w->folded);
}

/* fwtool's CRC of every byte before absolute offset end (end >= folded). */
static uint32_t fw_crc_before(const struct walk *w, uint64_t end)
{
	return fwimage_crc_update(w->r->crc_folded, w->r->tail, end - w->folded) ^ 0xffffffffu;
}

/* No trailer at the very end: is it a trailer cut short, or one with a damaged magic? */
static void check_end(const struct walk *w, struct fwimage_info *info)
{
	uint64_t total = w->r->total_bytes;

	for (unsigned k = 4; k < FWIMAGE_TRAILER_BYTES && k <= total; k++) {
		if (fwimage_get_be32(at(w, total - k)) == FWIMAGE_MAGIC) {
			set_problem(info, FWIMAGE_P_TRUNCATED,
				    "truncated: the image ends %u bytes into a trailer (%u bytes missing)",
				    k, FWIMAGE_TRAILER_BYTES - k);
			return;
		}
	}
	if (total >= FWIMAGE_TRAILER_BYTES) {
		const uint8_t *tr = at(w, total - FWIMAGE_TRAILER_BYTES);

		if (fwimage_get_be32(tr + 4) == fw_crc_before(w, total - FWIMAGE_TRAILER_BYTES))
			set_problem(info, FWIMAGE_P_BAD_MAGIC,
				    "bad magic 0x%08x in the last trailer (its CRC matches): image damaged",
				    fwimage_get_be32(tr));
	}
}

static const char *type_name(uint8_t type)
{
	return type == FWIMAGE_TYPE_METADATA ? "metadata" : type == FWIMAGE_TYPE_SIGNATURE ? "signature" : "chunk";
}

/* One trailer ending at pos; 1 to go on walking, 0 to stop. */
static int walk_trailer(struct walk *w, struct fwimage_info *info, uint64_t *pos)
{
	uint64_t tr_off = *pos - FWIMAGE_TRAILER_BYTES;
	const uint8_t *tr = at(w, tr_off);
	uint32_t stored = fwimage_get_be32(tr + 4), computed = fw_crc_before(w, tr_off);
	uint8_t type = tr[8];
	uint32_t size = fwimage_get_be32(tr + 12);
	uint32_t min = type == FWIMAGE_TYPE_METADATA ? FWIMAGE_HEADER_BYTES + FWIMAGE_TRAILER_BYTES
						     : FWIMAGE_TRAILER_BYTES;

	if (info->n_chunks == FWIMAGE_MAX_CHUNKS) {
		set_problem(info, FWIMAGE_P_TOO_MANY_CHUNKS, "more than %d chunks at the end of the image",
			    FWIMAGE_MAX_CHUNKS);
		return 0;
	}
	info->n_chunks++;
	info->crc_stored = stored;
	info->crc_computed = computed;
	if (stored != computed) {
		set_problem(info, FWIMAGE_P_BAD_CRC,
			    "CRC mismatch in the %s trailer at byte %llu: stored 0x%08x, computed 0x%08x (damaged or incomplete)",
			    type_name(type), (unsigned long long)tr_off, stored, computed);
		return 0;
	}
	if (type > FWIMAGE_TYPE_METADATA || tr[9] || tr[10] || tr[11]) {
		set_problem(info, FWIMAGE_P_BAD_TRAILER, "trailer at byte %llu has type %u, padding %02x%02x%02x",
			    (unsigned long long)tr_off, type, tr[9], tr[10], tr[11]);
		return 0;
	}
	if (size < min || size > *pos) {
		set_problem(info, FWIMAGE_P_BAD_SIZE, "%s chunk size %u does not fit (minimum %u, %llu bytes before its end)",
			    type_name(type), size, min, (unsigned long long)*pos);
		return 0;
	}
	if (type == FWIMAGE_TYPE_METADATA && size > FWIMAGE_METADATA_CHUNK_MAX_BYTES) {
		set_problem(info, FWIMAGE_P_METADATA_TOO_LARGE, "metadata of %u bytes exceeds %d bytes",
			    size - min, FWIMAGE_METADATA_MAX_BYTES);
		return 0;
	}
	if (type == FWIMAGE_TYPE_SIGNATURE && size > FWIMAGE_SIGNATURE_CHUNK_MAX_BYTES) {
		set_problem(info, FWIMAGE_P_SIGNATURE_TOO_LARGE, "signature of %u bytes exceeds %d bytes",
			    size - min, FWIMAGE_SIGNATURE_MAX_BYTES);
		return 0;
	}
	*pos -= size;
	if (type == FWIMAGE_TYPE_SIGNATURE) {
		info->has_signature = true;
		return 1;
	}
	info->has_metadata = true;
	w->meta_start = *pos;
	w->meta_size = size;
	return 0;
}

/* Walk the chunks back from the end; sets payload_bytes, flags and any structural problem. */
static void walk_chunks(struct walk *w, struct fwimage_info *info)
{
	uint64_t total = w->r->total_bytes, pos = total;

	if (!total) {
		set_problem(info, FWIMAGE_P_EMPTY, "empty image: nothing received");
		return;
	}
	for (;;) {
		if (pos - w->folded < FWIMAGE_TRAILER_BYTES
		    || fwimage_get_be32(at(w, pos - FWIMAGE_TRAILER_BYTES)) != FWIMAGE_MAGIC) {
			if (pos == total)
				check_end(w, info);
			else if (!info->has_metadata)
				set_problem(info, FWIMAGE_P_ORPHAN_SIGNATURE,
					    "signature chunk at byte %llu without a metadata chunk before it",
					    (unsigned long long)pos);
			break;
		}
		if (!walk_trailer(w, info, &pos))
			break;
	}
	info->payload_bytes = pos;
	info->crc_ok = info->n_chunks && info->problem != FWIMAGE_P_BAD_CRC;
	if (!info->problem && !pos)
		set_problem(info, FWIMAGE_P_EMPTY, "empty payload: the image is only metadata");
}

static void hash_payload(const struct walk *w, struct fwimage_info *info)
{
	struct hash_sha256 payload = w->r->sha_folded, image;
	size_t n = info->payload_bytes - w->folded, rest = w->r->tail_len - n;

	if (n)
		hash_sha256_update(&payload, w->r->tail, n);
	image = payload;
	hash_sha256_digest(&payload, info->payload_sha256);
	if (rest)
		hash_sha256_update(&image, w->r->tail + n, rest);
	hash_sha256_digest(&image, info->image_sha256);
}

/* Copy for display: cut to fit, stop at a NUL. */
static void copy_cut(char *dst, size_t dst_bytes, const char *s)
{
	snprintf(dst, dst_bytes, "%s", s);
}

/* An optional string key: 1 present (*s set), 0 absent, -1 wrong type (problem set). */
static int opt_string(const struct json_doc *d, int o, const char *key, const char *where, struct fwimage_info *info,
		      const char **s, size_t *len)
{
	int v = json_get(d, o, key);

	if (v < 0)
		return 0;
	if (json_type(d, v) != JSON_STRING) {
		set_problem(info, FWIMAGE_P_BAD_KEY, "metadata %s%s is not a string", where, key);
		return -1;
	}
	*s = json_str(d, v);
	*len = json_len(d, v);
	return 1;
}

static void read_devices(const struct json_doc *d, struct fwimage_info *info)
{
	const char *key = info->new_devices ? "new_supported_devices" : "supported_devices";
	int list = json_get(d, 0, key);
	size_t n;

	if (json_type(d, list) != JSON_ARRAY) {
		set_problem(info, FWIMAGE_P_BAD_DEVICES, "metadata has no %s list", key);
		return;
	}
	n = json_len(d, list);
	for (size_t i = 0; i < n; i++) {
		int dev = json_at(d, list, i);
		const char *s = json_str(d, dev);
		size_t len = json_len(d, dev);

		if (!s) {
			set_problem(info, FWIMAGE_P_BAD_DEVICES, "metadata %s[%zu] is not a string", key, i);
			return;
		}
		/* A name that does not fit cannot equal a board name, which always fits. */
		if (info->n_devices == FWIMAGE_MAX_DEVICES || len >= FWIMAGE_NAME_BYTES || strlen(s) != len) {
			info->n_devices_skipped++;
			continue;
		}
		memcpy(info->devices[info->n_devices++], s, len + 1);
	}
}

static void read_keys(const struct json_doc *d, struct fwimage_info *info)
{
	static const char *const fields[] = { "dist", "version", "revision", "target", "board" };
	char *const dst[] = { info->version.dist, info->version.version, info->version.revision,
			      info->version.target, info->version.board };
	const char *s;
	size_t len;
	int has, ver;

	if ((has = opt_string(d, 0, "metadata_version", "", info, &s, &len)) < 0)
		return;
	if (has)
		copy_cut(info->metadata_version, sizeof(info->metadata_version), s);
	if ((has = opt_string(d, 0, "compat_version", "", info, &s, &len)) < 0)
		return;
	if (has && len && (len >= FWIMAGE_COMPAT_BYTES || strlen(s) != len)) {
		set_problem(info, FWIMAGE_P_BAD_KEY, "metadata compat_version is longer than %d bytes",
			    FWIMAGE_COMPAT_BYTES - 1);
		return;
	}
	/* As fwtool.sh: absent or empty is "1.0"; any other value names new_supported_devices. */
	copy_cut(info->compat_version, sizeof(info->compat_version), has && len ? s : "1.0");
	info->new_devices = strcmp(info->compat_version, "1.0") != 0;
	if ((has = opt_string(d, 0, "compat_message", "", info, &s, &len)) < 0)
		return;
	if (has)
		copy_cut(info->compat_message, sizeof(info->compat_message), s);
	read_devices(d, info);
	if (info->problem)
		return;
	if ((ver = json_get(d, 0, "version")) >= 0) {
		if (json_type(d, ver) != JSON_OBJECT) {
			set_problem(info, FWIMAGE_P_BAD_KEY, "metadata version is not an object");
			return;
		}
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			if ((has = opt_string(d, ver, fields[i], "version.", info, &s, &len)) < 0)
				return;
			if (has)
				copy_cut(dst[i], FWIMAGE_FIELD_BYTES, s);
		}
	}
	if ((has = opt_string(d, 0, "sha256", "", info, &s, &len)) < 0)
		return;
	if (has) {
		if (strlen(s) != len || fwimage_sha256_parse(s, info->meta_sha256)) {
			set_problem(info, FWIMAGE_P_BAD_KEY, "metadata sha256 is not 64 hex digits");
			return;
		}
		info->has_meta_sha256 = true;
	}
}

static int parse_metadata(const struct walk *w, struct fwimage_info *info)
{
	const uint8_t *chunk = at(w, w->meta_start);
	const char *json = (const char *)chunk + FWIMAGE_HEADER_BYTES;
	size_t len = w->meta_size - FWIMAGE_HEADER_BYTES - FWIMAGE_TRAILER_BYTES;
	uint32_t version = fwimage_get_be32(chunk);
	struct json_doc d;
	const char *nul;
	int err;

	info->header_flags = fwimage_get_be32(chunk + 4);
	info->json_bytes = (uint32_t)len;
	if (version) {
		set_problem(info, FWIMAGE_P_BAD_HEADER, "metadata header version %u, only 0 is known", version);
		return 0;
	}
	if ((nul = memchr(json, 0, len))) {
		set_problem(info, FWIMAGE_P_BAD_JSON, "metadata JSON has a NUL byte at offset %zu", (size_t)(nul - json));
		return 0;
	}
	err = json_parse(&d, json, len);
	if (err == -ENOMEM) {
		json_free(&d);
		return err;
	}
	if (err)
		set_problem(info, FWIMAGE_P_BAD_JSON, "metadata JSON: %s at offset %zu", d.error, d.end);
	else if (json_type(&d, 0) != JSON_OBJECT)
		set_problem(info, FWIMAGE_P_BAD_JSON, "metadata JSON is not an object");
	else if (d.end != len)  /* d.end is past the blanks: fwtool -I takes echo's output, with its newline */
		set_problem(info, FWIMAGE_P_BAD_JSON, "metadata JSON: trailing data at offset %zu", d.end);
	else
		read_keys(&d, info);
	json_free(&d);
	return 0;
}

/* The deep check's verdict on the payload now that its end is known. */
static int deep_verdict(const struct fwimage_reader *r, struct fwimage_info *info)
{
	static const enum fwimage_problem problems[] = {
		[PAYLOAD_DEEP_BAD_TAR] = FWIMAGE_P_BAD_TAR, [PAYLOAD_DEEP_BAD_GZIP] = FWIMAGE_P_BAD_GZIP,
		[PAYLOAD_DEEP_BAD_FIT] = FWIMAGE_P_BAD_FIT, [PAYLOAD_DEEP_BAD_UBI] = FWIMAGE_P_BAD_UBI,
	};
	char why[PAYLOAD_DEEP_WHY_BYTES];
	enum payload_deep_problem p = payload_deep_finish(&r->deep, info->payload_bytes, &info->payload, why,
							   sizeof(why));

	if (p == PAYLOAD_DEEP_NO_MEMORY)
		return -ENOMEM;
	if (p != PAYLOAD_DEEP_OK)
		set_problem(info, problems[p], "%s", why);
	return 0;
}

int fwimage_reader_finish(struct fwimage_reader *r, struct fwimage_info *info)
{
	struct walk w = { .r = r };
	int ret = 0;

	memset(info, 0, sizeof(*info));
	if (r->fold != (FWIMAGE_FOLD_CRC | FWIMAGE_FOLD_SHA256))
		return -EINVAL; /* a part reader: join it first */
	linearize(r);
	w.folded = r->total_bytes - r->tail_len;
	info->total_bytes = r->total_bytes;
	walk_chunks(&w, info);
	hash_payload(&w, info);
	payload_identify(r->head, r->head_len, info->payload_bytes, &info->payload);
	if (!info->problem && info->has_metadata)
		ret = parse_metadata(&w, info);
	if (!ret && !info->problem)
		ret = deep_verdict(r, info);
	if (ret)
		return ret;
	info->complete = true;
	return info->problem ? -EBADMSG : 0;
}
