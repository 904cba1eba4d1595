/* app/web/recovery_view.h — what the recovery page shows, as JSON for scripts and as one HTML page for browsers (pure) */
#ifndef APP_RECOVERY_VIEW_H
#define APP_RECOVERY_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "fwimage.h"
#include "recovery_policy.h"

struct recovery_view {
	const char *board, *model, *compatible; /* the board this daemon runs on */
	const char *failsafed_version;
	const char *firmware;                   /* the installed firmware, e.g. "OpenWrt 23.05.3 r23809", or "" */
	const char *rootfs_data;                /* e.g. "mounted: jffs2 on /dev/mtdblock5", "unformatted" */
	const struct recovery_state *state;
	uint64_t received_bytes;                /* of the upload in progress or the staged image */
	uint64_t expected_bytes;                /* Content-Length of the upload in progress, 0 if unknown */
	uint64_t cap_bytes;                     /* the largest image accepted (the firmware partition) */
	/* The staged image, when there is one: NULL otherwise. */
	const struct fwimage_info *info;
	const struct fwimage_verdict *verdict;
	const struct fwimage_check_item *checks; /* FWIMAGE_CHECKS of them */
	/* The applet running a long step: progress (step NULL when none reported) and its last lines. */
	const char *step;
	uint64_t step_done, step_total;
	const char *log;                        /* newline-separated, oldest first, or "" */
	const char *message;                    /* one line: the last refusal or result, or "" */
	const char *dhcp;                       /* the DHCP server in one line ("serving ...", "off (...)"), or NULL */
	const char *const *leases;              /* its leases: "address mac name seconds-left" each */
	unsigned n_leases;                      /* shown (of the leases) */
	unsigned leases_total;                  /* leased: more than n_leases when the list is cut */
};

/* The view as a JSON object, NUL-terminated, malloc'd; NULL when out of memory. */
char *recovery_view_json(const struct recovery_view *v);

/*
 * The page a browser shows: the board and its state, the image and every
 * check, the forms for the next step (upload, flash with its confirmation,
 * factory reset, reboot, the settings archive), a progress bar; it refreshes
 * itself while a step runs, so it works without script, and loads script_url
 * (progress during the upload, live updates). malloc'd; NULL when out of
 * memory. Every string from outside (image metadata, log lines) is escaped.
 */
char *recovery_view_html(const struct recovery_view *v, const char *script_url);

#endif /* APP_RECOVERY_VIEW_H */
