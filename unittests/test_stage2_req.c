/* unittests/test_stage2_req.c — the stage2 request file (round trip, refusals) and OpenWrt's /tmp/sysupgrade */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "stage2_req.h"

static void round_trip(void **s)
{
	static struct stage2_req r, back;
	static char text[STAGE2_REQ_BYTES];
	char why[128];
	int n;

	(void)s;
	memset(&r, 0, sizeof(r));
	const char *argv[] = { "sysupgrade", "--from-ram", "-n", "--sha256", "ab12", "/tmp/stage2/image" };
	for (unsigned i = 0; i < 6; i++)
		snprintf(r.argv[r.argc++], sizeof(r.argv[0]), "%s", argv[i]);
	snprintf(r.tool[r.n_tools++], sizeof(r.tool[0]), "ubiformat");
	snprintf(r.why, sizeof(r.why), "UBI volume rootfs on ubi is in use: ubiblock0_1 is mounted at / (squashfs)");
	snprintf(r.cause, sizeof(r.cause), "button");
	snprintf(r.button, sizeof(r.button), "reset");
	snprintf(r.abandoned, sizeof(r.abandoned), "pivot_root: Invalid argument");
	n = stage2_req_format(&r, text, sizeof(text));
	assert_true(n > 0 && (size_t)n == strlen(text));
	assert_non_null(strstr(text, "arg=--from-ram\n"));
	assert_int_equal(stage2_req_parse(text, &back, why, sizeof(why)), 0);
	assert_memory_equal(&r, &back, sizeof(r));
	/* values with '=' in them, lines of others and no last newline */
	assert_int_equal(stage2_req_parse("x=1\narg=a=b\nnoequals\narg=c", &back, why, sizeof(why)), 0);
	assert_int_equal(back.argc, 2);
	assert_string_equal(back.argv[0], "a=b");
	assert_string_equal(back.argv[1], "c");
}

static void refused(void **s)
{
	static struct stage2_req r;
	static char text[STAGE2_REQ_BYTES * 2];
	char why[128];

	(void)s;
	memset(&r, 0, sizeof(r));
	assert_int_equal(stage2_req_format(&r, text, sizeof(text)), -EINVAL);   /* nothing to run */
	snprintf(r.argv[r.argc++], sizeof(r.argv[0]), "sysupgrade\n--evil");
	assert_int_equal(stage2_req_format(&r, text, sizeof(text)), -EINVAL);   /* a newline would make a line */
	snprintf(r.argv[0], sizeof(r.argv[0]), "sysupgrade");
	assert_int_equal(stage2_req_format(&r, text, 8), -E2BIG);
	assert_int_equal(stage2_req_parse("why=x\n", &r, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "no arg="));
	text[0] = '\0';
	for (int i = 0; i <= STAGE2_ARGS_MAX; i++)
		strcat(text, "arg=x\n");
	assert_int_equal(stage2_req_parse(text, &r, why, sizeof(why)), -EINVAL);
	snprintf(text, sizeof(text), "arg=%0300d\n", 1);
	assert_int_equal(stage2_req_parse(text, &r, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "too long"));
}

/* What base-files' sysupgrade writes in failsafe: printf '%s\x00%s\x00%s' "$RAM_ROOT" "$IMAGE" "$COMMAND". */
static void openwrt_handover(void **s)
{
	char out[64];

	(void)s;
	assert_int_equal(stage2_openwrt_handover("/tmp/stage2/root", "/tmp/i", "failsafed", out, sizeof(out)), 34);
	assert_memory_equal(out, "/tmp/stage2/root\0/tmp/i\0failsafed\0", 34);
	assert_int_equal(stage2_openwrt_handover("/tmp/stage2/root", "/tmp/i", "failsafed", out, 33), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(refused),
		cmocka_unit_test(openwrt_handover),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
