/* unittests/test_bootcount.c — the Linksys boot counter log: where the reset record goes, a full log, a broken record */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bootcount.h"

#define STRIDE 2048u
#define SLOTS 8u

static uint8_t log_[STRIDE * SLOTS];

static void put(unsigned slot, uint32_t magic, uint32_t count, uint32_t checksum)
{
	uint32_t rec[3] = { magic, count, checksum };

	memcpy(log_ + slot * STRIDE, rec, sizeof(rec));
}

static void timeline(void **s)
{
	struct bootcount_reset r;
	char why[200];

	(void)s;
	assert_int_equal(bootcount_linksys_stride(1), 16);      /* NOR: 16-byte records (EA6350v3) */
	assert_int_equal(bootcount_linksys_stride(2048), 2048); /* NAND: one page each */
	/* erased: nothing to reset */
	memset(log_, 0xff, sizeof(log_));
	assert_int_equal(bootcount_linksys_plan(log_, sizeof(log_), STRIDE, &r, why, sizeof(why)), 0);
	assert_false(r.needed);
	/* U-Boot counted three boots: the record goes after them */
	put(0, BOOTCOUNT_LINKSYS_MAGIC, 1, BOOTCOUNT_LINKSYS_MAGIC + 1);
	put(1, BOOTCOUNT_LINKSYS_MAGIC, 2, BOOTCOUNT_LINKSYS_MAGIC + 2);
	put(2, BOOTCOUNT_LINKSYS_MAGIC, 3, BOOTCOUNT_LINKSYS_MAGIC + 3);
	assert_int_equal(bootcount_linksys_plan(log_, sizeof(log_), STRIDE, &r, why, sizeof(why)), 0);
	assert_true(r.needed);
	assert_false(r.erase_first);
	assert_int_equal(r.offset_bytes, 3 * STRIDE);
	assert_int_equal(r.last_count, 3);
	assert_int_equal(r.records, 3);
	/* the last count is 0 already: nothing */
	put(3, BOOTCOUNT_LINKSYS_MAGIC, 0, BOOTCOUNT_LINKSYS_MAGIC);
	assert_int_equal(bootcount_linksys_plan(log_, sizeof(log_), STRIDE, &r, why, sizeof(why)), 0);
	assert_false(r.needed);
	/* full: erase, then the first slot */
	for (unsigned i = 0; i < SLOTS; i++)
		put(i, BOOTCOUNT_LINKSYS_MAGIC, i + 1, BOOTCOUNT_LINKSYS_MAGIC + i + 1);
	assert_int_equal(bootcount_linksys_plan(log_, sizeof(log_), STRIDE, &r, why, sizeof(why)), 0);
	assert_true(r.needed && r.erase_first);
	assert_int_equal(r.offset_bytes, 0);
	/* a record that is neither erased nor valid: left alone */
	put(4, BOOTCOUNT_LINKSYS_MAGIC, 5, 12345);
	assert_int_equal(bootcount_linksys_plan(log_, sizeof(log_), STRIDE, &r, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "0x00002000"));
	put(4, 0x12345678, 5, 0x12345678 + 5);
	assert_int_equal(bootcount_linksys_plan(log_, sizeof(log_), STRIDE, &r, why, sizeof(why)), -EBADMSG);
	/* a partition smaller than one record slot */
	assert_int_equal(bootcount_linksys_plan(log_, 100, STRIDE, &r, why, sizeof(why)), -EBADMSG);
}

static void record(void **s)
{
	uint8_t rec[STRIDE];
	uint32_t words[3];

	(void)s;
	bootcount_linksys_record(rec, STRIDE);
	memcpy(words, rec, sizeof(words));
	assert_int_equal(words[0], BOOTCOUNT_LINKSYS_MAGIC);
	assert_int_equal(words[1], 0);
	assert_int_equal(words[2], BOOTCOUNT_LINKSYS_MAGIC);
	for (size_t i = 12; i < STRIDE; i++)
		assert_int_equal(rec[i], 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timeline),
		cmocka_unit_test(record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
