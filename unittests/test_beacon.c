/* test_beacon.c - cmocka unit tests for the UDP 4919 beacon codec */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strnlen() */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beacon.h"

#define FULL_LINE \
	"board=sim state=window remaining_ms=2800 seq=3 " \
	"mac=02:00:00:00:00:01 version=0.1.0 via=button:reset " \
	"ssh_ed25519=SHA256:TZtMDjRH3D3qzgxAUCiZkl6tGtxeRzs+lKbNTsKzdRc " \
	"ssh_rsa=SHA256:c3AUxapA8lz6zxdrPfXkOXPOIZy9RAoI8rvGf1b+TkI"

static void fill_full(struct beacon *b)
{
	assert_int_equal(beacon_init(b, BEACON_TEXT_WINDOW), 0);
	b->present = BEACON_HAS_ALL;
	strcpy(b->board, "sim");
	b->state = BEACON_STATE_WINDOW;
	b->remaining_ms = 2800;
	b->seq = 3;
	memcpy(b->mac, "\x02\x00\x00\x00\x00\x01", BEACON_MAC_BYTES);
	strcpy(b->version, "0.1.0");
	strcpy(b->via, "button:reset");
	strcpy(b->ssh_ed25519, "SHA256:TZtMDjRH3D3qzgxAUCiZkl6tGtxeRzs+lKbNTsKzdRc");
	strcpy(b->ssh_rsa, "SHA256:c3AUxapA8lz6zxdrPfXkOXPOIZy9RAoI8rvGf1b+TkI");
}

/* Raw datagram: magic, text, NUL, optional line, NUL padding to 1001. */
static void mk_raw(uint8_t out[BEACON_LEN_BYTES], const char *text,
		   const char *line)
{
	size_t tl = strlen(text);

	memset(out, 0, BEACON_LEN_BYTES);
	out[0] = 0xDE;
	out[1] = 0xAD;
	memcpy(out + 2, text, tl);
	if (line)
		memcpy(out + 2 + tl + 1, line, strlen(line));
}

static void assert_beacon_equal(const struct beacon *a, const struct beacon *b)
{
	assert_string_equal(a->text, b->text);
	assert_int_equal(a->present, b->present);
	if (a->present & BEACON_HAS_BOARD)
		assert_string_equal(a->board, b->board);
	if (a->present & BEACON_HAS_STATE)
		assert_int_equal(a->state, b->state);
	if (a->present & BEACON_HAS_REMAINING_MS)
		assert_int_equal(a->remaining_ms, b->remaining_ms);
	if (a->present & BEACON_HAS_SEQ)
		assert_int_equal(a->seq, b->seq);
	if (a->present & BEACON_HAS_MAC)
		assert_memory_equal(a->mac, b->mac, BEACON_MAC_BYTES);
	if (a->present & BEACON_HAS_VERSION)
		assert_string_equal(a->version, b->version);
	if (a->present & BEACON_HAS_VIA)
		assert_string_equal(a->via, b->via);
	if (a->present & BEACON_HAS_SSH_ED25519)
		assert_string_equal(a->ssh_ed25519, b->ssh_ed25519);
	if (a->present & BEACON_HAS_SSH_RSA)
		assert_string_equal(a->ssh_rsa, b->ssh_rsa);
}

static void test_round_trip(void **state)
{
	static const unsigned int masks[] = {
		0, BEACON_HAS_BOARD, BEACON_HAS_STATE, BEACON_HAS_SEQ,
		BEACON_HAS_MAC | BEACON_HAS_VIA,
		BEACON_HAS_REMAINING_MS | BEACON_HAS_VERSION, BEACON_HAS_ALL,
	};
	static const enum beacon_state states[] = {
		BEACON_STATE_WINDOW, BEACON_STATE_FAILSAFE, BEACON_STATE_NORMAL,
	};
	static const uint32_t nums[] = { 0, 1, 9, 10, 4294967295u };
	size_t i, j, k;

	(void)state;
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		for (j = 0; j < 3; j++) {
			for (k = 0; k < sizeof(nums) / sizeof(nums[0]); k++) {
				struct beacon in, out;
				uint8_t buf[BEACON_LEN_BYTES];

				fill_full(&in);
				in.present = masks[i];
				in.state = states[j];
				in.seq = nums[k];
				in.remaining_ms = nums[k];
				in.mac[5] = (uint8_t)(0xf0 + k);
				assert_int_equal(beacon_encode(&in, buf), 0);
				assert_int_equal(beacon_decode(buf, sizeof(buf),
							       &out), 0);
				assert_beacon_equal(&in, &out);
			}
		}
	}
}

static void test_byte_layout(void **state)
{
	static const char text[] = BEACON_TEXT_WINDOW;
	static const char line[] = FULL_LINE;
	struct beacon b;
	uint8_t buf[BEACON_LEN_BYTES];
	size_t off, i;

	(void)state;
	memset(buf, 0x55, sizeof(buf));
	fill_full(&b);
	assert_int_equal(beacon_encode(&b, buf), 0);
	assert_int_equal(buf[0], 0xDE);
	assert_int_equal(buf[1], 0xAD);
	assert_memory_equal(buf + 2, text, sizeof(text)); /* incl. NUL */
	off = 2 + sizeof(text);
	assert_memory_equal(buf + off, line, sizeof(line)); /* incl. NUL */
	for (i = off + sizeof(line); i < BEACON_LEN_BYTES; i++)
		assert_int_equal(buf[i], 0);

	/* An old listener sees only the text. */
	assert_string_equal((const char *)buf + 2, text);
}

static void test_plain_openwrt(void **state)
{
	static const char *const texts[] = {
		BEACON_TEXT_WINDOW, BEACON_TEXT_FAILSAFE, "",
	};
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		uint8_t buf[BEACON_LEN_BYTES], enc[BEACON_LEN_BYTES];
		struct beacon b;
		size_t minlen = 2 + strlen(texts[i]) + 1;

		mk_raw(buf, texts[i], NULL);
		assert_int_equal(beacon_decode(buf, sizeof(buf), &b), 0);
		assert_string_equal(b.text, texts[i]);
		assert_int_equal(b.present, 0);
		/* shortest plain beacon too */
		assert_int_equal(beacon_decode(buf, minlen, &b), 0);
		assert_string_equal(b.text, texts[i]);
		assert_int_equal(b.present, 0);
		/* and our encoder emits the identical bytes */
		assert_int_equal(beacon_init(&b, texts[i]), 0);
		assert_int_equal(beacon_encode(&b, enc), 0);
		assert_memory_equal(buf, enc, sizeof(buf));
	}
}

static void test_text_limits(void **state)
{
	struct beacon b;
	uint8_t buf[BEACON_LEN_BYTES];
	char text[BEACON_TEXT_MAX_BYTES + 2];

	(void)state;
	memset(text, 'A', sizeof(text));
	text[BEACON_TEXT_MAX_BYTES] = '\0';
	assert_int_equal(beacon_init(&b, text), 0);
	assert_int_equal(beacon_encode(&b, buf), 0);
	assert_int_equal(buf[BEACON_LEN_BYTES - 1], 0);
	assert_int_equal(beacon_decode(buf, sizeof(buf), &b), 0);
	assert_int_equal(strlen(b.text), BEACON_TEXT_MAX_BYTES);

	/* 998 bytes of text leaves no room for a fields line */
	b.present = BEACON_HAS_SEQ;
	assert_int_equal(beacon_encode(&b, buf), -EMSGSIZE);
	/* 2 + 993 + NUL + "seq=1" + NUL = 1002 does not fit, 992 does */
	b.text[993] = '\0';
	b.seq = 1;
	assert_int_equal(beacon_encode(&b, buf), -EMSGSIZE);
	b.text[992] = '\0';
	assert_int_equal(beacon_encode(&b, buf), 0);
	assert_int_equal(beacon_decode(buf, sizeof(buf), &b), 0);
	assert_int_equal(b.seq, 1);
	assert_int_equal(strlen(b.text), 992);
	assert_int_equal(buf[BEACON_LEN_BYTES - 2], '1');
	assert_int_equal(buf[BEACON_LEN_BYTES - 1], 0);

	/* 999 bytes */
	text[BEACON_TEXT_MAX_BYTES] = 'A';
	text[BEACON_TEXT_MAX_BYTES + 1] = '\0';
	assert_int_equal(beacon_init(&b, text), -EMSGSIZE);
	memset(b.text, 'A', sizeof(b.text));	/* unterminated */
	b.present = 0;
	assert_int_equal(beacon_encode(&b, buf), -EMSGSIZE);

	/* 999 bytes of text on the wire: no NUL inside the datagram */
	buf[0] = 0xDE;
	buf[1] = 0xAD;
	memset(buf + 2, 'A', BEACON_LEN_BYTES - 2);
	assert_int_equal(beacon_decode(buf, sizeof(buf), &b), -EBADMSG);
	assert_int_equal(b.text[0], '\0');
}

static void check_truncations(const uint8_t *full, size_t ok_from,
			      size_t bad_from, size_t bad_to)
{
	size_t len;

	for (len = 0; len <= BEACON_LEN_BYTES; len++) {
		/* exact-size heap copy so ASan catches any overread */
		uint8_t *p = malloc(len ? len : 1);
		struct beacon b;
		int ret;

		assert_non_null(p);
		memcpy(p, full, len);
		ret = beacon_decode(p, len, &b);
		if (len < 2)
			assert_int_equal(ret, -ENOMSG);
		else if (len >= ok_from)
			assert_int_equal(ret, 0);
		else if (len >= bad_from && len < bad_to)
			assert_int_equal(ret, -EBADMSG);
		else
			assert_true(ret == 0 || ret == -EBADMSG);
		free(p);
	}
}

static void test_truncated(void **state)
{
	uint8_t buf[BEACON_LEN_BYTES];
	struct beacon b;
	size_t tl = strlen(BEACON_TEXT_WINDOW);

	(void)state;
	fill_full(&b);
	assert_int_equal(beacon_encode(&b, buf), 0);
	/* up to text NUL: no text terminator; then cut inside the line */
	check_truncations(buf, 2 + tl + 1 + strlen(FULL_LINE) + 1, 2,
			  2 + tl + 1);
	/* every cut strictly inside the fields line is rejected */
	for (size_t len = 2 + tl + 2; len < 2 + tl + 1 + strlen(FULL_LINE) + 1;
	     len++)
		assert_int_equal(beacon_decode(buf, len, &b), -EBADMSG);
	/* exactly at the text NUL: plain beacon */
	assert_int_equal(beacon_decode(buf, 2 + tl + 1, &b), 0);
	assert_int_equal(b.present, 0);

	mk_raw(buf, BEACON_TEXT_FAILSAFE, NULL);
	check_truncations(buf, 2 + strlen(BEACON_TEXT_FAILSAFE) + 1, 2,
			  2 + strlen(BEACON_TEXT_FAILSAFE) + 1);
}

struct decode_case {
	const char *name;
	const char *text;
	const char *line;	/* NULL: plain */
	int expect;
	unsigned int present;	/* expected when expect == 0 */
};

static const struct decode_case decode_cases[] = {
	{ "full", "x", FULL_LINE, 0, BEACON_HAS_ALL },
	{ "single", "x", "seq=0", 0, BEACON_HAS_SEQ },
	{ "unknown key ignored", "x", "foo=bar seq=1 zz_9-a=!", 0,
	  BEACON_HAS_SEQ },
	{ "only unknown", "x", "foo=bar", 0, 0 },
	{ "upper mac", "x", "mac=AA:bb:CC:dd:EE:ff", 0, BEACON_HAS_MAC },
	{ "u32 max", "x", "remaining_ms=4294967295", 0,
	  BEACON_HAS_REMAINING_MS },
	{ "state failsafe", "", "state=failsafe", 0, BEACON_HAS_STATE },
	{ "state normal", "", "state=normal", 0, BEACON_HAS_STATE },
	{ "63-char board", "x",
	  "board=1234567890123456789012345678901234567890"
	  "12345678901234567890123",
	  0, BEACON_HAS_BOARD },
	{ "64-char board", "x",
	  "board=1234567890123456789012345678901234567890"
	  "123456789012345678901234",
	  -EBADMSG, 0 },
	{ "u32 overflow", "x", "seq=4294967296", -EBADMSG, 0 },
	{ "u32 huge", "x", "seq=99999999999999999999", -EBADMSG, 0 },
	{ "negative", "x", "seq=-1", -EBADMSG, 0 },
	{ "plus sign", "x", "seq=+1", -EBADMSG, 0 },
	{ "leading zero", "x", "seq=01", -EBADMSG, 0 },
	{ "trailing junk", "x", "seq=12a", -EBADMSG, 0 },
	{ "hex number", "x", "remaining_ms=0x10", -EBADMSG, 0 },
	{ "empty value", "x", "seq=", -EBADMSG, 0 },
	{ "empty key", "x", "=1", -EBADMSG, 0 },
	{ "no equals", "x", "seq", -EBADMSG, 0 },
	{ "double equals", "x", "via=a=b", -EBADMSG, 0 },
	{ "upper key", "x", "SEQ=1", -EBADMSG, 0 },
	{ "duplicate", "x", "seq=1 seq=2", -EBADMSG, 0 },
	{ "double space", "x", "seq=1  board=a", -EBADMSG, 0 },
	{ "leading space", "x", " seq=1", -EBADMSG, 0 },
	{ "trailing space", "x", "seq=1 ", -EBADMSG, 0 },
	{ "tab", "x", "seq=1\tboard=a", -EBADMSG, 0 },
	{ "newline", "x", "seq=1\n", -EBADMSG, 0 },
	{ "control in value", "x", "board=a\x01", -EBADMSG, 0 },
	{ "high byte in value", "x", "board=\xc3\xa9", -EBADMSG, 0 },
	{ "high byte in unknown", "x", "foo=\xff", -EBADMSG, 0 },
	{ "bad state", "x", "state=Window", -EBADMSG, 0 },
	{ "mac short", "x", "mac=02:00:00:00:00:1", -EBADMSG, 0 },
	{ "mac sep", "x", "mac=02-00-00-00-00-01", -EBADMSG, 0 },
	{ "mac nonhex", "x", "mac=02:00:00:00:00:0g", -EBADMSG, 0 },
	{ "mac long", "x", "mac=02:00:00:00:00:01:", -EBADMSG, 0 },
};

static void test_decode_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
		const struct decode_case *c = &decode_cases[i];
		uint8_t buf[BEACON_LEN_BYTES];
		struct beacon b;
		int ret;

		mk_raw(buf, c->text, c->line);
		ret = beacon_decode(buf, sizeof(buf), &b);
		if (ret != c->expect)
			fail_msg("case '%s': got %d want %d", c->name, ret,
				 c->expect);
		if (ret == 0) {
			assert_int_equal(b.present, c->present);
			assert_string_equal(b.text, c->text);
		} else {
			assert_int_equal(b.present, 0);
		}
	}
}

static void test_decode_values(void **state)
{
	uint8_t buf[BEACON_LEN_BYTES];
	struct beacon b;

	(void)state;
	mk_raw(buf, "t", "mac=AA:bb:CC:dd:EE:ff state=failsafe via=x seq=7");
	assert_int_equal(beacon_decode(buf, sizeof(buf), &b), 0);
	assert_memory_equal(b.mac, "\xaa\xbb\xcc\xdd\xee\xff", 6);
	assert_int_equal(b.state, BEACON_STATE_FAILSAFE);
	assert_string_equal(b.via, "x");
	assert_int_equal(b.seq, 7);
	/* re-encoded in canonical order and lowercase */
	assert_int_equal(beacon_encode(&b, buf), 0);
	assert_string_equal((const char *)buf + 4,
			    "state=failsafe seq=7 mac=aa:bb:cc:dd:ee:ff via=x");
}

static void test_decode_framing(void **state)
{
	uint8_t buf[BEACON_LEN_BYTES + 8];
	struct beacon b;

	(void)state;
	/* bad magic */
	mk_raw(buf, "x", NULL);
	buf[0] = 0xAD;
	assert_int_equal(beacon_decode(buf, BEACON_LEN_BYTES, &b), -ENOMSG);
	mk_raw(buf, "x", NULL);
	buf[1] = 0xDE;
	assert_int_equal(beacon_decode(buf, BEACON_LEN_BYTES, &b), -ENOMSG);
	/* too long */
	mk_raw(buf, "x", NULL);
	memset(buf + BEACON_LEN_BYTES, 0, 8);
	assert_int_equal(beacon_decode(buf, BEACON_LEN_BYTES + 1, &b),
			 -EMSGSIZE);
	/* garbage in padding after a plain text */
	mk_raw(buf, "x", NULL);
	buf[BEACON_LEN_BYTES - 1] = 'z';
	assert_int_equal(beacon_decode(buf, BEACON_LEN_BYTES, &b), -EBADMSG);
	/* garbage after the fields line */
	mk_raw(buf, "x", "seq=1");
	buf[BEACON_LEN_BYTES - 1] = 'z';
	assert_int_equal(beacon_decode(buf, BEACON_LEN_BYTES, &b), -EBADMSG);
	/* fields line running to the very end without NUL */
	mk_raw(buf, "x", NULL);
	memset(buf + 4, 'a', BEACON_LEN_BYTES - 4);
	assert_int_equal(beacon_decode(buf, BEACON_LEN_BYTES, &b), -EBADMSG);
	/* NULL arguments */
	assert_int_equal(beacon_decode(NULL, 10, &b), -EINVAL);
	assert_int_equal(beacon_decode(buf, 10, NULL), -EINVAL);
	/* error leaves the struct zeroed */
	mk_raw(buf, "hello", "seq=1 seq=2");
	assert_int_equal(beacon_decode(buf, BEACON_LEN_BYTES, &b), -EBADMSG);
	assert_string_equal(b.text, "");
	assert_int_equal(b.present, 0);
}

struct encode_case {
	const char *name;
	unsigned int field;
	const char *value;
	int expect;
};

static const struct encode_case encode_cases[] = {
	{ "board ok", BEACON_HAS_BOARD, "glinet,gl-mt300n-v2", 0 },
	{ "version ok", BEACON_HAS_VERSION, "0.1.0-rc1+g1234", 0 },
	{ "via ok", BEACON_HAS_VIA, "button:reset", 0 },
	{ "board space", BEACON_HAS_BOARD, "a b", -EINVAL },
	{ "board equals", BEACON_HAS_BOARD, "a=b", -EINVAL },
	{ "board empty", BEACON_HAS_BOARD, "", -EINVAL },
	{ "version newline", BEACON_HAS_VERSION, "1\n", -EINVAL },
	{ "version tab", BEACON_HAS_VERSION, "1\t2", -EINVAL },
	{ "via del", BEACON_HAS_VIA, "a\x7f", -EINVAL },
	{ "via high", BEACON_HAS_VIA, "\xc3\xa9", -EINVAL },
};

static void test_encode_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(encode_cases) / sizeof(encode_cases[0]); i++) {
		const struct encode_case *c = &encode_cases[i];
		uint8_t buf[BEACON_LEN_BYTES];
		struct beacon b, d;
		char *dst;
		int ret;

		fill_full(&b);
		dst = c->field == BEACON_HAS_BOARD ? b.board :
		      c->field == BEACON_HAS_VERSION ? b.version : b.via;
		strcpy(dst, c->value);
		memset(buf, 0x77, sizeof(buf));
		ret = beacon_encode(&b, buf);
		if (ret != c->expect)
			fail_msg("case '%s': got %d want %d", c->name, ret,
				 c->expect);
		if (ret == 0) {
			assert_int_equal(beacon_decode(buf, sizeof(buf), &d),
					 0);
			assert_beacon_equal(&b, &d);
		} else {
			assert_int_equal(buf[0], 0x77);	/* untouched */
		}
		/* a bad value is fine when its field is not present */
		b.present &= ~c->field;
		assert_int_equal(beacon_encode(&b, buf), 0);
	}
}

static void test_encode_invalid(void **state)
{
	uint8_t buf[BEACON_LEN_BYTES];
	struct beacon b;

	(void)state;
	fill_full(&b);
	assert_int_equal(beacon_encode(NULL, buf), -EINVAL);
	assert_int_equal(beacon_encode(&b, NULL), -EINVAL);
	b.present = BEACON_HAS_ALL | (1u << 9);
	assert_int_equal(beacon_encode(&b, buf), -EINVAL);
	b.present = BEACON_HAS_STATE;
	b.state = (enum beacon_state)3;
	assert_int_equal(beacon_encode(&b, buf), -EINVAL);
	b.state = (enum beacon_state)-1;
	assert_int_equal(beacon_encode(&b, buf), -EINVAL);
	/* unterminated string field */
	fill_full(&b);
	memset(b.board, 'a', sizeof(b.board));
	assert_int_equal(beacon_encode(&b, buf), -EMSGSIZE);
	/* 63 is fine */
	b.board[BEACON_VALUE_MAX_BYTES] = '\0';
	assert_int_equal(beacon_encode(&b, buf), 0);
	assert_int_equal(beacon_init(NULL, "x"), -EINVAL);
	assert_int_equal(beacon_init(&b, NULL), -EINVAL);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(beacon_state_name(BEACON_STATE_WINDOW), "window");
	assert_string_equal(beacon_state_name(BEACON_STATE_FAILSAFE),
			    "failsafe");
	assert_string_equal(beacon_state_name(BEACON_STATE_NORMAL), "normal");
	assert_null(beacon_state_name((enum beacon_state)3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_byte_layout),
		cmocka_unit_test(test_plain_openwrt),
		cmocka_unit_test(test_text_limits),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_decode_values),
		cmocka_unit_test(test_decode_framing),
		cmocka_unit_test(test_encode_table),
		cmocka_unit_test(test_encode_invalid),
		cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
