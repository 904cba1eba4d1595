/* fuzz/fuzz_ubi_check.c — libFuzzer target: bytes as a ubinized image through the streaming UBI header check in any pieces */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ubi_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ubi_check whole, split;

static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void feed(struct ubi_check *u, const uint8_t *p, size_t n, uint32_t seed)
{
	size_t off = 0;

	ubi_check_init(u);
	while (off < n) {
		size_t k = n - off, want = seed ? next(&seed) % 300 + 1 : k;

		if (want < k)
			k = want;
		ubi_check_feed(u, p + off, k);
		off += k;
	}
}

static int verdict(const struct ubi_check *u, uint64_t end, struct payload_id *id, char *why, size_t n)
{
	int rc;

	memset(id, 0, sizeof(*id));
	rc = ubi_check_finish(u, end, id, why, n);
	if (!memchr(why, 0, n) || strchr(why, '\n') || (rc != 0) != (why[0] != '\0'))
		abort();
	if (!memchr(id->ubi_names, 0, sizeof(id->ubi_names)))
		abort();
	if (!rc && (!id->walked || id->own_bytes != end || !id->ubi_peb_bytes || id->ubi_pebs < 2 ||
		    (uint64_t)id->ubi_pebs * id->ubi_peb_bytes != end || id->ubi_volumes > UBI_MAX_VOLUMES))
		abort();
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct payload_id a, b;
	char wa[UBI_WHY_BYTES], wb[UBI_WHY_BYTES];
	uint32_t seed = 2166136261u;
	uint64_t end = size;

	for (size_t i = 0; i < size && i < 16; i++)
		seed = (seed ^ data[i]) * 16777619u;
	seed |= 1;
	if (size > 128 && (data[size - 1] & 3) == 0)
		end = size - (data[size - 2] % 128 + 1);
	feed(&whole, data, size, 0);
	feed(&split, data, size, seed);
	if (whole.vtbl_len > sizeof(whole.vtbl))
		abort();
	if (verdict(&whole, end, &a, wa, sizeof(wa)) != verdict(&split, end, &b, wb, sizeof(wb)) || strcmp(wa, wb) ||
	    memcmp(&a, &b, sizeof(a)))
		abort();
	return 0;
}
