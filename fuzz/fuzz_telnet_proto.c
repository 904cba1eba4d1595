/* fuzz/fuzz_telnet_proto.c - libFuzzer target for the pure telnet protocol module */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "telnet_proto.h"

/*
 * Input layout: HDR_BYTES header bytes, then the client byte stream.
 *   hdr[0]      bit 0: call telnet_start(); bits 1-3: small reply capacity
 *               for the dropping run; bits 4-6: encoder output capacity.
 *   hdr[1..7]   chunk sizes (cycled) for the split runs; 0 = empty read.
 *
 * Invariants (abort() on violation):
 *  - every call returns 0, data_len <= chunk length, reply_len <= capacity
 *    and, with a reply buffer of TELNET_REPLY_MAX_BYTES(chunk), nothing is
 *    dropped; exact-size heap buffers let ASan catch any overrun;
 *  - replies are whole IAC <verb> <opt> triples and only ever accept
 *    ECHO/SGA (WILL) and NAWS (DO);
 *  - NAWS events are never 0 in either dimension;
 *  - chunked feeding gives the same data, replies and last NAWS as whole;
 *  - with a tiny reply buffer, written + dropped equals the whole replies
 *    and data is unaffected;
 *  - telnet_encode() with a tiny buffer produces the IAC-doubled input,
 *    and parsing that back yields the input with NVT CR rules applied.
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

static void check_same(const struct out *a, const struct out *b)
{
	CHECK(a->data_len == b->data_len);
	CHECK(!memcmp(a->data, b->data, a->data_len));
	CHECK(a->reply_len == b->reply_len);
	CHECK(!memcmp(a->reply, b->reply, a->reply_len));
	CHECK(a->naws_seen == b->naws_seen);
	CHECK(a->cols == b->cols && a->rows == b->rows);
}

static void fuzz_encoder(const uint8_t *in, size_t len, size_t cap)
{
	uint8_t *want = xmalloc(TELNET_ENCODE_MAX_BYTES(len));
	uint8_t *got = xmalloc(TELNET_ENCODE_MAX_BYTES(len));
	uint8_t *nvt = xmalloc(len);
	uint8_t *out = xmalloc(cap);
	size_t i, wlen = 0, glen = 0, nlen = 0, off = 0, used, olen;
	struct telnet_proto tp;
	struct out back;
	int cr = 0;

	for (i = 0; i < len; i++) {
		want[wlen++] = in[i];
		if (in[i] == TELNET_IAC)
			want[wlen++] = TELNET_IAC;
		/* Reference NVT CR rule: drop LF/NUL right after CR. */
		if (cr && (in[i] == '\n' || in[i] == '\0')) {
			cr = 0;
			continue;
		}
		cr = in[i] == '\r';
		nvt[nlen++] = in[i];
	}
	while (off < len) {
		CHECK(telnet_encode(in + off, len - off, out, cap, &used,
				    &olen) == 0);
		CHECK(used > 0);	/* cap >= 2 always makes progress */
		CHECK(olen <= cap && olen >= used && olen <= 2 * used);
		memcpy(got + glen, out, olen);
		glen += olen;
		off += used;
	}
	CHECK(glen == wlen && !memcmp(got, want, wlen));

	session(&tp, 0);
	out_init(&back, glen);
	feed(&tp, &back, got, glen, TELNET_REPLY_MAX_BYTES(glen));
	CHECK(back.reply_len == 0 && !back.naws_seen);
	CHECK(back.data_len == nlen && !memcmp(back.data, nvt, nlen));
	out_free(&back);

	free(want);
	free(got);
	free(nvt);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
	struct telnet_proto tp;
	struct out whole, split, small;
	const uint8_t *in, *sizes;
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
	sizes = sz;

	session(&tp, start);
	out_init(&whole, len);
	feed(&tp, &whole, in, len, TELNET_REPLY_MAX_BYTES(len));

	session(&tp, start);
	out_init(&split, len);
	feed_chunked(&tp, &split, in, len, sizes, 0);
	check_same(&whole, &split);
	CHECK(split.dropped == 0);

	session(&tp, start);
	out_init(&small, len);
	feed_chunked(&tp, &small, in, len, sizes, small_cap);
	CHECK(small.data_len == whole.data_len);
	CHECK(!memcmp(small.data, whole.data, whole.data_len));
	CHECK(small.reply_len + small.dropped == whole.reply_len);
	CHECK(small.naws_seen == whole.naws_seen);
	CHECK(small.cols == whole.cols && small.rows == whole.rows);

	fuzz_encoder(in, len, (size_t)((buf[0] >> 4) & 7) + 2);

	out_free(&whole);
	out_free(&split);
	out_free(&small);
	return 0;
}
