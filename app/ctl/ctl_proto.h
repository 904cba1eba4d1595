/* app/ctl/ctl_proto.h — the daemon's control protocol: requests and the status reply, as text (pure) */
#ifndef APP_CTL_PROTO_H
#define APP_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "led_plan.h"

/*
 * One request per message on a SOCK_SEQPACKET unix socket, one reply each:
 *   status             -> "key=value" lines, then "ok"
 *   led PHASE          -> "ok": the LEDs show PHASE (window, failsafe, normal,
 *                         upgrade) for as long as this connection is open
 *   led release        -> "ok": back to the daemon's own phase
 *   flash ok|failed N  -> "ok": how a write ended (sysupgrade tells; N its
 *                         exit status): a failed one shows the failed phase
 *   stage2             -> "ok": the daemon takes over the flash that
 *                         <state-dir>/stage2/request describes (the storage
 *                         holds the running root: the daemon moves into RAM,
 *                         lets the old root go and runs the flash from there)
 * A reply that is not "ok" is one line "error: WHY".
 */
#define CTL_MSG_BYTES 4096              /* a status reply with every field at its longest fits */
#define CTL_LEASES_MAX 16               /* DHCP leases listed in a status reply */
#define CTL_SOCKET_NAME "failsafed.sock"  /* in the state directory, unless --ctl-socket */

enum ctl_req_kind {
	CTL_REQ_STATUS = 0,
	CTL_REQ_LED,
	CTL_REQ_LED_RELEASE,
	CTL_REQ_FLASH,                  /* "flash ok" / "flash failed N": how a write ended (sysupgrade tells) */
	CTL_REQ_STAGE2,                 /* "stage2": take over the flash <state-dir>/stage2/request describes */
	CTL_REQ_KIND_COUNT
};

struct ctl_req {
	enum ctl_req_kind kind;
	enum led_phase phase;           /* with CTL_REQ_LED */
	bool flash_ok;                  /* with CTL_REQ_FLASH */
	int flash_code;                 /* with CTL_REQ_FLASH and !flash_ok: sysupgrade's exit status, 1-255 */
};

/* The daemon as the status applet shows it. */
struct ctl_status {
	char board[BOARD_NAME_BYTES];
	char model[64];
	char compatible[BOARD_COMPATIBLE_BYTES];
	char version[32];
	long pid;
	char state[16];                 /* boot phase: window, failsafe, normal, stopping, ... */
	char cause[48];                 /* "button reset", "console", ... or "none" */
	uint32_t remaining_ms;          /* window time left */
	uint32_t window_ms;
	char led[LED_ROLE_COUNT][16];   /* pattern per role ("100/100", "off"); "" when the role has no LED */
	char led_hold[16];              /* a phase an applet holds, or "none" */
	char flash[32];                 /* the last write: "none", "ok", "failed (exit N)" */
	unsigned telnet_sessions;
	char dhcp[96];                  /* "serving 192.168.1.100-192.168.1.199, leases of 300 s", "silent: ...", "off" */
	unsigned leases;                /* bound leases (lease[] lists the first CTL_LEASES_MAX) */
	char lease[CTL_LEASES_MAX][72]; /* "192.168.1.100 02:00:00:00:00:01 laptop 280": address, MAC, name, s left */
	char stage2[400];               /* a flash from RAM: "running from RAM: writing", "done", "failed: WHY"; "" none */
};

/* Parse one request (trailing newline optional). 0, or -EINVAL with why in err. */
int ctl_parse_request(const char *msg, size_t len, struct ctl_req *req, char *err, size_t err_size);
/* The status reply (key=value lines and "ok"). Length written (truncated at size), like snprintf. */
int ctl_format_status(const struct ctl_status *st, char *out, size_t size);
/* Parse a status reply. 0, or -EBADMSG (no "ok" line, or an "error:" reply: its text in err). */
int ctl_parse_status(const char *msg, size_t len, struct ctl_status *st, char *err, size_t err_size);

#endif /* APP_CTL_PROTO_H */
