/* app/net/beacon.h — UDP 4919 failsafe beacon codec (OpenWrt netmsg compatible) */
#ifndef APP_BEACON_H
#define APP_BEACON_H

#include <stddef.h>
#include <stdint.h>

/*
 * Wire format (exactly BEACON_LEN_BYTES on the wire):
 *
 *   0xDE 0xAD <text> NUL [<fields line> NUL] NUL padding ...
 *
 * <text> is the OpenWrt netmsg text (at most BEACON_TEXT_MAX_BYTES).  Old
 * listeners print it as a C string and never see the optional fields line,
 * which is a single line of space-separated key=value tokens, e.g.
 *
 *   board=sim state=window remaining_ms=2800 seq=3 mac=02:00:00:00:00:01
 *   version=0.1.0 via=button:reset
 *
 * and in failsafe, once the SSH host keys exist, their fingerprints as
 * OpenSSH shows them: ssh_ed25519=SHA256:<base64> ssh_rsa=SHA256:<base64>.
 *
 * Tokens are separated by exactly one space (no leading/trailing space).
 * Keys are [a-z0-9_-]+; values are non-empty printable ASCII (0x21..0x7e)
 * without '='.  Unknown keys are ignored by the decoder.  Numbers are
 * canonical unsigned decimal (no sign, no leading zeros, <= UINT32_MAX).
 * The MAC is six colon-separated two-digit hex octets (encoded lowercase,
 * either case accepted).
 */

#define BEACON_UDP_PORT		4919
#define BEACON_LEN_BYTES	1001
#define BEACON_MAGIC_0		0xDE
#define BEACON_MAGIC_1		0xAD
/* Longest text: BEACON_LEN_BYTES - 2 magic bytes - 1 NUL. */
#define BEACON_TEXT_MAX_BYTES	998
/* Longest string field value (board, version, via, ssh_*), without NUL. */
#define BEACON_VALUE_MAX_BYTES	63
#define BEACON_MAC_BYTES	6

#define BEACON_TEXT_WINDOW	"Please press button now to enter failsafe"
#define BEACON_TEXT_FAILSAFE	"Entering Failsafe!"

enum beacon_state {
	BEACON_STATE_WINDOW = 0,	/* "window" */
	BEACON_STATE_FAILSAFE,		/* "failsafe" */
	BEACON_STATE_NORMAL,		/* "normal" */
	BEACON_STATE_COUNT
};

/* Presence flags for struct beacon.present; encoded in this order. */
#define BEACON_HAS_BOARD	(1u << 0)
#define BEACON_HAS_STATE	(1u << 1)
#define BEACON_HAS_REMAINING_MS	(1u << 2)
#define BEACON_HAS_SEQ		(1u << 3)
#define BEACON_HAS_MAC		(1u << 4)
#define BEACON_HAS_VERSION	(1u << 5)
#define BEACON_HAS_VIA		(1u << 6)
#define BEACON_HAS_SSH_ED25519	(1u << 7)
#define BEACON_HAS_SSH_RSA	(1u << 8)
#define BEACON_HAS_ALL		0x1ffu

struct beacon {
	char text[BEACON_TEXT_MAX_BYTES + 1];	/* NUL-terminated */
	unsigned int present;			/* BEACON_HAS_* */
	char board[BEACON_VALUE_MAX_BYTES + 1];
	enum beacon_state state;
	uint32_t remaining_ms;
	uint32_t seq;
	uint8_t mac[BEACON_MAC_BYTES];
	char version[BEACON_VALUE_MAX_BYTES + 1];
	char via[BEACON_VALUE_MAX_BYTES + 1];
	char ssh_ed25519[BEACON_VALUE_MAX_BYTES + 1];	/* SSH host key fingerprints */
	char ssh_rsa[BEACON_VALUE_MAX_BYTES + 1];
};

/*
 * beacon_init - zero @b and set its text to @text (no fields present).
 * Returns 0, -EINVAL if @b or @text is NULL, -EMSGSIZE if @text is longer
 * than BEACON_TEXT_MAX_BYTES (then @b is left zeroed).
 */
int beacon_init(struct beacon *b, const char *text);

/*
 * beacon_encode - serialise @b into exactly BEACON_LEN_BYTES bytes at @out.
 * Only fields flagged in b->present are emitted; with none present the
 * output is a plain OpenWrt netmsg beacon.  @out is written only on success.
 * Returns 0, or
 *   -EINVAL   @b/@out NULL, unknown bit in b->present, invalid state, or a
 *             present string field that is empty or contains a space, '='
 *             or a byte outside printable ASCII;
 *   -EMSGSIZE text or a string field not NUL-terminated within its array
 *             (too long), or text + fields do not fit in BEACON_LEN_BYTES.
 */
int beacon_encode(const struct beacon *b, uint8_t out[BEACON_LEN_BYTES]);

/*
 * beacon_decode - parse the datagram @buf of @len bytes into @b.
 * Never reads beyond @buf[@len - 1].  Accepts short (len >= 3) plain
 * beacons; the text must be NUL-terminated inside the buffer, and all bytes
 * after the text (and after the optional fields line) must be NUL.
 * Returns 0 (fields absent from the line have their present bit clear), or
 *   -EINVAL   @buf or @b NULL;
 *   -ENOMSG   len < 2 or wrong magic: not a beacon;
 *   -EMSGSIZE len > BEACON_LEN_BYTES;
 *   -EBADMSG  malformed: text or fields line not NUL-terminated, non-NUL
 *             padding, malformed token, duplicate known key, bad number,
 *             state, MAC or over-long string value.
 * On any error @b (if non-NULL) is left zeroed.
 */
int beacon_decode(const uint8_t *buf, size_t len, struct beacon *b);

/* beacon_state_name - "window", "failsafe", "normal"; NULL if invalid. */
const char *beacon_state_name(enum beacon_state state);

#endif /* APP_BEACON_H */
