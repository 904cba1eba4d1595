/* unittests/test_fwimage.c — fwtool image reader, check policy and writer: tables, splits, flips, limits, reference vectors */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zlib.h>

#include "fwimage.h"
#include "data/fwimage/vectors.h"

/* ---- building images by hand (the test's own CRC and layout, not the writer's) ---- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void put_be32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	put(b, x, 4);
}

static uint32_t fw_crc(const uint8_t *p, size_t n)
{
	return (uint32_t)crc32(0, p, (uInt)n) ^ 0xffffffffu;
}

static void add_chunk(struct buf *b, const void *data, size_t n, uint8_t type)
{
	uint8_t tail[4] = { type, 0, 0, 0 };

	put(b, data, n);
	put_be32(b, FWIMAGE_MAGIC);
	put_be32(b, fw_crc(b->p, b->len - 4));
	put(b, tail, 4);
	put_be32(b, (uint32_t)(n + FWIMAGE_TRAILER_BYTES));
}

static void add_meta_raw(struct buf *b, uint32_t version, uint32_t flags, const void *json, size_t n)
{
	struct buf d = { 0 };

	put_be32(&d, version);
	put_be32(&d, flags);
	put(&d, json, n);
	add_chunk(b, d.p, d.len, FWIMAGE_TYPE_METADATA);
	free(d.p);
}

static void add_meta(struct buf *b, const char *json)
{
	add_meta_raw(b, 0, 0, json, strlen(json));
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void add_payload(struct buf *b, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)lcg(&seed);

		put(b, &c, 1);
	}
}

static const char *const r1_devices[] = { "acme,r1", "acme-r1" };

/* Payload of n bytes with a metadata chunk from the writer; sign appends a signature chunk. */
static void make_image(struct buf *b, size_t n, const char *compat, bool sign)
{
	static uint8_t out[FWIMAGE_WRITER_OUT_BYTES];
	struct fwimage_writer w;
	struct fwimage_meta m = { .devices = r1_devices, .n_devices = 2, .compat_version = compat,
				  .dist = "OpenWrt", .version = "23.05.3", .revision = "r1-abc",
				  .target = "ath79/generic", .board = "acme_r1" };
	size_t len;

	add_payload(b, n, 7);
	fwimage_writer_init(&w);
	/* In two pieces: the writer streams too. */
	fwimage_writer_feed(&w, b->p, n / 3);
	fwimage_writer_feed(&w, b->p + n / 3, n - n / 3);
	assert_int_equal(fwimage_writer_finish(&w, &m, out, sizeof(out), &len), 0);
	put(b, out, len);
	if (sign)
		add_chunk(b, "a signature blob", 16, FWIMAGE_TYPE_SIGNATURE);
}

/* ---- reading in pieces ---- */

enum split { WHOLE, BYTES, RANDOM, PIECES_64K };

static struct fwimage_reader *reader(void)
{
	static struct fwimage_reader *r;

	if (!r)
		r = malloc(sizeof(*r));
	assert_non_null(r);
	return r;
}

static int read_split(const uint8_t *p, size_t n, enum split s, uint32_t seed, struct fwimage_info *info)
{
	struct fwimage_reader *r = reader();
	size_t off = 0;

	fwimage_reader_init(r);
	while (off < n) {
		size_t k = n - off;

		if (s == BYTES)
			k = 1;
		else if (s == PIECES_64K && k > 65536)
			k = 65536;
		else if (s == RANDOM) {
			/* Mostly small, sometimes past the whole tail. */
			size_t want = lcg(&seed) % 7 == 0 ? lcg(&seed) % (3 * FWIMAGE_TAIL_BYTES) : lcg(&seed) % 300;

			if (want < k)
				k = want;
		}
		fwimage_reader_feed(r, p + off, k);
		off += k;
	}
	return fwimage_reader_finish(r, info);
}

/* Reads whole, in random pieces and (if small enough) byte by byte: all must agree. */
static int read_image(const uint8_t *p, size_t n, struct fwimage_info *info)
{
	static struct fwimage_info other;
	int ret = read_split(p, n, WHOLE, 0, info);

	for (uint32_t seed = 1; seed <= 2; seed++) {
		assert_int_equal(read_split(p, n, RANDOM, seed, &other), ret);
		assert_memory_equal(&other, info, sizeof(other));
	}
	if (n <= 200000) {
		assert_int_equal(read_split(p, n, BYTES, 0, &other), ret);
		assert_memory_equal(&other, info, sizeof(other));
	}
	assert_true(info->complete);
	assert_int_equal(ret, info->problem ? -EBADMSG : 0);
	assert_true(info->payload_bytes <= info->total_bytes);
	assert_non_null(memchr(info->reason, 0, sizeof(info->reason)));
	assert_null(strchr(info->reason, '\n'));
	return ret;
}

static const struct fwimage_expect r1 = { .compatible = "acme,r1", .board_name = "acme-r1",
					  .keep_settings = true };

static void verdict_ok(const struct fwimage_verdict *v)
{
	assert_int_equal(v->exit_code, v->kind == FWIMAGE_ACCEPT ? 0 : fwimage_problem_exit_code(v->problem));
	assert_true(v->reason[0]);
	assert_null(strchr(v->reason, '\n'));
	assert_true(v->kind != FWIMAGE_BROKEN || !v->forced);
}

/* Read (all splits) and check; returns the verdict's problem. */
static enum fwimage_problem judge(const uint8_t *p, size_t n, const struct fwimage_expect *e,
				  struct fwimage_verdict *v)
{
	static struct fwimage_info info;

	read_image(p, n, &info);
	assert_int_equal(fwimage_check(&info, e, v), 0);
	verdict_ok(v);
	return v->problem;
}

static enum fwimage_kind kind_of(const uint8_t *p, size_t n, const struct fwimage_expect *e)
{
	struct fwimage_verdict v;

	judge(p, n, e, &v);
	return v.kind;
}

/* ---- the problem table ---- */

static void problem_table(void **state)
{
	(void)state;
	for (int i = 0; i < FWIMAGE_P_COUNT; i++) {
		int code = fwimage_problem_exit_code(i);
		enum fwimage_kind k = fwimage_problem_kind(i);

		assert_non_null(fwimage_problem_name(i));
		assert_string_not_equal(fwimage_problem_name(i), "?");
		if (i == FWIMAGE_P_NONE)
			assert_true(code == 0 && k == FWIMAGE_ACCEPT);
		else if (k == FWIMAGE_BROKEN)   /* 40..49 are sysupgrade's own; broken codes go on at 50 */
			assert_true((code >= 10 && code <= 29) || (code >= 50 && code <= 59));
		else
			assert_true(k == FWIMAGE_INVALID && code >= 30 && code <= 39);
		for (int j = 0; j < i; j++) {
			assert_int_not_equal(fwimage_problem_exit_code(j), code);
			assert_string_not_equal(fwimage_problem_name(j), fwimage_problem_name(i));
		}
	}
	assert_string_equal(fwimage_problem_name(FWIMAGE_P_COUNT), "?");
	assert_int_equal(fwimage_problem_exit_code(FWIMAGE_P_COUNT), 1);
	assert_int_equal(fwimage_problem_kind(FWIMAGE_P_COUNT), FWIMAGE_BROKEN);
	assert_string_equal(fwimage_problem_name(FWIMAGE_P_BAD_CRC), "bad-crc");
	assert_int_equal(fwimage_problem_exit_code(FWIMAGE_P_WRONG_BOARD), 32);
	/* the deep check's, after the codes that were there */
	assert_string_equal(fwimage_problem_name(FWIMAGE_P_BAD_TAR), "bad-tar");
	assert_int_equal(fwimage_problem_exit_code(FWIMAGE_P_BAD_TAR), 27);
	assert_int_equal(fwimage_problem_exit_code(FWIMAGE_P_BAD_GZIP), 28);
	assert_int_equal(fwimage_problem_exit_code(FWIMAGE_P_BAD_FIT), 29);
	assert_int_equal(fwimage_problem_exit_code(FWIMAGE_P_BAD_UBI), 50);
	assert_int_equal(fwimage_problem_exit_code(FWIMAGE_P_TAR_OTHER_BOARD), 35);
	assert_int_equal(fwimage_problem_kind(FWIMAGE_P_TAR_OTHER_BOARD), FWIMAGE_INVALID);
	assert_int_equal(fwimage_problem_kind(FWIMAGE_P_BAD_FIT), FWIMAGE_BROKEN);
}

/* ---- images from the independent Python encoder ---- */

static void reference_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ref_vectors) / sizeof(ref_vectors[0]); i++) {
		const struct ref_vector *rv = &ref_vectors[i];
		struct fwimage_info info;
		struct fwimage_verdict v;
		char hex[FWIMAGE_SHA256_HEX_BYTES], devs[512] = "", first[64];
		struct fwimage_expect e = { .compat_version = rv->compat, .keep_settings = true };
		uint8_t *copy = malloc(rv->image_bytes);

		assert_int_equal(read_image(rv->image, rv->image_bytes, &info), 0);
		assert_int_equal(info.payload_bytes, rv->payload_bytes);
		assert_true(info.has_metadata && info.crc_ok);
		assert_int_equal(info.has_signature, rv->has_signature);
		assert_int_equal(info.has_meta_sha256, rv->has_sha256);
		assert_string_equal(info.compat_version, rv->compat);
		assert_string_equal(info.version.version, rv->version);
		assert_string_equal(info.version.dist, "OpenWrt");
		assert_string_equal(info.version.target, "ath79/generic");
		fwimage_sha256_hex(info.payload_sha256, hex);
		assert_string_equal(hex, rv->payload_sha256);
		fwimage_sha256_hex(info.image_sha256, hex);
		assert_string_equal(hex, rv->image_sha256);
		for (unsigned d = 0; d < info.n_devices; d++)
			snprintf(devs + strlen(devs), sizeof(devs) - strlen(devs), "%s%s", d ? " " : "", info.devices[d]);
		assert_string_equal(devs, rv->devices);
		assert_int_equal(info.new_devices, strcmp(rv->compat, "1.0") != 0);

		sscanf(rv->devices, "%63s", first);
		e.compatible = first;
		assert_int_equal(judge(rv->image, rv->image_bytes, &e, &v), FWIMAGE_P_NONE);
		assert_int_equal(v.kind, FWIMAGE_ACCEPT);
		e.compatible = "other,board";
		assert_int_equal(judge(rv->image, rv->image_bytes, &e, &v), FWIMAGE_P_WRONG_BOARD);
		e.compatible = first;
		e.compat_version = "1.0";
		judge(rv->image, rv->image_bytes, &e, &v);
		assert_int_equal(v.problem, !strcmp(rv->compat, "2.0") ? FWIMAGE_P_COMPAT_MAJOR
					    : !strcmp(rv->compat, "1.1") ? FWIMAGE_P_COMPAT_MINOR : FWIMAGE_P_NONE);

		/* One changed bit anywhere in an independently made image: broken. */
		memcpy(copy, rv->image, rv->image_bytes);
		for (size_t off = 0; off < rv->image_bytes; off++) {
			copy[off] ^= 0x04;
			assert_int_equal(read_split(copy, rv->image_bytes, WHOLE, 0, &info), -EBADMSG);
			copy[off] ^= 0x04;
		}
		free(copy);
	}
}

/* ---- the writer's exact output ---- */

static void writer_golden(void **state)
{
	(void)state;
	static const char *const devs[] = { "acme,r1", "acme-r1" };
	static const struct {
		const char *compat, *message, *json;
	} rows[] = {
		{ NULL, NULL,
		  "{\"metadata_version\":\"1.1\",\"compat_version\":\"1.0\",\"supported_devices\":[\"acme,r1\",\"acme-r1\"],"
		  "\"version\":{\"dist\":\"OpenWrt\",\"version\":\"23.05.3\",\"revision\":\"r1-abc\",\"target\":\"ath79/generic\","
		  "\"board\":\"\"},\"sha256\":\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"}" },
		{ "2.0", "new layout",
		  "{\"metadata_version\":\"1.1\",\"compat_version\":\"2.0\",\"compat_message\":\"new layout\","
		  "\"new_supported_devices\":[\"acme,r1\",\"acme-r1\"],\"supported_devices\":[\"acme,r1 acme-r1 - Image version "
		  "mismatch: image 2.0, device 1.0. Please wipe config during upgrade (force required) or reinstall. "
		  "Reason: new layout\"],\"version\":{\"dist\":\"OpenWrt\",\"version\":\"23.05.3\",\"revision\":\"r1-abc\","
		  "\"target\":\"ath79/generic\",\"board\":\"\"},"
		  "\"sha256\":\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"}" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fwimage_writer w;
		struct fwimage_meta m = { .devices = devs, .n_devices = 2, .compat_version = rows[i].compat,
					  .compat_message = rows[i].message, .dist = "OpenWrt", .version = "23.05.3",
					  .revision = "r1-abc", .target = "ath79/generic" };
		uint8_t out[2048];
		size_t len, jl = strlen(rows[i].json);
		struct buf b = { 0 };
		const uint8_t *tr;

		fwimage_writer_init(&w);
		fwimage_writer_feed(&w, NULL, 0);
		fwimage_writer_feed(&w, "hel", 3);
		fwimage_writer_feed(&w, "lo", 2);
		assert_int_equal(fwimage_writer_finish(&w, &m, out, sizeof(out), &len), 0);
		assert_int_equal(len, 8 + jl + 16);
		assert_memory_equal(out, "\0\0\0\0\0\0\0\0", 8);
		assert_memory_equal(out + 8, rows[i].json, jl);
		tr = out + 8 + jl;
		assert_memory_equal(tr, "FWx0", 4);
		assert_int_equal(tr[8], 1);
		assert_memory_equal(tr + 9, "\0\0\0", 3);
		assert_int_equal((uint32_t)tr[12] << 24 | tr[13] << 16 | tr[14] << 8 | tr[15], len);
		put(&b, "hello", 5);
		put(&b, out, 8 + jl);
		assert_int_equal((uint32_t)tr[4] << 24 | tr[5] << 16 | tr[6] << 8 | tr[7], fw_crc(b.p, b.len));
		free(b.p);
	}
}

static void writer_errors(void **state)
{
	(void)state;
	static uint8_t out[FWIMAGE_WRITER_OUT_BYTES];
	static char big[FWIMAGE_METADATA_MAX_BYTES + 1];
	const char *long_name = "a-device-name-that-is-sixty-four-bytes-long-and-so-does-not-fit!";
	const char *many[FWIMAGE_MAX_DEVICES + 1];
	const char *empty[] = { "" }, *toolong[] = { long_name };
	struct fwimage_writer w;
	struct fwimage_meta m = { .devices = r1_devices, .n_devices = 2 };
	size_t len = 0;

	assert_int_equal(strlen(long_name), 64);
	for (int i = 0; i <= FWIMAGE_MAX_DEVICES; i++)
		many[i] = "x";
	memset(big, 'v', sizeof(big) - 1);
	fwimage_writer_init(&w);
	assert_int_equal(fwimage_writer_finish(&w, &m, out, sizeof(out), &len), -EINVAL);   /* no payload */
	fwimage_writer_feed(&w, "x", 1);
	assert_int_equal(fwimage_writer_finish(&w, &(struct fwimage_meta){ .n_devices = 0 }, out, sizeof(out), &len),
			 -EINVAL);
	assert_int_equal(fwimage_writer_finish(&w, &(struct fwimage_meta){ .devices = many,
			 .n_devices = FWIMAGE_MAX_DEVICES + 1 }, out, sizeof(out), &len), -EINVAL);
	assert_int_equal(fwimage_writer_finish(&w, &(struct fwimage_meta){ .devices = empty, .n_devices = 1 },
			 out, sizeof(out), &len), -EINVAL);
	assert_int_equal(fwimage_writer_finish(&w, &(struct fwimage_meta){ .devices = toolong, .n_devices = 1 },
			 out, sizeof(out), &len), -EINVAL);
	m.compat_version = "";
	assert_int_equal(fwimage_writer_finish(&w, &m, out, sizeof(out), &len), -EINVAL);
	m.compat_version = "1234567890.12345";
	assert_int_equal(fwimage_writer_finish(&w, &m, out, sizeof(out), &len), -EINVAL);
	m.compat_version = NULL;
	m.compat_message = big;
	assert_int_equal(fwimage_writer_finish(&w, &m, out, sizeof(out), &len), -EINVAL);
	m.compat_message = NULL;
	m.version = big;
	assert_int_equal(fwimage_writer_finish(&w, &m, out, sizeof(out), &len), -E2BIG);
	m.version = "1";
	assert_int_equal(fwimage_writer_finish(&w, &m, out, 100, &len), -ENOSPC);
	assert_int_equal(fwimage_writer_finish(&w, &m, out, sizeof(out), &len), 0);
	assert_true(len > 100);
	many[0] = long_name + 1;   /* 63 bytes: fits */
	assert_int_equal(fwimage_writer_finish(&w, &(struct fwimage_meta){ .devices = many,
			 .n_devices = FWIMAGE_MAX_DEVICES }, out, sizeof(out), &len), 0);
}

/* ---- streaming ---- */

static void splits_agree(void **state)
{
	(void)state;
	struct buf imgs[6] = { { 0 } };
	struct fwimage_info info;

	make_image(&imgs[0], 1000, NULL, false);
	make_image(&imgs[1], 70000, "2.0", true);        /* payload larger than the tail */
	add_payload(&imgs[2], 5000, 3);                  /* no metadata */
	make_image(&imgs[3], 500, NULL, true);
	imgs[3].p[10] ^= 1;                              /* bad CRC */
	make_image(&imgs[4], 300, NULL, false);
	imgs[4].len -= 5;                                /* truncated */
	add_payload(&imgs[5], 100, 3);
	add_meta(&imgs[5], "{\"supported_devices\":[\"a\"],\"version\":7}");   /* bad key */
	for (int i = 0; i < 6; i++) {
		read_image(imgs[i].p, imgs[i].len, &info);   /* asserts that every split agrees */
		free(imgs[i].p);
	}
}

static void large_image(void **state)
{
	(void)state;
	struct buf b = { 0 };
	struct fwimage_info info, other;
	struct fwimage_verdict v;
	struct hash_sha256 sha;
	uint8_t digest[FWIMAGE_SHA256_BYTES];
	size_t payload = 3 * 1024 * 1024 + 5;

	make_image(&b, payload, NULL, true);
	assert_int_equal(read_image(b.p, b.len, &info), 0);
	assert_int_equal(read_split(b.p, b.len, PIECES_64K, 0, &other), 0);
	assert_memory_equal(&other, &info, sizeof(info));
	assert_int_equal(info.payload_bytes, payload);
	hash_sha256_init(&sha);
	hash_sha256_update(&sha, b.p, payload);
	hash_sha256_digest(&sha, digest);
	assert_memory_equal(info.payload_sha256, digest, sizeof(digest));
	hash_sha256_update(&sha, b.p, b.len);
	hash_sha256_digest(&sha, digest);
	assert_memory_equal(info.image_sha256, digest, sizeof(digest));
	assert_int_equal(fwimage_check(&info, &r1, &v), 0);
	assert_int_equal(v.kind, FWIMAGE_ACCEPT);

	/* Byte by byte through several tail lengths: the ring wraps many times. */
	b.len = 0;
	make_image(&b, 3 * FWIMAGE_TAIL_BYTES + 17, NULL, false);
	assert_int_equal(read_split(b.p, b.len, BYTES, 0, &info), 0);
	assert_int_equal(read_split(b.p, b.len, WHOLE, 0, &other), 0);
	assert_memory_equal(&other, &info, sizeof(info));
	b.p[5] ^= 0x20;   /* folded long before the end, still caught */
	assert_int_equal(read_split(b.p, b.len, PIECES_64K, 0, &info), -EBADMSG);
	assert_int_equal(info.problem, FWIMAGE_P_BAD_CRC);
	free(b.p);
}

static void finish_again(void **state)
{
	(void)state;
	struct buf b = { 0 };
	struct fwimage_reader *r = reader();
	struct fwimage_info a, c;

	make_image(&b, 100000, NULL, false);
	fwimage_reader_init(r);
	fwimage_reader_feed(r, NULL, 0);
	fwimage_reader_feed(r, b.p, 50001);
	assert_int_equal(fwimage_reader_finish(r, &a), 0);   /* mid-image: no metadata yet */
	assert_false(a.has_metadata);
	fwimage_reader_feed(r, b.p + 50001, b.len - 50001);
	assert_int_equal(fwimage_reader_finish(r, &a), 0);
	assert_int_equal(fwimage_reader_finish(r, &c), 0);
	assert_memory_equal(&a, &c, sizeof(a));
	assert_true(a.has_metadata);
	free(b.p);
}

/* Two part readers (CRC, SHA-256) fed the same pieces and joined finish as one reader; mismatches refused. */
static void part_readers(void **state)
{
	(void)state;
	struct buf b = { 0 };
	struct fwimage_reader *crc = malloc(sizeof(*crc)), *sha = malloc(sizeof(*sha)), *other = malloc(sizeof(*other));
	static struct fwimage_info whole, joined;
	uint32_t seed = 7;

	assert_non_null(crc);
	assert_non_null(sha);
	assert_non_null(other);
	make_image(&b, 300000, NULL, true);
	assert_int_equal(read_split(b.p, b.len, WHOLE, 0, &whole), 0);
	fwimage_reader_init_part(crc, FWIMAGE_FOLD_CRC);
	fwimage_reader_init_part(sha, FWIMAGE_FOLD_SHA256);
	for (size_t off = 0, k; off < b.len; off += k) {
		k = lcg(&seed) % (2 * FWIMAGE_TAIL_BYTES) + 1;
		if (k > b.len - off)
			k = b.len - off;
		fwimage_reader_feed(crc, b.p + off, k);
		fwimage_reader_feed(sha, b.p + off, k);
	}
	*other = *crc;
	assert_int_equal(fwimage_reader_finish(other, &joined), -EINVAL);   /* a part alone is not a verdict */
	assert_int_equal(fwimage_reader_join(crc, sha), 0);
	assert_int_equal(fwimage_reader_finish(crc, &joined), 0);
	assert_memory_equal(&joined, &whole, sizeof(whole));
	/* A part fed one byte less does not join. */
	fwimage_reader_init_part(crc, FWIMAGE_FOLD_CRC);
	fwimage_reader_init_part(sha, FWIMAGE_FOLD_SHA256);
	fwimage_reader_feed(crc, b.p, b.len);
	fwimage_reader_feed(sha, b.p, b.len - 1);
	assert_int_equal(fwimage_reader_join(crc, sha), -EINVAL);
	/* Two parts keeping the same sum do not make a whole. */
	fwimage_reader_init_part(sha, FWIMAGE_FOLD_CRC);
	fwimage_reader_feed(sha, b.p, b.len);
	assert_int_equal(fwimage_reader_join(crc, sha), -EINVAL);
	free(crc);
	free(sha);
	free(other);
	free(b.p);
}

/* ---- limits ---- */

/* A metadata JSON of exactly n bytes that lists acme,r1. */
static void add_meta_of_size(struct buf *b, size_t n)
{
	char *json = malloc(n + 1);
	int head = snprintf(json, n + 1, "{\"supported_devices\":[\"acme,r1\"],\"pad\":\"");

	memset(json + head, 'p', n - (size_t)head - 2);
	memcpy(json + n - 2, "\"}", 3);
	add_meta(b, json);
	free(json);
}

static void metadata_limit(void **state)
{
	(void)state;
	static const struct {
		size_t payload, json;
		bool sign;
		enum fwimage_problem expect;
	} rows[] = {
		{ 100, FWIMAGE_METADATA_MAX_BYTES, false, FWIMAGE_P_NONE },
		{ 100, FWIMAGE_METADATA_MAX_BYTES + 1, false, FWIMAGE_P_METADATA_TOO_LARGE },
		{ 200000, FWIMAGE_METADATA_MAX_BYTES, true, FWIMAGE_P_NONE },
		{ 200000, FWIMAGE_METADATA_MAX_BYTES + 1, true, FWIMAGE_P_METADATA_TOO_LARGE },
		{ 200000, 40000, false, FWIMAGE_P_METADATA_TOO_LARGE },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf b = { 0 };
		struct fwimage_verdict v;
		uint8_t sig[FWIMAGE_SIGNATURE_MAX_BYTES] = { 1 };

		add_payload(&b, rows[i].payload, 9);
		add_meta_of_size(&b, rows[i].json);
		if (rows[i].sign)
			add_chunk(&b, sig, sizeof(sig), FWIMAGE_TYPE_SIGNATURE);
		assert_int_equal(judge(b.p, b.len, &r1, &v), rows[i].expect);
		assert_int_equal(v.kind, rows[i].expect ? FWIMAGE_BROKEN : FWIMAGE_ACCEPT);
		free(b.p);
	}
}

static void signature_chunks(void **state)
{
	(void)state;
	static const struct {
		int n_sigs;
		size_t sig_bytes;
		bool meta;
		enum fwimage_problem expect;
	} rows[] = {
		{ 1, 16, true, FWIMAGE_P_NONE },
		{ 1, 0, true, FWIMAGE_P_NONE },
		{ 1, FWIMAGE_SIGNATURE_MAX_BYTES, true, FWIMAGE_P_NONE },
		{ 1, FWIMAGE_SIGNATURE_MAX_BYTES + 1, true, FWIMAGE_P_SIGNATURE_TOO_LARGE },
		{ FWIMAGE_MAX_CHUNKS - 1, 500, true, FWIMAGE_P_NONE },
		{ FWIMAGE_MAX_CHUNKS, 500, true, FWIMAGE_P_TOO_MANY_CHUNKS },
		{ 1, 100, false, FWIMAGE_P_ORPHAN_SIGNATURE },
		{ 2, 100, false, FWIMAGE_P_ORPHAN_SIGNATURE },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf b = { 0 };
		struct fwimage_verdict v;
		struct fwimage_info info;
		uint8_t sig[FWIMAGE_SIGNATURE_MAX_BYTES + 1];

		memset(sig, 0x5a, sizeof(sig));
		if (rows[i].meta)
			make_image(&b, 400, NULL, false);
		else
			add_payload(&b, 400, 1);
		for (int s = 0; s < rows[i].n_sigs; s++)
			add_chunk(&b, sig, rows[i].sig_bytes, FWIMAGE_TYPE_SIGNATURE);
		assert_int_equal(judge(b.p, b.len, &r1, &v), rows[i].expect);
		read_split(b.p, b.len, WHOLE, 0, &info);
		if (!rows[i].expect) {
			assert_true(info.has_signature && info.has_metadata && info.crc_ok);
			assert_int_equal(info.payload_bytes, 400);
			assert_int_equal(info.n_chunks, 1 + rows[i].n_sigs);
		}
		free(b.p);
	}
}

/* ---- policy tables ---- */

static void compat_rules(void **state)
{
	(void)state;
	static const struct {
		const char *image;     /* NULL: key absent */
		const char *device;    /* NULL: "1.0" */
		bool keep, force;
		enum fwimage_problem expect;
		enum fwimage_kind kind;
	} rows[] = {
		{ NULL, NULL, true, false, FWIMAGE_P_NONE, FWIMAGE_ACCEPT },
		{ "", NULL, true, false, FWIMAGE_P_NONE, FWIMAGE_ACCEPT },
		{ "1.0", "1.0", true, false, FWIMAGE_P_NONE, FWIMAGE_ACCEPT },
		{ "1.1", NULL, true, false, FWIMAGE_P_COMPAT_MINOR, FWIMAGE_INVALID },
		{ "1.1", NULL, false, false, FWIMAGE_P_NONE, FWIMAGE_ACCEPT },       /* -n: minor is fine */
		{ "1.1", NULL, true, true, FWIMAGE_P_COMPAT_MINOR, FWIMAGE_ACCEPT },
		{ "1.0", "1.1", true, false, FWIMAGE_P_COMPAT_MINOR, FWIMAGE_INVALID },
		{ "2.0", NULL, true, false, FWIMAGE_P_COMPAT_MAJOR, FWIMAGE_INVALID },
		{ "2.0", NULL, false, false, FWIMAGE_P_COMPAT_MAJOR, FWIMAGE_INVALID },
		{ "2.0", NULL, false, true, FWIMAGE_P_COMPAT_MAJOR, FWIMAGE_ACCEPT },
		{ "2.0", "2.0", true, false, FWIMAGE_P_NONE, FWIMAGE_ACCEPT },
		{ "2.1", "2.0", true, false, FWIMAGE_P_COMPAT_MINOR, FWIMAGE_INVALID },
		{ "1.0", "2.0", false, false, FWIMAGE_P_COMPAT_MAJOR, FWIMAGE_INVALID },
		{ "2", "2.0", true, false, FWIMAGE_P_COMPAT_MINOR, FWIMAGE_INVALID }, /* "2" has no dot: major "2" */
		{ "10.0", "1.0", true, false, FWIMAGE_P_COMPAT_MAJOR, FWIMAGE_INVALID },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf b = { 0 };
		struct fwimage_expect e = r1;
		struct fwimage_verdict v;
		char json[512];
		bool is_new = rows[i].image && *rows[i].image && strcmp(rows[i].image, "1.0");

		if (!rows[i].image)
			snprintf(json, sizeof(json), "{\"supported_devices\":[\"acme,r1\"]}");
		else if (!is_new)
			snprintf(json, sizeof(json), "{\"compat_version\":\"%s\",\"supported_devices\":[\"acme,r1\"]}",
				 rows[i].image);
		else
			snprintf(json, sizeof(json), "{\"compat_version\":\"%s\",\"compat_message\":\"why\\nnot\","
				 "\"new_supported_devices\":[\"acme,r1\"],\"supported_devices\":[\"legacy text\"]}",
				 rows[i].image);
		add_payload(&b, 64, 2);
		add_meta(&b, json);
		e.compat_version = rows[i].device;
		e.keep_settings = rows[i].keep;
		e.force = rows[i].force;
		assert_int_equal(judge(b.p, b.len, &e, &v), rows[i].expect);
		assert_int_equal(v.kind, rows[i].kind);
		assert_int_equal(v.forced, rows[i].kind == FWIMAGE_ACCEPT && rows[i].expect);
		if (rows[i].expect == FWIMAGE_P_COMPAT_MAJOR && is_new)
			assert_non_null(strstr(v.reason, "why?not"));   /* compat_message, kept on one line */
		free(b.p);
	}
}

static void board_rules(void **state)
{
	(void)state;
	static const struct {
		const char *compatible, *name;
		bool force;
		enum fwimage_problem expect;
		enum fwimage_kind kind;
	} rows[] = {
		{ "acme,r1", "other", false, FWIMAGE_P_NONE, FWIMAGE_ACCEPT },      /* by compatible */
		{ "acme,zz", "acme-r1", false, FWIMAGE_P_NONE, FWIMAGE_ACCEPT },    /* by its own name */
		{ NULL, "acme-r1", false, FWIMAGE_P_NONE, FWIMAGE_ACCEPT },
		{ "acme,r1", NULL, false, FWIMAGE_P_NONE, FWIMAGE_ACCEPT },
		{ "acme,r2", "acme-r2", false, FWIMAGE_P_WRONG_BOARD, FWIMAGE_INVALID },
		{ "acme,r2", "acme-r2", true, FWIMAGE_P_WRONG_BOARD, FWIMAGE_ACCEPT },
		{ NULL, NULL, false, FWIMAGE_P_WRONG_BOARD, FWIMAGE_INVALID },
		{ "", "", false, FWIMAGE_P_WRONG_BOARD, FWIMAGE_INVALID },
		{ "ACME,R1", "acme-r1 ", false, FWIMAGE_P_WRONG_BOARD, FWIMAGE_INVALID },   /* exact match only */
	};
	struct buf b = { 0 };

	make_image(&b, 256, NULL, true);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fwimage_expect e = { .compatible = rows[i].compatible, .board_name = rows[i].name,
					    .keep_settings = true, .force = rows[i].force };
		struct fwimage_verdict v;

		assert_int_equal(judge(b.p, b.len, &e, &v), rows[i].expect);
		assert_int_equal(v.kind, rows[i].kind);
		if (rows[i].expect)
			assert_non_null(strstr(v.reason, "acme,r1 acme-r1"));
	}
	free(b.p);
}

static void device_list_limits(void **state)
{
	(void)state;
	struct buf json = { 0 }, b = { 0 };
	struct fwimage_info info;
	struct fwimage_verdict v;
	char name[128];

	put(&json, "{\"supported_devices\":[", 22);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "%s\"dev%d\"", i ? "," : "", i);
		put(&json, name, strlen(name));
	}
	snprintf(name, sizeof(name), ",\"%064d\",\"a\\u0000b\"]}", 0);
	put(&json, name, strlen(name) + 1);
	add_payload(&b, 10, 4);
	add_meta(&b, (const char *)json.p);
	assert_int_equal(read_image(b.p, b.len, &info), 0);
	assert_int_equal(info.n_devices, FWIMAGE_MAX_DEVICES);
	assert_int_equal(info.n_devices_skipped, 40 - FWIMAGE_MAX_DEVICES + 2);
	assert_string_equal(info.devices[31], "dev31");
	assert_int_equal(fwimage_check(&info, &(struct fwimage_expect){ .board_name = "dev31" }, &v), 0);
	assert_int_equal(v.kind, FWIMAGE_ACCEPT);
	/* Beyond the kept names: refused as another board (documented). */
	assert_int_equal(fwimage_check(&info, &(struct fwimage_expect){ .board_name = "dev35" }, &v), 0);
	assert_int_equal(v.problem, FWIMAGE_P_WRONG_BOARD);
	assert_non_null(strstr(v.reason, "more)"));
	free(json.p);
	free(b.p);
}

/* ---- tiny and trailer-shaped images ---- */

static void tiny_images(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		size_t len;
		const char *bytes;     /* NULL: pseudo-random */
		enum fwimage_problem expect;
	} rows[] = {
		{ "0 bytes", 0, "", FWIMAGE_P_EMPTY },
		{ "1 byte", 1, "x", FWIMAGE_P_NO_METADATA },
		{ "15 bytes", 15, NULL, FWIMAGE_P_NO_METADATA },
		{ "15 bytes, a trailer cut short", 15, "FWx0\0\0\0\0\1\0\0\0\0\0\0", FWIMAGE_P_TRUNCATED },
		{ "4 bytes of magic", 4, "FWx0", FWIMAGE_P_TRUNCATED },
		{ "3 bytes of magic", 3, "FWx", FWIMAGE_P_NO_METADATA },
		{ "16 zero bytes", 16, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", FWIMAGE_P_NO_METADATA },
		{ "16 bytes", 16, NULL, FWIMAGE_P_NO_METADATA },
		{ "17 bytes", 17, NULL, FWIMAGE_P_NO_METADATA },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf b = { 0 };
		struct fwimage_verdict v;

		if (rows[i].bytes)
			put(&b, rows[i].bytes, rows[i].len);
		else
			add_payload(&b, rows[i].len, 11);
		print_message("tiny: %s\n", rows[i].name);
		assert_int_equal(judge(b.p, b.len, &r1, &v), rows[i].expect);
		free(b.p);
	}
}

/* Chunks with nothing or almost nothing around them. */
static void trailer_only_images(void **state)
{
	(void)state;
	struct buf b = { 0 };
	struct fwimage_verdict v;

	/* 16 bytes: a metadata trailer with its minimum size, but no room for a header. */
	add_chunk(&b, NULL, 0, FWIMAGE_TYPE_METADATA);
	b.p[15] = 24;
	assert_int_equal(judge(b.p, b.len, &r1, &v), FWIMAGE_P_BAD_SIZE);
	/* 16 bytes: an empty signature chunk with nothing before it. */
	b.len = 0;
	add_chunk(&b, NULL, 0, FWIMAGE_TYPE_SIGNATURE);
	assert_int_equal(judge(b.p, b.len, &r1, &v), FWIMAGE_P_ORPHAN_SIGNATURE);
	/* 17 bytes: one payload byte and a metadata trailer claiming 24. */
	b.len = 0;
	put(&b, "x", 1);
	add_chunk(&b, NULL, 0, FWIMAGE_TYPE_METADATA);
	b.p[16] = 24;
	assert_int_equal(judge(b.p, b.len, &r1, &v), FWIMAGE_P_BAD_SIZE);
	/* Metadata and no payload. */
	b.len = 0;
	add_meta(&b, "{\"supported_devices\":[\"acme,r1\"]}");
	assert_int_equal(judge(b.p, b.len, &r1, &v), FWIMAGE_P_EMPTY);
	free(b.p);
}

/* ---- corruption ---- */

static void flipped_bytes(void **state)
{
	(void)state;
	static const uint8_t masks[] = { 0x01, 0x02, 0x10, 0x80, 0xff };

	for (int sign = 0; sign <= 1; sign++) {
		struct buf b = { 0 };
		struct fwimage_info info;
		size_t n = 120;

		make_image(&b, n, NULL, sign);
		for (size_t off = 0; off < b.len; off++) {
			for (size_t m = 0; m < sizeof(masks); m++) {
				b.p[off] ^= masks[m];
				assert_int_equal(read_split(b.p, b.len, WHOLE, 0, &info), -EBADMSG);
				assert_int_equal(fwimage_problem_kind(info.problem), FWIMAGE_BROKEN);
				b.p[off] ^= masks[m];
			}
		}
		/* What each region's damage is called (unsigned image: the trailer is last). */
		if (!sign) {
			static const struct {
				long off;          /* from the start, or from the end when negative */
				uint8_t mask;
				enum fwimage_problem expect;
			} rows[] = {
				{ 0, 0x01, FWIMAGE_P_BAD_CRC },             /* payload */
				{ 120, 0x01, FWIMAGE_P_BAD_CRC },           /* header */
				{ 130, 0x01, FWIMAGE_P_BAD_CRC },           /* JSON */
				{ -16, 0x01, FWIMAGE_P_BAD_MAGIC },
				{ -13, 0x40, FWIMAGE_P_BAD_MAGIC },
				{ -12, 0x01, FWIMAGE_P_BAD_CRC },           /* the stored CRC */
				{ -9, 0x80, FWIMAGE_P_BAD_CRC },
				{ -8, 0xff, FWIMAGE_P_BAD_TRAILER },        /* type */
				{ -8, 0x01, FWIMAGE_P_ORPHAN_SIGNATURE },   /* metadata read as a signature */
				{ -7, 0x01, FWIMAGE_P_BAD_TRAILER },        /* padding */
				{ -2, 0x80, FWIMAGE_P_BAD_SIZE },           /* size + 32 KiB: beyond the image start */
				{ -4, 0x01, FWIMAGE_P_BAD_SIZE },
			};

			for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
				size_t off = rows[i].off < 0 ? b.len - (size_t)-rows[i].off : (size_t)rows[i].off;

				b.p[off] ^= rows[i].mask;
				read_split(b.p, b.len, WHOLE, 0, &info);
				print_message("flip at %ld ^ 0x%02x: %s\n", rows[i].off, rows[i].mask, info.reason);
				assert_int_equal(info.problem, rows[i].expect);
				b.p[off] ^= rows[i].mask;
			}
		}
		if (!sign) {
			/* The last trailer's size is covered by no CRC: a wrong one moves the header. */
			static const struct {
				long delta;
				enum fwimage_problem expect;
			} sizes[] = {
				{ -1, FWIMAGE_P_BAD_JSON },     /* header = 7 zeros and '{' */
				{ -4, FWIMAGE_P_BAD_JSON },
				{ -8, FWIMAGE_P_BAD_HEADER },   /* header = JSON text */
				{ +4, FWIMAGE_P_BAD_HEADER },   /* header = payload bytes */
				{ +8, FWIMAGE_P_BAD_HEADER },
				{ 1L << 24, FWIMAGE_P_BAD_SIZE },
			};
			uint8_t *sz = b.p + b.len - 4;
			uint32_t size = (uint32_t)sz[0] << 24 | sz[1] << 16 | sz[2] << 8 | sz[3];

			for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
				uint32_t bad = size + (uint32_t)sizes[i].delta;

				sz[0] = (uint8_t)(bad >> 24), sz[1] = (uint8_t)(bad >> 16);
				sz[2] = (uint8_t)(bad >> 8), sz[3] = (uint8_t)bad;
				read_split(b.p, b.len, WHOLE, 0, &info);
				print_message("size %+ld: %s\n", sizes[i].delta, info.reason);
				assert_int_equal(info.problem, sizes[i].expect);
			}
		}
		free(b.p);
	}
}

/*
 * Cut from the end of an image with a 16-byte signature chunk or without:
 * inside a trailer (at least its magic left) is truncated; otherwise the
 * end looks like an image without metadata, except that dropping the
 * whole signature chunk leaves a valid unsigned image.
 */
static enum fwimage_problem after_cut(bool sign, size_t cut)
{
	size_t sig = sign ? 32 : 0;

	if (cut <= 12 || (sign && cut > sig && cut <= sig + 12))
		return FWIMAGE_P_TRUNCATED;
	if (sign && cut == sig)
		return FWIMAGE_P_NONE;
	return FWIMAGE_P_NO_METADATA;
}

static void truncated_images(void **state)
{
	(void)state;
	for (int sign = 0; sign <= 1; sign++) {
		struct buf b = { 0 };
		struct fwimage_info info;
		struct fwimage_verdict v;
		struct fwimage_expect e = r1;
		size_t full;

		make_image(&b, 2000, NULL, sign);
		full = b.len;
		read_split(b.p, full, WHOLE, 0, &info);
		memcpy(e.sha256, info.payload_sha256, sizeof(e.sha256));
		e.force = true;
		e.has_sha256 = true;
		for (size_t cut = 1; cut <= 60; cut++) {
			enum fwimage_problem p = after_cut(sign, cut);

			assert_int_equal(judge(b.p, full - cut, &r1, &v), p);
			/* Forced with the sha256 of the real payload: any cut into it is caught. */
			assert_int_equal(kind_of(b.p, full - cut, &e), p ? FWIMAGE_BROKEN : FWIMAGE_ACCEPT);
		}
		free(b.p);
	}
}

/* ---- metadata content ---- */

static void json_rules(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		size_t len;            /* 0: strlen */
		uint32_t version, flags;
		enum fwimage_problem expect;
	} rows[] = {
		{ "{\"supported_devices\":[\"acme,r1\"]}", 0, 0, 0, FWIMAGE_P_NONE },
		{ "{\"supported_devices\":[\"acme,r1\"]}\n", 0, 0, 0, FWIMAGE_P_NONE },       /* echo's newline */
		{ " \t{ \"supported_devices\" : [ \"acme,r1\" ] } \r\n", 0, 0, 0, FWIMAGE_P_NONE },
		{ "{\"supported_devices\":[\"acme,r1\"]}", 0, 0, 0xffffffffu, FWIMAGE_P_NONE }, /* flags ignored */
		{ "{\"supported_devices\":[\"acme,r1\"]}", 0, 1, 0, FWIMAGE_P_BAD_HEADER },
		{ "", 0, 0, 0, FWIMAGE_P_BAD_JSON },
		{ "[\"acme,r1\"]", 0, 0, 0, FWIMAGE_P_BAD_JSON },
		{ "\"acme,r1\"", 0, 0, 0, FWIMAGE_P_BAD_JSON },
		{ "{\"supported_devices\":[\"acme,r1\"]", 0, 0, 0, FWIMAGE_P_BAD_JSON },
		{ "{\"supported_devices\":[\"acme,r1\"]}x", 0, 0, 0, FWIMAGE_P_BAD_JSON },
		{ "{\"supported_devices\":[\"acme,r1\"]}{}", 0, 0, 0, FWIMAGE_P_BAD_JSON },
		{ "{\"supported_devices\":[\"acme,r1\"]}\0", 34, 0, 0, FWIMAGE_P_BAD_JSON },
		{ "{\"supported_devices\" [\"acme,r1\"]}", 0, 0, 0, FWIMAGE_P_BAD_JSON },
		{ "{}", 0, 0, 0, FWIMAGE_P_BAD_DEVICES },
		{ "{\"supported_devices\":\"acme,r1\"}", 0, 0, 0, FWIMAGE_P_BAD_DEVICES },
		{ "{\"supported_devices\":[\"acme,r1\",7]}", 0, 0, 0, FWIMAGE_P_BAD_DEVICES },
		{ "{\"compat_version\":\"2.0\",\"supported_devices\":[\"acme,r1\"]}", 0, 0, 0, FWIMAGE_P_BAD_DEVICES },
		{ "{\"compat_version\":2,\"supported_devices\":[\"acme,r1\"]}", 0, 0, 0, FWIMAGE_P_BAD_KEY },
		{ "{\"compat_version\":\"1.00000000000000\",\"supported_devices\":[\"acme,r1\"]}", 0, 0, 0, FWIMAGE_P_BAD_KEY },
		{ "{\"metadata_version\":1.1,\"supported_devices\":[\"acme,r1\"]}", 0, 0, 0, FWIMAGE_P_BAD_KEY },
		{ "{\"compat_message\":[],\"supported_devices\":[\"acme,r1\"]}", 0, 0, 0, FWIMAGE_P_BAD_KEY },
		{ "{\"supported_devices\":[\"acme,r1\"],\"version\":\"1\"}", 0, 0, 0, FWIMAGE_P_BAD_KEY },
		{ "{\"supported_devices\":[\"acme,r1\"],\"version\":{\"dist\":null}}", 0, 0, 0, FWIMAGE_P_BAD_KEY },
		{ "{\"supported_devices\":[\"acme,r1\"],\"sha256\":\"abc\"}", 0, 0, 0, FWIMAGE_P_BAD_KEY },
		{ "{\"supported_devices\":[\"acme,r1\"],\"sha256\":7}", 0, 0, 0, FWIMAGE_P_BAD_KEY },
		{ "{\"supported_devices\":[]}", 0, 0, 0, FWIMAGE_P_WRONG_BOARD },
		{ "{\"supported_devices\":[\"acme,r1\"],\"sha256\":"
		  "\"0000000000000000000000000000000000000000000000000000000000000000\"}", 0, 0, 0,
		  FWIMAGE_P_SHA256_MISMATCH },
		{ "{\"supported_devices\":[\"acme,r1\"],\"unknown\":{\"deep\":[1,2,{\"x\":null}]}}", 0, 0, 0, FWIMAGE_P_NONE },
		{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		  0, 0, 0, FWIMAGE_P_BAD_JSON },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf b = { 0 };
		struct fwimage_verdict v;

		add_payload(&b, 64, 5);
		add_meta_raw(&b, rows[i].version, rows[i].flags, rows[i].json,
			     rows[i].len ? rows[i].len : strlen(rows[i].json));
		print_message("json row %zu\n", i);
		assert_int_equal(judge(b.p, b.len, &r1, &v), rows[i].expect);
		assert_int_equal(v.kind, fwimage_problem_kind(rows[i].expect));
		if (rows[i].expect == FWIMAGE_P_WRONG_BOARD)
			assert_non_null(strstr(v.reason, "supports: (none)"));
		free(b.p);
	}
}

static void version_fields(void **state)
{
	(void)state;
	struct buf b = { 0 };
	struct fwimage_info info;
	char json[400];

	snprintf(json, sizeof(json), "{\"metadata_version\":\"1.1\",\"supported_devices\":[\"acme,r1\"],"
		 "\"version\":{\"dist\":\"OpenWrt\",\"version\":\"SNAPSHOT\",\"revision\":\"r27160-b72c4b5386\","
		 "\"target\":\"rockchip\\/armv8\",\"board\":\"%0100d\"}}", 0);
	add_payload(&b, 64, 5);
	add_meta(&b, json);
	assert_int_equal(read_image(b.p, b.len, &info), 0);
	assert_string_equal(info.metadata_version, "1.1");
	assert_string_equal(info.compat_version, "1.0");
	assert_false(info.new_devices);
	assert_string_equal(info.version.revision, "r27160-b72c4b5386");
	assert_string_equal(info.version.target, "rockchip/armv8");
	assert_int_equal(strlen(info.version.board), FWIMAGE_FIELD_BYTES - 1);   /* cut, display only */
	assert_int_equal(info.json_bytes, strlen(json));
	free(b.p);
}

/* ---- sha256 expectations and no metadata ---- */

static void sha256_rules(void **state)
{
	(void)state;
	struct buf meta = { 0 }, raw = { 0 };
	struct fwimage_info im, ir;
	uint8_t wrong[FWIMAGE_SHA256_BYTES] = { 1 };
	static const struct {
		bool raw, force, has_sha;
		int sha;               /* 0 payload's, 1 whole image's, 2 wrong */
		enum fwimage_problem expect;
		enum fwimage_kind kind;
		int exit_code;
	} rows[] = {
		{ false, false, true, 0, FWIMAGE_P_NONE, FWIMAGE_ACCEPT, 0 },
		{ false, false, true, 1, FWIMAGE_P_NONE, FWIMAGE_ACCEPT, 0 },
		{ false, false, true, 2, FWIMAGE_P_EXPECTED_SHA256_MISMATCH, FWIMAGE_BROKEN, 25 },
		{ false, true, true, 2, FWIMAGE_P_EXPECTED_SHA256_MISMATCH, FWIMAGE_BROKEN, 25 },
		{ true, false, false, 0, FWIMAGE_P_NO_METADATA, FWIMAGE_INVALID, 30 },
		{ true, false, true, 0, FWIMAGE_P_NO_METADATA, FWIMAGE_INVALID, 30 },
		{ true, true, false, 0, FWIMAGE_P_FORCE_NEEDS_SHA256, FWIMAGE_INVALID, 31 },
		{ true, true, true, 0, FWIMAGE_P_NO_METADATA, FWIMAGE_ACCEPT, 0 },
		{ true, true, true, 2, FWIMAGE_P_EXPECTED_SHA256_MISMATCH, FWIMAGE_BROKEN, 25 },
	};

	make_image(&meta, 5000, NULL, true);
	add_payload(&raw, 5000, 8);
	read_image(meta.p, meta.len, &im);
	read_image(raw.p, raw.len, &ir);
	assert_memory_equal(ir.payload_sha256, ir.image_sha256, FWIMAGE_SHA256_BYTES);
	assert_memory_not_equal(im.payload_sha256, im.image_sha256, FWIMAGE_SHA256_BYTES);
	assert_true(im.has_meta_sha256);
	assert_memory_equal(im.meta_sha256, im.payload_sha256, FWIMAGE_SHA256_BYTES);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct fwimage_info *info = rows[i].raw ? &ir : &im;
		struct fwimage_expect e = r1;
		struct fwimage_verdict v;

		e.force = rows[i].force;
		e.has_sha256 = rows[i].has_sha;
		memcpy(e.sha256, rows[i].sha == 0 ? info->payload_sha256 : rows[i].sha == 1 ? info->image_sha256 : wrong,
		       sizeof(e.sha256));
		assert_int_equal(fwimage_check(info, &e, &v), 0);
		verdict_ok(&v);
		assert_int_equal(v.problem, rows[i].expect);
		assert_int_equal(v.kind, rows[i].kind);
		assert_int_equal(v.exit_code, rows[i].exit_code);
	}
	im.complete = false;
	assert_int_equal(fwimage_check(&im, &r1, &(struct fwimage_verdict){ 0 }), -EINVAL);
	free(meta.p);
	free(raw.p);
}

/* The check list agrees with the verdict: the first failed check is the refused one; later ones are not run. */
/* An image the reader did not finish (out of memory, a reader that failed) is refused, never accepted by default. */
static void check_incomplete_refused(void **state)
{
	struct fwimage_info info = { .payload_bytes = 4096, .complete = false };
	struct fwimage_verdict v;

	(void)state;
	assert_int_equal(fwimage_check(&info, &(struct fwimage_expect){ .board_name = "dev31", .force = true }, &v),
			 -EINVAL);
	assert_int_equal(v.kind, FWIMAGE_BROKEN);
	assert_int_not_equal(v.exit_code, 0);
	assert_non_null(strstr(v.reason, "not read to its end"));
}

static void check_list(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		int mutate;             /* 0 none, 1 flip a payload byte, 2 no metadata, 3 other board, 4 compat 2.0,
					 * 5 unfit for the storage */
		bool expect_sha;        /* --sha256 given: the payload's */
		const char *states;     /* complete sha256 format metadata board compat, as O F N A */
	} rows[] = {
		{ "good", 0, false, "OOOOOO" },
		{ "good, expected sha256", 0, true, "OOOOOO" },
		{ "flipped byte", 1, false, "FNNNNN" },
		{ "no metadata", 2, false, "OAOFNN" },
		{ "no metadata, expected sha256", 2, true, "OOOFNN" },
		{ "other board", 3, false, "OOOOFO" },
		{ "compat 2.0", 4, false, "OOOOOF" },
		{ "unfit", 5, false, "OOFNNN" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf b = { 0 };
		static struct fwimage_info info;
		struct fwimage_check_item items[FWIMAGE_CHECKS];
		struct fwimage_expect e = { .compatible = rows[i].mutate == 3 ? "acme,r9" : "acme,r1",
					    .board_name = rows[i].mutate == 3 ? "acme-r9" : "acme-r1",
					    .keep_settings = true,
					    .unfit = rows[i].mutate == 5 ? "a tar for a raw partition" : NULL };
		struct fwimage_verdict v;
		int first_failed = -1;

		if (rows[i].mutate == 2)
			add_payload(&b, 5000, 3);
		else
			make_image(&b, 5000, rows[i].mutate == 4 ? "2.0" : NULL, false);
		if (rows[i].mutate == 1)
			b.p[100] ^= 1;
		read_image(b.p, b.len, &info);
		if (rows[i].expect_sha) {
			memcpy(e.sha256, info.payload_sha256, sizeof(e.sha256));
			e.has_sha256 = true;
		}
		fwimage_check_list(&info, &e, items);
		assert_int_equal(fwimage_check(&info, &e, &v), 0);
		for (int c = 0; c < FWIMAGE_CHECKS; c++) {
			static const char code[] = "OFNA";

			if (code[items[c].state] != rows[i].states[c])
				fail_msg("%s: check %s is %s (%s), want %c", rows[i].what, items[c].name,
					 fwimage_check_state_name(items[c].state), items[c].detail, rows[i].states[c]);
			assert_non_null(items[c].name);
			assert_true(items[c].detail[0] != '\0');
			if (first_failed < 0 && items[c].state == FWIMAGE_CHECK_FAILED)
				first_failed = c;
		}
		/* Accepted exactly when nothing failed. */
		assert_int_equal(v.kind == FWIMAGE_ACCEPT, first_failed < 0);
		free(b.p);
	}
	assert_string_equal(fwimage_check_state_name(FWIMAGE_CHECK_NOT_RUN), "not run");
	assert_string_equal(fwimage_check_state_name((enum fwimage_check_state)9), "?");
}

static void sha256_hex(void **state)
{
	(void)state;
	uint8_t sha[FWIMAGE_SHA256_BYTES], back[FWIMAGE_SHA256_BYTES];
	char hex[FWIMAGE_SHA256_HEX_BYTES];

	for (int i = 0; i < FWIMAGE_SHA256_BYTES; i++)
		sha[i] = (uint8_t)(i * 37 + 5);
	fwimage_sha256_hex(sha, hex);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(fwimage_sha256_parse(hex, back), 0);
	assert_memory_equal(sha, back, sizeof(sha));
	hex[3] = (char)(hex[3] >= 'a' ? hex[3] - 32 : hex[3]);
	assert_int_equal(fwimage_sha256_parse(hex, back), 0);   /* either case */
	assert_memory_equal(sha, back, sizeof(sha));
	hex[63] = 'g';
	assert_int_equal(fwimage_sha256_parse(hex, back), -EINVAL);
	assert_int_equal(fwimage_sha256_parse("abc", back), -EINVAL);
	assert_int_equal(fwimage_sha256_parse(
		"00000000000000000000000000000000000000000000000000000000000000000", back), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(problem_table),
		cmocka_unit_test(reference_vectors),
		cmocka_unit_test(writer_golden),
		cmocka_unit_test(writer_errors),
		cmocka_unit_test(splits_agree),
		cmocka_unit_test(large_image),
		cmocka_unit_test(finish_again),
		cmocka_unit_test(metadata_limit),
		cmocka_unit_test(signature_chunks),
		cmocka_unit_test(compat_rules),
		cmocka_unit_test(board_rules),
		cmocka_unit_test(device_list_limits),
		cmocka_unit_test(tiny_images),
		cmocka_unit_test(trailer_only_images),
		cmocka_unit_test(flipped_bytes),
		cmocka_unit_test(truncated_images),
		cmocka_unit_test(json_rules),
		cmocka_unit_test(version_fields),
		cmocka_unit_test(sha256_rules),
		cmocka_unit_test(sha256_hex),
		cmocka_unit_test(part_readers),
		cmocka_unit_test(check_list),
		cmocka_unit_test(check_incomplete_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
