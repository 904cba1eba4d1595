/* unittests/test_telnet_proto.c - cmocka unit tests for the pure telnet protocol module */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "telnet_proto.h"

#define IAC TELNET_IAC
#define DO TELNET_DO
#define DONT TELNET_DONT
#define WILL TELNET_WILL
#define WONT TELNET_WONT
#define SB TELNET_SB
#define SE TELNET_SE
#define ECHO TELNET_OPT_ECHO
#define SGA TELNET_OPT_SGA
#define NAWS TELNET_OPT_NAWS
#define TTYPE TELNET_OPT_TTYPE
#define LINEMODE TELNET_OPT_LINEMODE
#define ENVIRON TELNET_OPT_ENVIRON
#define NEW_ENVIRON TELNET_OPT_NEW_ENVIRON

/* Byte array literal plus its length, for table entries. */
#define B(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define NONE NULL, 0

/* Accumulated output of a whole session (all calls concatenated). */
struct sink {
	uint8_t *data;
	size_t data_len_bytes;
	uint8_t *reply;
	size_t reply_len_bytes;
	size_t reply_dropped_bytes;
	size_t cap_bytes;
	bool naws_valid;	/* any NAWS event seen */
	uint16_t naws_cols;	/* last one */
	uint16_t naws_rows;
};

static void sink_init(struct sink *s, size_t cap_bytes)
{
	memset(s, 0, sizeof(*s));
	s->cap_bytes = cap_bytes;
	s->data = malloc(cap_bytes ? cap_bytes : 1);
	s->reply = malloc(cap_bytes + TELNET_REPLY_SLACK_BYTES + 1);
	assert_non_null(s->data);
	assert_non_null(s->reply);
}

static void sink_free(struct sink *s)
{
	free(s->data);
	free(s->reply);
}

/*
 * Feed one chunk through telnet_rx() with exactly-sized heap buffers (so
 * ASan catches any overrun) and check the per-call contracts.
 */
static void feed(struct telnet_proto *tp, struct sink *s, const uint8_t *in,
		 size_t len)
{
	size_t dcap = len, rcap = TELNET_REPLY_MAX_BYTES(len);
	uint8_t *d = malloc(dcap ? dcap : 1);
	uint8_t *r = malloc(rcap);
	struct telnet_rx rx = {
		.data = d, .data_cap_bytes = dcap,
		.reply = r, .reply_cap_bytes = rcap,
	};

	assert_non_null(d);
	assert_non_null(r);
	assert_int_equal(telnet_rx(tp, in, len, &rx), 0);
	assert_true(rx.data_len_bytes <= len);
	assert_true(rx.reply_len_bytes <= rcap);
	assert_int_equal(rx.reply_dropped_bytes, 0);
	assert_true(s->data_len_bytes + rx.data_len_bytes <= s->cap_bytes);
	assert_true(s->reply_len_bytes + rx.reply_len_bytes <=
		    s->cap_bytes + TELNET_REPLY_SLACK_BYTES);
	if (rx.data_len_bytes)
		memcpy(s->data + s->data_len_bytes, d, rx.data_len_bytes);
	s->data_len_bytes += rx.data_len_bytes;
	if (rx.reply_len_bytes)
		memcpy(s->reply + s->reply_len_bytes, r, rx.reply_len_bytes);
	s->reply_len_bytes += rx.reply_len_bytes;
	if (rx.naws_valid) {
		assert_true(rx.naws_cols && rx.naws_rows);
		s->naws_valid = true;
		s->naws_cols = rx.naws_cols;
		s->naws_rows = rx.naws_rows;
	}
	free(d);
	free(r);
}

static void session(struct telnet_proto *tp, bool start)
{
	uint8_t buf[TELNET_START_BYTES];
	size_t len;

	telnet_init(tp);
	if (start) {
		assert_int_equal(telnet_start(tp, buf, sizeof(buf), &len), 0);
		assert_int_equal(len, TELNET_START_BYTES);
	}
}

static void assert_mem(const uint8_t *got, size_t got_len,
		       const uint8_t *want, size_t want_len)
{
	assert_int_equal(got_len, want_len);
	if (want_len)
		assert_memory_equal(got, want, want_len);
}

static void assert_sink_equal(const struct sink *a, const struct sink *b)
{
	assert_mem(a->data, a->data_len_bytes, b->data, b->data_len_bytes);
	assert_mem(a->reply, a->reply_len_bytes, b->reply, b->reply_len_bytes);
	assert_int_equal(a->naws_valid, b->naws_valid);
	assert_int_equal(a->naws_cols, b->naws_cols);
	assert_int_equal(a->naws_rows, b->naws_rows);
}

/*
 * Feed @in whole, then at every single split point, then byte by byte;
 * all must produce identical results.  The whole-feed result is left in
 * @out (caller frees).
 */
static void feed_all_splits(bool start, const uint8_t *in, size_t len,
			    struct sink *out)
{
	struct telnet_proto tp;
	struct sink s;
	size_t cut, i;

	session(&tp, start);
	sink_init(out, len);
	feed(&tp, out, in, len);

	for (cut = 1; cut < len; cut++) {
		session(&tp, start);
		sink_init(&s, len);
		feed(&tp, &s, in, cut);
		feed(&tp, &s, in + cut, len - cut);
		assert_sink_equal(&s, out);
		sink_free(&s);
	}

	session(&tp, start);
	sink_init(&s, len);
	for (i = 0; i < len; i++)
		feed(&tp, &s, in + i, 1);
	feed(&tp, &s, in, 0);
	assert_sink_equal(&s, out);
	sink_free(&s);
}

struct rx_case {
	const char *name;
	bool start;		/* call telnet_start() first */
	const uint8_t *in;
	size_t in_len;
	const uint8_t *data;
	size_t data_len;
	const uint8_t *reply;
	size_t reply_len;
	uint16_t naws_cols;	/* 0: no NAWS event expected */
	uint16_t naws_rows;
};

static const struct rx_case rx_cases[] = {
	{ "plain text", false, B('l', 's', ' ', '-', 'l'),
	  B('l', 's', ' ', '-', 'l'), NONE, 0, 0 },
	{ "CR LF -> CR", false, B('a', '\r', '\n', 'b'),
	  B('a', '\r', 'b'), NONE, 0, 0 },
	{ "CR NUL -> CR", false, B('a', '\r', 0, 'b'),
	  B('a', '\r', 'b'), NONE, 0, 0 },
	{ "CR x -> CR x", false, B('\r', 'x'), B('\r', 'x'), NONE, 0, 0 },
	{ "CR CR LF", false, B('\r', '\r', '\n'), B('\r', '\r'), NONE, 0, 0 },
	{ "lone LF passes", false, B('a', '\n', 'b', '\n'),
	  B('a', '\n', 'b', '\n'), NONE, 0, 0 },
	{ "NUL not after CR passes", false, B(0, 'a', 0),
	  B(0, 'a', 0), NONE, 0, 0 },
	{ "CR LF LF", false, B('\r', '\n', '\n'), B('\r', '\n'), NONE, 0, 0 },
	{ "IAC ends CR state", false, B('\r', IAC, TELNET_NOP, '\n'),
	  B('\r', '\n'), NONE, 0, 0 },
	{ "CR IAC IAC", false, B('\r', IAC, IAC), B('\r', 0xff), NONE, 0, 0 },
	{ "IAC IAC -> 0xFF", false, B('a', IAC, IAC, 'b', IAC, IAC),
	  B('a', 0xff, 'b', 0xff), NONE, 0, 0 },
	{ "IAC EC -> DEL", false, B('a', 'b', IAC, TELNET_EC),
	  B('a', 'b', 0x7f), NONE, 0, 0 },
	{ "IAC EL -> ^U", false, B('a', 'b', IAC, TELNET_EL),
	  B('a', 'b', 0x15), NONE, 0, 0 },
	{ "IAC IP -> ^C", false, B(IAC, TELNET_IP), B(0x03), NONE, 0, 0 },
	{ "IAC BRK -> ^C", false, B(IAC, TELNET_BRK), B(0x03), NONE, 0, 0 },
	{ "NOP DM GA AO AYT ignored", false,
	  B('a', IAC, TELNET_NOP, IAC, TELNET_DM, IAC, TELNET_GA,
	    IAC, TELNET_AO, IAC, TELNET_AYT, 'b'),
	  B('a', 'b'), NONE, 0, 0 },
	{ "IAC non-command and stray SE ignored", false,
	  B('a', IAC, 'x', IAC, SE, IAC, 0, 'b'), B('a', 'b'), NONE, 0, 0 },

	/* Negotiation after our opening offer. */
	{ "client accepts our offer: no reply", true,
	  B(IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, NAWS),
	  NONE, NONE, 0, 0 },
	{ "client repeats DO ECHO: no reply", true,
	  B(IAC, DO, ECHO, IAC, DO, ECHO, IAC, DO, ECHO), NONE, NONE, 0, 0 },
	{ "client refuses our offer: no reply", true,
	  B(IAC, DONT, ECHO, IAC, DONT, SGA, IAC, WONT, NAWS),
	  NONE, NONE, 0, 0 },
	{ "DONT ECHO after enabling: acknowledged once", true,
	  B(IAC, DO, ECHO, IAC, DONT, ECHO, IAC, DONT, ECHO),
	  NONE, B(IAC, WONT, ECHO), 0, 0 },
	{ "WONT NAWS after enabling: acknowledged once", true,
	  B(IAC, WILL, NAWS, IAC, WONT, NAWS, IAC, WONT, NAWS),
	  NONE, B(IAC, DONT, NAWS), 0, 0 },
	{ "re-enable ECHO after DONT", true,
	  B(IAC, DO, ECHO, IAC, DONT, ECHO, IAC, DO, ECHO),
	  NONE, B(IAC, WONT, ECHO, IAC, WILL, ECHO), 0, 0 },

	/* Negotiation without an opening offer (client asks first). */
	{ "unsolicited DO ECHO / DO SGA accepted once", false,
	  B(IAC, DO, ECHO, IAC, DO, SGA, IAC, DO, ECHO),
	  NONE, B(IAC, WILL, ECHO, IAC, WILL, SGA), 0, 0 },
	{ "unsolicited WILL NAWS accepted once", false,
	  B(IAC, WILL, NAWS, IAC, WILL, NAWS),
	  NONE, B(IAC, DO, NAWS), 0, 0 },
	{ "DONT/WONT of options that are off: no reply", false,
	  B(IAC, DONT, ECHO, IAC, WONT, NAWS, IAC, DONT, 39, IAC, WONT, 24),
	  NONE, NONE, 0, 0 },

	/* Refusals. */
	{ "DO NEW-ENVIRON refused", true, B(IAC, DO, NEW_ENVIRON),
	  NONE, B(IAC, WONT, NEW_ENVIRON), 0, 0 },
	{ "WILL NEW-ENVIRON refused", true, B(IAC, WILL, NEW_ENVIRON),
	  NONE, B(IAC, DONT, NEW_ENVIRON), 0, 0 },
	{ "WILL ENVIRON refused", true, B(IAC, WILL, ENVIRON),
	  NONE, B(IAC, DONT, ENVIRON), 0, 0 },
	{ "WILL TTYPE refused", true, B(IAC, WILL, TTYPE),
	  NONE, B(IAC, DONT, TTYPE), 0, 0 },
	{ "WILL LINEMODE refused", true, B(IAC, WILL, LINEMODE),
	  NONE, B(IAC, DONT, LINEMODE), 0, 0 },
	{ "DO LINEMODE refused", true, B(IAC, DO, LINEMODE),
	  NONE, B(IAC, WONT, LINEMODE), 0, 0 },
	{ "DO BINARY refused", true, B(IAC, DO, TELNET_OPT_BINARY),
	  NONE, B(IAC, WONT, TELNET_OPT_BINARY), 0, 0 },
	{ "DO NAWS (server-side NAWS) refused", true, B(IAC, DO, NAWS),
	  NONE, B(IAC, WONT, NAWS), 0, 0 },
	{ "WILL ECHO (client echo) refused", true, B(IAC, WILL, ECHO),
	  NONE, B(IAC, DONT, ECHO), 0, 0 },
	{ "DO 255 (EXOPL) refused", true, B(IAC, DO, 255, 'a'),
	  B('a'), B(IAC, WONT, 255), 0, 0 },
	{ "client acks our refusal: no loop", true,
	  B(IAC, DO, NEW_ENVIRON, IAC, DONT, NEW_ENVIRON,
	    IAC, WILL, TTYPE, IAC, WONT, TTYPE),
	  NONE, B(IAC, WONT, NEW_ENVIRON, IAC, DONT, TTYPE), 0, 0 },
	{ "typical linux client burst", true,
	  B(IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, NAWS,
	    IAC, SB, NAWS, 0, 80, 0, 24, IAC, SE,
	    IAC, WILL, TTYPE, IAC, WILL, 32, IAC, WILL, 33,
	    IAC, WILL, NEW_ENVIRON, IAC, DO, SGA, 'r', 'o', 'o', 't', '\r', 0),
	  B('r', 'o', 'o', 't', '\r'),
	  B(IAC, DONT, TTYPE, IAC, DONT, 32, IAC, DONT, 33,
	    IAC, DONT, NEW_ENVIRON),
	  80, 24 },

	/* NAWS sub-negotiation. */
	{ "NAWS 80x24", true,
	  B(IAC, WILL, NAWS, IAC, SB, NAWS, 0, 80, 0, 24, IAC, SE, 'x'),
	  B('x'), NONE, 80, 24 },
	{ "NAWS last one wins", true,
	  B(IAC, WILL, NAWS, IAC, SB, NAWS, 0, 80, 0, 24, IAC, SE,
	    IAC, SB, NAWS, 0, 132, 0, 43, IAC, SE),
	  NONE, NONE, 132, 43 },
	{ "NAWS with doubled 255", true,
	  B(IAC, WILL, NAWS, IAC, SB, NAWS, 0, IAC, IAC, IAC, IAC, IAC, IAC,
	    IAC, SE),
	  NONE, NONE, 255, 0xffff },
	{ "NAWS short (3 bytes) ignored", true,
	  B(IAC, WILL, NAWS, IAC, SB, NAWS, 0, 80, 0, IAC, SE, 'a'),
	  B('a'), NONE, 0, 0 },
	{ "NAWS empty ignored", true,
	  B(IAC, WILL, NAWS, IAC, SB, NAWS, IAC, SE, 'a'),
	  B('a'), NONE, 0, 0 },
	{ "NAWS long (5 bytes) ignored", true,
	  B(IAC, WILL, NAWS, IAC, SB, NAWS, 0, 80, 0, 24, 1, IAC, SE),
	  NONE, NONE, 0, 0 },
	{ "NAWS 0x0 ignored", true,
	  B(IAC, WILL, NAWS, IAC, SB, NAWS, 0, 0, 0, 0, IAC, SE),
	  NONE, NONE, 0, 0 },
	{ "NAWS 80x0 ignored", true,
	  B(IAC, WILL, NAWS, IAC, SB, NAWS, 0, 80, 0, 0, IAC, SE),
	  NONE, NONE, 0, 0 },
	{ "NAWS before WILL NAWS ignored", true,
	  B(IAC, SB, NAWS, 0, 80, 0, 24, IAC, SE), NONE, NONE, 0, 0 },
	{ "NAWS after WONT NAWS ignored", true,
	  B(IAC, WILL, NAWS, IAC, WONT, NAWS,
	    IAC, SB, NAWS, 0, 80, 0, 24, IAC, SE),
	  NONE, B(IAC, DONT, NAWS), 0, 0 },
	{ "NAWS containing SE byte and CR", true,
	  B(IAC, WILL, NAWS, IAC, SB, NAWS, 0, SE, 0, '\r', IAC, SE, '\n'),
	  B('\n'), NONE, SE, '\r' },

	/* Other sub-negotiations: ignored, nothing leaks into data. */
	{ "LINEMODE SLC ignored", true,
	  B(IAC, WILL, LINEMODE,
	    IAC, SB, LINEMODE, 3, 1, 3, 0x03, 3, 0x62, 0x1c, IAC, IAC, 0,
	    IAC, SE, 'o', 'k'),
	  B('o', 'k'), B(IAC, DONT, LINEMODE), 0, 0 },
	{ "NEW-ENVIRON IS ignored", true,
	  B(IAC, WILL, NEW_ENVIRON,
	    IAC, SB, NEW_ENVIRON, 0, 0, 'L', 'D', '_', 'P', 'R', 'E', 'L',
	    'O', 'A', 'D', 1, '/', 't', 'm', 'p', 3, 'X', IAC, SE, 'o', 'k'),
	  B('o', 'k'), B(IAC, DONT, NEW_ENVIRON), 0, 0 },
	{ "TTYPE IS ignored", true,
	  B(IAC, SB, TTYPE, 0, 'x', 't', 'e', 'r', 'm', IAC, SE, 'o', 'k'),
	  B('o', 'k'), NONE, 0, 0 },
	{ "SB aborted by IAC DO inside it", true,
	  B(IAC, SB, NEW_ENVIRON, 0, 'A', IAC, DO, NEW_ENVIRON, 'o', 'k'),
	  B('o', 'k'), B(IAC, WONT, NEW_ENVIRON), 0, 0 },
	{ "SB aborted by IAC SB NAWS restarts SB", true,
	  B(IAC, WILL, NAWS, IAC, SB, 200, 1, 2, IAC, SB, NAWS, 0, 80, 0, 24,
	    IAC, SE),
	  NONE, NONE, 80, 24 },
	{ "SB without SE swallows data", true,
	  B(IAC, SB, NEW_ENVIRON, 'r', 'm', ' ', '-', 'r', 'f', '\r', '\n'),
	  NONE, NONE, 0, 0 },
};

static void test_rx_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rx_cases) / sizeof(rx_cases[0]); i++) {
		const struct rx_case *c = &rx_cases[i];
		struct sink s;

		print_message("  case: %s\n", c->name);
		feed_all_splits(c->start, c->in, c->in_len, &s);
		assert_mem(s.data, s.data_len_bytes, c->data, c->data_len);
		assert_mem(s.reply, s.reply_len_bytes, c->reply, c->reply_len);
		assert_int_equal(s.naws_valid, c->naws_cols != 0);
		assert_int_equal(s.naws_cols, c->naws_cols);
		assert_int_equal(s.naws_rows, c->naws_rows);
		sink_free(&s);
	}
}

static void test_start(void **state)
{
	static const uint8_t want[] = {
		IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, NAWS,
	};
	struct telnet_proto tp;
	uint8_t buf[TELNET_START_BYTES + 1];
	size_t len = 0;

	(void)state;
	telnet_init(&tp);
	assert_int_equal(telnet_start(&tp, buf, TELNET_START_BYTES - 1, &len),
			 -ENOBUFS);
	assert_int_equal(telnet_start(NULL, buf, sizeof(buf), &len), -EINVAL);
	assert_int_equal(telnet_start(&tp, NULL, sizeof(buf), &len), -EINVAL);
	assert_int_equal(telnet_start(&tp, buf, sizeof(buf), NULL), -EINVAL);
	assert_int_equal(telnet_start(&tp, buf, sizeof(buf), &len), 0);
	assert_mem(buf, len, want, sizeof(want));
}

/* Explicit read-boundary cases (also covered by the split sweep). */
static void test_lone_iac_at_end_of_read(void **state)
{
	static const uint8_t r1[] = { 'a', IAC };
	static const uint8_t r2[] = { IAC, 'b', IAC };
	static const uint8_t r3[] = { TELNET_EC };
	static const uint8_t r4[] = { IAC, DO };
	static const uint8_t r5[] = { NEW_ENVIRON };
	static const uint8_t want_data[] = { 'a', 0xff, 'b', 0x7f };
	static const uint8_t want_reply[] = { IAC, WONT, NEW_ENVIRON };
	struct telnet_proto tp;
	struct sink s;

	(void)state;
	session(&tp, true);
	sink_init(&s, 64);
	feed(&tp, &s, r1, sizeof(r1));
	assert_int_equal(s.data_len_bytes, 1);	/* IAC held back */
	feed(&tp, &s, r2, sizeof(r2));
	feed(&tp, &s, r3, sizeof(r3));
	feed(&tp, &s, r4, sizeof(r4));
	assert_int_equal(s.reply_len_bytes, 0);
	feed(&tp, &s, r5, sizeof(r5));
	assert_mem(s.data, s.data_len_bytes, want_data, sizeof(want_data));
	assert_mem(s.reply, s.reply_len_bytes, want_reply, sizeof(want_reply));
	sink_free(&s);
}

static void test_cr_at_read_boundary(void **state)
{
	static const uint8_t r1[] = { 'l', 's', '\r' };
	static const uint8_t r2[] = { '\n', 'p', 'w', 'd', '\r' };
	static const uint8_t r3[] = { 0 };
	static const uint8_t r4[] = { '\r' };
	static const uint8_t r5[] = { 'x' };
	static const uint8_t want[] = { 'l', 's', '\r', 'p', 'w', 'd', '\r',
					'\r', 'x' };
	struct telnet_proto tp;
	struct sink s;

	(void)state;
	session(&tp, true);
	sink_init(&s, 64);
	feed(&tp, &s, r1, sizeof(r1));
	assert_int_equal(s.data_len_bytes, 3);	/* CR delivered at once */
	feed(&tp, &s, r2, sizeof(r2));
	feed(&tp, &s, NULL, 0);		/* empty read keeps CR state */
	feed(&tp, &s, r3, sizeof(r3));
	feed(&tp, &s, r4, sizeof(r4));
	feed(&tp, &s, r5, sizeof(r5));
	assert_mem(s.data, s.data_len_bytes, want, sizeof(want));
	sink_free(&s);
}

static void test_sb_split_across_reads(void **state)
{
	static const uint8_t r1[] = { IAC, WILL, NAWS, IAC, SB, NAWS, 0 };
	static const uint8_t r2[] = { IAC };
	static const uint8_t r3[] = { IAC, 0, 50 };
	static const uint8_t r4[] = { IAC };
	static const uint8_t r5[] = { SE, 'z' };
	struct telnet_proto tp;
	struct sink s;

	(void)state;
	session(&tp, true);
	sink_init(&s, 64);
	feed(&tp, &s, r1, sizeof(r1));
	feed(&tp, &s, r2, sizeof(r2));
	feed(&tp, &s, r3, sizeof(r3));
	feed(&tp, &s, r4, sizeof(r4));
	assert_false(s.naws_valid);
	assert_int_equal(s.data_len_bytes, 0);
	feed(&tp, &s, r5, sizeof(r5));
	assert_true(s.naws_valid);
	assert_int_equal(s.naws_cols, 255);
	assert_int_equal(s.naws_rows, 50);
	assert_int_equal(s.data_len_bytes, 1);
	assert_int_equal(s.data[0], 'z');
	sink_free(&s);
}

/* Overlong SB (NAWS and other) is discarded without overflow. */
static void test_sb_overlong(void **state)
{
	static const size_t lens[] = {
		TELNET_SB_MAX_BYTES - 1, TELNET_SB_MAX_BYTES,
		TELNET_SB_MAX_BYTES + 1, 1000, 100000,
	};
	static const uint8_t opts[] = { NAWS, NEW_ENVIRON, LINEMODE, 0 };
	size_t i, j, n, total;
	uint8_t *in;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (j = 0; j < sizeof(opts); j++) {
			struct telnet_proto tp;
			struct sink s;

			total = 6 + lens[i] + 2 + 1;
			in = malloc(total);
			assert_non_null(in);
			n = 0;
			in[n++] = IAC; in[n++] = WILL; in[n++] = NAWS;
			in[n++] = IAC; in[n++] = SB; in[n++] = opts[j];
			memset(in + n, 'A', lens[i]);
			n += lens[i];
			in[n++] = IAC; in[n++] = SE; in[n++] = 'k';
			assert_int_equal(n, total);

			session(&tp, true);
			sink_init(&s, total);
			feed(&tp, &s, in, total);
			assert_int_equal(s.data_len_bytes, 1);
			assert_int_equal(s.data[0], 'k');
			assert_int_equal(s.reply_len_bytes, 0);
			assert_false(s.naws_valid);
			sink_free(&s);
			free(in);
		}
	}
}

static void test_iac_nop_flood(void **state)
{
	const size_t len = 100000;
	static const size_t chunks[] = { 100000, 4096, 4095, 1, 3 };
	uint8_t *in = malloc(len);
	size_t i, off;

	(void)state;
	assert_non_null(in);
	for (i = 0; i < len; i += 2) {
		in[i] = IAC;
		in[i + 1] = TELNET_NOP;
	}
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct telnet_proto tp;
		struct sink s;

		session(&tp, true);
		sink_init(&s, len);
		for (off = 0; off < len; off += chunks[i]) {
			size_t n = len - off < chunks[i] ? len - off : chunks[i];

			feed(&tp, &s, in + off, n);
		}
		assert_int_equal(s.data_len_bytes, 0);
		assert_int_equal(s.reply_len_bytes, 0);
		sink_free(&s);
	}
	free(in);
}

static void test_100k_without_newline(void **state)
{
	const size_t len = 100 * 1024;
	uint8_t *in = malloc(len);
	struct telnet_proto tp;
	struct sink s;
	size_t i;

	(void)state;
	assert_non_null(in);
	for (i = 0; i < len; i++)
		in[i] = (uint8_t)(' ' + i % 90);
	session(&tp, true);
	sink_init(&s, len);
	feed(&tp, &s, in, len);
	assert_mem(s.data, s.data_len_bytes, in, len);
	assert_int_equal(s.reply_len_bytes, 0);
	sink_free(&s);
	free(in);
}

/* Every unsupported option: DO and WILL each refused exactly once. */
static void test_refuse_every_unknown_option_once(void **state)
{
	unsigned int opt;

	(void)state;
	for (opt = 0; opt < 256; opt++) {
		const uint8_t o = (uint8_t)opt;
		const uint8_t in[] = { IAC, DO, o, IAC, WILL, o };
		const uint8_t want[] = { IAC, WONT, o, IAC, DONT, o };
		/* Client acknowledges: must not trigger anything. */
		const uint8_t ack[] = { IAC, DONT, o, IAC, WONT, o };
		struct telnet_proto tp;
		struct sink s;

		if (o == ECHO || o == SGA || o == NAWS)
			continue;
		telnet_init(&tp);	/* no offer: nothing is WANTYES */
		sink_init(&s, 64);
		feed(&tp, &s, in, sizeof(in));
		assert_mem(s.reply, s.reply_len_bytes, want, sizeof(want));
		s.reply_len_bytes = 0;
		feed(&tp, &s, ack, sizeof(ack));
		assert_int_equal(s.reply_len_bytes, 0);
		sink_free(&s);
	}
}

/*
 * "Mirror" client that answers every reply we send, including answers to
 * its own requests and our refusals (WILL->DO, WONT->DONT, DO->WILL,
 * DONT->WONT), which is how naive implementations loop.  Negotiation must
 * die out after one round: our answer to the mirror is always silence.
 */
static void test_no_reply_loop(void **state)
{
	static const uint8_t first[] = {
		IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, NAWS,
		IAC, DO, NEW_ENVIRON, IAC, WILL, NEW_ENVIRON,
		IAC, WILL, TTYPE, IAC, WILL, LINEMODE, IAC, DO, LINEMODE,
		IAC, DO, 200, IAC, WILL, ECHO, IAC, DO, NAWS, IAC, WILL, SGA,
	};
	struct telnet_proto tp;
	uint8_t in[256], data[256], reply[256 + TELNET_REPLY_SLACK_BYTES];
	size_t in_len = sizeof(first), i;
	int round;

	(void)state;
	session(&tp, false);
	memcpy(in, first, sizeof(first));
	for (round = 0; round < 10 && in_len; round++) {
		struct telnet_rx rx = {
			.data = data, .data_cap_bytes = sizeof(data),
			.reply = reply, .reply_cap_bytes = sizeof(reply),
		};

		assert_int_equal(telnet_rx(&tp, in, in_len, &rx), 0);
		assert_int_equal(rx.data_len_bytes, 0);
		assert_int_equal(rx.reply_len_bytes % 3, 0);
		for (i = 0; i < rx.reply_len_bytes; i += 3) {
			assert_int_equal(reply[i], IAC);
			in[i] = IAC;
			switch (reply[i + 1]) {
			case WILL: in[i + 1] = DO; break;
			case WONT: in[i + 1] = DONT; break;
			case DO: in[i + 1] = WILL; break;
			case DONT: in[i + 1] = WONT; break;
			default: fail();
			}
			in[i + 2] = reply[i + 2];
		}
		in_len = rx.reply_len_bytes;
	}
	assert_int_equal(round, 2);
	assert_int_equal(in_len, 0);
}

static void test_reply_buffer_full_drops(void **state)
{
	static const uint8_t in[] = {
		IAC, DO, 39, IAC, DO, 36, 'a', IAC, WILL, 24,
	};
	struct telnet_proto tp;
	uint8_t data[sizeof(in)], reply[5];
	struct telnet_rx rx = {
		.data = data, .data_cap_bytes = sizeof(data),
		.reply = reply, .reply_cap_bytes = sizeof(reply),
	};

	(void)state;
	session(&tp, true);
	memset(reply, 0xaa, sizeof(reply));
	assert_int_equal(telnet_rx(&tp, in, sizeof(in), &rx), 0);
	assert_int_equal(rx.reply_len_bytes, 3);
	assert_int_equal(rx.reply_dropped_bytes, 6);
	assert_int_equal(reply[0], IAC);
	assert_int_equal(reply[1], WONT);
	assert_int_equal(reply[2], 39);
	assert_int_equal(reply[3], 0xaa);	/* no partial sequence */
	assert_int_equal(reply[4], 0xaa);
	assert_int_equal(rx.data_len_bytes, 1);
	assert_int_equal(data[0], 'a');

	/* No reply buffer at all: still parses, everything dropped. */
	rx.reply = NULL;
	rx.reply_cap_bytes = 0;
	assert_int_equal(telnet_rx(&tp, in, sizeof(in), &rx), 0);
	assert_int_equal(rx.reply_len_bytes, 0);
	assert_int_equal(rx.reply_dropped_bytes, 9);
	assert_int_equal(rx.data_len_bytes, 1);
}

static void test_rx_errors(void **state)
{
	static const uint8_t in[] = { IAC, DO, 39, 'a' };
	struct telnet_proto tp, before;
	uint8_t data[8], reply[8];
	struct telnet_rx rx = {
		.data = data, .data_cap_bytes = sizeof(in) - 1,
		.reply = reply, .reply_cap_bytes = sizeof(reply),
	};

	(void)state;
	session(&tp, true);
	before = tp;
	assert_int_equal(telnet_rx(&tp, in, sizeof(in), &rx), -ENOBUFS);
	assert_memory_equal(&tp, &before, sizeof(tp));
	rx.data_cap_bytes = sizeof(data);
	assert_int_equal(telnet_rx(NULL, in, sizeof(in), &rx), -EINVAL);
	assert_int_equal(telnet_rx(&tp, in, sizeof(in), NULL), -EINVAL);
	assert_int_equal(telnet_rx(&tp, NULL, 1, &rx), -EINVAL);
	rx.data = NULL;
	assert_int_equal(telnet_rx(&tp, in, sizeof(in), &rx), -EINVAL);
	assert_memory_equal(&tp, &before, sizeof(tp));
	rx.data_cap_bytes = 0;
	assert_int_equal(telnet_rx(&tp, NULL, 0, &rx), 0);
	assert_int_equal(rx.data_len_bytes, 0);
}

/* Tiny deterministic PRNG (xorshift32) for the mixed-stream test. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * A long stream of protocol-heavy junk fed whole vs. in random chunks:
 * identical data and replies, reply bound never exceeded.
 */
static void test_random_stream_split_equivalence(void **state)
{
	static const uint8_t alphabet[] = {
		IAC, IAC, IAC, IAC, DO, DONT, WILL, WONT, SB, SE, TELNET_NOP,
		TELNET_EC, ECHO, SGA, NAWS, 39, 34, 0, '\r', '\n', 'a',
	};
	const size_t len = 200000;
	uint8_t *in = malloc(len);
	uint32_t seed = 0x12345678;
	struct telnet_proto tp;
	struct sink whole, split;
	size_t i, off;
	int pass;

	(void)state;
	assert_non_null(in);
	for (i = 0; i < len; i++)
		in[i] = alphabet[rnd(&seed) % sizeof(alphabet)];

	session(&tp, true);
	sink_init(&whole, len);
	feed(&tp, &whole, in, len);

	for (pass = 0; pass < 3; pass++) {
		session(&tp, true);
		sink_init(&split, len);
		for (off = 0; off < len;) {
			size_t n = rnd(&seed) % (pass == 0 ? 4 : 700) + 1;

			if (n > len - off)
				n = len - off;
			feed(&tp, &split, in + off, n);
			off += n;
		}
		assert_sink_equal(&split, &whole);
		sink_free(&split);
	}
	sink_free(&whole);
	free(in);
}

/* ---- output encoder ---- */

static void test_encode_doubles_iac(void **state)
{
	static const uint8_t in[] = { 'a', 0xff, 'b', 0xff, 0xff, '\r', '\n' };
	static const uint8_t want[] = { 'a', 0xff, 0xff, 'b', 0xff, 0xff,
					0xff, 0xff, '\r', '\n' };
	uint8_t out[TELNET_ENCODE_MAX_BYTES(sizeof(in))];
	size_t used, olen;

	(void)state;
	assert_int_equal(telnet_encode(in, sizeof(in), out, sizeof(out),
				       &used, &olen), 0);
	assert_int_equal(used, sizeof(in));
	assert_mem(out, olen, want, sizeof(want));

	assert_int_equal(telnet_encode(NULL, 0, NULL, 0, &used, &olen), 0);
	assert_int_equal(used, 0);
	assert_int_equal(olen, 0);
	assert_int_equal(telnet_encode(NULL, 1, out, 1, &used, &olen),
			 -EINVAL);
	assert_int_equal(telnet_encode(in, 1, NULL, 1, &used, &olen),
			 -EINVAL);
	assert_int_equal(telnet_encode(in, 1, out, 1, NULL, &olen), -EINVAL);
	assert_int_equal(telnet_encode(in, 1, out, 1, &used, NULL), -EINVAL);
}

static void test_encode_iac_pair_not_split(void **state)
{
	static const uint8_t in[] = { 'a', 0xff };
	uint8_t out[2];
	size_t used, olen;

	(void)state;
	/* Room for 'a' and half a pair: only 'a' is consumed. */
	assert_int_equal(telnet_encode(in, sizeof(in), out, 2, &used, &olen),
			 0);
	assert_int_equal(used, 1);
	assert_int_equal(olen, 1);
	/* One byte of room and an IAC next: nothing consumed. */
	assert_int_equal(telnet_encode(in + 1, 1, out, 1, &used, &olen), 0);
	assert_int_equal(used, 0);
	assert_int_equal(olen, 0);
	assert_int_equal(telnet_encode(in + 1, 1, out, 2, &used, &olen), 0);
	assert_int_equal(used, 1);
	assert_int_equal(olen, 2);
	assert_int_equal(out[0], 0xff);
	assert_int_equal(out[1], 0xff);
}

/*
 * Back-pressure: drain through tiny buffers, result identical.  A buffer
 * of 1 byte cannot carry an IAC IAC pair, so it stalls on 0xFF (the pair
 * is never split); 2 bytes or more always make progress.
 */
static void test_encode_backpressure(void **state)
{
	static const size_t caps[] = { 2, 3, 4, 7, 64 };
	uint8_t in[1000], want[2000], got[2000], *out;
	size_t i, wlen = 0, used, olen;

	(void)state;
	for (i = 0; i < sizeof(in); i++) {
		in[i] = (i % 3 == 0 || i % 7 == 0) ? 0xff : (uint8_t)i;
		want[wlen++] = in[i];
		if (in[i] == 0xff)
			want[wlen++] = 0xff;
	}
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		size_t off = 0, glen = 0;

		out = malloc(caps[i]);	/* exact size: ASan checks bounds */
		assert_non_null(out);
		while (off < sizeof(in)) {
			assert_int_equal(telnet_encode(in + off,
						       sizeof(in) - off, out,
						       caps[i], &used, &olen),
					 0);
			assert_true(used > 0);
			assert_true(olen <= caps[i]);
			assert_true(olen >= used && olen <= 2 * used);
			memcpy(got + glen, out, olen);
			glen += olen;
			off += used;
		}
		assert_mem(got, glen, want, wlen);
		free(out);
	}

	/* 1-byte buffer: plain bytes pass one at a time, IAC stalls. */
	out = malloc(1);
	assert_non_null(out);
	assert_int_equal(telnet_encode(in + 1, 2, out, 1, &used, &olen), 0);
	assert_int_equal(used, 1);
	assert_int_equal(olen, 1);
	assert_int_equal(out[0], in[1]);
	assert_int_equal(telnet_encode(in, 2, out, 1, &used, &olen), 0);
	assert_int_equal(used, 0);
	assert_int_equal(olen, 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_rx_table),
		cmocka_unit_test(test_lone_iac_at_end_of_read),
		cmocka_unit_test(test_cr_at_read_boundary),
		cmocka_unit_test(test_sb_split_across_reads),
		cmocka_unit_test(test_sb_overlong),
		cmocka_unit_test(test_iac_nop_flood),
		cmocka_unit_test(test_100k_without_newline),
		cmocka_unit_test(test_refuse_every_unknown_option_once),
		cmocka_unit_test(test_no_reply_loop),
		cmocka_unit_test(test_reply_buffer_full_drops),
		cmocka_unit_test(test_rx_errors),
		cmocka_unit_test(test_random_stream_split_equivalence),
		cmocka_unit_test(test_encode_doubles_iac),
		cmocka_unit_test(test_encode_iac_pair_not_split),
		cmocka_unit_test(test_encode_backpressure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
