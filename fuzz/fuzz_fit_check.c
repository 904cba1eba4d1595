/* fuzz/fuzz_fit_check.c — libFuzzer target: bytes as a uImage.FIT through the streaming FIT check in any pieces; also gzip'd when they start 1f 8b */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fit_check.h"
#include "payload_deep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fit_check whole, split;
static struct payload_deep deep;

static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void feed(struct fit_check *f, const uint8_t *p, size_t n, uint32_t seed)
{
	size_t off = 0;

	fit_check_init(f);
	while (off < n) {
		size_t k = n - off, want = seed ? next(&seed) % 200 + 1 : k;

		if (want < k)
			k = want;
		fit_check_feed(f, p + off, k);
		off += k;
	}
}

static int verdict(const struct fit_check *f, uint64_t end, struct payload_id *id, char *why, size_t n)
{
	int rc;

	memset(id, 0, sizeof(*id));
	rc = fit_check_finish(f, end, id, why, n);
	if (!memchr(why, 0, n) || strchr(why, '\n') || (rc != 0) != (why[0] != '\0'))
		abort();
	if (!rc && (!id->walked || id->own_bytes > end || id->fit_images == 0 || id->fit_images > FIT_MAX_IMAGES ||
		    id->fit_hashes > FIT_MAX_HASHES || id->fit_algos >> PAYLOAD_FIT_ALGOS))
		abort();
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct payload_id a, b;
	char wa[FIT_WHY_BYTES], wb[FIT_WHY_BYTES];
	uint32_t seed = 2166136261u;
	uint64_t end = size;
	int ra, rb;

	for (size_t i = 0; i < size && i < 16; i++)
		seed = (seed ^ data[i]) * 16777619u;
	seed |= 1;
	if (size > 64 && (data[size - 1] & 3) == 0)
		end = size - (data[size - 2] % 64 + 1);
	feed(&whole, data, size, 0);
	feed(&split, data, size, seed);
	if (whole.n_rec > FIT_MAX_RECORDS || whole.arena_len > FIT_ARENA_BYTES || whole.n_big > FIT_MAX_BIG ||
	    whole.depth > FIT_MAX_DEPTH)
		abort();
	ra = verdict(&whole, end, &a, wa, sizeof(wa));
	rb = verdict(&split, end, &b, wb, sizeof(wb));
	if (ra != rb || strcmp(wa, wb) || memcmp(&a, &b, sizeof(a)))
		abort();
	/* the same through the deep check (gzip'd FITs get inflated first) */
	payload_deep_init(&deep);
	payload_deep_feed(&deep, data, size);
	memset(&a, 0, sizeof(a));
	payload_identify(data, size < PAYLOAD_HEAD_BYTES ? size : PAYLOAD_HEAD_BYTES, end, &a);
	if (payload_deep_finish(&deep, end, &a, wa, sizeof(wa)) == PAYLOAD_DEEP_NO_MEMORY)
		abort();
	return 0;
}
