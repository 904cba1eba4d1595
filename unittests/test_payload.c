/* unittests/test_payload.c — what a payload is from its first bytes: magics, OpenWrt's sysupgrade tars (GNU, ustar, gzip), board-name spellings */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <zlib.h>

#include "payload.h"

static uint8_t buf[4 * PAYLOAD_HEAD_BYTES];

/* One tar header as GNU tar 1.34 (OpenWrt's scripts/sysupgrade-tar.sh) or POSIX ustar writes it. */
static void tar_header(uint8_t *h, const char *name, char type, unsigned size, int gnu)
{
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755 : 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011o", size);
	snprintf((char *)h + 136, 12, "%011o", 1700000000);
	h[156] = (uint8_t)type;
	memcpy(h + 257, gnu ? "ustar  " : "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

/* sysupgrade-<dir>/, CONTROL (BOARD=...), kernel of kernel_bytes: what sysupgrade-tar.sh makes, cut to the buffer. */
static size_t sysupgrade_tar(const char *dir, int gnu)
{
	char name[100];
	size_t off = 0;

	memset(buf, 0, sizeof(buf));
	snprintf(name, sizeof(name), "%s/", dir);
	tar_header(buf, name, '5', 0, gnu);
	off += 512;
	snprintf(name, sizeof(name), "%s/CONTROL", dir);
	tar_header(buf + off, name, '0', 14, gnu);
	off += 512;
	memcpy(buf + off, "BOARD=x,y-z\n", 12);
	off += 512;
	snprintf(name, sizeof(name), "%s/kernel", dir);
	tar_header(buf + off, name, '0', 5000000, gnu);
	off += 512;
	memset(buf + off, 0xd0, 512);
	return off + 512;
}

static void identify(const uint8_t *p, size_t n, uint64_t total, struct payload_id *id)
{
	payload_identify(p, n < PAYLOAD_HEAD_BYTES ? n : PAYLOAD_HEAD_BYTES, total, id);
}

static void magics(void **s)
{
	static const struct {
		const char *bytes;
		size_t at;
		enum payload_format want;
	} rows[] = {
		{ "UBI#\x01\x00\x00\x00", 0, PAYLOAD_UBI },
		{ "\x31\x18\x10\x06", 0, PAYLOAD_UBIFS },
		{ "hsqs", 0, PAYLOAD_SQUASHFS },
		{ "\xd0\x0d\xfe\xed", 0, PAYLOAD_FIT },
		{ "\x27\x05\x19\x56", 0, PAYLOAD_UIMAGE },
		{ "\x53\xef", 0x438, PAYLOAD_EXT4 },
		{ "\x55\xaa", 510, PAYLOAD_DISK },
		{ "EFI PART", 512, PAYLOAD_DISK },
		{ "CI", 0, PAYLOAD_RAW },        /* OpenWrt's "combined" image is not one failsafed knows */
		{ "hsq", 0, PAYLOAD_RAW },       /* one byte short of a magic */
	};
	struct payload_id id;

	(void)s;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(buf, 0x11, sizeof(buf));
		memcpy(buf + rows[i].at, rows[i].bytes, strlen(rows[i].bytes) ? strlen(rows[i].bytes) : 4);
		identify(buf, sizeof(buf), sizeof(buf), &id);
		assert_int_equal(id.format, rows[i].want);
		assert_false(id.gzip);
		assert_string_equal(id.dir, "");
	}
	/* a magic needs its bytes: a 3-byte payload is raw, none at all is empty */
	identify((const uint8_t *)"hsq", 3, 3, &id);
	assert_int_equal(id.format, PAYLOAD_RAW);
	identify(buf, 0, 0, &id);
	assert_int_equal(id.format, PAYLOAD_EMPTY);
	/* only the payload counts: head bytes past payload_bytes are the metadata */
	memcpy(buf, "hsqs", 4);
	identify(buf, sizeof(buf), 2, &id);
	assert_int_equal(id.format, PAYLOAD_RAW);
}

static void sysupgrade_tars(void **s)
{
	struct payload_id id;
	size_t n;

	(void)s;
	for (int gnu = 0; gnu < 2; gnu++) {
		n = sysupgrade_tar("sysupgrade-glinet_gl-mt6000", gnu);
		identify(buf, n, 50000000, &id);
		assert_int_equal(id.format, PAYLOAD_SYSUPGRADE_TAR);
		assert_string_equal(id.dir, "sysupgrade-glinet_gl-mt6000");
		assert_string_equal(payload_format_name(id.format), "sysupgrade-tar");
	}
	/* "./" in front, as `tar -C dir .` writes it */
	n = sysupgrade_tar("./sysupgrade-mercusys_mr85x", 1);
	identify(buf, n, n, &id);
	assert_int_equal(id.format, PAYLOAD_SYSUPGRADE_TAR);
	assert_string_equal(id.dir, "sysupgrade-mercusys_mr85x");
	/* a broken checksum is no tar */
	n = sysupgrade_tar("sysupgrade-x", 1);
	buf[0] ^= 1;
	identify(buf, n, n, &id);
	assert_int_equal(id.format, PAYLOAD_RAW);
	/* a tar of something else */
	memset(buf, 0, sizeof(buf));
	tar_header(buf, "etc/", '5', 0, 1);
	tar_header(buf + 512, "etc/passwd", '0', 10, 1);
	identify(buf, 2048, 10240, &id);
	assert_int_equal(id.format, PAYLOAD_TAR);
	assert_string_equal(id.dir, "");
	/* a GNU long name in front of the directory */
	memset(buf, 0, sizeof(buf));
	tar_header(buf, "././@LongLink", 'L', 40, 1);
	snprintf((char *)buf + 512, 100, "sysupgrade-a-very-long-board-name-here/");
	tar_header(buf + 1024, "sysupgrade-a-very-long-board-name-here", '5', 0, 1);
	identify(buf, 1536, 1536, &id);
	assert_int_equal(id.format, PAYLOAD_SYSUPGRADE_TAR);
	assert_string_equal(id.dir, "sysupgrade-a-very-long-board-name-here");
	/* a tar whose name only starts like it */
	tar_header(buf, "sysupgrade-", '5', 0, 1);
	identify(buf, 512, 10240, &id);
	assert_int_equal(id.format, PAYLOAD_TAR);
}

static size_t gzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream z = { 0 };

	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return cap - z.avail_out;
}

static void gzipped(void **s)
{
	static uint8_t gz[sizeof(buf) + 1024];
	struct payload_id id;
	size_t n, g;

	(void)s;
	n = sysupgrade_tar("sysupgrade-xiaomi_mi-router-ax3000t", 1);
	g = gzip(buf, n, gz, sizeof(gz));
	identify(gz, g, g, &id);
	assert_true(id.gzip);
	assert_int_equal(id.format, PAYLOAD_SYSUPGRADE_TAR);
	assert_string_equal(id.dir, "sysupgrade-xiaomi_mi-router-ax3000t");
	/* a gzip'd squashfs */
	memset(buf, 0x42, sizeof(buf));
	memcpy(buf, "hsqs", 4);
	g = gzip(buf, sizeof(buf), gz, sizeof(gz));
	identify(gz, g, g, &id);
	assert_true(id.gzip);
	assert_int_equal(id.format, PAYLOAD_SQUASHFS);
	/* only the gzip header and a few bytes seen: nothing to say about the content */
	identify(gz, 12, g, &id);
	assert_true(id.gzip);
	assert_int_equal(id.format, PAYLOAD_GZIP_UNKNOWN);
	/* a corrupt stream */
	memset(gz + 10, 0xff, 32);
	identify(gz, g, g, &id);
	assert_int_equal(id.format, PAYLOAD_GZIP_UNKNOWN);
}

static void board_spellings(void **s)
{
	(void)s;
	assert_true(payload_dir_matches("sysupgrade-glinet_gl-mt6000", "glinet,gl-mt6000"));
	assert_true(payload_dir_matches("sysupgrade-glinet,gl-mt6000", "glinet,gl-mt6000"));
	assert_true(payload_dir_matches("sysupgrade-mercusys_mr85x", "mercusys_mr85x"));
	assert_true(payload_dir_matches("sysupgrade-x,y", "x_y"));   /* ${board//_/,} */
	assert_false(payload_dir_matches("sysupgrade-glinet_gl-mt600", "glinet,gl-mt6000"));
	assert_false(payload_dir_matches("sysupgrade-glinet_gl-mt6000", ""));
	assert_false(payload_dir_matches("sysupgrade-glinet_gl-mt6000", NULL));
	assert_false(payload_dir_matches("glinet_gl-mt6000", "glinet,gl-mt6000"));
	/* one spelling per comparison, as OpenWrt: a,b_c matches neither a_b_c's ',' nor '_' form of a_b,c */
	assert_false(payload_dir_matches("sysupgrade-a,b_c", "a_b,c"));
}

static void descriptions(void **s)
{
	struct payload_id id = { .format = PAYLOAD_SYSUPGRADE_TAR, .gzip = true, .dir = "sysupgrade-a_b" };
	char text[200];

	(void)s;
	payload_describe(&id, text, sizeof(text));
	assert_non_null(strstr(text, "gzip-compressed sysupgrade tar (sysupgrade-a_b/"));
	for (int f = 0; f < PAYLOAD_FORMAT_COUNT; f++) {
		id.format = (enum payload_format)f;
		payload_describe(&id, text, sizeof(text));
		assert_true(text[0] != '\0');
		assert_string_not_equal(payload_format_name(id.format), "?");
	}
	assert_string_equal(payload_format_name(PAYLOAD_FORMAT_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(magics),
		cmocka_unit_test(sysupgrade_tars),
		cmocka_unit_test(gzipped),
		cmocka_unit_test(board_spellings),
		cmocka_unit_test(descriptions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
