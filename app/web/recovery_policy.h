/* app/web/recovery_policy.h — the recovery page's decisions: one upload at a time, flash only a verified image (pure) */
#ifndef APP_RECOVERY_POLICY_H
#define APP_RECOVERY_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * What the recovery service is doing. An upload is received and verified
 * (RECEIVING), then held in RAM with its verdict (STAGED); a confirmed flash
 * runs the sysupgrade applet (WRITING) and ends DONE or FAILED. A factory
 * reset (RESETTING) and a reboot (REBOOTING) are the other long steps.
 */
enum recovery_phase {
	RECOVERY_IDLE = 0,
	RECOVERY_RECEIVING,
	RECOVERY_STAGED,
	RECOVERY_WRITING,
	RECOVERY_DONE,
	RECOVERY_FAILED,
	RECOVERY_RESETTING,
	RECOVERY_REBOOTING,
	RECOVERY_PHASE_COUNT
};

/* How an upload ended, when it ended in one piece. */
enum recovery_image {
	RECOVERY_IMAGE_GOOD = 0,        /* every check passed */
	RECOVERY_IMAGE_FORCEABLE,       /* invalid: wrong board, compat, no metadata; written only when forced */
	RECOVERY_IMAGE_BROKEN,          /* never written */
};

enum recovery_event_type {
	RECOVERY_EV_UPLOAD_BEGIN = 0,   /* a request to /upload arrived (before its body) */
	RECOVERY_EV_UPLOAD_DONE,        /* its body ended and was verified: .image */
	RECOVERY_EV_UPLOAD_ABORTED,     /* the client went away, stalled or sent too much */
	RECOVERY_EV_FLASH,              /* confirmed: .force, .has_sha256 */
	RECOVERY_EV_FIRSTBOOT,
	RECOVERY_EV_REBOOT,
	RECOVERY_EV_CHILD_EXIT,         /* the applet running the step ended: .exit_code (-1: killed) */
	RECOVERY_EV_DISCARD,            /* drop the staged image */
	RECOVERY_EV_STAGE2,             /* the daemon runs a flash from RAM (stage2), checked by the sysupgrade that
					 * handed it over: a page that has done nothing yet shows it as its write */
	RECOVERY_EV_COUNT
};

struct recovery_event {
	enum recovery_event_type type;
	unsigned conn;                  /* the upload's connection id (BEGIN, DONE, ABORTED) */
	enum recovery_image image;      /* DONE */
	bool has_metadata;              /* DONE */
	bool force, has_sha256;         /* FLASH */
	int exit_code;                  /* CHILD_EXIT */
};

/* What the service does about an event; answer is the HTTP status for the request that caused it. */
enum {
	RECOVERY_DO_NOTHING = 0,
	RECOVERY_DO_ACCEPT_UPLOAD = 1u << 0,    /* start receiving into the staging file */
	RECOVERY_DO_REMOVE_STAGED = 1u << 1,    /* unlink the staging file */
	RECOVERY_DO_RUN_FLASH = 1u << 2,        /* start sysupgrade on the staged image */
	RECOVERY_DO_RUN_FIRSTBOOT = 1u << 3,
	RECOVERY_DO_RUN_REBOOT = 1u << 4,
};

struct recovery_decision {
	unsigned actions;
	int answer;                     /* 200, 202, 400, 409 */
	const char *why;                /* one line for a refusal, else NULL */
};

struct recovery_state {
	enum recovery_phase phase;
	unsigned upload_conn;           /* RECEIVING: whose upload it is */
	enum recovery_image image;      /* STAGED: the verdict */
	bool image_has_metadata;
	bool staged_file;               /* a staged image is on disk */
	int last_exit_code;             /* of the last applet run (DONE, FAILED, after a reset) */
	enum recovery_phase before_reset; /* where a reset returns */
};

void recovery_init(struct recovery_state *s);

/* Decide and move to the next phase. Pure: no I/O, no clock. */
struct recovery_decision recovery_step(struct recovery_state *s, const struct recovery_event *ev);

/* "idle", "receiving", "staged", "writing", "done", "failed", "resetting", "rebooting"; "?" out of range. */
const char *recovery_phase_name(enum recovery_phase p);

#endif /* APP_RECOVERY_POLICY_H */
