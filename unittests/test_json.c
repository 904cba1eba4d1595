/* unittests/test_json.c — the JSON reader and writer: {text, result, where, what it reads as} tables, lookups, escapes */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Value v written back with the writer: what the reader understood, in the writer's canonical form. */
static int dump(const struct json_doc *d, int v, struct json_out *o, const char *key)
{
	int64_t n;
	bool b;

	switch (json_type(d, v)) {
	case JSON_OBJECT:
		json_open(o, key, '{');
		for (uint32_t k = (uint32_t)v + 1, m = 0; m < json_len(d, v); m++)
			k = (uint32_t)dump(d, (int)k + 1, o, json_str(d, (int)k));
		json_close(o, '}');
		break;
	case JSON_ARRAY:
		json_open(o, key, '[');
		for (size_t i = 0; i < json_len(d, v); i++)
			dump(d, json_at(d, v, i), o, NULL);
		json_close(o, ']');
		break;
	case JSON_STRING:
		json_put_strn(o, key, json_str(d, v), json_len(d, v));
		break;
	case JSON_NUMBER:
		assert_true(json_int(d, v, &n));
		json_put_int(o, key, n);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		assert_true(json_bool(d, v, &b));
		json_put_bool(o, key, b);
		break;
	case JSON_NULL:
		json_put_null(o, key);
		break;
	default:
		fail_msg("value %d has no type", v);
	}
	return (int)d->v[v].next;
}

/* ---- reading: every row a text, the result, where parsing stopped, and the value read back ---- */

static void parse_table(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t len;             /* 0: strlen */
		int rc;
		size_t end;             /* d.end: after the value and its blanks, or where the error is */
		const char *back;       /* rc 0: the value written back; else the error */
	} rows[] = {
		/* fwtool's metadata as OpenWrt writes it, and blanks everywhere */
		{ "{\"metadata_version\":\"1.1\",\"supported_devices\":[\"acme,r1\",\"acme-r1\"]}", 0, 0, 68,
		  "{\"metadata_version\":\"1.1\",\"supported_devices\":[\"acme,r1\",\"acme-r1\"]}" },
		{ " \t{ \"a\" : [ 1 , 2 ] } \r\n", 0, 0, 24, "{\"a\":[1,2]}" },
		{ "{}", 0, 0, 2, "{}" },
		{ "[]", 0, 0, 2, "[]" },
		{ "[[],{},[{}]]", 0, 0, 12, "[[],{},[{}]]" },
		{ "\"top\"", 0, 0, 5, "\"top\"" },
		{ "true", 0, 0, 4, "true" },
		{ "false ", 0, 0, 6, "false" },
		{ "null", 0, 0, 4, "null" },
		/* numbers: RFC 8259's grammar; json_int takes the integer part */
		{ "[0,-0,7,-12,1.9,-1.9,1e3,2E+2,5e-1,9223372036854775807,-9223372036854775808]", 0, 0, 76,
		  "[0,0,7,-12,1,-1,1000,200,0,9223372036854775807,-9223372036854775808]" },
		{ "7", 0, 0, 1, "7" },
		{ "01", 0, 0, 1, "0" },                   /* the 1 is the caller's trailing data */
		{ "{}x", 0, 0, 2, "{}" },
		{ "{}{}", 0, 0, 2, "{}" },
		{ "-", 0, -EBADMSG, 1, "unexpected end" },
		{ "-x", 0, -EBADMSG, 1, "digit expected" },
		{ "1.", 0, -EBADMSG, 2, "unexpected end" },
		{ "[1.x]", 0, -EBADMSG, 3, "digit expected" },
		{ "[1e]", 0, -EBADMSG, 3, "digit expected" },
		{ "[+1]", 0, -EBADMSG, 1, "unexpected character" },
		{ "[.5]", 0, -EBADMSG, 1, "unexpected character" },
		/* strings: escapes, UTF-8 through \u, surrogates, bytes from 0x80 as they are */
		{ "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", 0, 0, 22, "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\"" },
		{ "\"\\u0041\\u00e9\\u20AC\"", 0, 0, 20, "\"A\xc3\xa9\xe2\x82\xac\"" },
		{ "\"\\ud83d\\ude00\"", 0, 0, 14, "\"\xf0\x9f\x98\x80\"" },
		{ "\"\\ud83d\"", 0, 0, 8, "\"\xef\xbf\xbd\"" },               /* a lone high half */
		{ "\"\\ude00x\"", 0, 0, 9, "\"\xef\xbf\xbdx\"" },             /* a lone low half */
		{ "\"\\ud83d\\u0041\"", 0, 0, 14, "\"\xef\xbf\xbd" "A\"" },   /* a high half, then no low one */
		{ "\"\xff\xfe\x80\"", 0, 0, 5, "\"\xff\xfe\x80\"" },
		{ "\"\\u0001\\u001f\"", 0, 0, 14, "\"\\u0001\\u001f\"" },
		{ "\"a\\u0000b\"", 0, 0, 10, "\"a\\u0000b\"" },              /* json_len says 3 */
		{ "\"a\nb\"", 0, -EBADMSG, 2, "control character in a string" },
		{ "\"a\0b\"", 5, -EBADMSG, 2, "control character in a string" },
		{ "\"\\x\"", 0, -EBADMSG, 2, "invalid escape" },
		{ "\"\\u12g4\"", 0, -EBADMSG, 5, "invalid \\u escape" },
		{ "\"\\u12", 0, -EBADMSG, 5, "unexpected end" },
		{ "\"abc", 0, -EBADMSG, 4, "unexpected end" },
		{ "\"abc\\", 0, -EBADMSG, 5, "unexpected end" },
		/* structure */
		{ "", 0, -EBADMSG, 0, "unexpected end" },
		{ "   ", 0, -EBADMSG, 3, "unexpected end" },
		{ "{\"a\":1", 0, -EBADMSG, 6, "unexpected end" },
		{ "{\"a\" 1}", 0, -EBADMSG, 5, "':' expected" },
		{ "{\"a\":1,}", 0, -EBADMSG, 7, "a key string expected" },
		{ "{a:1}", 0, -EBADMSG, 1, "a key string expected" },
		{ "{'a':1}", 0, -EBADMSG, 1, "a key string expected" },
		{ "[1,]", 0, -EBADMSG, 3, "unexpected character" },
		{ "[1 2]", 0, -EBADMSG, 3, "',' or ']' expected" },
		{ "{\"a\":1 \"b\":2}", 0, -EBADMSG, 7, "',' or '}' expected" },
		{ "[tru]", 0, -EBADMSG, 4, "unexpected character" },
		{ "nul", 0, -EBADMSG, 3, "unexpected end" },
		{ "[NaN]", 0, -EBADMSG, 1, "unexpected character" },
		{ "/* c */ {}", 0, -EBADMSG, 0, "unexpected character" },
		{ "\0{}", 3, -EBADMSG, 0, "unexpected character" },
		/* depth: 32 brackets deep is the most */
		{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 0, 0, 64,
		  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]" },
		{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 0, -EBADMSG, 32,
		  "nesting too deep" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		size_t len = rows[i].len ? rows[i].len : strlen(rows[i].text);
		char *text = malloc(len ? len : 1);   /* exactly len bytes: ASan sees any read past them */
		struct json_doc d;
		int rc;

		print_message("row %zu: %s\n", i, rows[i].text);
		memcpy(text, rows[i].text, len);
		rc = json_parse(&d, text, len);
		assert_int_equal(rc, rows[i].rc);
		assert_int_equal(d.end, rows[i].end);
		if (rc == 0) {
			struct json_out o = { 0 };
			char *back;

			assert_int_equal(dump(&d, 0, &o, NULL), d.n);
			back = json_out_take(&o, NULL);
			assert_string_equal(back, rows[i].back);
			free(back);
		} else {
			assert_string_equal(d.error, rows[i].back);
		}
		json_free(&d);
		free(text);
	}
}

/* ---- lookups: as failsafectl and fwimage use them ---- */

static void lookups(void **state)
{
	(void)state;
	static const char text[] =
		"{\"board\":{\"name\":\"acme-r1\",\"compatible\":\"acme,r1\"},\"phase\":\"staged\",\"image\":null,"
		"\"upload\":{\"received\":1048576,\"cap\":33554432},\"log\":[\"one\",\"two\",\"three\"],"
		"\"flashable\":false,\"dup\":1,\"dup\":2,\"nul\":\"a\\u0000b\",\"big\":1e300,\"frac\":-2.5,"
		"\"huge\":123456789012345678901}";
	struct json_doc d;
	int64_t n = 0;
	bool b = true;

	assert_int_equal(json_parse(&d, text, strlen(text)), 0);
	assert_int_equal(json_type(&d, 0), JSON_OBJECT);
	assert_int_equal(json_len(&d, 0), 12);
	assert_string_equal(json_str(&d, json_get(&d, json_get(&d, 0, "board"), "compatible")), "acme,r1");
	assert_string_equal(json_str(&d, json_get(&d, 0, "phase")), "staged");
	assert_int_equal(json_type(&d, json_get(&d, 0, "image")), JSON_NULL);
	/* absent, and lookups through what is not an object or array */
	assert_int_equal(json_get(&d, 0, "nothing"), -1);
	assert_int_equal(json_get(&d, json_get(&d, 0, "phase"), "x"), -1);
	assert_int_equal(json_get(&d, -1, "x"), -1);
	assert_int_equal(json_get(&d, 0, "boar"), -1);
	assert_int_equal(json_type(&d, -1), JSON_NONE);
	assert_int_equal(json_type(&d, 1000), JSON_NONE);
	assert_null(json_str(&d, json_get(&d, 0, "image")));
	assert_string_equal(json_str_or(&d, json_get(&d, 0, "image"), "def"), "def");
	assert_false(json_int(&d, json_get(&d, 0, "phase"), &n));
	assert_false(json_bool(&d, json_get(&d, 0, "phase"), &b));
	assert_int_equal(json_at(&d, json_get(&d, 0, "board"), 0), -1);
	assert_int_equal(json_len(&d, json_get(&d, 0, "flashable")), 0);
	/* numbers */
	assert_true(json_int(&d, json_get(&d, json_get(&d, 0, "upload"), "cap"), &n));
	assert_int_equal(n, 33554432);
	assert_true(json_int(&d, json_get(&d, 0, "frac"), &n));
	assert_int_equal(n, -2);
	assert_false(json_int(&d, json_get(&d, 0, "big"), &n));
	assert_false(json_int(&d, json_get(&d, 0, "huge"), &n));
	/* integer parts without a float parser: {text, fits, value} */
	static const struct {
		const char *text;
		bool ok;
		int64_t value;
	} nums[] = {
		{ "12.34e1", true, 123 }, { "1.5e-0", true, 1 }, { "-0.5", true, 0 }, { "0e99999", true, 0 },
		{ "1e-99999", true, 0 }, { "123e-2", true, 1 }, { "1E+18", true, 1000000000000000000 },
		{ "1e19", false, 0 }, { "9223372036854775808", false, 0 }, { "-9223372036854775809", false, 0 },
		{ "18446744073709551616", false, 0 }, { "-9.223372036854775808e18", true, INT64_MIN },
	};
	for (size_t i = 0; i < ARRAY_SIZE(nums); i++) {
		struct json_doc one;

		print_message("number %s\n", nums[i].text);
		assert_int_equal(json_parse(&one, nums[i].text, strlen(nums[i].text)), 0);
		n = 42;
		assert_int_equal(json_int(&one, 0, &n), nums[i].ok);
		if (nums[i].ok)
			assert_int_equal(n, nums[i].value);
		json_free(&one);
	}
	/* the last of duplicate keys, as json-c */
	assert_true(json_int(&d, json_get(&d, 0, "dup"), &n));
	assert_int_equal(n, 2);
	/* arrays */
	int log = json_get(&d, 0, "log");
	assert_int_equal(json_len(&d, log), 3);
	assert_string_equal(json_str(&d, json_at(&d, log, 0)), "one");
	assert_string_equal(json_str(&d, json_at(&d, log, 2)), "three");
	assert_int_equal(json_at(&d, log, 3), -1);
	assert_true(json_bool(&d, json_get(&d, 0, "flashable"), &b));
	assert_false(b);
	/* a NUL inside: json_len tells it apart */
	assert_int_equal(json_len(&d, json_get(&d, 0, "nul")), 3);
	assert_int_equal(strlen(json_str(&d, json_get(&d, 0, "nul"))), 1);
	json_free(&d);
	json_free(&d);   /* twice is harmless */
}

/* Every prefix of a valid text is an error at its end, never a read past it (ASan twin). */
static void every_prefix(void **state)
{
	(void)state;
	static const char text[] = "{\"a\":[1,-2.5e+3,\"x\\u00e9\\ud83d\\ude00\",true,false,null,{}],\"b\":{}}";

	for (size_t len = 0; len < strlen(text); len++) {
		char *t = malloc(len ? len : 1);
		struct json_doc d;

		memcpy(t, text, len);
		assert_int_equal(json_parse(&d, t, len), -EBADMSG);
		assert_true(d.end <= len);
		json_free(&d);
		free(t);
	}
}

/* ---- writing ---- */

static void writer(void **state)
{
	(void)state;
	struct json_out o = { 0 };
	size_t len;
	char *s;

	json_open(&o, NULL, '{');
	json_put_str(&o, "s", "a\"b\\c/d\x01\x1f\x7f\xc3\xa9\b\f\n\r\t");
	json_put_str(&o, "null-string", NULL);
	json_put_strn(&o, "n", "x\0y", 3);
	json_put_int(&o, "min", INT64_MIN);
	json_put_int(&o, "max", INT64_MAX);
	json_put_bool(&o, "t", true);
	json_put_bool(&o, "f", false);
	json_put_null(&o, "z");
	json_open(&o, "a", '[');
	json_put_int(&o, NULL, 1);
	json_open(&o, NULL, '{');
	json_close(&o, '}');
	json_open(&o, NULL, '[');
	json_close(&o, ']');
	json_put_str(&o, NULL, "");
	json_close(&o, ']');
	json_put_str(&o, "k\"ey", "v");
	json_close(&o, '}');
	s = json_out_take(&o, &len);
	assert_string_equal(s, "{\"s\":\"a\\\"b\\\\c/d\\u0001\\u001f\x7f\xc3\xa9\\b\\f\\n\\r\\t\",\"null-string\":\"\","
			       "\"n\":\"x\\u0000y\",\"min\":-9223372036854775808,\"max\":9223372036854775807,"
			       "\"t\":true,\"f\":false,\"z\":null,\"a\":[1,{},[],\"\"],\"k\\\"ey\":\"v\"}");
	assert_int_equal(len, strlen(s));
	assert_null(o.p);
	free(s);
	/* nothing written is "" */
	s = json_out_take(&o, &len);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	/* out of memory is remembered and reported once, at the end */
	o.oom = true;
	json_put_str(&o, NULL, "x");
	assert_null(json_out_take(&o, &len));
	assert_int_equal(len, 0);
}

/* What the writer writes, the reader reads back the same, for every byte value in a string. */
static void round_trip(void **state)
{
	(void)state;
	char all[256];
	struct json_out o = { 0 };
	struct json_doc d;
	size_t len;
	char *s;

	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	json_open(&o, NULL, '[');
	json_put_strn(&o, NULL, all, sizeof(all));
	json_put_int(&o, NULL, -42);
	json_close(&o, ']');
	s = json_out_take(&o, &len);
	assert_int_equal(json_parse(&d, s, len), 0);
	assert_int_equal(d.end, len);
	assert_int_equal(json_len(&d, json_at(&d, 0, 0)), 256);
	assert_memory_equal(json_str(&d, json_at(&d, 0, 0)), all, 256);
	json_free(&d);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_table),
		cmocka_unit_test(lookups),
		cmocka_unit_test(every_prefix),
		cmocka_unit_test(writer),
		cmocka_unit_test(round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
