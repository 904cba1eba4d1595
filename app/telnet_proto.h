/* app/telnet_proto.h - pure server-side telnet protocol state machine (no I/O) */
#ifndef APP_TELNET_PROTO_H
#define APP_TELNET_PROTO_H

/*
 * Server side of RFC 854 (NVT), 855 (option negotiation), 857 (ECHO),
 * 858 (SGA), 1073 (NAWS), 1123 (host requirements), with the RFC 1143
 * "Q method" rules for the options we actually support, so negotiation
 * can never loop.
 *
 * The module does no I/O, reads no clock and never allocates: the caller
 * owns struct telnet_proto (embed it or put it on the stack) and every
 * output buffer, each with an explicit capacity.
 *
 * Policy:
 *  - We offer WILL ECHO, WILL SGA and DO NAWS (telnet_start()).
 *  - Accepted: DO ECHO, DO SGA (our side), WILL NAWS (client side).
 *  - Everything else is refused: DO x -> WONT x, WILL x -> DONT x.  This
 *    includes TTYPE (24), LINEMODE (34), ENVIRON (36), NEW-ENVIRON (39):
 *    nothing the client sends ever becomes environment or terminal type.
 *  - DONT/WONT always move the option to "off"; an option that was on is
 *    acknowledged once (WONT/DONT), an option already off is not answered.
 *  - A request for a state we are already in is never answered, and an
 *    answer to our own request is never answered again, so a client that
 *    echoes our replies back cannot create a loop.  A DO x / WILL x for an
 *    unsupported x is refused once per request (RFC 1143: NO + DO -> WONT);
 *    the client's DONT x / WONT x acknowledgement is not answered.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Telnet commands (RFC 854). */
enum telnet_cmd {
	TELNET_SE = 240,	/* end of sub-negotiation */
	TELNET_NOP = 241,
	TELNET_DM = 242,	/* data mark (Synch) */
	TELNET_BRK = 243,	/* break */
	TELNET_IP = 244,	/* interrupt process */
	TELNET_AO = 245,	/* abort output */
	TELNET_AYT = 246,	/* are you there */
	TELNET_EC = 247,	/* erase character */
	TELNET_EL = 248,	/* erase line */
	TELNET_GA = 249,	/* go ahead */
	TELNET_SB = 250,	/* begin sub-negotiation */
	TELNET_WILL = 251,
	TELNET_WONT = 252,
	TELNET_DO = 253,
	TELNET_DONT = 254,
	TELNET_IAC = 255,	/* interpret as command */
};

/* Telnet option codes used or explicitly refused by this module. */
enum telnet_opt {
	TELNET_OPT_BINARY = 0,
	TELNET_OPT_ECHO = 1,		/* RFC 857 */
	TELNET_OPT_SGA = 3,		/* RFC 858 */
	TELNET_OPT_TTYPE = 24,		/* RFC 1091, refused */
	TELNET_OPT_NAWS = 31,		/* RFC 1073 */
	TELNET_OPT_LINEMODE = 34,	/* RFC 1184, refused */
	TELNET_OPT_ENVIRON = 36,	/* RFC 1408, refused */
	TELNET_OPT_NEW_ENVIRON = 39,	/* RFC 1572, refused */
};

/* Bytes written by telnet_start(): IAC WILL ECHO, IAC WILL SGA, IAC DO NAWS. */
#define TELNET_START_BYTES 9

/*
 * Largest sub-negotiation payload (after IAC SB <opt>, IAC IAC decoded)
 * that is buffered.  A longer one is swallowed up to its IAC SE and then
 * discarded; it is never delivered as data and never overflows.
 */
#define TELNET_SB_MAX_BYTES 64

/*
 * Reply bound: one telnet_rx() call on in_len input bytes produces at most
 * TELNET_REPLY_MAX_BYTES(in_len) reply bytes.  Every reply is a 3-byte
 * IAC <verb> <opt> answering a 3-byte request; the slack covers a request
 * whose first two bytes arrived in the previous call.  With a reply buffer
 * at least this large no reply is ever dropped.
 */
#define TELNET_REPLY_SLACK_BYTES 2
#define TELNET_REPLY_MAX_BYTES(in_len) \
	((size_t)(in_len) + TELNET_REPLY_SLACK_BYTES)

/*
 * Output encoder bound: telnet_encode() needs at most 2 * in_len bytes to
 * consume all of its input (every 0xFF is doubled).
 */
#define TELNET_ENCODE_MAX_BYTES(in_len) (2 * (size_t)(in_len))

/* RFC 1143 state of one supported option on one side.  Private. */
enum telnet_q {
	TELNET_Q_NO = 0,
	TELNET_Q_YES,
	TELNET_Q_WANTYES,	/* we asked, waiting for the client's answer */
};

/*
 * Session state.  Treat every field as private; it is public only so the
 * caller can allocate it without malloc.  Initialise with telnet_init().
 */
struct telnet_proto {
	uint8_t state;		/* parser state (enum in telnet_proto.c) */
	uint8_t opt;		/* option of the pending SB */
	bool cr_pending;	/* last data byte was CR: drop a following LF/NUL */
	bool sb_overflow;	/* pending SB exceeded TELNET_SB_MAX_BYTES */
	uint8_t us_echo;	/* enum telnet_q: do we echo */
	uint8_t us_sga;		/* enum telnet_q: do we suppress go-ahead */
	uint8_t him_naws;	/* enum telnet_q: does the client send NAWS */
	uint8_t sb_len_bytes;
	uint8_t sb[TELNET_SB_MAX_BYTES];
};

/*
 * Per-call buffers and results of telnet_rx().
 *
 * In (set by the caller before each call):
 *   data, data_cap_bytes:   bytes for the pty.  data_cap_bytes must be at
 *                           least in_len (telnet_rx never writes more data
 *                           bytes than it reads input bytes).
 *   reply, reply_cap_bytes: bytes to send back to the client.  Should be at
 *                           least TELNET_REPLY_MAX_BYTES(in_len); if it is
 *                           smaller, replies that do not fit are dropped
 *                           whole (never a partial IAC sequence) and
 *                           counted in reply_dropped_bytes.
 * Out (overwritten by every call):
 *   data_len_bytes, reply_len_bytes, reply_dropped_bytes.
 *   naws_valid:  a valid NAWS sub-negotiation completed during this call;
 *                naws_cols/naws_rows then hold the last one received.
 */
struct telnet_rx {
	uint8_t *data;
	size_t data_cap_bytes;
	size_t data_len_bytes;
	uint8_t *reply;
	size_t reply_cap_bytes;
	size_t reply_len_bytes;
	size_t reply_dropped_bytes;
	bool naws_valid;
	uint16_t naws_cols;
	uint16_t naws_rows;
};

/* Reset @tp to the state of a fresh connection (all options off). */
void telnet_init(struct telnet_proto *tp);

/*
 * Write the server's opening negotiation (IAC WILL ECHO, IAC WILL SGA,
 * IAC DO NAWS; TELNET_START_BYTES bytes) to @buf and mark those options
 * as requested.  Call once, right after telnet_init(), before telnet_rx().
 *
 * Returns 0 and sets *@len_bytes, -EINVAL on NULL arguments, or -ENOBUFS
 * if @cap_bytes < TELNET_START_BYTES (nothing written, state unchanged).
 */
int telnet_start(struct telnet_proto *tp, uint8_t *buf, size_t cap_bytes,
		 size_t *len_bytes);

/*
 * Parse @in_len bytes received from the client.  State (a pending IAC,
 * command, option, sub-negotiation, or CR) is kept in @tp, so input may
 * be split at any byte boundary; the concatenated data and reply output
 * are identical to feeding the stream whole.
 *
 * Data stream mapping (NVT, RFC 854):
 *   IAC IAC -> 0xFF          IAC EC -> 0x7F (DEL)     IAC EL -> 0x15 (^U)
 *   IAC IP  -> 0x03 (^C)     IAC BRK -> 0x03 (^C)
 *   IAC NOP, DM, GA, AO, AYT and IAC <non-command byte> -> nothing
 *   (AYT is deliberately not answered, which keeps the reply bound.)
 *   CR LF -> CR, CR NUL -> CR, CR <x> -> CR <x>, plain LF -> LF.  Any IAC
 *   sequence after a CR ends the CR state (CR IAC NOP LF -> CR LF).
 * Sub-negotiation: IAC SB <opt> <payload> IAC SE, IAC IAC in the payload
 * is a literal 0xFF.  IAC followed by any other command inside SB aborts
 * the SB (payload discarded) and that command is processed normally.
 * Only NAWS is interpreted, and only once the client agreed to it (WILL
 * NAWS): exactly 4 payload bytes, cols and rows in network order; a NAWS
 * with cols == 0 or rows == 0 is ignored.  All other SBs are discarded.
 *
 * Returns 0 on success, -EINVAL on NULL @tp/@rx (or NULL @in, @rx->data
 * with a non-zero length/capacity), -ENOBUFS if @rx->data_cap_bytes <
 * @in_len.  On error nothing is consumed and @tp is unchanged.
 */
int telnet_rx(struct telnet_proto *tp, const uint8_t *in, size_t in_len,
	      struct telnet_rx *rx);

/*
 * Encode pty output for the client: copy @in to @out doubling every 0xFF
 * (IAC).  Stops when the next byte does not fit; an IAC IAC pair is never
 * split (if only one byte of room is left and the next input byte is
 * 0xFF, it is left for the next call).  *@in_used_bytes tells how much of
 * @in was consumed; the caller keeps the rest for later (back-pressure).
 * Consumes everything when @out_cap_bytes >= TELNET_ENCODE_MAX_BYTES(@in_len);
 * always consumes at least one byte of non-empty input when @out_cap_bytes
 * >= 2 (a 1-byte buffer stalls on 0xFF).
 * Other bytes (including CR and LF) are passed through unchanged.
 *
 * Returns 0 and sets *@in_used_bytes and *@out_len_bytes, or -EINVAL on
 * NULL output pointers or NULL @in/@out with a non-zero length/capacity.
 */
int telnet_encode(const uint8_t *in, size_t in_len, uint8_t *out,
		  size_t out_cap_bytes, size_t *in_used_bytes,
		  size_t *out_len_bytes);

#endif /* APP_TELNET_PROTO_H */
