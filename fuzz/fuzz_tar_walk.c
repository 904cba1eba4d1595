/* fuzz/fuzz_tar_walk.c — libFuzzer target: bytes as a sysupgrade tar (plain, or gzip'd when they start 1f 8b) through the deep check in any pieces, then payload_member_read */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "payload_deep.h"
#include "tar_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct payload_deep deep;
static struct tar_walk walk;

struct result {
	enum payload_deep_problem problem;
	struct payload_id id;
	char why[PAYLOAD_DEEP_WHY_BYTES];
};

static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void terminated(const char *s, size_t n)
{
	if (!memchr(s, 0, n) || strchr(s, '\n'))
		abort();
}

/* The deep check fed in pieces drawn from seed (0: at once), finished at end. */
static void deep_run(const uint8_t *p, size_t n, uint64_t end, uint32_t seed, struct result *r)
{
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	payload_deep_init(&deep);
	while (off < n) {
		size_t k = n - off, want = seed ? next(&seed) % 300 + 1 : k;

		if (want < k)
			k = want;
		payload_deep_feed(&deep, p + off, k);
		off += k;
	}
	payload_identify(p, end < PAYLOAD_HEAD_BYTES ? (size_t)end : PAYLOAD_HEAD_BYTES, end, &r->id);
	r->problem = payload_deep_finish(&deep, end, &r->id, r->why, sizeof(r->why));
	terminated(r->why, sizeof(r->why));
	terminated(r->id.dir, sizeof(r->id.dir));
	terminated(r->id.control_board, sizeof(r->id.control_board));
	if (r->problem == PAYLOAD_DEEP_NO_MEMORY)
		abort();   /* the arena is sized for zlib: never */
	if ((r->problem == PAYLOAD_DEEP_OK) == (r->why[0] != '\0'))
		abort();
}

struct sink {
	uint32_t crc;
	uint64_t len;
	int stop_after;
};

static int sink(void *ctx, const void *buf, size_t len)
{
	struct sink *s = ctx;

	if (!len || len > PAYLOAD_READ_CHUNK_BYTES)
		abort();
	s->crc = (uint32_t)crc32_z(s->crc, buf, len);
	s->len += len;
	return s->stop_after && s->len >= (uint64_t)s->stop_after ? -ECANCELED : 0;
}

/* A walked sysupgrade tar: its members read back as the writer would, and they are what the check saw. */
static void members(const uint8_t *p, uint64_t end, const struct result *r)
{
	char why[256];

	if (r->problem || !r->id.walked || r->id.format != PAYLOAD_SYSUPGRADE_TAR)
		return;
	if (r->id.own_bytes > r->id.uncompressed_bytes || !r->id.dir[0] || strchr(r->id.dir, '/') ||
	    strncmp(r->id.dir, "sysupgrade-", 11) || !r->id.member[PAYLOAD_MEMBER_CONTROL].present ||
	    (!r->id.member[PAYLOAD_MEMBER_KERNEL].present && !r->id.member[PAYLOAD_MEMBER_ROOT].present))
		abort();
	for (int m = 0; m < PAYLOAD_MEMBER_COUNT; m++) {
		const struct payload_member *mb = &r->id.member[m];
		struct sink s = { 0 };
		int rc;

		if (!mb->present)
			continue;
		if (mb->offset_bytes + mb->size_bytes > r->id.own_bytes || mb->offset_bytes % 512)
			abort();
		rc = payload_member_read(p, end, &r->id, (enum payload_member_id)m, sink, &s, why, sizeof(why));
		if (rc || s.len != mb->size_bytes || s.crc != mb->crc32)
			abort();
		if (!r->id.gzip && crc32_z(0, p + mb->offset_bytes, (size_t)mb->size_bytes) != mb->crc32)
			abort();
		if (mb->size_bytes > 1) {
			s = (struct sink){ .stop_after = 1 };
			if (payload_member_read(p, end, &r->id, (enum payload_member_id)m, sink, &s, why, sizeof(why)) !=
			    -ECANCELED)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct result whole, split;
	uint32_t seed = 2166136261u;
	uint64_t end = size;

	for (size_t i = 0; i < size && i < 16; i++)
		seed = (seed ^ data[i]) * 16777619u;
	seed |= 1;
	/* Sometimes the payload ends before the bytes do (what follows is the metadata). */
	if (size > 600 && (data[size - 1] & 3) == 0)
		end = size - (data[size - 2] % 512 + 1);
	deep_run(data, size, end, 0, &whole);
	deep_run(data, size, end, seed, &split);
	if (memcmp(&whole, &split, sizeof(whole)))
		abort();
	members(data, end, &whole);
	/* the walker by itself: never past the bytes it was given, a fault with words */
	tar_walk_init(&walk);
	tar_walk_feed(&walk, data, size);
	if (walk.pos_bytes > size || walk.n_cand > TAR_CANDIDATES)
		abort();
	{
		struct payload_id id = { 0 };
		char why[TAR_WHY_BYTES];

		if (tar_walk_finish(&walk, end, &id, why, sizeof(why)) == 0 && (!id.walked || id.own_bytes > end))
			abort();
	}
	return 0;
}
