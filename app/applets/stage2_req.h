/* app/applets/stage2_req.h — a flash handed over to the daemon's stage2: the request file, as text (pure) */
#ifndef APP_STAGE2_REQ_H
#define APP_STAGE2_REQ_H

#include <stddef.h>

#define STAGE2_DIR "stage2"                 /* in the daemon's state directory (RAM) */
#define STAGE2_REQUEST "stage2/request"     /* the request, in the state directory */
#define STAGE2_ROOT "stage2/root"           /* the RAM root the daemon builds and moves into */
#define STAGE2_OLD_ROOT "/old"              /* where the old root waits, inside the RAM root, to be let go */
#define STAGE2_ARGS_MAX 24
#define STAGE2_ARG_BYTES 256
#define STAGE2_TOOLS_MAX 8
#define STAGE2_REQ_BYTES 8192

/*
 * What the sysupgrade applet hands over when the storage it would write holds
 * the running root: the sysupgrade that writes from RAM (its argv), the
 * programs the plan runs beside failsafed itself, and why stage2 is needed.
 * The daemon adds what its successor in RAM needs to go on.
 */
struct stage2_req {
	unsigned argc;
	char argv[STAGE2_ARGS_MAX][STAGE2_ARG_BYTES];   /* "sysupgrade" "--from-ram" ... IMAGE */
	unsigned n_tools;
	char tool[STAGE2_TOOLS_MAX][64];                /* "ubiformat", "fw_setenv", "fw_printenv" */
	char why[512];                                  /* what holds the storage now, for people */
	/* written by the daemon before it moves: */
	char cause[64];                                 /* how failsafe was entered: "button reset", "console" */
	char button[32];                                /* the button, with cause "button" */
	char abandoned[256];                            /* the move failed after the services stopped: why (the
							 * successor then reports it and runs no flash) */
};

/*
 * Text: "arg=", "tool=", "why=", "cause=", "button=", "abandoned=" lines, one value each.
 * The length, or -EINVAL (a value with a newline, no argv) or -E2BIG (size).
 */
int stage2_req_format(const struct stage2_req *r, char *out, size_t size);

/* Parse text (unknown keys are skipped). 0, or -EINVAL with why (no argv, too many, too long). */
int stage2_req_parse(const char *text, struct stage2_req *r, char *why, size_t why_size);

/*
 * The content of OpenWrt's /tmp/sysupgrade in failsafe (base-files'
 * sbin/sysupgrade; procd's initd/preinit.c check_sysupgrade() reads it when
 * preinit ends): prefix, path and command, each NUL-terminated. procd then
 * chroots into prefix and execs prefix's /sbin/upgraded PATH COMMAND as PID 1.
 * The length written, or -E2BIG.
 */
int stage2_openwrt_handover(const char *prefix, const char *path, const char *command, char *out, size_t size);

#endif /* APP_STAGE2_REQ_H */
