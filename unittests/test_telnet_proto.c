/* unittests/test_telnet_proto.c — cmocka tests of the pure telnet module: negotiation, NVT decode, reports, encoder */
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
	unsigned ayt_count;	/* summed over all calls */
	bool abort_output;	/* any call reported AO */
	unsigned echo_changes;	/* calls that reported echo_changed */
	bool echo_on;		/* echo state as a server applying the reports sees it */
};

/* @s->echo_on starts as false: telnet_init()/telnet_start() never echo yet. */
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
	s->ayt_count += rx.ayt_count;
	s->abort_output |= rx.abort_output;
	/* echo_on is always the current state; it moves only with echo_changed. */
	assert_int_equal(rx.echo_on, telnet_echoes(tp));
	if (rx.echo_changed)
		s->echo_changes++;
	else
		assert_int_equal(rx.echo_on, s->echo_on);
	s->echo_on = rx.echo_on;
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
	assert_int_equal(a->ayt_count, b->ayt_count);
	assert_int_equal(a->abort_output, b->abort_output);
	assert_int_equal(a->echo_on, b->echo_on);
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
	{ "NOP DM GA AO AYT: no data", false,
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

/*
 * Reports in struct telnet_rx: AYT, AO, echo changes, and DM (Synch) as a
 * harmless no-op.  Each case is fed whole, at every split point and byte
 * by byte (feed_all_splits); the sums, the OR of abort_output and the
 * final echo state must not depend on the splits.
 */
struct report_case {
	const char *name;
	bool start;		/* call telnet_start() first */
	const uint8_t *in;
	size_t in_len;
	const uint8_t *data;
	size_t data_len;
	const uint8_t *reply;
	size_t reply_len;
	unsigned ayt_count;	/* summed */
	bool abort_output;	/* any call */
	bool echo_changed;	/* the whole-stream call reports a change */
	bool echo_on;		/* final state */
	uint16_t naws_cols;	/* 0: no NAWS event expected */
	uint16_t naws_rows;
};

#define TM 6	/* TIMING-MARK, sent by BSD telnet after IP/AO with autoflush */

static const struct report_case report_cases[] = {
	/* Are you there. */
	{ .name = "AYT counted, no data, no reply",
	  .in = B('a', IAC, TELNET_AYT, 'b'), .data = B('a', 'b'),
	  .ayt_count = 1 },
	{ .name = "three AYT",
	  .in = B(IAC, TELNET_AYT, IAC, TELNET_AYT, 'x', IAC, TELNET_AYT),
	  .data = B('x'), .ayt_count = 3 },
	{ .name = "IAC IAC AYT-byte is data, not AYT",
	  .in = B(IAC, IAC, TELNET_AYT), .data = B(0xff, TELNET_AYT) },
	{ .name = "AYT inside SB aborts the SB and is reported", .start = true,
	  .in = B(IAC, SB, NEW_ENVIRON, 0, 'A', IAC, TELNET_AYT, 'k'),
	  .data = B('k'), .ayt_count = 1 },
	{ .name = "AYT after IAC IAC inside SB", .start = true,
	  .in = B(IAC, SB, 200, IAC, IAC, IAC, TELNET_AYT, 'k'),
	  .data = B('k'), .ayt_count = 1 },
	{ .name = "AYT between CR and LF ends the CR state",
	  .in = B('\r', IAC, TELNET_AYT, '\n'), .data = B('\r', '\n'),
	  .ayt_count = 1 },

	/* Abort output. */
	{ .name = "AO reported, no data, no reply",
	  .in = B('a', IAC, TELNET_AO, 'b'), .data = B('a', 'b'),
	  .abort_output = true },
	{ .name = "AO inside NAWS SB aborts it; the rest is data",
	  .start = true,
	  .in = B(IAC, WILL, NAWS, IAC, SB, NAWS, 0, 80, IAC, TELNET_AO,
		  0, 24, IAC, SE),
	  .data = B(0, 24), .abort_output = true },
	{ .name = "AO and AYT together",
	  .in = B(IAC, TELNET_AO, IAC, TELNET_AYT, IAC, TELNET_AO),
	  .ayt_count = 1, .abort_output = true },

	/* Data Mark: inline with SO_OOBINLINE, never eats the next byte. */
	{ .name = "abc DM def",
	  .in = B('a', 'b', 'c', IAC, TELNET_DM, 'd', 'e', 'f'),
	  .data = B('a', 'b', 'c', 'd', 'e', 'f') },
	{ .name = "Synch after IP (BSD telnet ^C with autosynch/autoflush)",
	  .start = true,
	  .in = B(IAC, TELNET_IP, IAC, TELNET_DM, IAC, DO, TM, 'l', 's'),
	  .data = B(0x03, 'l', 's'), .reply = B(IAC, WONT, TM) },
	{ .name = "Synch after AO", .start = true,
	  .in = B(IAC, TELNET_AO, IAC, TELNET_DM, IAC, DO, TM, IAC, DONT, TM),
	  .reply = B(IAC, WONT, TM), .abort_output = true },
	{ .name = "Synch after AYT",
	  .in = B(IAC, TELNET_AYT, IAC, TELNET_DM, 'x'), .data = B('x'),
	  .ayt_count = 1 },
	{ .name = "DM then IAC IAC",
	  .in = B(IAC, TELNET_DM, IAC, IAC, 'x'), .data = B(0xff, 'x') },
	{ .name = "DM then DM then command",
	  .in = B(IAC, TELNET_DM, IAC, TELNET_DM, IAC, TELNET_EC),
	  .data = B(0x7f) },
	{ .name = "DM between CR and LF",
	  .in = B('\r', IAC, TELNET_DM, '\n', 'a'), .data = B('\r', '\n', 'a') },
	{ .name = "DM right after CR LF",
	  .in = B('l', 's', '\r', '\n', IAC, TELNET_DM, '\r', 0),
	  .data = B('l', 's', '\r', '\r') },
	{ .name = "DM byte without IAC is data",
	  .in = B(TELNET_DM, 'a'), .data = B(TELNET_DM, 'a') },
	{ .name = "DM inside SB aborts it", .start = true,
	  .in = B(IAC, SB, TTYPE, 0, 'v', IAC, TELNET_DM, 'k'),
	  .data = B('k') },

	/* Server echo. */
	{ .name = "echo offer accepted", .start = true,
	  .in = B(IAC, DO, ECHO), .echo_changed = true, .echo_on = true },
	{ .name = "echo refused at start", .start = true,
	  .in = B(IAC, DONT, ECHO), .echo_changed = true, .echo_on = false },
	{ .name = "DO ECHO twice", .start = true,
	  .in = B(IAC, DO, ECHO, IAC, DO, ECHO),
	  .echo_changed = true, .echo_on = true },
	{ .name = "DO ECHO twice, unsolicited",
	  .in = B(IAC, DO, ECHO, IAC, DO, ECHO), .reply = B(IAC, WILL, ECHO),
	  .echo_changed = true, .echo_on = true },
	{ .name = "DONT ECHO after YES", .start = true,
	  .in = B(IAC, DO, ECHO, IAC, DONT, ECHO), .reply = B(IAC, WONT, ECHO),
	  .echo_changed = true, .echo_on = false },
	{ .name = "DONT ECHO after YES, then DO ECHO again", .start = true,
	  .in = B(IAC, DO, ECHO, IAC, DONT, ECHO, IAC, DO, ECHO),
	  .reply = B(IAC, WONT, ECHO, IAC, WILL, ECHO),
	  .echo_changed = true, .echo_on = true },
	{ .name = "on/off within one call cancels out",
	  .in = B(IAC, DO, ECHO, IAC, DONT, ECHO),
	  .reply = B(IAC, WILL, ECHO, IAC, WONT, ECHO),
	  .echo_changed = false, .echo_on = false },
	{ .name = "DONT ECHO when off: nothing",
	  .in = B(IAC, DONT, ECHO) },
	{ .name = "client WILL ECHO does not touch server echo", .start = true,
	  .in = B(IAC, WILL, ECHO, IAC, WONT, ECHO), .reply = B(IAC, DONT, ECHO) },
	{ .name = "SGA and NAWS do not touch server echo", .start = true,
	  .in = B(IAC, DO, SGA, IAC, WILL, NAWS, IAC, DONT, SGA),
	  .reply = B(IAC, WONT, SGA) },
	{ .name = "typical client: accept everything, window size, command",
	  .start = true,
	  .in = B(IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, NAWS,
		  IAC, SB, NAWS, 0, 100, 0, 40, IAC, SE, 'i', 'd', '\r', 0),
	  .data = B('i', 'd', '\r'), .echo_changed = true, .echo_on = true,
	  .naws_cols = 100, .naws_rows = 40 },
	{ .name = "client that echoes locally: refuses ECHO, keeps SGA",
	  .start = true,
	  .in = B(IAC, DONT, ECHO, IAC, DO, SGA, 'p', 'w', 'd', '\r', '\n'),
	  .data = B('p', 'w', 'd', '\r'), .echo_changed = true,
	  .echo_on = false },
};

static void test_report_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(report_cases) / sizeof(report_cases[0]); i++) {
		const struct report_case *c = &report_cases[i];
		struct sink s;

		print_message("  case: %s\n", c->name);
		feed_all_splits(c->start, c->in, c->in_len, &s);
		assert_mem(s.data, s.data_len_bytes, c->data, c->data_len);
		assert_mem(s.reply, s.reply_len_bytes, c->reply, c->reply_len);
		assert_int_equal(s.ayt_count, c->ayt_count);
		assert_int_equal(s.abort_output, c->abort_output);
		assert_int_equal(s.echo_changes, c->echo_changed);
		assert_int_equal(s.echo_on, c->echo_on);
		assert_int_equal(s.naws_valid, c->naws_cols != 0);
		assert_int_equal(s.naws_cols, c->naws_cols);
		assert_int_equal(s.naws_rows, c->naws_rows);
		sink_free(&s);
	}
}

/* Echo reports call by call, including a request split across calls. */
struct echo_step {
	const uint8_t *in;
	size_t in_len;
	bool changed;
	bool on;
	const uint8_t *reply;
	size_t reply_len;
};

static void run_echo_steps(bool start, const struct echo_step *steps,
			   size_t n)
{
	struct telnet_proto tp;
	size_t i;

	session(&tp, start);
	assert_false(telnet_echoes(&tp));
	for (i = 0; i < n; i++) {
		uint8_t data[16], reply[16];
		struct telnet_rx rx = {
			.data = data, .data_cap_bytes = sizeof(data),
			.reply = reply, .reply_cap_bytes = sizeof(reply),
			/* stale values from a previous call must be reset */
			.echo_changed = true, .ayt_count = 7,
			.abort_output = true,
		};

		print_message("  step %zu\n", i);
		assert_int_equal(telnet_rx(&tp, steps[i].in, steps[i].in_len,
					   &rx), 0);
		assert_int_equal(rx.echo_changed, steps[i].changed);
		assert_int_equal(rx.echo_on, steps[i].on);
		assert_int_equal(telnet_echoes(&tp), steps[i].on);
		assert_int_equal(rx.ayt_count, 0);
		assert_false(rx.abort_output);
		assert_mem(reply, rx.reply_len_bytes, steps[i].reply,
			   steps[i].reply_len);
	}
}

static void test_echo_steps(void **state)
{
	const struct echo_step offered[] = {
		{ .in = B(IAC, DO), .changed = false, .on = false },
		{ .in = B(ECHO), .changed = true, .on = true },
		{ .in = B(IAC, DO, ECHO), .changed = false, .on = true },
		{ .in = B('a'), .changed = false, .on = true },
		{ .in = B(IAC, DONT, ECHO), .changed = true, .on = false,
		  .reply = B(IAC, WONT, ECHO) },
		{ .in = B(IAC, DONT, ECHO), .changed = false, .on = false },
		{ .in = B(IAC, DO, ECHO), .changed = true, .on = true,
		  .reply = B(IAC, WILL, ECHO) },
		{ .in = B(IAC), .changed = false, .on = true },
		{ .in = B(DONT), .changed = false, .on = true },
		{ .in = B(ECHO), .changed = true, .on = false,
		  .reply = B(IAC, WONT, ECHO) },
		{ .in = NULL, .in_len = 0, .changed = false, .on = false },
	};
	const struct echo_step refused[] = {
		{ .in = B(IAC, DONT, ECHO, IAC, DONT, ECHO), .changed = true,
		  .on = false },
		{ .in = B(IAC, DO, ECHO), .changed = true, .on = true,
		  .reply = B(IAC, WILL, ECHO) },
	};
	const struct echo_step unsolicited[] = {
		{ .in = B(IAC, DONT, ECHO), .changed = false, .on = false },
		{ .in = B(IAC, DO, ECHO, IAC, DO, ECHO), .changed = true,
		  .on = true, .reply = B(IAC, WILL, ECHO) },
	};

	(void)state;
	run_echo_steps(true, offered, sizeof(offered) / sizeof(offered[0]));
	run_echo_steps(true, refused, sizeof(refused) / sizeof(refused[0]));
	run_echo_steps(false, unsolicited,
		       sizeof(unsolicited) / sizeof(unsolicited[0]));
	assert_false(telnet_echoes(NULL));
}

/* An AYT flood: counted exactly, no data, no reply bytes at all. */
static void test_ayt_flood(void **state)
{
	const size_t pairs = 50000;
	uint8_t *in = malloc(2 * pairs);
	static const size_t chunks[] = { 100000, 4096, 3, 1 };
	size_t i, off;

	(void)state;
	assert_non_null(in);
	for (i = 0; i < pairs; i++) {
		in[2 * i] = IAC;
		in[2 * i + 1] = i % 5 ? TELNET_AYT : TELNET_AO;
	}
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct telnet_proto tp;
		struct sink s;

		session(&tp, true);
		sink_init(&s, 2 * pairs);
		for (off = 0; off < 2 * pairs; off += chunks[i]) {
			size_t n = 2 * pairs - off < chunks[i] ?
				   2 * pairs - off : chunks[i];

			feed(&tp, &s, in + off, n);
		}
		assert_int_equal(s.ayt_count, pairs - pairs / 5);
		assert_true(s.abort_output);
		assert_int_equal(s.data_len_bytes, 0);
		assert_int_equal(s.reply_len_bytes, 0);
		sink_free(&s);
	}
	free(in);
}

/*
 * Urgent-mode streams the way a client sends them (IP/AO/AYT/BRK, then
 * IAC DM as urgent data, then more typing), concatenated and split at
 * every position: DM never corrupts what follows.
 */
static void test_urgent_stream_all_splits(void **state)
{
	static const uint8_t in[] = {
		'y', 'e', 's', '\r', '\n',
		IAC, TELNET_IP, IAC, TELNET_DM,
		'a', 'b', 'c', IAC, TELNET_DM, 'd', 'e', 'f',
		IAC, TELNET_AO, IAC, TELNET_DM, IAC, DO, TM,
		IAC, TELNET_AYT, IAC, TELNET_DM, '\r', 0,
		IAC, TELNET_BRK, IAC, TELNET_DM, IAC, IAC,
		'\r', IAC, TELNET_DM, '\n', IAC, TELNET_DM,
	};
	static const uint8_t want[] = {
		'y', 'e', 's', '\r', 0x03, 'a', 'b', 'c', 'd', 'e', 'f',
		'\r', 0x03, 0xff, '\r', '\n',
	};
	static const uint8_t want_reply[] = { IAC, WONT, TM };
	struct sink s;

	(void)state;
	feed_all_splits(true, in, sizeof(in), &s);
	assert_mem(s.data, s.data_len_bytes, want, sizeof(want));
	assert_mem(s.reply, s.reply_len_bytes, want_reply, sizeof(want_reply));
	assert_int_equal(s.ayt_count, 1);
	assert_true(s.abort_output);
	sink_free(&s);
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
		TELNET_AYT, TELNET_AO, TELNET_DM,
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

/*
 * Reference NVT decoder for encoder output (strict RFC 854): IAC IAC ->
 * 0xFF, CR LF -> CR LF, CR NUL -> CR; any other IAC, or a CR followed by
 * anything else, fails the test.  A CR at the very end is allowed (the
 * stream may stop there).  Returns the decoded length.
 */
static size_t nvt_decode(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == IAC) {
			assert_true(i + 1 < len);
			assert_int_equal(in[++i], IAC);
			out[o++] = 0xff;
		} else if (in[i] == '\r') {
			out[o++] = '\r';
			if (i + 1 == len)
				break;
			assert_true(in[i + 1] == '\n' || in[i + 1] == 0);
			if (in[++i] == '\n')
				out[o++] = '\n';
		} else {
			out[o++] = in[i];
		}
	}
	return o;
}

/*
 * Drain @len bytes of @in through telnet_encode() in calls of at most
 * @chunk input bytes into exact-size @cap-byte heap buffers; append to
 * @got.  Checks the per-call contracts.  Returns the output length.
 */
static size_t encode_drain(struct telnet_proto *tp, const uint8_t *in,
			   size_t len, size_t chunk, size_t cap, uint8_t *got)
{
	uint8_t *out = malloc(cap ? cap : 1);
	size_t off = 0, glen = 0;

	assert_non_null(out);
	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk, used, olen;

		assert_int_equal(telnet_encode(tp, in + off, n, cap ? out : NULL,
					       cap, &used, &olen), 0);
		assert_true(used <= n);
		assert_true(olen <= cap);
		assert_true(olen <= TELNET_ENCODE_MAX_BYTES(used));
		assert_true(olen >= used);
		if (cap >= TELNET_ENCODE_MAX_BYTES(n))
			assert_int_equal(used, n);
		assert_true(used > 0);	/* callers use cap >= 3 here */
		memcpy(got + glen, out, olen);
		glen += olen;
		off += used;
	}
	free(out);
	return glen;
}

struct encode_case {
	const char *name;
	const uint8_t *in;
	size_t in_len;
	const uint8_t *out;
	size_t out_len;
};

static const struct encode_case encode_cases[] = {
	{ "plain", B('a', 'b', 'c'), B('a', 'b', 'c') },
	{ "CR LF", B('a', '\r', '\n'), B('a', '\r', '\n') },
	{ "CR x -> CR NUL x", B('\r', 'x'), B('\r', 0, 'x') },
	{ "CR CR -> CR NUL CR", B('\r', '\r'), B('\r', 0, '\r') },
	{ "CR CR LF", B('\r', '\r', '\n'), B('\r', 0, '\r', '\n') },
	{ "CR NUL from the shell", B('\r', 0, 'a'), B('\r', 0, 0, 'a') },
	{ "CR IAC -> CR NUL IAC IAC", B('\r', 0xff), B('\r', 0, 0xff, 0xff) },
	{ "IAC CR LF", B(0xff, '\r', '\n'), B(0xff, 0xff, '\r', '\n') },
	{ "trailing CR goes out at once", B('o', 'k', '\r'),
	  B('o', 'k', '\r') },
	{ "lone LF and LF CR LF", B('\n', 'a', '\n', '\r', '\n'),
	  B('\n', 'a', '\n', '\r', '\n') },
	{ "IAC IAC", B(0xff, 0xff), B(0xff, 0xff, 0xff, 0xff) },
	{ "progress bar", B('1', '%', '\r', '2', '%', '\r'),
	  B('1', '%', '\r', 0, '2', '%', '\r') },
	{ "CR LF CR LF", B('\r', '\n', '\r', '\n'), B('\r', '\n', '\r', '\n') },
	{ "NUL alone passes", B(0, 'a', 0), B(0, 'a', 0) },
	{ "CR CR CR IAC", B('\r', '\r', '\r', 0xff),
	  B('\r', 0, '\r', 0, '\r', 0, 0xff, 0xff) },
	{ "LF CR NUL IAC", B('\n', '\r', 0, 0xff),
	  B('\n', '\r', 0, 0, 0xff, 0xff) },
	{ "empty", NULL, 0, NULL, 0 },
};

/*
 * Every case: whole, split at every byte (CR at the end of one call, its
 * follower at the start of the next), byte by byte with the tightest
 * progress buffer, and drained with small buffers: all identical.
 */
static void test_encode_table(void **state)
{
	size_t i, cut, cap;

	(void)state;
	for (i = 0; i < sizeof(encode_cases) / sizeof(encode_cases[0]); i++) {
		const struct encode_case *c = &encode_cases[i];
		size_t len = c->in_len, max = TELNET_ENCODE_MAX_BYTES(len);
		uint8_t *got = malloc(max), *dec = malloc(len + 1);
		struct telnet_proto tp;
		size_t glen;

		print_message("  case: %s\n", c->name);
		assert_non_null(got);
		assert_non_null(dec);
		telnet_init(&tp);
		glen = encode_drain(&tp, c->in, len, len ? len : 1, max, got);
		assert_mem(got, glen, c->out, c->out_len);
		assert_mem(dec, nvt_decode(got, glen, dec), c->in, len);
		for (cut = 1; cut < len; cut++) {
			telnet_init(&tp);
			glen = encode_drain(&tp, c->in, cut, cut,
					    TELNET_ENCODE_MAX_BYTES(cut), got);
			glen += encode_drain(&tp, c->in + cut, len - cut,
					     len - cut,
					     TELNET_ENCODE_MAX_BYTES(len - cut),
					     got + glen);
			assert_mem(got, glen, c->out, c->out_len);
		}
		for (cap = TELNET_ENCODE_UNIT_MAX_BYTES; cap <= 5; cap++) {
			telnet_init(&tp);
			glen = encode_drain(&tp, c->in, len, 1, cap, got);
			assert_mem(got, glen, c->out, c->out_len);
			telnet_init(&tp);
			glen = encode_drain(&tp, c->in, len, len ? len : 1, cap,
					    got);
			assert_mem(got, glen, c->out, c->out_len);
		}
		free(got);
		free(dec);
	}
}

/* One call's input and the exact output expected from it. */
struct encode_step {
	const uint8_t *in;
	size_t in_len;
	size_t cap_bytes;
	size_t used_bytes;
	const uint8_t *out;
	size_t out_len;
};

static void run_encode_steps(const struct encode_step *steps, size_t n)
{
	struct telnet_proto tp;
	size_t i;

	telnet_init(&tp);
	for (i = 0; i < n; i++) {
		const struct encode_step *st = &steps[i];
		uint8_t *out = malloc(st->cap_bytes ? st->cap_bytes : 1);
		size_t used = 99, olen = 99;

		print_message("  step %zu\n", i);
		assert_non_null(out);
		assert_int_equal(telnet_encode(&tp, st->in, st->in_len, out,
					       st->cap_bytes, &used, &olen), 0);
		assert_int_equal(used, st->used_bytes);
		assert_mem(out, olen, st->out, st->out_len);
		free(out);
	}
}

/* The window edges: what a CR at the end of one call does to the next. */
static void test_encode_cr_across_calls(void **state)
{
	const struct encode_step cr_lf[] = {
		{ B('l', 's', '\r'), 9, 3, B('l', 's', '\r') },	/* CR at once */
		{ B('\n'), 9, 1, B('\n') },
		{ B('x'), 9, 1, B('x') },
	};
	const struct encode_step cr_x[] = {
		{ B('\r'), 9, 1, B('\r') },
		{ B('x', '\r'), 9, 2, B(0, 'x', '\r') },
		{ B(0xff), 9, 1, B(0, 0xff, 0xff) },
		{ B('\r'), 9, 1, B('\r') },
		{ B('\r'), 9, 1, B(0, '\r') },		/* CR CR */
		{ B(0), 9, 1, B(0, 0) },		/* shell's CR NUL */
		{ B('\r'), 9, 1, B('\r') },
		{ NULL, 0, 9, 0, NULL, 0 },		/* empty: no NUL yet */
		{ B('\n', '\r'), 9, 2, B('\n', '\r') },
	};
	/* Atomicity: a NUL never goes out without its byte. */
	const struct encode_step tight[] = {
		{ B('\r', 'x'), 2, 1, B('\r') },	/* NUL x needs 2, 1 left */
		{ B('x'), 1, 0, NONE },			/* stall: no lone NUL */
		{ B('x'), 2, 1, B(0, 'x') },
		{ B('\r', 0xff), 3, 1, B('\r') },
		{ B(0xff), 2, 0, NONE },		/* NUL IAC IAC: stall */
		{ B(0xff, 'a'), 3, 1, B(0, 0xff, 0xff) },
		{ B('a', 0xff), 2, 1, B('a') },		/* IAC IAC not split */
		{ B(0xff), 1, 0, NONE },
		{ B(0xff), 2, 1, B(0xff, 0xff) },
		{ B('\r'), 1, 1, B('\r') },
		{ B('\n'), 1, 1, B('\n') },		/* LF fits in 1 */
		{ B('\r', '\r'), 1, 1, B('\r') },
		{ B('\r', '\n'), 2, 1, B(0, '\r') },
		{ B('\n'), 1, 1, B('\n') },
		{ B('a', 'b'), 0, 0, NONE },		/* no room at all */
	};

	(void)state;
	run_encode_steps(cr_lf, sizeof(cr_lf) / sizeof(cr_lf[0]));
	run_encode_steps(cr_x, sizeof(cr_x) / sizeof(cr_x[0]));
	run_encode_steps(tight, sizeof(tight) / sizeof(tight[0]));
}

static void test_encode_flush(void **state)
{
	struct telnet_proto tp, before;
	uint8_t out[4];
	size_t used, olen = 99;

	(void)state;
	telnet_init(&tp);
	/* Nothing pending: nothing written, even with no buffer. */
	assert_int_equal(telnet_encode_flush(&tp, NULL, 0, &olen), 0);
	assert_int_equal(olen, 0);

	assert_int_equal(telnet_encode(&tp, (const uint8_t *)"\r", 1, out,
				       sizeof(out), &used, &olen), 0);
	before = tp;
	assert_int_equal(telnet_encode_flush(&tp, NULL, 0, &olen), -ENOBUFS);
	assert_memory_equal(&tp, &before, sizeof(tp));
	assert_int_equal(telnet_encode_flush(&tp, out, 1, &olen), 0);
	assert_int_equal(olen, 1);
	assert_int_equal(out[0], 0);
	assert_int_equal(telnet_encode_flush(&tp, out, 1, &olen), 0);
	assert_int_equal(olen, 0);			/* once only */
	/* The LF after a flushed CR goes out plain: CR NUL LF = CR LF. */
	assert_int_equal(telnet_encode(&tp, (const uint8_t *)"\nx", 2, out,
				       sizeof(out), &used, &olen), 0);
	assert_mem(out, olen, (const uint8_t *)"\nx", 2);

	assert_int_equal(telnet_encode_flush(NULL, out, 1, &olen), -EINVAL);
	assert_int_equal(telnet_encode_flush(&tp, out, 1, NULL), -EINVAL);
	assert_int_equal(telnet_encode_flush(&tp, NULL, 1, &olen), -EINVAL);
}

static void test_encode_errors(void **state)
{
	static const uint8_t in[] = { '\r', 'a' };
	struct telnet_proto tp, before;
	uint8_t out[8];
	size_t used, olen;

	(void)state;
	telnet_init(&tp);
	assert_int_equal(telnet_encode(&tp, in, 1, out, sizeof(out), &used,
				       &olen), 0);
	before = tp;
	assert_int_equal(telnet_encode(NULL, in, 1, out, 1, &used, &olen),
			 -EINVAL);
	assert_int_equal(telnet_encode(&tp, NULL, 1, out, 1, &used, &olen),
			 -EINVAL);
	assert_int_equal(telnet_encode(&tp, in, 1, NULL, 1, &used, &olen),
			 -EINVAL);
	assert_int_equal(telnet_encode(&tp, in, 1, out, 1, NULL, &olen),
			 -EINVAL);
	assert_int_equal(telnet_encode(&tp, in, 1, out, 1, &used, NULL),
			 -EINVAL);
	assert_memory_equal(&tp, &before, sizeof(tp));
	assert_int_equal(telnet_encode(&tp, NULL, 0, NULL, 0, &used, &olen),
			 0);
	assert_int_equal(used, 0);
	assert_int_equal(olen, 0);
	assert_memory_equal(&tp, &before, sizeof(tp));	/* CR still owed */
	assert_int_equal(telnet_encode(&tp, in + 1, 1, out, sizeof(out),
				       &used, &olen), 0);
	assert_mem(out, olen, (const uint8_t[]){ 0, 'a' }, 2);
}

/*
 * The bound, exhaustively for short inputs over the bytes that matter,
 * from both start states (fresh, or a CR still owed from the last call):
 * the largest output is exactly 2 * n (fresh) and 2 * n + 1 (CR owed) =
 * TELNET_ENCODE_MAX_BYTES(n), so the bound holds and is tight; and a
 * buffer of exactly that size consumes everything.
 */
static void test_encode_bound_exhaustive(void **state)
{
	static const uint8_t alphabet[] = { '\r', '\n', 0, 0xff, 'a' };
	const size_t k = sizeof(alphabet);
	size_t n, code, i, total;
	int owed;

	(void)state;
	for (owed = 0; owed <= 1; owed++) {
		for (n = 1, total = k; n <= 6; n++, total *= k) {
			size_t worst = 0;

			for (code = 0; code < total; code++) {
				uint8_t in[6], out[TELNET_ENCODE_MAX_BYTES(6)];
				struct telnet_proto tp;
				size_t c = code, used, olen, junk;

				for (i = 0; i < n; i++, c /= k)
					in[i] = alphabet[c % k];
				telnet_init(&tp);
				if (owed)
					assert_int_equal(telnet_encode(&tp,
						(const uint8_t *)"\r", 1, out,
						1, &junk, &junk), 0);
				assert_int_equal(telnet_encode(&tp, in, n, out,
					TELNET_ENCODE_MAX_BYTES(n), &used,
					&olen), 0);
				assert_int_equal(used, n);
				if (olen > worst)
					worst = olen;
			}
			assert_int_equal(worst, 2 * n + (size_t)owed);
			assert_true(worst <= TELNET_ENCODE_MAX_BYTES(n));
		}
	}
}

/* Reference encoder for the stateful tests below. */
static size_t ref_encode(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i, o = 0;
	bool cr = false;

	for (i = 0; i < len; i++) {
		if (cr && in[i] != '\n')
			out[o++] = 0;
		out[o++] = in[i];
		if (in[i] == 0xff)
			out[o++] = 0xff;
		cr = in[i] == '\r';
	}
	return o;
}

/*
 * Back-pressure: drain through tiny buffers, result identical.  3 bytes
 * (TELNET_ENCODE_UNIT_MAX_BYTES) or more always make progress; smaller
 * buffers are covered by test_encode_cr_across_calls.
 */
static void test_encode_backpressure(void **state)
{
	static const size_t caps[] = { 3, 4, 5, 7, 64, 2001 };
	static const size_t chunks[] = { 1, 2, 3, 1000 };
	uint8_t in[1000], want[2001], got[2001], dec[1000];
	size_t i, j, wlen;

	(void)state;
	for (i = 0; i < sizeof(in); i++) {
		in[i] = (i % 3 == 0 || i % 7 == 0) ? 0xff : (uint8_t)i;
		if (i % 11 == 0)
			in[i] = '\r';
		if (i % 22 == 1)
			in[i] = '\n';
	}
	wlen = ref_encode(in, sizeof(in), want);
	assert_true(wlen <= TELNET_ENCODE_MAX_BYTES(sizeof(in)));
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		for (j = 0; j < sizeof(chunks) / sizeof(chunks[0]); j++) {
			struct telnet_proto tp;
			size_t glen;

			telnet_init(&tp);
			glen = encode_drain(&tp, in, sizeof(in), chunks[j],
					    caps[i], got);
			assert_mem(got, glen, want, wlen);
			assert_mem(dec, nvt_decode(got, glen, dec), in,
				   sizeof(in));
		}
	}
}

/*
 * Random pty output through the encoder in random chunks and buffers,
 * then back through telnet_rx(): the server's own decoder gives the input
 * with its CR rule (CR LF -> CR; the NUL of CR NUL is the encoder's), and
 * never a reply or a report; the strict NVT decoder gives the input
 * exactly.
 */
static void test_encode_random_roundtrip(void **state)
{
	static const uint8_t alphabet[] = {
		'\r', '\r', '\n', '\n', 0, 0xff, 0xff, 'a', TELNET_AYT,
		TELNET_AO, TELNET_DM, DO, SB, SE,
	};
	const size_t len = 50000;
	uint8_t *in = malloc(len), *want = malloc(len), *got, *dec;
	uint32_t seed = 0xc0ffee;
	size_t i, wlen = 0, glen = 0, off = 0;
	struct telnet_proto enc, dec_tp;
	struct sink back;
	bool cr = false;

	(void)state;
	got = malloc(TELNET_ENCODE_MAX_BYTES(len));
	dec = malloc(len);
	assert_non_null(in);
	assert_non_null(want);
	assert_non_null(got);
	assert_non_null(dec);
	for (i = 0; i < len; i++) {
		in[i] = alphabet[rnd(&seed) % sizeof(alphabet)];
		/* A shell CR NUL goes out as CR NUL NUL: only LF is eaten. */
		if (cr && in[i] == '\n') {
			cr = false;
			continue;
		}
		cr = in[i] == '\r';
		want[wlen++] = in[i];
	}
	telnet_init(&enc);
	while (off < len) {
		size_t n = rnd(&seed) % 50 + 1;
		size_t cap = rnd(&seed) % 40 + TELNET_ENCODE_UNIT_MAX_BYTES;

		if (n > len - off)
			n = len - off;
		glen += encode_drain(&enc, in + off, n, n, cap, got + glen);
		off += n;
	}
	assert_true(glen <= TELNET_ENCODE_MAX_BYTES(len));
	assert_mem(dec, nvt_decode(got, glen, dec), in, len);

	session(&dec_tp, false);
	sink_init(&back, glen);
	feed(&dec_tp, &back, got, glen);
	assert_mem(back.data, back.data_len_bytes, want, wlen);
	assert_int_equal(back.reply_len_bytes, 0);
	assert_int_equal(back.ayt_count, 0);
	assert_false(back.abort_output);
	sink_free(&back);
	free(in);
	free(want);
	free(got);
	free(dec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_rx_table),
		cmocka_unit_test(test_report_table),
		cmocka_unit_test(test_echo_steps),
		cmocka_unit_test(test_ayt_flood),
		cmocka_unit_test(test_urgent_stream_all_splits),
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
		cmocka_unit_test(test_encode_table),
		cmocka_unit_test(test_encode_cr_across_calls),
		cmocka_unit_test(test_encode_flush),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_encode_bound_exhaustive),
		cmocka_unit_test(test_encode_backpressure),
		cmocka_unit_test(test_encode_random_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
