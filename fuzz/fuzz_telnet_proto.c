/* fuzz/fuzz_telnet_proto.c — libFuzzer target for the pure telnet module: parser, reports and NVT encoder */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "telnet_proto.h"

/*
 * Input layout: HDR_BYTES header bytes, then the byte stream (client
 * input for telnet_rx(), and pty output for telnet_encode()).
 *   hdr[0]      bit 0: call telnet_start(); bits 1-3: small reply capacity
 *               (1..8) for the dropping run; bits 4-6: encoder output
 *               capacity (3..10); bit 7: telnet_encode_flush() after every
 *               encoder call.
 *   hdr[1..7]   chunk sizes (cycled, & 63) for the split runs of both the
 *               parser and the encoder; 0 = an empty call.
 *
 * Parser invariants (abort() on violation):
 *  - every call returns 0, data_len <= chunk length, reply_len <= capacity
 *    and, with a reply buffer of TELNET_REPLY_MAX_BYTES(chunk), nothing is
 *    dropped; exact-size heap buffers let ASan catch any overrun;
 *  - replies are whole IAC <verb> <opt> triples and only ever accept
 *    ECHO/SGA (WILL) and NAWS (DO);
 *  - NAWS events are never 0 in either dimension;
 *  - echo_on always equals telnet_echoes(), and it only moves in a
 *    call that reports echo_changed;
 *  - chunked feeding gives the same data, replies, last NAWS, summed
 *    ayt_count, OR of abort_output and final echo state as whole;
 *  - with a tiny reply buffer, written + dropped equals the whole replies
 *    and everything else is unaffected.
 * Encoder invariants, over the concatenated output of calls split by the
 * chunk sizes into a small exact-size buffer:
 *  - each call consumes >= 1 byte of non-empty input (capacity >= 3),
 *    writes <= TELNET_ENCODE_MAX_BYTES(bytes consumed), consumes all when
 *    the capacity is TELNET_ENCODE_MAX_BYTES(chunk), and an empty call
 *    writes nothing;
 *  - the whole output is <= TELNET_ENCODE_MAX_BYTES(len);
 *  - every IAC is doubled and every CR is followed by LF or NUL (only the
 *    very last byte may be a CR, and only without a final flush), and a
 *    strict NVT decode gives back the input exactly;
 *  - without flushes the output does not depend on the split;
 *  - telnet_rx() on the output gives the input with its CR LF -> CR rule
 *    (applied to the wire, where a flush may have turned CR LF into
 *    CR NUL LF), and no reply, NAWS, AYT, AO or echo report.
 */

#define HDR_BYTES 8

#define CHECK(x)			\
	do {				\
		if (!(x))		\
			abort();	\
	} while (0)

struct out {
	uint8_t *data;
	size_t data_len;
	uint8_t *reply;
	size_t reply_len;
	size_t dropped;
	int naws_seen;
	uint16_t cols;
	uint16_t rows;
	size_t ayt;
	int abort_output;
	int echo_changes;
	int echo_on;
};

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size);

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	CHECK(p);
	return p;
}

static void check_replies(const uint8_t *r, size_t len)
{
	size_t i;

	CHECK(len % 3 == 0);
	for (i = 0; i < len; i += 3) {
		CHECK(r[i] == TELNET_IAC);
		switch (r[i + 1]) {
		case TELNET_WILL:
			CHECK(r[i + 2] == TELNET_OPT_ECHO ||
			      r[i + 2] == TELNET_OPT_SGA);
			break;
		case TELNET_DO:
			CHECK(r[i + 2] == TELNET_OPT_NAWS);
			break;
		case TELNET_WONT:
		case TELNET_DONT:
			break;
		default:
			abort();
		}
	}
}

/* One telnet_rx() call with exact-size buffers; append results to @o. */
static void feed(struct telnet_proto *tp, struct out *o, const uint8_t *in,
		 size_t len, size_t reply_cap)
{
	uint8_t *d = xmalloc(len);
	uint8_t *r = xmalloc(reply_cap);
	struct telnet_rx rx = {
		.data = d, .data_cap_bytes = len,
		.reply = r, .reply_cap_bytes = reply_cap,
	};

	CHECK(telnet_rx(tp, in, len, &rx) == 0);
	CHECK(rx.data_len_bytes <= len);
	CHECK(rx.reply_len_bytes <= reply_cap);
	if (reply_cap >= TELNET_REPLY_MAX_BYTES(len))
		CHECK(rx.reply_dropped_bytes == 0);
	CHECK(rx.reply_dropped_bytes % 3 == 0);
	check_replies(r, rx.reply_len_bytes);
	if (rx.naws_valid) {
		CHECK(rx.naws_cols && rx.naws_rows);
		o->naws_seen = 1;
		o->cols = rx.naws_cols;
		o->rows = rx.naws_rows;
	}
	CHECK(rx.ayt_count <= len / 2 + 1);
	o->ayt += rx.ayt_count;
	o->abort_output |= rx.abort_output;
	CHECK(rx.echo_on == telnet_echoes(tp));
	if (rx.echo_changed)
		o->echo_changes++;
	else
		CHECK(rx.echo_on == o->echo_on);
	o->echo_on = rx.echo_on;
	memcpy(o->data + o->data_len, d, rx.data_len_bytes);
	o->data_len += rx.data_len_bytes;
	memcpy(o->reply + o->reply_len, r, rx.reply_len_bytes);
	o->reply_len += rx.reply_len_bytes;
	o->dropped += rx.reply_dropped_bytes;
	free(d);
	free(r);
}

static void out_init(struct out *o, size_t len)
{
	memset(o, 0, sizeof(*o));
	o->data = xmalloc(len);
	o->reply = xmalloc(len);	/* total replies <= total input */
}

static void out_free(struct out *o)
{
	free(o->data);
	free(o->reply);
}

static void session(struct telnet_proto *tp, int start)
{
	uint8_t b[TELNET_START_BYTES];
	size_t n;

	telnet_init(tp);
	if (start)
		CHECK(telnet_start(tp, b, sizeof(b), &n) == 0 &&
		      n == TELNET_START_BYTES);
	CHECK(!telnet_echoes(tp));
}

/*
 * Feed @in in chunks taken from @sizes; @small_cap 0 means a reply buffer
 * of TELNET_REPLY_MAX_BYTES(chunk), otherwise that fixed capacity.
 */
static void feed_chunked(struct telnet_proto *tp, struct out *o,
			 const uint8_t *in, size_t len, const uint8_t *sizes,
			 size_t small_cap)
{
	size_t off = 0, k = 0;

	while (off < len) {
		size_t n = sizes[k++ % (HDR_BYTES - 1)];

		if (n > len - off)
			n = len - off;
		feed(tp, o, in + off, n,
		     small_cap ? small_cap : TELNET_REPLY_MAX_BYTES(n));
		off += n;
	}
}

static void check_same_reports(const struct out *a, const struct out *b)
{
	CHECK(a->naws_seen == b->naws_seen);
	CHECK(a->cols == b->cols && a->rows == b->rows);
	CHECK(a->ayt == b->ayt);
	CHECK(a->abort_output == b->abort_output);
	CHECK(a->echo_on == b->echo_on);
	/* Whole: at most one change; split: a change iff the whole saw one
	 * or intermediate states differed, so only "none whole -> any split"
	 * may differ, never the other way round. */
	CHECK(a->echo_changes <= 1);
	CHECK(!a->echo_changes || b->echo_changes);
}

static void check_same(const struct out *a, const struct out *b)
{
	CHECK(a->data_len == b->data_len);
	CHECK(!memcmp(a->data, b->data, a->data_len));
	CHECK(a->reply_len == b->reply_len);
	CHECK(!memcmp(a->reply, b->reply, a->reply_len));
	check_same_reports(a, b);
}

/*
 * Strict NVT decode of encoder output (RFC 854): IAC IAC -> 0xFF, CR NUL
 * -> CR, CR LF -> CR LF (or CR with @eat_lf, the server's rule); aborts on
 * a lone IAC or a CR followed by anything else.  A CR as the very last
 * byte is allowed only if @cr_may_end.
 */
static size_t nvt_decode(const uint8_t *in, size_t len, uint8_t *out,
			 int cr_may_end, int eat_lf)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == TELNET_IAC) {
			CHECK(i + 1 < len && in[i + 1] == TELNET_IAC);
			out[o++] = TELNET_IAC;
			i++;
		} else if (in[i] == '\r') {
			out[o++] = '\r';
			if (i + 1 == len) {
				CHECK(cr_may_end);
				break;
			}
			CHECK(in[i + 1] == '\n' || in[i + 1] == '\0');
			if (in[++i] == '\n' && !eat_lf)
				out[o++] = '\n';
		} else {
			out[o++] = in[i];
		}
	}
	return o;
}

/* Encode @in in chunks from @sizes into an exact-size @cap buffer. */
static size_t encode_chunked(const uint8_t *in, size_t len,
			     const uint8_t *sizes, size_t cap, int flush,
			     uint8_t *got)
{
	uint8_t *out = xmalloc(cap);
	struct telnet_proto tp;
	size_t off = 0, k = 0, glen = 0;

	telnet_init(&tp);
	while (off < len) {
		size_t n = sizes[k++ % (HDR_BYTES - 1)], left, used, olen;

		if (n > len - off)
			n = len - off;
		/* Drain this chunk with back-pressure, like the server. */
		left = n;
		do {
			CHECK(telnet_encode(&tp, in + off, left, out, cap,
					    &used, &olen) == 0);
			CHECK(used <= left && olen <= cap);
			CHECK(olen <= TELNET_ENCODE_MAX_BYTES(used));
			CHECK(olen >= used);
			CHECK(left == 0 ? olen == 0 : used > 0);
			if (cap >= TELNET_ENCODE_MAX_BYTES(left))
				CHECK(used == left);
			memcpy(got + glen, out, olen);
			glen += olen;
			off += used;
			left -= used;
			if (flush) {
				CHECK(telnet_encode_flush(&tp, out, cap,
							  &olen) == 0);
				CHECK(olen <= 1 && (!olen || !out[0]));
				memcpy(got + glen, out, olen);
				glen += olen;
			}
		} while (left);
	}
	free(out);
	return glen;
}

static void fuzz_encoder(const uint8_t *in, size_t len, const uint8_t *sizes,
			 size_t cap, int flush)
{
	size_t max = TELNET_ENCODE_MAX_BYTES(len) + len;	/* + flushes */
	uint8_t *whole = xmalloc(TELNET_ENCODE_MAX_BYTES(len));
	uint8_t *got = xmalloc(max);
	uint8_t *dec = xmalloc(len);
	uint8_t *nvt = xmalloc(len);
	size_t i, wlen, glen, nlen = 0, used;
	struct telnet_proto tp;
	struct out back;
	int cr = 0;

	/* The server's decoder eats the LF of CR LF (CR NUL's NUL is ours). */
	for (i = 0; i < len; i++) {
		if (cr && in[i] == '\n') {
			cr = 0;
			continue;
		}
		cr = in[i] == '\r';
		nvt[nlen++] = in[i];
	}

	telnet_init(&tp);
	CHECK(telnet_encode(&tp, in, len, whole, TELNET_ENCODE_MAX_BYTES(len),
			    &used, &wlen) == 0);
	CHECK(used == len && wlen <= 2 * len);
	CHECK(nvt_decode(whole, wlen, dec, 1, 0) == len &&
	      !memcmp(dec, in, len));
	CHECK(nvt_decode(whole, wlen, dec, 1, 1) == nlen &&
	      !memcmp(dec, nvt, nlen));
	CHECK(!len || (whole[wlen - 1] == '\r') == (in[len - 1] == '\r'));

	glen = encode_chunked(in, len, sizes, cap, flush, got);
	CHECK(nvt_decode(got, glen, dec, !flush, 0) == len);
	CHECK(!memcmp(dec, in, len));
	/* What the server's decoder must make of it (a flush may split CR LF). */
	nlen = nvt_decode(got, glen, nvt, !flush, 1);
	if (!flush)
		CHECK(glen == wlen && !memcmp(got, whole, wlen));
	else
		CHECK(glen <= wlen + len);

	session(&tp, 0);
	out_init(&back, glen);
	feed(&tp, &back, got, glen, TELNET_REPLY_MAX_BYTES(glen));
	CHECK(back.reply_len == 0 && !back.naws_seen && !back.ayt);
	CHECK(!back.abort_output && !back.echo_changes);
	CHECK(back.data_len == nlen && !memcmp(back.data, nvt, nlen));
	out_free(&back);

	free(whole);
	free(got);
	free(dec);
	free(nvt);
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
	struct telnet_proto tp;
	struct out whole, split, small;
	const uint8_t *in;
	size_t len, small_cap;
	uint8_t sz[HDR_BYTES - 1];
	int start;
	size_t i;

	if (size < HDR_BYTES)
		return 0;
	start = buf[0] & 1;
	small_cap = (size_t)((buf[0] >> 1) & 7) + 1;	/* 1..8 */
	in = buf + HDR_BYTES;
	len = size - HDR_BYTES;
	/* Chunk sizes 0..63; make sure at least one is non-zero. */
	for (i = 0; i < HDR_BYTES - 1; i++)
		sz[i] = buf[1 + i] & 63;
	sz[HDR_BYTES - 2] |= 1;

	session(&tp, start);
	out_init(&whole, len);
	feed(&tp, &whole, in, len, TELNET_REPLY_MAX_BYTES(len));
	CHECK(whole.echo_on == telnet_echoes(&tp));

	session(&tp, start);
	out_init(&split, len);
	feed_chunked(&tp, &split, in, len, sz, 0);
	check_same(&whole, &split);
	CHECK(split.dropped == 0);

	session(&tp, start);
	out_init(&small, len);
	feed_chunked(&tp, &small, in, len, sz, small_cap);
	CHECK(small.data_len == whole.data_len);
	CHECK(!memcmp(small.data, whole.data, whole.data_len));
	CHECK(small.reply_len + small.dropped == whole.reply_len);
	check_same_reports(&whole, &small);

	fuzz_encoder(in, len, sz, (size_t)((buf[0] >> 4) & 7) + 3,
		     buf[0] >> 7);

	out_free(&whole);
	out_free(&split);
	out_free(&small);
	return 0;
}
