/* unittests/test_mountinfo.c — /proc/self/mountinfo lines: the topmost mount at a point, escapes, options */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mountinfo.h"

static const char text[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"30 22 7:0 / /tmp/r ro,relatime - squashfs /dev/loop0 ro,errors=continue\n"
	"31 30 0:40 / /tmp/r rw,noatime - overlay overlayfs:/overlay rw,lowerdir=/tmp/x/rom,upperdir=/tmp/x/data/upper,"
	"workdir=/tmp/x/data/work\n"
	"32 31 7:1 / /tmp/r/overlay rw,noatime master:3 - ext4 /dev/loop1 rw\n"
	"40 22 0:50 / /mnt/with\\040blank rw - tmpfs ram rw,size=1024k\n"
	"garbage line\n"
	"41 22 0:51 / /short\n";

static void topmost_wins(void **s)
{
	struct mount_entry e;

	(void)s;
	assert_true(mountinfo_find(text, "/tmp/r", &e));
	assert_string_equal(e.fstype, "overlay");
	assert_string_equal(e.source, "overlayfs:/overlay");
	assert_false(e.read_only);
	assert_true(mountinfo_find(text, "/tmp/r/overlay", &e));
	assert_string_equal(e.fstype, "ext4");
	assert_string_equal(e.source, "/dev/loop1");     /* optional fields (master:3) skipped */
	assert_true(mountinfo_find(text, "/", &e));
	assert_string_equal(e.source, "/dev/sda1");
	assert_false(mountinfo_find(text, "/tmp", &e));
	assert_false(mountinfo_find(text, "/short", &e)); /* a cut line is no mount */
}

static void escapes_and_ro(void **s)
{
	static const char ro[] = "30 22 7:0 / /tmp/r ro,relatime - squashfs /dev/loop0 ro\n";
	struct mount_entry e;

	(void)s;
	assert_true(mountinfo_find(text, "/mnt/with blank", &e));
	assert_string_equal(e.fstype, "tmpfs");
	assert_true(mountinfo_find(ro, "/tmp/r", &e));
	assert_true(e.read_only);
}

static void options(void **s)
{
	struct mount_entry e;
	char v[64];

	(void)s;
	assert_true(mountinfo_find(text, "/tmp/r", &e));
	assert_true(mountinfo_option(e.super_options, "upperdir", v, sizeof(v)));
	assert_string_equal(v, "/tmp/x/data/upper");
	assert_true(mountinfo_option(e.super_options, "workdir", v, sizeof(v)));
	assert_string_equal(v, "/tmp/x/data/work");
	assert_false(mountinfo_option(e.super_options, "upper", v, sizeof(v)));  /* a prefix is not the key */
	assert_false(mountinfo_option("", "upperdir", v, sizeof(v)));
	assert_true(mountinfo_option("a=1,b=,c=3", "b", v, sizeof(v)));
	assert_string_equal(v, "");
}

static void every_mount_with_its_device(void **s)
{
	const char *cur = text;
	struct mount_entry e;
	unsigned n = 0;

	(void)s;
	while (mountinfo_next(&cur, &e)) {
		static const unsigned want[][2] = { { 8, 1 }, { 7, 0 }, { 0, 40 }, { 7, 1 }, { 0, 50 } };

		assert_true(n < 5);
		assert_int_equal(e.major, want[n][0]);
		assert_int_equal(e.minor, want[n][1]);
		n++;
	}
	assert_int_equal(n, 5);          /* the garbage line and the cut one are skipped */
	assert_false(mountinfo_next(&cur, &e));
	cur = "1 0 a:b / / rw - ext4 x rw\n";
	assert_false(mountinfo_next(&cur, &e));   /* no device */
}

static void what_moves_to_ram(void **s)
{
	(void)s;
	assert_true(mountinfo_moves_to_ram("/proc"));
	assert_true(mountinfo_moves_to_ram("/dev/pts"));
	assert_true(mountinfo_moves_to_ram("/tmp"));
	assert_true(mountinfo_moves_to_ram("/sys/kernel/debug"));
	assert_false(mountinfo_moves_to_ram("/"));
	assert_false(mountinfo_moves_to_ram("/rom"));
	assert_false(mountinfo_moves_to_ram("/overlay"));
	assert_false(mountinfo_moves_to_ram("/tmpfoo"));
	assert_false(mountinfo_moves_to_ram("/devices"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(topmost_wins),
		cmocka_unit_test(escapes_and_ro),
		cmocka_unit_test(every_mount_with_its_device),
		cmocka_unit_test(what_moves_to_ram),
		cmocka_unit_test(options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
