/* app/login/telnet_proto.c — server-side telnet protocol: negotiation, NVT decode and encode (pure) */
#include "telnet_proto.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

enum telnet_state {
	TS_DATA = 0,
	TS_IAC,		/* got IAC */
	TS_WILL,	/* got IAC WILL, option byte next */
	TS_WONT,
	TS_DO,
	TS_DONT,
	TS_SB_OPT,	/* got IAC SB, option byte next */
	TS_SB_DATA,	/* inside SB payload */
	TS_SB_IAC,	/* got IAC inside SB payload */
	TS_COUNT,
};

#define NVT_NUL 0x00
#define NVT_ETX 0x03	/* ^C */
#define NVT_LF 0x0a
#define NVT_CR 0x0d
#define NVT_NAK 0x15	/* ^U, erase line */
#define NVT_DEL 0x7f	/* erase char */

static void put_data(struct telnet_rx *rx, uint8_t c)
{
	/* telnet_rx() checked data_cap_bytes >= in_len >= bytes emitted. */
	rx->data[rx->data_len_bytes++] = c;
}

static void put_reply(struct telnet_rx *rx, uint8_t verb, uint8_t opt)
{
	if (!rx->reply || rx->reply_cap_bytes - rx->reply_len_bytes < 3) {
		rx->reply_dropped_bytes += 3;
		return;
	}
	rx->reply[rx->reply_len_bytes++] = TELNET_IAC;
	rx->reply[rx->reply_len_bytes++] = verb;
	rx->reply[rx->reply_len_bytes++] = opt;
}

static uint8_t *us_state(struct telnet_proto *tp, uint8_t opt)
{
	switch (opt) {
	case TELNET_OPT_ECHO:
		return &tp->us_echo;
	case TELNET_OPT_SGA:
		return &tp->us_sga;
	default:
		return NULL;
	}
}

static uint8_t *him_state(struct telnet_proto *tp, uint8_t opt)
{
	return opt == TELNET_OPT_NAWS ? &tp->him_naws : NULL;
}

/* Client sent DO (enable = true) or DONT for an option on our side. */
static void handle_do(struct telnet_proto *tp, struct telnet_rx *rx,
		      uint8_t opt, bool enable)
{
	uint8_t *q = us_state(tp, opt);

	if (!q) {
		/* Unsupported: always NO.  DONT needs no answer. */
		if (enable)
			put_reply(rx, TELNET_WONT, opt);
		return;
	}
	if (enable) {
		if (*q == TELNET_Q_NO)
			put_reply(rx, TELNET_WILL, opt);
		/* WANTYES: this is the answer to our WILL; YES: already on. */
		*q = TELNET_Q_YES;
	} else {
		if (*q == TELNET_Q_YES)
			put_reply(rx, TELNET_WONT, opt);
		/* WANTYES: our offer was refused; NO: already off. */
		*q = TELNET_Q_NO;
	}
}

/* Client sent WILL (enable = true) or WONT for an option on its side. */
static void handle_will(struct telnet_proto *tp, struct telnet_rx *rx,
			uint8_t opt, bool enable)
{
	uint8_t *q = him_state(tp, opt);

	if (!q) {
		if (enable)
			put_reply(rx, TELNET_DONT, opt);
		return;
	}
	if (enable) {
		if (*q == TELNET_Q_NO)
			put_reply(rx, TELNET_DO, opt);
		*q = TELNET_Q_YES;
	} else {
		if (*q == TELNET_Q_YES)
			put_reply(rx, TELNET_DONT, opt);
		*q = TELNET_Q_NO;
	}
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void sb_start(struct telnet_proto *tp, uint8_t opt)
{
	tp->opt = opt;
	tp->sb_len_bytes = 0;
	tp->sb_overflow = false;
	tp->state = TS_SB_DATA;
}

static void sb_put(struct telnet_proto *tp, uint8_t c)
{
	if (tp->sb_overflow)
		return;
	if (tp->sb_len_bytes >= TELNET_SB_MAX_BYTES) {
		tp->sb_overflow = true;
		return;
	}
	tp->sb[tp->sb_len_bytes++] = c;
}

static void sb_end(struct telnet_proto *tp, struct telnet_rx *rx)
{
	uint16_t cols, rows;

	if (tp->sb_overflow || tp->opt != TELNET_OPT_NAWS)
		return;
	if (tp->him_naws != TELNET_Q_YES || tp->sb_len_bytes != 4)
		return;
	cols = be16(&tp->sb[0]);
	rows = be16(&tp->sb[2]);
	if (!cols || !rows)
		return;
	rx->naws_valid = true;
	rx->naws_cols = cols;
	rx->naws_rows = rows;
}

/* Byte after IAC, outside of SB. */
static void handle_cmd(struct telnet_proto *tp, struct telnet_rx *rx,
		       uint8_t c)
{
	tp->state = TS_DATA;
	switch (c) {
	case TELNET_IAC:
		put_data(rx, 0xff);
		break;
	case TELNET_EC:
		put_data(rx, NVT_DEL);
		break;
	case TELNET_EL:
		put_data(rx, NVT_NAK);
		break;
	case TELNET_IP:
	case TELNET_BRK:
		put_data(rx, NVT_ETX);
		break;
	case TELNET_WILL:
		tp->state = TS_WILL;
		break;
	case TELNET_WONT:
		tp->state = TS_WONT;
		break;
	case TELNET_DO:
		tp->state = TS_DO;
		break;
	case TELNET_DONT:
		tp->state = TS_DONT;
		break;
	case TELNET_SB:
		tp->state = TS_SB_OPT;
		break;
	case TELNET_AYT:
		/* Reported, not answered here: the reply bound stays 1:1. */
		if (rx->ayt_count < UINT_MAX)
			rx->ayt_count++;
		break;
	case TELNET_AO:
		rx->abort_output = true;
		break;
	default:
		/*
		 * NOP, GA, stray SE, non-commands: ignore.  DM (the Synch
		 * mark, inline with SO_OOBINLINE) is a complete command too,
		 * so the byte after it is data again.
		 */
		break;
	}
}

static void rx_byte(struct telnet_proto *tp, struct telnet_rx *rx, uint8_t c)
{
	switch (tp->state) {
	case TS_DATA:
		if (tp->in_cr) {
			tp->in_cr = false;
			if (c == NVT_LF || c == NVT_NUL)
				return;
		}
		if (c == TELNET_IAC) {
			tp->state = TS_IAC;
			return;
		}
		if (c == NVT_CR)
			tp->in_cr = true;
		put_data(rx, c);
		return;
	case TS_IAC:
		handle_cmd(tp, rx, c);
		return;
	case TS_WILL:
	case TS_WONT:
		handle_will(tp, rx, c, tp->state == TS_WILL);
		tp->state = TS_DATA;
		return;
	case TS_DO:
	case TS_DONT:
		handle_do(tp, rx, c, tp->state == TS_DO);
		tp->state = TS_DATA;
		return;
	case TS_SB_OPT:
		sb_start(tp, c);
		return;
	case TS_SB_DATA:
		if (c == TELNET_IAC)
			tp->state = TS_SB_IAC;
		else
			sb_put(tp, c);
		return;
	case TS_SB_IAC:
		if (c == TELNET_IAC) {
			sb_put(tp, c);
			tp->state = TS_SB_DATA;
		} else if (c == TELNET_SE) {
			sb_end(tp, rx);
			tp->state = TS_DATA;
		} else {
			/* RFC 855 violation: abort the SB, run the command. */
			handle_cmd(tp, rx, c);
		}
		return;
	default:
		/* Corrupted state: resynchronise on data. */
		tp->state = TS_DATA;
		return;
	}
}

void telnet_init(struct telnet_proto *tp)
{
	if (tp)
		memset(tp, 0, sizeof(*tp));
}

int telnet_start(struct telnet_proto *tp, uint8_t *buf, size_t cap_bytes,
		 size_t *len_bytes)
{
	static const uint8_t start[TELNET_START_BYTES] = {
		TELNET_IAC, TELNET_WILL, TELNET_OPT_ECHO,
		TELNET_IAC, TELNET_WILL, TELNET_OPT_SGA,
		TELNET_IAC, TELNET_DO, TELNET_OPT_NAWS,
	};

	if (!tp || !buf || !len_bytes)
		return -EINVAL;
	if (cap_bytes < sizeof(start))
		return -ENOBUFS;
	memcpy(buf, start, sizeof(start));
	*len_bytes = sizeof(start);
	tp->us_echo = TELNET_Q_WANTYES;
	tp->us_sga = TELNET_Q_WANTYES;
	tp->him_naws = TELNET_Q_WANTYES;
	return 0;
}

bool telnet_echoes(const struct telnet_proto *tp)
{
	return tp && tp->us_echo == TELNET_Q_YES;
}

int telnet_rx(struct telnet_proto *tp, const uint8_t *in, size_t in_len,
	      struct telnet_rx *rx)
{
	uint8_t echo_before;
	size_t i;

	if (!tp || !rx || (!in && in_len) ||
	    (!rx->data && rx->data_cap_bytes) ||
	    (!rx->reply && rx->reply_cap_bytes))
		return -EINVAL;
	if (rx->data_cap_bytes < in_len)
		return -ENOBUFS;

	rx->data_len_bytes = 0;
	rx->reply_len_bytes = 0;
	rx->reply_dropped_bytes = 0;
	rx->naws_valid = false;
	rx->naws_cols = 0;
	rx->naws_rows = 0;
	rx->ayt_count = 0;
	rx->abort_output = false;

	echo_before = tp->us_echo;
	for (i = 0; i < in_len; i++)
		rx_byte(tp, rx, in[i]);
	rx->echo_changed = tp->us_echo != echo_before;
	rx->echo_on = telnet_echoes(tp);
	return 0;
}

/*
 * Output unit of one pty byte @c given the CR state @cr (see the header);
 * returns its length, at most TELNET_ENCODE_UNIT_MAX_BYTES.
 */
static size_t encode_unit(bool cr, uint8_t c,
			  uint8_t unit[TELNET_ENCODE_UNIT_MAX_BYTES])
{
	size_t n = 0;

	if (cr && c != NVT_LF)
		unit[n++] = NVT_NUL;
	unit[n++] = c;
	if (c == TELNET_IAC)
		unit[n++] = TELNET_IAC;
	return n;
}

int telnet_encode(struct telnet_proto *tp, const uint8_t *in, size_t in_len,
		  uint8_t *out, size_t out_cap_bytes, size_t *in_used_bytes,
		  size_t *out_len_bytes)
{
	uint8_t unit[TELNET_ENCODE_UNIT_MAX_BYTES];
	size_t i, o = 0;

	if (!tp || !in_used_bytes || !out_len_bytes || (!in && in_len) ||
	    (!out && out_cap_bytes))
		return -EINVAL;

	for (i = 0; i < in_len; i++) {
		size_t n = encode_unit(tp->out_cr, in[i], unit);

		if (out_cap_bytes - o < n)
			break;
		memcpy(out + o, unit, n);
		o += n;
		tp->out_cr = in[i] == NVT_CR;
	}
	*in_used_bytes = i;
	*out_len_bytes = o;
	return 0;
}

int telnet_encode_flush(struct telnet_proto *tp, uint8_t *out,
			size_t out_cap_bytes, size_t *out_len_bytes)
{
	if (!tp || !out_len_bytes || (!out && out_cap_bytes))
		return -EINVAL;
	*out_len_bytes = 0;
	if (!tp->out_cr)
		return 0;
	if (!out_cap_bytes)
		return -ENOBUFS;
	out[0] = NVT_NUL;
	tp->out_cr = false;
	*out_len_bytes = 1;
	return 0;
}
