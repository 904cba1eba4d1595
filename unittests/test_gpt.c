/* unittests/test_gpt.c — GPT partition names from the header and the entry array (as blkid reads them) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "gpt.h"

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static void name(uint8_t *entry, const char *s)
{
	for (unsigned i = 0; s[i]; i++)
		put_le(entry + 56 + 2 * i, (uint8_t)s[i], 2);
}

static void header_and_entries(void **st)
{
	uint8_t hdr[GPT_SECTOR_BYTES] = { 0 }, entries[4 * 128] = { 0 };
	uint64_t lba;
	uint32_t count, size;
	char out[40];

	(void)st;
	memcpy(hdr, "EFI PART", 8);
	put_le(hdr + 72, 2, 8);
	put_le(hdr + 80, 128, 4);
	put_le(hdr + 84, 128, 4);
	assert_int_equal(gpt_entries_at(hdr, &lba, &count, &size), 0);
	assert_int_equal(lba, 2);
	assert_int_equal(count, 128);
	assert_int_equal(size, 128);
	entries[0] = 0xaf;          /* a type GUID: used */
	name(entries, "kernel");
	entries[128] = 0xaf;
	name(entries + 128, "rootfs");
	put_le(entries + 128 + 56 + 12, 0x263a, 2);   /* a character outside ASCII */
	assert_int_equal(gpt_entry_name(entries, sizeof(entries), 128, 1, out, sizeof(out)), 0);
	assert_string_equal(out, "kernel");
	assert_int_equal(gpt_entry_name(entries, sizeof(entries), 128, 2, out, sizeof(out)), 0);
	assert_string_equal(out, "rootfs?");
	/* unused, beyond the array, number 0, a name cut to the buffer */
	assert_int_equal(gpt_entry_name(entries, sizeof(entries), 128, 3, out, sizeof(out)), -ENOENT);
	assert_int_equal(gpt_entry_name(entries, sizeof(entries), 128, 5, out, sizeof(out)), -ENOENT);
	assert_int_equal(gpt_entry_name(entries, sizeof(entries), 128, 0, out, sizeof(out)), -ENOENT);
	assert_int_equal(gpt_entry_name(entries, sizeof(entries), 128, 1, out, 4), 0);
	assert_string_equal(out, "ker");
	/* not a GPT, or implausible sizes */
	hdr[0] = 'X';
	assert_int_equal(gpt_entries_at(hdr, &lba, &count, &size), -EINVAL);
	hdr[0] = 'E';
	put_le(hdr + 84, 100, 4);
	assert_int_equal(gpt_entries_at(hdr, &lba, &count, &size), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_and_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
