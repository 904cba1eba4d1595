/* tools/failsafectl/recover_flash.c — failsafectl recover on the board: its recovery page's state, upload, verdict, confirmation, write */
#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "failsafectl.h"
#include "imagefile.h"
#include "layout.h"
#include "progress.h"
#include "recover.h"
#include "recover_http.h"

#define PAGE_WAIT_MS	20000	/* after failsafe, until the page's first answer */
#define PAGE_RETRY_MS	250
#define REQUEST_MS	10000	/* one small request */
#define POLL_MS		200	/* the write's progress */
#define LOST_MS		30000	/* no answer this long while writing: contact lost */
#define UPLOAD_STALL_S	30	/* nothing moves this long: the upload is given up */
#define PLAIN_EVERY_MS	1000	/* progress lines off a terminal */
#define TICK_MS		100	/* bars redrawn at most this often */
#define STEP_TIMED_MS	1000	/* a write step seen this long gets a line with its rate */
#define LINE_BYTES	512

struct flasher {
	const struct recover_opts *o;
	const struct fwimage_info *info;
	struct recover_out *out;
	volatile sig_atomic_t *stop;
	const struct recover_board *b;
	struct rhttp h;
	char url[128];			/* "http://192.168.1.1/" for messages */
	char label[128];		/* "sim at 192.168.1.1" */
	char image_name[256];
	char size[32];
	uint64_t up_start_ms, line_ms;
	char **seen_log;		/* the board's log as last shown */
	size_t n_seen_log;
	char step[32];			/* the step whose progress is shown */
	uint64_t step_start_ms, step_total;
	uint64_t upload_ms, write_start_ms;
};

static void pause_ms(int ms)
{
	poll(NULL, 0, ms);	/* a signal ends it early: Ctrl-C is seen at once */
}

static const char *message_of(const struct rhttp_reply *r)
{
	return rhttp_str(rhttp_root(r), "message", r->text[0] ? r->text : "no message");
}

/* POST /discard: the board drops the staged image (it keeps nothing it was sent). */
static void discard(struct flasher *f)
{
	struct rhttp_reply r;

	if (rhttp_request(&f->h, "POST", "/discard", NULL, REQUEST_MS, NULL, &r) == 0)
		rhttp_reply_free(&r);
}

/* ---- the page ---- */

/* Wait for the recovery page's state. RECOVER_OK with *st (the caller frees it), else said why. */
static int page_state(struct flasher *f, struct rhttp_reply *st)
{
	uint64_t start = hal_now_ms();

	for (;;) {
		struct rhttp_reply r;
		int rc = rhttp_request(&f->h, "GET", "/status", NULL, REQUEST_MS, f->stop, &r);

		if (rc == -EINTR || *f->stop) {
			if (!rc)
				rhttp_reply_free(&r);
			rout_error(f->out, "interrupted; nothing was sent to the board");
			return RECOVER_ERROR;
		}
		if (rc == 0 && r.status == 200 && rhttp_get(rhttp_root(&r), "phase").doc) {
			*st = r;
			return RECOVER_OK;
		}
		if (rc == 0) {
			rout_error(f->out, "%sstatus answered HTTP %ld, not a recovery page's state (%.80s): %s has no "
				   "failsafed recovery page (OpenWrt's own failsafe?). Flash it over telnet instead: "
				   "failsafectl serve %s, then on the board: sysupgrade tcp://<this PC>:3333", f->url,
				   r.status, r.text, f->label, f->o->image);
			rhttp_reply_free(&r);
			return RECOVER_ERROR;
		}
		if (hal_now_ms() - start >= PAGE_WAIT_MS) {
			rout_error(f->out, "%s is in failsafe, but its recovery page %s does not answer after %d s (%s): it "
				   "may have none (failsafed --no-http, OpenWrt's own failsafe). Flash it over telnet "
				   "instead: failsafectl serve %s, then telnet %s and sysupgrade tcp://<this PC>:3333",
				   f->label, f->url, PAGE_WAIT_MS / 1000, f->h.error, f->o->image, f->b->addr);
			return RECOVER_ERROR;
		}
		rout_status(f->out, "waiting for the recovery page at %s (%s)", f->url, f->h.error);
		pause_ms(PAGE_RETRY_MS);
	}
}

/* Who the board says it is, and whether it is free; the board check against the image's list. */
static int board_check(struct flasher *f, struct rjv st)
{
	const char *name = rhttp_str(st, "board.name", ""), *compat = rhttp_str(st, "board.compatible", "");
	const char *phase = rhttp_str(st, "phase", "?"), *firmware = rhttp_str(st, "firmware", "");
	int64_t cap = rhttp_int(st, "upload.cap", -1);
	char list[LINE_BYTES], room[32], unfit[LAYOUT_WHY_BYTES];
	const struct board *known;

	rout_event(f->out, false, "board: %s (%s, compatible %s), failsafed %s; firmware: %s; settings (rootfs_data): %s",
		   name, rhttp_str(st, "board.model", "?"), compat[0] ? compat : "none", rhttp_str(st, "failsafed", "?"),
		   firmware[0] ? firmware : "unknown", rhttp_str(st, "rootfs_data", "?"));
	if (!strcmp(phase, "receiving") || !strcmp(phase, "writing") || !strcmp(phase, "resetting")
	    || !strcmp(phase, "rebooting")) {
		rout_error(f->out, "%s is busy (%s: %s): wait until it is done and run this again", f->label, phase,
			   rhttp_str(st, "message", ""));
		return RECOVER_ERROR;
	}
	if (cap == 0) {
		rout_error(f->out, "%s has no firmware partition to write (its recovery page takes no image): nothing "
			   "was sent. Its board table or --firmware needs one", f->label);
		return RECOVER_REFUSED;
	}
	if (cap > 0 && f->info->total_bytes > (uint64_t)cap) {
		mkimage_size_text(room, sizeof(room), (uint64_t)cap);
		rout_error(f->out, "%s (%s) is larger than the firmware partition of %s (%s): not sending it; nothing "
			   "was written. Is it the right image?", f->image_name, f->size, f->label, room);
		return RECOVER_REFUSED;
	}
	/* What the board's storage takes, from its table (known here too): an OpenWrt NAND tar for a board that
	 * writes one raw volume is refused here, before the upload; the board checks again. */
	if ((known = mkimage_find_board(name)) && known->storage.firmware.kind &&
	    layout_decide(&f->info->payload, known, &known->storage.firmware, unfit, sizeof(unfit)) == LAYOUT_REFUSED) {
		rout_error(f->out, "%s cannot take %s: %s. Not sending it; nothing was written", f->label, f->image_name,
			   unfit);
		return RECOVER_REFUSED;
	}
	if (!f->info->has_metadata || imagefile_lists(f->info, compat, name))
		return RECOVER_OK;
	imagefile_boards_text(f->info, list, sizeof(list));
	if (!f->o->force) {
		rout_error(f->out, "%s is %s (%s), and %s is for %s: not sending it; nothing was written. Is it the right "
			   "image? (--force flashes it anyway)", f->label, name, compat, f->image_name, list);
		return RECOVER_REFUSED;
	}
	rout_event(f->out, false, "note: %s (%s) is not in the image's list (%s); --force: sending it anyway", name,
		   compat, list);
	return RECOVER_OK;
}

/* ---- the upload ---- */

static int on_upload(void *ctx, uint64_t sent, uint64_t total)
{
	struct flasher *f = ctx;
	uint64_t now = hal_now_ms();
	char line[LINE_BYTES];

	if (*f->stop)
		return 1;
	if (f->out->tty && now - f->line_ms >= TICK_MS) {
		f->line_ms = now;
		progress_text(line, sizeof(line), "upload", sent, total, now - f->up_start_ms, true, f->out->cols - 1,
			      NULL);
		rout_status(f->out, "%s", line);
	} else if (!f->out->tty && now - f->line_ms >= PLAIN_EVERY_MS && sent < total) {
		f->line_ms = now;
		progress_text(line, sizeof(line), "upload", sent, total, now - f->up_start_ms, false, 0, NULL);
		rout_event(f->out, false, "%s", line);
	}
	return 0;
}

static int upload(struct flasher *f, int fd, const struct stat *st, struct rhttp_reply *r)
{
	char line[LINE_BYTES];
	int rc;

	if (!imagefile_unchanged(fd, st)) {
		rout_error(f->out, "%s changed on disk since it was checked: run this again to check the new one",
			   f->o->image);
		return RECOVER_ERROR;
	}
	rout_event(f->out, false, "uploading %s (%s) to %supload: nothing is written yet", f->image_name, f->size,
		   f->url);
	f->up_start_ms = f->line_ms = hal_now_ms();
	rc = rhttp_upload(&f->h, "/upload", fd, f->info->total_bytes, UPLOAD_STALL_S, on_upload, f, r);
	f->upload_ms = hal_now_ms() - f->up_start_ms;
	rout_clear(f->out);
	if (rc == -EINTR || *f->stop) {
		rout_error(f->out, "interrupted: the upload was cut off, and the board keeps nothing of it");
		return RECOVER_ERROR;
	}
	if (rc) {
		rout_error(f->out, "uploading to %supload failed: %s. The board keeps nothing of a cut upload: check the "
			   "cable and run this again", f->url, f->h.error);
		return RECOVER_ERROR;
	}
	if ((r->status == 200 || r->status == 422) && rhttp_get(rhttp_root(r), "image").doc) {
		progress_done_text(line, sizeof(line), "uploaded", f->info->total_bytes, f->upload_ms);
		rout_event(f->out, false, "%s", line);
		return RECOVER_OK;
	}
	if (r->status == 413 || r->status == 507) {
		rout_error(f->out, "%s refused the image: %s; nothing was written", f->label, message_of(r));
		return RECOVER_REFUSED;
	}
	rout_error(f->out, "%s did not take the upload (HTTP %ld): %s", f->label, r->status, message_of(r));
	return RECOVER_ERROR;
}

/* The board's verdict, as it says it; RECOVER_OK when it may be written. */
static int verdict(struct flasher *f, struct rjv state)
{
	struct rjv img = rhttp_get(state, "image"), checks = rhttp_get(img, "checks");
	const char *kind = rhttp_str(img, "verdict", "?"), *reason = rhttp_str(img, "reason", "");
	const char *sha = rhttp_str(img, "sha256", "");
	char hex[FWIMAGE_SHA256_HEX_BYTES];

	rout_event(f->out, false, "the board checked it: %s%s%s", kind, reason[0] ? ": " : "", reason);
	for (size_t i = 0; checks.doc && i < json_len(checks.doc, checks.v); i++) {
		struct rjv c = { checks.doc, json_at(checks.doc, checks.v, i) };

		rout_event(f->out, false, "  %-15s %-8s %s", rhttp_str(c, "name", "?"), rhttp_str(c, "state", "?"),
			   rhttp_str(c, "detail", ""));
	}
	fwimage_sha256_hex(f->info->payload_sha256, hex);
	if (!strcmp(kind, "broken")) {
		rout_error(f->out, "%s found the image broken (%s), though this PC read it intact: it was damaged on the "
			   "way. Nothing was written; check the cable and run this again", f->label, reason);
		return RECOVER_REFUSED;
	}
	if (strcasecmp(sha, hex) || (uint64_t)rhttp_int(img, "bytes", -1) != f->info->total_bytes) {
		discard(f);
		rout_error(f->out, "%s holds other bytes than this PC checked (SHA-256 %s, here %s): not writing them; "
			   "it dropped them. Check the cable and run this again", f->label, sha, hex);
		return RECOVER_ERROR;
	}
	if (rhttp_bool(img, "flashable", false))
		return RECOVER_OK;
	/* "flashable" is without force; "needs_force": refused, but forceable */
	if (rhttp_bool(img, "needs_force", false) && f->o->force) {
		rout_event(f->out, false, "the board writes it only when forced: --force given");
		return RECOVER_OK;
	}
	if (rhttp_bool(img, "needs_force", false)) {
		discard(f);
		rout_error(f->out, "%s refused the image: %s. Nothing was written (it dropped the image). If you are sure "
			   "the image is right for this board: --force", f->label, reason);
		return RECOVER_REFUSED;
	}
	discard(f);
	rout_error(f->out, "%s will not write this image (%s); nothing was written", f->label, reason);
	return RECOVER_REFUSED;
}

static int confirm(struct flasher *f, struct rjv state)
{
	char answer[64] = "";

	if (f->o->yes)
		return RECOVER_OK;
	rout_clear(f->out);
	printf("Write %s (%s, %s) to %s, %s? Do not power the board off while it writes. [y/N] ", f->image_name,
	       rhttp_str(state, "image.version", "?"), f->size, f->label,
	       f->o->keep ? "keeping its settings" : "resetting its settings");
	fflush(stdout);
	if (!fgets(answer, sizeof(answer), stdin))
		answer[0] = '\0';
	answer[strcspn(answer, "\r\n")] = '\0';
	if (!strcasecmp(answer, "y") || !strcasecmp(answer, "yes"))
		return RECOVER_OK;
	if (!answer[0])
		printf("\n");
	discard(f);
	rout_error(f->out, "not written (%s): the board dropped the image", *f->stop ? "interrupted" :
		   answer[0] ? "the answer was not y" : "no answer");
	return RECOVER_NOT_CONFIRMED;
}

/* ---- the write ---- */

static int start_write(struct flasher *f)
{
	char form[160], hex[FWIMAGE_SHA256_HEX_BYTES];
	struct rhttp_reply r;
	int rc;

	fwimage_sha256_hex(f->info->image_sha256, hex);
	/* an image without metadata is forced with the hash of what was checked here */
	snprintf(form, sizeof(form), "keep=%d%s%s%s", f->o->keep ? 1 : 0, f->o->force ? "&force=1" : "",
		 f->info->has_metadata ? "" : "&sha256=", f->info->has_metadata ? "" : hex);
	if ((rc = rhttp_request(&f->h, "POST", "/flash", form, REQUEST_MS, NULL, &r)) < 0) {
		rout_error(f->out, "asking %s to write failed: %s. Run this again (nothing was written)", f->label,
			   f->h.error);
		return RECOVER_ERROR;
	}
	rc = RECOVER_OK;
	if (r.status == 202) {
		rout_event(f->out, false, "writing the firmware on %s%s: do not power it off", f->label,
			   f->o->keep ? ", settings kept" : ", settings reset");
	} else {
		rout_error(f->out, "%s did not start the write (HTTP %ld): %s; nothing was written", f->label, r.status,
			   message_of(&r));
		rc = r.status == 409 ? RECOVER_REFUSED : RECOVER_ERROR;
	}
	rhttp_reply_free(&r);
	return rc;
}

static void forget_log(struct flasher *f)
{
	for (size_t i = 0; i < f->n_seen_log; i++)
		free(f->seen_log[i]);
	free(f->seen_log);
	f->seen_log = NULL;
	f->n_seen_log = 0;
}

/* The board's log lines not shown yet: those after the longest overlap with what was shown. */
static void show_log(struct flasher *f, struct rjv log)
{
	size_t n_old = f->n_seen_log, n_new, k;
	char **keep;

	if (!log.doc || json_type(log.doc, log.v) != JSON_ARRAY)
		return;
	n_new = json_len(log.doc, log.v);
	for (k = n_old < n_new ? n_old : n_new; k > 0; k--) {
		size_t i;

		for (i = 0; i < k; i++)
			if (strcmp(f->seen_log[n_old - k + i], json_str_or(log.doc, json_at(log.doc, log.v, i), "")))
				break;
		if (i == k)
			break;
	}
	for (size_t i = k; i < n_new; i++)
		rout_event(f->out, false, "  board: %s", json_str_or(log.doc, json_at(log.doc, log.v, i), ""));
	if (!(keep = calloc(n_new + 1, sizeof(*keep))))
		return;
	for (size_t i = 0; i < n_new; i++) {
		if (!(keep[i] = strdup(json_str_or(log.doc, json_at(log.doc, log.v, i), "")))) {
			while (i--)
				free(keep[i]);
			free(keep);
			return;
		}
	}
	forget_log(f);
	f->seen_log = keep;
	f->n_seen_log = n_new;
}

static void step_done(struct flasher *f, uint64_t now)
{
	char line[LINE_BYTES], label[48];

	/* the time is what polling saw: said only when it means something */
	if (f->step[0] && now - f->step_start_ms >= STEP_TIMED_MS) {
		snprintf(label, sizeof(label), "%s:", f->step);
		progress_done_text(line, sizeof(line), label, f->step_total, now - f->step_start_ms);
		rout_event(f->out, false, "  %s", line);
	}
	f->step[0] = '\0';
}

static void show_step(struct flasher *f, struct rjv step, uint64_t now)
{
	const char *name = rhttp_str(step, "name", "");
	uint64_t done = (uint64_t)rhttp_int(step, "done", 0), total = (uint64_t)rhttp_int(step, "total", 0);
	char line[LINE_BYTES];

	if (!step.doc || !name[0])
		return;
	if (strcmp(name, f->step)) {
		step_done(f, now);
		snprintf(f->step, sizeof(f->step), "%s", name);
		f->step_start_ms = now;
		f->line_ms = 0;
	}
	f->step_total = total;
	if (f->out->tty) {
		progress_text(line, sizeof(line), name, done, total, now - f->step_start_ms, true, f->out->cols - 1, NULL);
		rout_status(f->out, "%s", line);
	} else if (now - f->line_ms >= PLAIN_EVERY_MS && done < total) {
		f->line_ms = now;
		progress_text(line, sizeof(line), name, done, total, now - f->step_start_ms, false, 0, NULL);
		rout_event(f->out, false, "  %s", line);
	}
}

/* Poll the state until the write ended. RECOVER_OK on "done". */
static int follow(struct flasher *f)
{
	uint64_t last_ok = hal_now_ms();

	f->write_start_ms = last_ok;
	for (;;) {
		uint64_t now = hal_now_ms();
		struct rhttp_reply r;
		const char *phase;
		int rc;

		if (*f->stop) {
			rout_error(f->out, "interrupted here; the board goes on writing: do not power it off. Follow it at %s",
				   f->url);
			return RECOVER_ERROR;
		}
		rc = rhttp_request(&f->h, "GET", "/status", NULL, REQUEST_MS / 2, f->stop, &r);
		if (rc || r.status != 200 || !r.json) {
			if (!rc)
				rhttp_reply_free(&r);
			if (now - last_ok >= LOST_MS) {
				rout_error(f->out, "no answer from %s for %d s while it was writing (%s): do not power it off, "
					   "it finishes on its own. Look at %s, or: telnet %s", f->label, LOST_MS / 1000,
					   rc ? f->h.error : "not the page's state", f->url, f->b->addr);
				return RECOVER_ERROR;
			}
			rout_status(f->out, "no answer from the board (%s); trying again", rc ? f->h.error : "bad state");
			pause_ms(POLL_MS);
			continue;
		}
		last_ok = now;
		show_step(f, rhttp_get(rhttp_root(&r), "step"), now);
		show_log(f, rhttp_get(rhttp_root(&r), "log"));
		phase = rhttp_str(rhttp_root(&r), "phase", "?");
		if (!strcmp(phase, "done") || !strcmp(phase, "failed")) {
			int code = (int)rhttp_int(rhttp_root(&r), "exit_code", -1);

			rout_clear(f->out);
			step_done(f, now);
			if (!strcmp(phase, "done")) {
				rhttp_reply_free(&r);
				return RECOVER_OK;
			}
			rout_error(f->out, "writing failed on %s: sysupgrade exit code %d (%s). %s", f->label, code,
				   rhttp_str(rhttp_root(&r), "message", ""), code >= 10 ? "The image was refused before anything "
				   "was erased." : "Do not power the board off: it is still in failsafe; run this again, or "
				   "look at the log above");
			rhttp_reply_free(&r);
			return RECOVER_WRITE_FAILED;
		}
		if (strcmp(phase, "writing")) {
			rout_error(f->out, "%s left the write (phase %s): %s", f->label, phase, message_of(&r));
			rhttp_reply_free(&r);
			return RECOVER_ERROR;
		}
		rhttp_reply_free(&r);
		pause_ms(POLL_MS);
	}
}

static void next_steps(struct flasher *f, struct rjv state)
{
	uint64_t now = hal_now_ms();
	char secs[32], up[32], wr[32], fs[32];
	struct rhttp_reply r;

	rout_event(f->out, false, "Upgrade completed: %s has %s; settings %s", f->label,
		   rhttp_str(state, "image.version", "the new firmware"), f->o->keep ? "kept" : "reset");
	progress_secs_text(up, sizeof(up), f->upload_ms / 1000.0);
	progress_secs_text(wr, sizeof(wr), (now - f->write_start_ms) / 1000.0);
	if (f->b->prompt_ms) {
		progress_secs_text(secs, sizeof(secs), (now - f->b->prompt_ms) / 1000.0);
		progress_secs_text(fs, sizeof(fs), (f->b->failsafe_ms - f->b->prompt_ms) / 1000.0);
		rout_event(f->out, false, "%s from \"press the button now\" to \"Upgrade completed\" (failsafe after %s, "
			   "upload %s, write and verify %s)", secs, fs, up, wr);
	} else {
		rout_event(f->out, false, "upload %s, write and verify %s", up, wr);
	}
	if (!f->o->reboot) {
		rout_event(f->out, false, "next: the board stays in failsafe until it restarts: power it off and on, or "
			   "run  curl -X POST %sreboot  (--reboot does that for you)", f->url);
		return;
	}
	if (rhttp_request(&f->h, "POST", "/reboot", NULL, REQUEST_MS, NULL, &r) == 0 && r.status == 202) {
		rout_event(f->out, false, "rebooting %s: it starts the new firmware now", f->label);
	} else {
		rout_error(f->out, "the reboot was not started (%s): power the board off and on; the new firmware is "
			   "written", r.status ? message_of(&r) : f->h.error);
	}
	rhttp_reply_free(&r);
}

int recover_flash(const struct recover_opts *o, int fd, const struct stat *st, const struct fwimage_info *info,
		  struct recover_out *out, volatile sig_atomic_t *stop, const struct recover_board *b)
{
	struct flasher *f = calloc(1, sizeof(*f));
	struct rhttp_reply state = { 0 }, r = { 0 };
	char iface[80], path[4096];
	int rc;

	if (!f) {
		rout_error(out, "out of memory");
		return RECOVER_ERROR;
	}
	*f = (struct flasher){ .o = o, .info = info, .out = out, .stop = stop, .b = b };
	snprintf(path, sizeof(path), "%s", o->image);
	snprintf(f->image_name, sizeof(f->image_name), "%s", basename(path));
	mkimage_size_text(f->size, sizeof(f->size), info->total_bytes);
	snprintf(f->url, sizeof(f->url), o->http_port == 80 ? "http://%s/" : "http://%s:%u/", b->addr, o->http_port);
	snprintf(f->label, sizeof(f->label), "%s at %s", b->name[0] ? b->name : "the board", b->addr);
	if (rhttp_init(&f->h, b->addr, o->http_port, recover_iface(o, iface, sizeof(iface))) < 0) {
		rout_error(out, "%s", f->h.error);
		free(f);
		return RECOVER_ERROR;
	}
	if ((rc = page_state(f, &state)) || (rc = board_check(f, rhttp_root(&state))))
		goto out;
	if ((rc = upload(f, fd, st, &r)))
		goto out;
	if ((rc = verdict(f, rhttp_root(&r))) || (rc = confirm(f, rhttp_root(&r))) || (rc = start_write(f))
	    || (rc = follow(f)))
		goto out;
	next_steps(f, rhttp_root(&r));
out:
	rout_clear(out);
	rhttp_reply_free(&r);
	rhttp_reply_free(&state);
	forget_log(f);
	rhttp_free(&f->h);
	free(f);
	return rc;
}
