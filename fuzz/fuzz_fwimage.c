/* fuzz/fuzz_fwimage.c — libFuzzer target: bytes as an image through the fwtool reader (any split) and check; writer round trip */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

#include "fwimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fwimage_reader reader;

static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Feed in pieces drawn from seed (0: at once); the ring must not care where the cuts are. */
static int read_pieces(const uint8_t *p, size_t n, uint32_t seed, struct fwimage_info *info)
{
	size_t off = 0;

	fwimage_reader_init(&reader);
	while (off < n) {
		size_t k = n - off;

		if (seed) {
			uint32_t r = next(&seed);
			size_t want = r & 1 ? r % 97 + 1 : r % (2 * FWIMAGE_TAIL_BYTES) + 1;

			if (want < k)
				k = want;
		}
		fwimage_reader_feed(&reader, p + off, k);
		off += k;
	}
	return fwimage_reader_finish(&reader, info);
}

static void sha256(const uint8_t *p, size_t n, uint8_t out[FWIMAGE_SHA256_BYTES])
{
	struct hash_sha256 c;

	hash_sha256_init(&c);
	hash_sha256_update(&c, p, n);
	hash_sha256_digest(&c, out);
}

static void terminated(const char *s, size_t n)
{
	if (!memchr(s, 0, n))
		abort();
}

static void check_info(const struct fwimage_info *info, const uint8_t *p, size_t n, int ret)
{
	uint8_t digest[FWIMAGE_SHA256_BYTES];

	if (!info->complete || info->total_bytes != n || info->payload_bytes > n)
		abort();
	if (ret != (info->problem ? -EBADMSG : 0))
		abort();
	if (info->problem && fwimage_problem_kind(info->problem) != FWIMAGE_BROKEN)
		abort();
	if (info->problem && (!info->reason[0] || strchr(info->reason, '\n')))
		abort();
	if (info->has_metadata && (n - info->payload_bytes < FWIMAGE_HEADER_BYTES + FWIMAGE_TRAILER_BYTES
				   || !info->crc_ok))
		abort();
	if (info->n_devices > FWIMAGE_MAX_DEVICES || info->n_chunks > FWIMAGE_MAX_CHUNKS)
		abort();
	terminated(info->reason, sizeof(info->reason));
	terminated(info->compat_version, sizeof(info->compat_version));
	terminated(info->version.board, sizeof(info->version.board));
	terminated(info->payload.dir, sizeof(info->payload.dir));
	if ((unsigned)info->payload.format >= PAYLOAD_FORMAT_COUNT)
		abort();
	for (unsigned i = 0; i < info->n_devices; i++)
		terminated(info->devices[i], sizeof(info->devices[i]));
	sha256(p, info->payload_bytes, digest);
	if (memcmp(digest, info->payload_sha256, sizeof(digest)))
		abort();
	sha256(p, n, digest);
	if (memcmp(digest, info->image_sha256, sizeof(digest)))
		abort();
}

static void check_verdicts(const struct fwimage_info *info, uint32_t seed)
{
	for (int i = 0; i < 8; i++) {
		struct fwimage_expect e = {
			.compatible = info->n_devices ? info->devices[next(&seed) % info->n_devices] : "x,y",
			.board_name = "board",
			.compat_version = i & 4 ? "2.0" : NULL,
			.keep_settings = i & 1, .force = i & 2, .has_sha256 = i & 1,
			.unfit = (i & 3) == 3 ? "unfit for the storage" : NULL,
		};
		struct fwimage_verdict v;

		memcpy(e.sha256, i & 4 ? info->image_sha256 : info->payload_sha256, sizeof(e.sha256));
		if (fwimage_check(info, &e, &v))
			abort();
		if (v.exit_code != (v.kind == FWIMAGE_ACCEPT ? 0 : fwimage_problem_exit_code(v.problem)))
			abort();
		if (!v.reason[0] || strchr(v.reason, '\n'))
			abort();
		if (info->problem && (v.kind != FWIMAGE_BROKEN || v.problem != info->problem))
			abort();
		if (v.kind == FWIMAGE_ACCEPT && !v.forced && (!info->has_metadata || !info->crc_ok))
			abort();
		if (v.forced && (!e.force || v.kind != FWIMAGE_ACCEPT))
			abort();
		/* an unfit payload is never written, -F or not */
		if (e.unfit && (v.kind != FWIMAGE_BROKEN || (!info->problem && v.problem != FWIMAGE_P_UNFIT &&
							     v.problem != FWIMAGE_P_SHA256_MISMATCH &&
							     v.problem != FWIMAGE_P_EXPECTED_SHA256_MISMATCH)))
			abort();
	}
}

/* The input as payload (after some filler, so the tail wraps) and version text, written and read back. */
static void round_trip(const uint8_t *data, size_t size, uint32_t seed)
{
	static const char *const devices[] = { "fuzz,board", "fuzz-board" };
	static struct fwimage_info info;
	size_t filler = data[0] % 8 == 0 ? FWIMAGE_TAIL_BYTES + data[size - 1] : 0, len, n = filler + size;
	uint8_t *img = malloc(n + FWIMAGE_WRITER_OUT_BYTES);
	char text[64] = "";
	struct fwimage_writer w;
	struct fwimage_meta m = { .devices = devices, .n_devices = 2, .version = text,
				  .compat_version = data[0] & 1 ? "2.0" : NULL };
	struct fwimage_expect e = { .compatible = "fuzz,board",
				    .compat_version = data[0] & 1 ? "2.0" : NULL, .keep_settings = true };
	struct fwimage_verdict v;
	size_t pos;
	uint8_t mask;
	bool deep;
	int ret;

	if (!img)
		abort();
	memset(img, data[0], filler);
	memcpy(img + filler, data, size);
	memcpy(text, data, size < sizeof(text) - 1 ? size : sizeof(text) - 1);
	fwimage_writer_init(&w);
	fwimage_writer_feed(&w, img, n / 2);
	fwimage_writer_feed(&w, img + n / 2, n - n / 2);
	if (fwimage_writer_finish(&w, &m, img + n, FWIMAGE_WRITER_OUT_BYTES, &len))
		abort();
	n += len;
	ret = read_pieces(img, n, seed, &info);
	/* a payload that looks like a tar, gzip, FIT or UBI image and is not a whole one is refused by the deep check */
	deep = info.problem == FWIMAGE_P_BAD_TAR || info.problem == FWIMAGE_P_BAD_GZIP ||
	       info.problem == FWIMAGE_P_BAD_FIT || info.problem == FWIMAGE_P_BAD_UBI;
	if ((ret && !deep) || !info.has_metadata || info.payload_bytes != filler + size || strcmp(info.version.version, text)
	    || fwimage_check(&info, &e, &v) || (deep ? v.kind != FWIMAGE_BROKEN : v.kind != FWIMAGE_ACCEPT
						|| v.forced))
		abort();
	if (deep && (filler || !(data[0] == 0x1f || data[0] == 0xd0 || data[0] == 'U' || size >= 512)))
		abort();   /* only a payload whose first bytes say so is walked */
	/* Any one changed byte is refused as broken. */
	pos = (size_t)next(&seed) % n;
	mask = (uint8_t)(data[size / 2] % 255 + 1);
	img[pos] ^= mask;
	if (read_pieces(img, n, seed, &info) != -EBADMSG || fwimage_check(&info, &e, &v) || v.kind != FWIMAGE_BROKEN)
		abort();
	free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fwimage_info whole, split;
	uint32_t seed = 2166136261u;
	int ret;

	for (size_t i = 0; i < size && i < 16; i++)
		seed = (seed ^ data[i]) * 16777619u;
	seed |= 1;
	ret = read_pieces(data, size, 0, &whole);
	check_info(&whole, data, size, ret);
	if (read_pieces(data, size, seed, &split) != ret || memcmp(&split, &whole, sizeof(whole)))
		abort();
	if (size <= 1024) {
		fwimage_reader_init(&reader);
		for (size_t i = 0; i < size; i++)
			fwimage_reader_feed(&reader, data + i, 1);
		if (fwimage_reader_finish(&reader, &split) != ret || memcmp(&split, &whole, sizeof(whole)))
			abort();
	}
	check_verdicts(&whole, seed);
	if (size)
		round_trip(data, size, seed);
	return 0;
}
