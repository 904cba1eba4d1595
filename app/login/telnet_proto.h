/* app/login/telnet_proto.h — server-side telnet protocol: negotiation, NVT decode and encode (pure) */
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
 * output buffer, each with an explicit capacity.  Commands that need the
 * caller to act (AYT, AO, echo changes, window size) are reported in
 * struct telnet_rx, never answered with text by this module.
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
 *
 * What the caller (the server) must do around this module:
 *  - Set SO_OOBINLINE on the client socket.  A client's Synch (IAC DM with
 *    the DM byte sent urgent, e.g. after IAC IP) then arrives inline and is
 *    parsed as a no-op; without it the kernel pulls the DM byte out of the
 *    stream and the IAC before it would swallow the next data byte.
 *  - Send everything for the client through telnet_encode(), except whole
 *    IAC commands (telnet_rx() replies, a Synch); call telnet_encode_flush()
 *    right before queueing such a command, so a shell CR that is still
 *    waiting for its LF/NUL is completed first and never followed by IAC.
 *  - Act on the report fields of struct telnet_rx (see there).
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
 * whose first two bytes arrived in the previous call.  AYT and AO produce
 * no reply bytes (they are reported instead).  With a reply buffer at
 * least this large no reply is ever dropped.
 */
#define TELNET_REPLY_SLACK_BYTES 2
#define TELNET_REPLY_MAX_BYTES(in_len) \
	((size_t)(in_len) + TELNET_REPLY_SLACK_BYTES)

/*
 * Encoder bound: one telnet_encode() call needs at most
 * TELNET_ENCODE_MAX_BYTES(in_len) output bytes to consume all of its
 * @in_len input bytes, whatever state the previous call left.
 *
 * Proof: let p = 1 while a CR waits for its follower, else 0.  Each input
 * byte costs at most 2 + p_before - p_after output bytes:
 *   p_before = 0: IAC -> IAC IAC (2); CR -> CR (1, p_after = 1); other 1;
 *   p_before = 1: LF -> LF (1); IAC -> NUL IAC IAC (3);
 *                 CR -> NUL CR (2, p_after = 1); other -> NUL <x> (2).
 * Summed over one call this telescopes to at most
 * 2 * in_len + p_first - p_last <= 2 * in_len + 1; a CR pending from the
 * previous call followed by a single 0xFF reaches it.
 */
#define TELNET_ENCODE_MAX_BYTES(in_len) (2 * (size_t)(in_len) + 1)

/* Largest output of one input byte: NUL IAC IAC (a 0xFF after a CR). */
#define TELNET_ENCODE_UNIT_MAX_BYTES 3

/* RFC 1143 state of one supported option on one side.  Private. */
enum telnet_q {
	TELNET_Q_NO = 0,
	TELNET_Q_YES,
	TELNET_Q_WANTYES,	/* we asked, waiting for the client's answer */
	TELNET_Q_COUNT,
};

/*
 * Session state.  Treat every field as private; it is public only so the
 * caller can allocate it without malloc.  Initialise with telnet_init().
 */
struct telnet_proto {
	uint8_t state;		/* parser state (enum in telnet_proto.c) */
	uint8_t opt;		/* option of the pending SB */
	bool in_cr;		/* client sent CR: drop a following LF/NUL */
	bool out_cr;		/* encoded CR still owed its LF or NUL */
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
 * Out (overwritten by every successful call):
 *   data_len_bytes, reply_len_bytes, reply_dropped_bytes.
 *   naws_valid:   a valid NAWS sub-negotiation completed during this call;
 *                 naws_cols/naws_rows then hold the last one received.
 *                 Caller: set the pty window size (TIOCSWINSZ).
 *   ayt_count:    IAC AYT (are you there) commands received during this
 *                 call (saturates at UINT_MAX).  Caller: if non-zero, queue
 *                 one short visible line through telnet_encode(), e.g.
 *                 "\r\n[failsafed: yes]\r\n"; once per call is enough and
 *                 keeps an AYT flood from growing the output.
 *   abort_output: IAC AO (abort output) received during this call.
 *                 Caller: discard the pty output queued for the client and
 *                 not yet sent (keep telnet_rx() replies and the rest of a
 *                 partly sent IAC command whole), then call
 *                 telnet_encode_flush() and send a Synch: IAC DM with the
 *                 DM byte as TCP urgent data (the last byte of a
 *                 send(..., MSG_OOB)).
 *   echo_changed: the server-echo option (ECHO on our side) ended this
 *                 call in a different state than it started it: our WILL
 *                 ECHO offer was accepted (DO ECHO) or refused (DONT ECHO),
 *                 or echo was turned on (DO ECHO) or off (DONT ECHO) later.
 *                 On/off toggles that cancel out within one call are not
 *                 reported.  Caller: set the pty's termios ECHO flag to
 *                 echo_on (off means the client echoes locally; leaving
 *                 the pty echoing would show every line twice).
 *   echo_on:      telnet_echoes() after this call; valid whether or
 *                 not echo_changed is set.
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
	unsigned ayt_count;
	bool abort_output;
	bool echo_changed;
	bool echo_on;
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
 * Whether the server side echoes: the client agreed to our ECHO (RFC 857
 * option on our side is YES).  False while our WILL ECHO offer is still
 * unanswered (the pty keeps its default until telnet_rx() reports
 * echo_changed), after a refusal or DONT ECHO, and for NULL @tp.
 */
bool telnet_echoes(const struct telnet_proto *tp);

/*
 * Parse @in_len bytes received from the client.  State (a pending IAC,
 * command, option, sub-negotiation, or CR) is kept in @tp, so input may
 * be split at any byte boundary; the concatenated data and reply output
 * are identical to feeding the stream whole, and so are the summed
 * ayt_count, the OR of abort_output, the last NAWS and the final echo_on.
 *
 * Data stream mapping (NVT, RFC 854):
 *   IAC IAC -> 0xFF          IAC EC -> 0x7F (DEL)     IAC EL -> 0x15 (^U)
 *   IAC IP  -> 0x03 (^C)     IAC BRK -> 0x03 (^C)
 *   IAC AYT -> nothing, counted in ayt_count
 *   IAC AO  -> nothing, sets abort_output
 *   IAC NOP, DM, GA and IAC <non-command byte> -> nothing.  DM is never
 *   paired with the byte after it: "abc" IAC DM "def" -> "abcdef".
 *   CR LF -> CR, CR NUL -> CR, CR <x> -> CR <x>, plain LF -> LF.  Any IAC
 *   sequence after a CR ends the CR state (CR IAC NOP LF -> CR LF).
 * Sub-negotiation: IAC SB <opt> <payload> IAC SE, IAC IAC in the payload
 * is a literal 0xFF.  IAC followed by any other command inside SB aborts
 * the SB (payload discarded) and that command is processed normally (so
 * IAC AYT / IAC AO inside an SB are reported).  Only NAWS is interpreted,
 * and only once the client agreed to it (WILL NAWS): exactly 4 payload
 * bytes, cols and rows in network order; a NAWS with cols == 0 or
 * rows == 0 is ignored.  All other SBs are discarded.
 *
 * Returns 0 on success, -EINVAL on NULL @tp/@rx (or NULL @in, @rx->data,
 * @rx->reply with a non-zero length/capacity), -ENOBUFS if
 * @rx->data_cap_bytes < @in_len.  On error nothing is consumed, @tp is
 * unchanged and the out fields of @rx are not written.
 */
int telnet_rx(struct telnet_proto *tp, const uint8_t *in, size_t in_len,
	      struct telnet_rx *rx);

/*
 * Encode pty output for the client (NVT, RFC 854): every 0xFF becomes
 * IAC IAC, and a CR that is not followed by LF is followed by NUL on the
 * wire.  Output is never delayed: a CR is written at once and remembered
 * in @tp; when the next byte (in this or a later call) is LF, the LF is
 * written as is, otherwise a NUL is written before that byte.  So the wire
 * shows CR LF for CR LF, CR NUL <x> for CR <x> (including CR NUL NUL for
 * the shell's own CR NUL, and CR NUL CR for CR CR), and only a stream that
 * ends in a CR ends in a bare CR.  All other bytes pass unchanged.
 *
 * Atomic unit: one input byte together with everything it causes, i.e.
 * [NUL] followed by IAC IAC, CR, LF or the byte itself (1 to
 * TELNET_ENCODE_UNIT_MAX_BYTES bytes).  A byte is consumed only if its
 * whole unit fits in what is left of @out; otherwise encoding stops there
 * and the byte is left for the next call.  So IAC IAC is never split, and
 * a NUL is never written without the byte it precedes being consumed.
 * *@in_used_bytes tells how much of @in was consumed; the caller keeps the
 * rest for later (back-pressure).  An empty call writes nothing.
 *
 * Progress: consumes everything when @out_cap_bytes >=
 * TELNET_ENCODE_MAX_BYTES(@in_len); at least one byte of non-empty input
 * when @out_cap_bytes >= TELNET_ENCODE_UNIT_MAX_BYTES.  With 2 bytes it
 * stalls only on a 0xFF right after a CR; with 1 byte on any 0xFF and on
 * anything but LF right after a CR.
 *
 * Returns 0 and sets *@in_used_bytes and *@out_len_bytes, or -EINVAL on
 * NULL @tp, NULL output pointers or NULL @in/@out with a non-zero
 * length/capacity (then nothing is written and @tp is unchanged).
 */
int telnet_encode(struct telnet_proto *tp, const uint8_t *in, size_t in_len,
		  uint8_t *out, size_t out_cap_bytes, size_t *in_used_bytes,
		  size_t *out_len_bytes);

/*
 * Complete a CR that telnet_encode() left waiting for its follower by
 * writing its NUL now (CR NUL, and a later LF then goes out as plain LF:
 * still CR LF once decoded).  Call it before queueing bytes that do not
 * come from telnet_encode() (an IAC command, a Synch), so no IAC ever
 * directly follows a CR.  Writes 1 byte if a CR is pending, else nothing.
 * NVT NUL is a no-op, so an extra flush is harmless.
 *
 * Returns 0 and sets *@out_len_bytes (0 or 1), -EINVAL on NULL @tp or
 * @out_len_bytes or NULL @out with a non-zero capacity, -ENOBUFS if a CR
 * is pending and @out_cap_bytes is 0 (nothing written, state unchanged).
 */
int telnet_encode_flush(struct telnet_proto *tp, uint8_t *out,
			size_t out_cap_bytes, size_t *out_len_bytes);

#endif /* APP_TELNET_PROTO_H */
