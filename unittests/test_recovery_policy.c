/* unittests/test_recovery_policy.c — the recovery page's decisions as timelines: event → answer, actions, phase */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "recovery_policy.h"

#define UP(c) { .type = RECOVERY_EV_UPLOAD_BEGIN, .conn = (c) }
#define DONE(c, img, meta) { .type = RECOVERY_EV_UPLOAD_DONE, .conn = (c), .image = (img), .has_metadata = (meta) }
#define ABORT(c) { .type = RECOVERY_EV_UPLOAD_ABORTED, .conn = (c) }
#define FLASH(f, sha) { .type = RECOVERY_EV_FLASH, .force = (f), .has_sha256 = (sha) }
#define EXIT(code) { .type = RECOVERY_EV_CHILD_EXIT, .exit_code = (code) }
#define RESET { .type = RECOVERY_EV_FIRSTBOOT }
#define REBOOT { .type = RECOVERY_EV_REBOOT }
#define DISCARD { .type = RECOVERY_EV_DISCARD }
#define STAGE2 { .type = RECOVERY_EV_STAGE2 }

enum { ACC = RECOVERY_DO_ACCEPT_UPLOAD, RM = RECOVERY_DO_REMOVE_STAGED, WR = RECOVERY_DO_RUN_FLASH,
       FB = RECOVERY_DO_RUN_FIRSTBOOT, RB = RECOVERY_DO_RUN_REBOOT };

struct row {
	struct recovery_event ev;
	int answer;
	unsigned actions;
	enum recovery_phase phase;
	bool staged_file;
};

static void run(const char *name, const struct row *rows, size_t n)
{
	struct recovery_state s;

	recovery_init(&s);
	for (size_t i = 0; i < n; i++) {
		struct recovery_decision d = recovery_step(&s, &rows[i].ev);

		if (d.answer != rows[i].answer || d.actions != rows[i].actions || s.phase != rows[i].phase ||
		    s.staged_file != rows[i].staged_file)
			fail_msg("%s, row %zu: answer %d actions %#x phase %s file %d; want %d %#x %s %d", name, i,
				 d.answer, d.actions, recovery_phase_name(s.phase), s.staged_file, rows[i].answer,
				 rows[i].actions, recovery_phase_name(rows[i].phase), rows[i].staged_file);
		/* Every refusal says why in one line; nothing else does. */
		if ((d.answer >= 400) != (d.why != NULL))
			fail_msg("%s, row %zu: answer %d with why \"%s\"", name, i, d.answer, d.why ? d.why : "(none)");
	}
}

#define RUN(rows) run(#rows, rows, sizeof(rows) / sizeof(rows[0]))

static void upload_and_flash(void **state)
{
	(void)state;
	static const struct row rows[] = {
		{ FLASH(false, false), 409, 0, RECOVERY_IDLE, false },                 /* nothing uploaded */
		{ UP(1), 200, ACC, RECOVERY_RECEIVING, true },
		{ UP(2), 409, 0, RECOVERY_RECEIVING, true },                          /* one upload at a time */
		{ FLASH(false, false), 409, 0, RECOVERY_RECEIVING, true },             /* not finished */
		{ RESET, 409, 0, RECOVERY_RECEIVING, true },
		{ REBOOT, 409, 0, RECOVERY_RECEIVING, true },
		{ DONE(2, RECOVERY_IMAGE_GOOD, true), 409, 0, RECOVERY_RECEIVING, true }, /* not its upload */
		{ DONE(1, RECOVERY_IMAGE_GOOD, true), 200, 0, RECOVERY_STAGED, true },
		{ FLASH(false, false), 202, WR, RECOVERY_WRITING, true },
		{ UP(3), 409, 0, RECOVERY_WRITING, true },                            /* not while writing */
		{ FLASH(false, false), 409, 0, RECOVERY_WRITING, true },
		{ REBOOT, 409, 0, RECOVERY_WRITING, true },                           /* never while writing */
		{ EXIT(0), 200, RM, RECOVERY_DONE, false },
		{ FLASH(false, false), 409, 0, RECOVERY_DONE, false },                 /* written once */
		{ REBOOT, 202, RB, RECOVERY_REBOOTING, false },
		{ UP(4), 409, 0, RECOVERY_REBOOTING, false },
	};
	RUN(rows);
}

static void refused_images(void **state)
{
	(void)state;
	static const struct row rows[] = {
		{ UP(1), 200, ACC, RECOVERY_RECEIVING, true },
		{ DONE(1, RECOVERY_IMAGE_BROKEN, true), 422, RM, RECOVERY_STAGED, false }, /* removed at once */
		{ FLASH(true, true), 409, 0, RECOVERY_STAGED, false },                /* not even forced */
		{ UP(2), 200, ACC, RECOVERY_RECEIVING, true },
		{ DONE(2, RECOVERY_IMAGE_FORCEABLE, true), 422, 0, RECOVERY_STAGED, true },
		{ FLASH(false, false), 409, 0, RECOVERY_STAGED, true },               /* needs force */
		{ FLASH(true, false), 202, WR, RECOVERY_WRITING, true },
		{ EXIT(8), 200, RM, RECOVERY_FAILED, false },                         /* read-back differed */
		{ UP(3), 200, ACC, RECOVERY_RECEIVING, true },
		{ DONE(3, RECOVERY_IMAGE_FORCEABLE, false), 422, 0, RECOVERY_STAGED, true }, /* no metadata */
		{ FLASH(true, false), 409, 0, RECOVERY_STAGED, true },                /* force needs the sha256 */
		{ FLASH(true, true), 202, WR, RECOVERY_WRITING, true },
		{ EXIT(-1), 200, RM, RECOVERY_FAILED, false },                        /* killed */
	};
	RUN(rows);
}

static void aborted_and_replaced(void **state)
{
	(void)state;
	static const struct row rows[] = {
		{ UP(1), 200, ACC, RECOVERY_RECEIVING, true },
		{ ABORT(2), 200, 0, RECOVERY_RECEIVING, true },                       /* someone else's */
		{ ABORT(1), 200, RM, RECOVERY_IDLE, false },                          /* nothing left behind */
		{ DONE(1, RECOVERY_IMAGE_GOOD, true), 409, 0, RECOVERY_IDLE, false },
		{ UP(2), 200, ACC, RECOVERY_RECEIVING, true },
		{ DONE(2, RECOVERY_IMAGE_GOOD, true), 200, 0, RECOVERY_STAGED, true },
		{ UP(3), 200, ACC | RM, RECOVERY_RECEIVING, true },                   /* replaces the staged one */
		{ DONE(3, RECOVERY_IMAGE_GOOD, true), 200, 0, RECOVERY_STAGED, true },
		{ DISCARD, 200, RM, RECOVERY_IDLE, false },
		{ DISCARD, 200, 0, RECOVERY_IDLE, false },
	};
	RUN(rows);
}

static void reset_and_reboot(void **state)
{
	(void)state;
	static const struct row rows[] = {
		{ UP(1), 200, ACC, RECOVERY_RECEIVING, true },
		{ DONE(1, RECOVERY_IMAGE_GOOD, true), 200, 0, RECOVERY_STAGED, true },
		{ RESET, 202, FB, RECOVERY_RESETTING, true },
		{ RESET, 409, 0, RECOVERY_RESETTING, true },
		{ FLASH(false, false), 409, 0, RECOVERY_RESETTING, true },
		{ EXIT(0), 200, 0, RECOVERY_STAGED, true },                           /* back where it was */
		{ FLASH(false, false), 202, WR, RECOVERY_WRITING, true },
		{ RESET, 409, 0, RECOVERY_WRITING, true },
		{ EXIT(1), 200, RM, RECOVERY_FAILED, false },
		{ REBOOT, 202, RB, RECOVERY_REBOOTING, false },
		{ EXIT(1), 200, 0, RECOVERY_FAILED, false },                          /* reboot failed: usable again */
		{ REBOOT, 202, RB, RECOVERY_REBOOTING, false },
		{ EXIT(0), 200, 0, RECOVERY_REBOOTING, false },
		{ RESET, 409, 0, RECOVERY_REBOOTING, false },
	};
	RUN(rows);
}

/* The daemon's successor in RAM runs the flash a sysupgrade handed over: its fresh page shows it as its write. */
static void flash_from_ram(void **state)
{
	(void)state;
	static const struct row ok[] = {
		{ STAGE2, 200, 0, RECOVERY_WRITING, false },
		{ UP(1), 409, 0, RECOVERY_WRITING, false },                           /* nothing else meanwhile */
		{ FLASH(false, false), 409, 0, RECOVERY_WRITING, false },
		{ REBOOT, 409, 0, RECOVERY_WRITING, false },
		{ STAGE2, 409, 0, RECOVERY_WRITING, false },
		{ EXIT(0), 200, RM, RECOVERY_DONE, false },
		{ REBOOT, 202, RB, RECOVERY_REBOOTING, false },                      /* what the daemon then does */
	};
	static const struct row failed[] = {
		{ STAGE2, 200, 0, RECOVERY_WRITING, false },
		{ EXIT(1), 200, RM, RECOVERY_FAILED, false },
		{ STAGE2, 409, 0, RECOVERY_FAILED, false },                           /* one per page */
		{ UP(1), 200, ACC, RECOVERY_RECEIVING, true },                        /* flash again */
	};
	static const struct row busy[] = {
		{ UP(1), 200, ACC, RECOVERY_RECEIVING, true },
		{ STAGE2, 409, 0, RECOVERY_RECEIVING, true },
		{ DONE(1, RECOVERY_IMAGE_GOOD, true), 200, 0, RECOVERY_STAGED, true },
		{ STAGE2, 409, 0, RECOVERY_STAGED, true },
	};
	RUN(ok);
	RUN(failed);
	RUN(busy);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(recovery_phase_name(RECOVERY_IDLE), "idle");
	assert_string_equal(recovery_phase_name(RECOVERY_REBOOTING), "rebooting");
	assert_string_equal(recovery_phase_name(RECOVERY_PHASE_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(upload_and_flash),
		cmocka_unit_test(refused_images),
		cmocka_unit_test(aborted_and_replaced),
		cmocka_unit_test(reset_and_reboot),
		cmocka_unit_test(flash_from_ram),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
