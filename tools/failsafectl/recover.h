/* tools/failsafectl/recover.h — failsafectl recover's parts: options, exit codes, the terminal, waiting for the board, flashing */
#ifndef TOOLS_FAILSAFECTL_RECOVER_H
#define TOOLS_FAILSAFECTL_RECOVER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "beacon.h"
#include "fwimage.h"
#include "listen_view.h"

#define RECOVER_PROG		"failsafectl recover"
#define RECOVER_SUBNET		"192.168.1.0"	/* the failsafe subnet every board of this tree uses */
#define RECOVER_PREFIX		24
#define RECOVER_PC_ADDR		"192.168.1.2/24"	/* what to set on the PC's interface */
#define RECOVER_BOARD_ADDR	"192.168.1.1"

/* Exit statuses (--help lists them). */
enum recover_exit {
	RECOVER_OK = 0,			/* written: Upgrade completed */
	RECOVER_ERROR = 1,		/* network, HTTP, the board busy or gone, Ctrl-C */
	RECOVER_USAGE = 2,
	RECOVER_BAD_IMAGE = 3,		/* refused on this PC before any board was contacted */
	RECOVER_NO_BOARD = 4,		/* no board this image is for entered failsafe within --timeout */
	RECOVER_REFUSED = 5,		/* not for this board, or the board's checks refused it: nothing written */
	RECOVER_NOT_CONFIRMED = 6,	/* no --yes and no terminal, or not confirmed: nothing written */
	RECOVER_WRITE_FAILED = 7,	/* the board's sysupgrade failed */
};

struct recover_opts {
	const char *image;
	bool yes;
	bool keep;			/* keep the settings (default); --reset-settings clears it */
	bool force;
	bool plain;
	bool reboot;			/* reboot the board after "Upgrade completed" */
	int timeout_ms;			/* wait this long for a board; < 0: until Ctrl-C */
	const char *ifname;		/* --interface: beacons from and HTTP through this interface only */
	const char *bind;		/* --bind: this PC's address toward the board */
	const char *address;		/* --address: a board already in failsafe there, no waiting */
	bool no_address;		/* --no-address: never change this PC's addresses */
	unsigned beacon_port;
	unsigned http_port;
};

/* ---- the terminal: event lines that stay, one status line redrawn under them (recover_out.c) ---- */

struct recover_out {
	bool term;			/* standard output is a terminal: the bell rings */
	bool tty;			/* redraw a status line (a terminal, no --plain); else plain lines only */
	int cols;
	bool status_shown;		/* a status line is on screen (no newline after it) */
};

void rout_init(struct recover_out *o, bool plain);
/* A line that stays (standard output); @bell rings first on a terminal. */
void rout_event(struct recover_out *o, bool bell, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The status line, redrawn in place (a terminal only; cut to its width). */
void rout_status(struct recover_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Remove the status line (before a prompt, at exit). */
void rout_clear(struct recover_out *o);
/* An error line on standard error, the status line removed first. */
void rout_error(struct recover_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- waiting for the board (recover_wait.c) ---- */

struct recover_board {
	char addr[LV_ADDR_MAX];		/* where it is */
	char name[BEACON_VALUE_MAX_BYTES + 1];	/* its beacon's board=, "" when none */
	bool known;			/* a board of this tree: compatible below */
	char compatible[64];
	uint64_t prompt_ms;		/* monotonic ms when "press the button now" was said (0: not said) */
	uint64_t failsafe_ms;		/* when its "Entering Failsafe!" arrived (0: --address) */
};

/*
 * recover_wait - listen for beacons on UDP @o->beacon_port; say which
 * interfaces and addresses this PC has, ring and say "press the button
 * now" with the countdown when a board that @info lists (or one this tree
 * does not know, or any with --force) opens its window, and return when it
 * enters failsafe (*@b filled). A board the image is not for is named and
 * waited past. Returns RECOVER_OK, RECOVER_NO_BOARD (timeout, said why),
 * RECOVER_USAGE (a bad --interface/--bind), RECOVER_ERROR (socket, Ctrl-C).
 */
int recover_wait(const struct recover_opts *o, const struct fwimage_info *info, struct recover_out *out,
		 volatile sig_atomic_t *stop, struct recover_board *b);

/* The CURLOPT_INTERFACE value for --interface/--bind ("if!pc0", "host!192.168.1.2"), or NULL. */
const char *recover_iface(const struct recover_opts *o, char *buf, size_t size);

/* ---- on the board: upload, verdict, confirmation, write (recover_flash.c) ---- */

/*
 * recover_flash - drive the recovery page of board @b: its state, the board
 * check against its compatible, the upload of @fd (@info and @st as checked) with
 * progress, the board's verdict, the confirmation (unless --yes), the
 * write followed to "Upgrade completed", and what to do next. Returns a
 * recover_exit status after saying what happened.
 */
int recover_flash(const struct recover_opts *o, int fd, const struct stat *st, const struct fwimage_info *info,
		  struct recover_out *out, volatile sig_atomic_t *stop, const struct recover_board *b);

#endif /* TOOLS_FAILSAFECTL_RECOVER_H */
