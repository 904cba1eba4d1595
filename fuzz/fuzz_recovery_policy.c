/* fuzz/fuzz_recovery_policy.c — libFuzzer target: any order of page requests (clients are untrusted) through the recovery policy, checked against its promises */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "recovery_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Each input byte pair is one event. Beside the policy runs a model of what it
 * promises, built only from the events and the policy's own answers:
 *   - sysupgrade starts only on the image of the last upload that ended, whole
 *     and checked, with nothing since that dropped it: a good image, or an
 *     invalid one with force (and its sha256 when it has no metadata); never a
 *     broken one;
 *   - one long step at a time (write, reset, reboot), and no upload meanwhile;
 *   - a flash from RAM (stage2) is shown only by a page that does nothing else and holds no image;
 *   - one upload at a time;
 *   - refusals carry a reason, and every answer is one the page documents.
 * CHILD_EXIT is delivered only while a step runs, as the service does.
 */
struct model {
	bool child;                     /* a long step's applet runs */
	bool receiving;                 /* an upload is being received */
	unsigned conn;                  /* whose */
	bool staged;                    /* an image ended whole and is kept */
	enum recovery_image image;
	bool has_metadata;
	bool rebooted;                  /* a reboot returned 0: the board is going down */
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recovery_state s;
	struct model m = { 0 };

	recovery_init(&s);
	for (size_t i = 0; i + 1 < size; i += 2) {
		uint8_t a = data[i], b = data[i + 1];
		struct recovery_event ev = {
			.type = (enum recovery_event_type)(a % (RECOVERY_EV_COUNT + 1)), /* + one unknown request */
			.conn = b & 3u,
			.image = (enum recovery_image)((b >> 2) % 3),
			.has_metadata = b & 0x10,
			.force = b & 0x20,
			.has_sha256 = b & 0x40,
			.exit_code = (b & 0x80) ? (int)(b & 3u) - 1 : 0,
		};
		struct recovery_decision d;

		if (ev.type == RECOVERY_EV_CHILD_EXIT && !m.child)
			continue;
		d = recovery_step(&s, &ev);
		check(d.answer == 200 || d.answer == 202 || d.answer == 400 || d.answer == 409 || d.answer == 422);
		check((d.answer == 400 || d.answer == 409 || d.answer == 422) == (d.why != NULL));
		check((unsigned)s.phase < RECOVERY_PHASE_COUNT);
		if (d.actions & RECOVERY_DO_ACCEPT_UPLOAD)
			check(!m.receiving && !m.child && !m.rebooted);
		if (d.actions & RECOVERY_DO_RUN_FLASH) {
			check(ev.type == RECOVERY_EV_FLASH && m.staged && !m.receiving && !m.child && !m.rebooted);
			check(m.image != RECOVERY_IMAGE_BROKEN);
			if (m.image == RECOVERY_IMAGE_FORCEABLE)
				check(ev.force && (m.has_metadata || ev.has_sha256));
		}
		if (d.actions & (RECOVERY_DO_RUN_FIRSTBOOT | RECOVERY_DO_RUN_REBOOT))
			check(!m.receiving && !m.child && !m.rebooted);
		if (ev.type == RECOVERY_EV_UPLOAD_BEGIN && m.receiving)
			check(d.answer == 409 && !d.actions);
		if (ev.type == RECOVERY_EV_STAGE2 && d.answer == 200)
			check(!m.receiving && !m.child && !m.staged && !m.rebooted && !d.actions);

		/* The model follows what was done. */
		switch (ev.type) {
		case RECOVERY_EV_UPLOAD_BEGIN:
			if (d.actions & RECOVERY_DO_ACCEPT_UPLOAD) {
				m.receiving = true;
				m.conn = ev.conn;
				m.staged = false;
			}
			break;
		case RECOVERY_EV_UPLOAD_DONE:
			if (m.receiving && ev.conn == m.conn) {
				check(s.phase == RECOVERY_STAGED);
				m.receiving = false;
				m.staged = ev.image != RECOVERY_IMAGE_BROKEN;
				m.image = ev.image;
				m.has_metadata = ev.has_metadata;
				check(d.answer == (ev.image == RECOVERY_IMAGE_GOOD ? 200 : 422));
			} else {
				check(d.answer == 409);
			}
			break;
		case RECOVERY_EV_UPLOAD_ABORTED:
			if (m.receiving && ev.conn == m.conn) {
				check(d.actions & RECOVERY_DO_REMOVE_STAGED);
				m.receiving = false;
			}
			break;
		case RECOVERY_EV_CHILD_EXIT:
			m.child = false;
			if (s.phase == RECOVERY_REBOOTING)
				m.rebooted = true;
			break;
		default:
			break;
		}
		if (d.actions & (RECOVERY_DO_RUN_FLASH | RECOVERY_DO_RUN_FIRSTBOOT | RECOVERY_DO_RUN_REBOOT) ||
		    (ev.type == RECOVERY_EV_STAGE2 && d.answer == 200))
			m.child = true;   /* the daemon's flash from RAM is a long step too */
		if (d.actions & RECOVERY_DO_REMOVE_STAGED)
			m.staged = false;
		if (ev.type == RECOVERY_EV_DISCARD && d.answer == 200)
			m.staged = false;
		/* What the page shows agrees with the model. */
		check((s.phase == RECOVERY_RECEIVING) == m.receiving);
		check((s.phase == RECOVERY_WRITING || s.phase == RECOVERY_RESETTING ||
		       (s.phase == RECOVERY_REBOOTING && !m.rebooted)) == m.child);
	}
	return 0;
}
