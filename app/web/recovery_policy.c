/* app/web/recovery_policy.c — the recovery page's decisions: one upload at a time, flash only a verified image (pure) */
#include <stddef.h>

#include "recovery_policy.h"

void recovery_init(struct recovery_state *s)
{
	*s = (struct recovery_state){ .phase = RECOVERY_IDLE };
}

const char *recovery_phase_name(enum recovery_phase p)
{
	static const char *const names[] = { "idle", "receiving", "staged", "writing", "done", "failed", "resetting",
					     "rebooting" };

	return (unsigned)p < RECOVERY_PHASE_COUNT ? names[p] : "?";
}

static struct recovery_decision answer(unsigned actions, int status, const char *why)
{
	return (struct recovery_decision){ .actions = actions, .answer = status, .why = why };
}

/* Why a long step cannot start now; NULL when it can (idle, staged, or a step finished). */
static const char *busy(const struct recovery_state *s)
{
	switch (s->phase) {
	case RECOVERY_RECEIVING:
		return "an upload is in progress";
	case RECOVERY_WRITING:
		return "the firmware is being written";
	case RECOVERY_RESETTING:
		return "a factory reset is running";
	case RECOVERY_REBOOTING:
		return "the board is rebooting";
	default:
		return NULL;
	}
}

static struct recovery_decision flash(struct recovery_state *s, const struct recovery_event *ev)
{
	const char *why = busy(s);

	if (why)
		return answer(0, 409, why);
	if (s->phase != RECOVERY_STAGED)
		return answer(0, 409, "no image has been uploaded");
	if (!s->staged_file)
		return answer(0, 409, "the uploaded image was refused: upload another");
	if (s->image == RECOVERY_IMAGE_FORCEABLE && !ev->force)
		return answer(0, 409, "the image is invalid for this board: flashing it needs force");
	if (s->image == RECOVERY_IMAGE_FORCEABLE && !s->image_has_metadata && !ev->has_sha256)
		return answer(0, 409, "the image has no metadata: forcing it needs its sha256");
	s->phase = RECOVERY_WRITING;
	return answer(RECOVERY_DO_RUN_FLASH, 202, NULL);
}

static struct recovery_decision child_exit(struct recovery_state *s, int code)
{
	s->last_exit_code = code;
	switch (s->phase) {
	case RECOVERY_WRITING:
		s->phase = code == 0 ? RECOVERY_DONE : RECOVERY_FAILED;
		s->staged_file = false;
		return answer(RECOVERY_DO_REMOVE_STAGED, 200, NULL);
	case RECOVERY_RESETTING:
		s->phase = s->before_reset;
		return answer(0, 200, NULL);
	case RECOVERY_REBOOTING:
		/* A reboot that returned 0 is under way; one that failed leaves the page usable. */
		if (code != 0)
			s->phase = s->before_reset;
		return answer(0, 200, NULL);
	default:
		return answer(0, 200, NULL);
	}
}

struct recovery_decision recovery_step(struct recovery_state *s, const struct recovery_event *ev)
{
	const char *why;
	unsigned actions;

	switch (ev->type) {
	case RECOVERY_EV_UPLOAD_BEGIN:
		if (s->phase == RECOVERY_RECEIVING)
			return answer(0, 409, "another upload is in progress: one at a time");
		if ((why = busy(s)))
			return answer(0, 409, why);
		/* A new upload replaces what was staged. */
		actions = RECOVERY_DO_ACCEPT_UPLOAD | (s->staged_file ? RECOVERY_DO_REMOVE_STAGED : 0);
		s->phase = RECOVERY_RECEIVING;
		s->upload_conn = ev->conn;
		s->staged_file = true; /* the staging file being written */
		return answer(actions, 200, NULL);
	case RECOVERY_EV_UPLOAD_DONE:
		if (s->phase != RECOVERY_RECEIVING || s->upload_conn != ev->conn)
			return answer(0, 409, "not the upload in progress");
		s->phase = RECOVERY_STAGED;
		s->image = ev->image;
		s->image_has_metadata = ev->has_metadata;
		if (ev->image == RECOVERY_IMAGE_BROKEN) {
			s->staged_file = false;
			return answer(RECOVERY_DO_REMOVE_STAGED, 422, "the image is broken: it is never written");
		}
		if (ev->image == RECOVERY_IMAGE_FORCEABLE)
			return answer(0, 422, "the image is invalid for this board: it is written only when forced");
		return answer(0, 200, NULL);
	case RECOVERY_EV_UPLOAD_ABORTED:
		if (s->phase != RECOVERY_RECEIVING || s->upload_conn != ev->conn)
			return answer(0, 200, NULL);
		s->phase = RECOVERY_IDLE;
		s->staged_file = false;
		return answer(RECOVERY_DO_REMOVE_STAGED, 200, NULL);
	case RECOVERY_EV_FLASH:
		return flash(s, ev);
	case RECOVERY_EV_FIRSTBOOT:
		if ((why = busy(s)))
			return answer(0, 409, why);
		s->before_reset = s->phase;
		s->phase = RECOVERY_RESETTING;
		return answer(RECOVERY_DO_RUN_FIRSTBOOT, 202, NULL);
	case RECOVERY_EV_REBOOT:
		if ((why = busy(s)))
			return answer(0, 409, why);
		s->before_reset = s->phase;
		s->phase = RECOVERY_REBOOTING;
		return answer(RECOVERY_DO_RUN_REBOOT, 202, NULL);
	case RECOVERY_EV_CHILD_EXIT:
		return child_exit(s, ev->exit_code);
	case RECOVERY_EV_STAGE2:
		if (s->phase != RECOVERY_IDLE || s->staged_file)
			return answer(0, 409, "the page is busy with something else");
		s->phase = RECOVERY_WRITING;
		return answer(0, 200, NULL);
	case RECOVERY_EV_DISCARD:
		if ((why = busy(s)))
			return answer(0, 409, why);
		actions = s->staged_file ? RECOVERY_DO_REMOVE_STAGED : 0;
		s->staged_file = false;
		s->phase = RECOVERY_IDLE;
		return answer(actions, 200, NULL);
	default:
		return answer(0, 400, "unknown request");
	}
}
