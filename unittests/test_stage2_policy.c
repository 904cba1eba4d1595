/* unittests/test_stage2_policy.c — the daemon's move into RAM for a flash, as timelines: {ms, event} -> actions, phase, deadline */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stage2_policy.h"

enum { REQ = STAGE2_EV_REQUEST, BUILT = STAGE2_EV_BUILT, TICK = STAGE2_EV_TICK, SWFAIL = STAGE2_EV_SWITCH_FAILED };
enum { REFUSE = STAGE2_DO_REFUSE, BUILD = STAGE2_DO_BUILD, ACCEPT = STAGE2_DO_ACCEPT, TELL = STAGE2_DO_TELL,
       HANDOVER = STAGE2_DO_HANDOVER, STOP = STAGE2_DO_STOP, TERM = STAGE2_DO_TERM, KILL = STAGE2_DO_KILL,
       SWITCH = STAGE2_DO_SWITCH, ABANDON = STAGE2_DO_ABANDON, RESTART = STAGE2_DO_RESTART };

struct row {
	uint64_t ms;
	int type;
	bool failsafe, ok, pid1_holds, handover;
	unsigned holders;
	unsigned actions;               /* want */
	enum stage2_phase phase;        /* want, after */
	int64_t deadline_ms;            /* want: -1 none */
	const char *why;                /* want in why (NULL: none) */
};

static void run(const char *name, const struct row *rows, size_t n)
{
	struct stage2_policy p;

	stage2_init(&p);
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		struct stage2_event ev = { .type = (enum stage2_event_type)r->type, .failsafe = r->failsafe, .ok = r->ok,
					   .pid1_holds = r->pid1_holds, .handover = r->handover, .holders = r->holders };
		struct stage2_decision d = stage2_step(&p, &ev, r->ms);
		int64_t deadline = d.has_deadline ? (int64_t)d.deadline_ms : -1;

		if (d.actions != r->actions || p.phase != r->phase || deadline != r->deadline_ms ||
		    (r->why ? !d.why || !strstr(d.why, r->why) : d.why != NULL))
			fail_msg("%s, row %zu (%llu ms): actions %#x phase %s deadline %lld why \"%s\"; want %#x %s %lld \"%s\"",
				 name, i, (unsigned long long)r->ms, d.actions, stage2_phase_name(p.phase), (long long)deadline,
				 d.why ? d.why : "", r->actions, stage2_phase_name(r->phase), (long long)r->deadline_ms,
				 r->why ? r->why : "");
	}
}

/* failsafed started from the rom, PID 1 elsewhere (an initramfs): tell, stop, TERM, everything gone, switch. */
static void plain(void **s)
{
	static const struct row rows[] = {
		{ 1000, REQ, true, 0, 0, 0, 0, BUILD, STAGE2_BUILDING, -1, NULL },
		{ 1010, BUILT, 0, true, false, false, 0, ACCEPT | TELL, STAGE2_TELLING, 1310, NULL },
		{ 1310, TICK, 0, 0, false, 0, 3, STOP | TERM, STAGE2_STOPPING, 1410, NULL },
		{ 1410, TICK, 0, 0, false, 0, 1, 0, STAGE2_STOPPING, 1510, NULL },
		{ 1510, TICK, 0, 0, false, 0, 0, SWITCH, STAGE2_SWITCHING, -1, NULL },
		/* a second request meanwhile: refused, nothing changes */
		{ 1520, REQ, true, 0, 0, 0, 0, REFUSE, STAGE2_SWITCHING, -1, "already under way" },
	};

	(void)s;
	run("plain", rows, sizeof(rows) / sizeof(rows[0]));
}

/* OpenWrt: procd (PID 1) runs from the rom; preinit waits on /tmp/.failsafe: hand it over, then go on. */
static void openwrt_pid1(void **s)
{
	static const struct row rows[] = {
		{ 0, REQ, true, 0, 0, 0, 0, BUILD, STAGE2_BUILDING, -1, NULL },
		{ 40, BUILT, 0, true, true, true, 0, ACCEPT | TELL, STAGE2_TELLING, 340, NULL },
		{ 200, TICK, 0, 0, true, 0, 0, 0, STAGE2_TELLING, 340, NULL },   /* early: waits for its time */
		{ 340, TICK, 0, 0, true, 0, 0, HANDOVER, STAGE2_HANDOVER, 440, NULL },
		{ 440, TICK, 0, 0, true, 0, 0, 0, STAGE2_HANDOVER, 540, NULL },
		{ 540, TICK, 0, 0, false, 0, 2, STOP | TERM, STAGE2_STOPPING, 640, NULL },
		{ 640, TICK, 0, 0, false, 0, 2, 0, STAGE2_STOPPING, 740, NULL },
		{ 2540, TICK, 0, 0, false, 0, 1, KILL, STAGE2_KILLING, 2640, NULL },   /* 2 s of TERM: KILL */
		{ 2640, TICK, 0, 0, false, 0, 1, 0, STAGE2_KILLING, 2740, NULL },
		{ 3540, TICK, 0, 0, false, 0, 1, SWITCH, STAGE2_SWITCHING, -1, NULL }, /* still one: the RAM run names it */
		{ 3600, SWFAIL, 0, 0, 0, 0, 0, RESTART, STAGE2_IDLE, -1, "moving into RAM failed" },
		{ 3700, REQ, true, 0, 0, 0, 0, BUILD, STAGE2_BUILDING, -1, NULL },      /* and may be asked again */
	};

	(void)s;
	run("openwrt_pid1", rows, sizeof(rows) / sizeof(rows[0]));
}

static void refusals(void **s)
{
	static const struct row not_failsafe[] = {
		{ 0, REQ, false, 0, 0, 0, 0, REFUSE, STAGE2_IDLE, -1, "not in failsafe" },
		{ 5, TICK, 0, 0, 0, 0, 0, 0, STAGE2_IDLE, -1, NULL },
		{ 6, BUILT, 0, true, 0, 0, 0, 0, STAGE2_IDLE, -1, NULL },     /* not asked for: ignored */
	};
	static const struct row no_room[] = {
		{ 0, REQ, true, 0, 0, 0, 0, BUILD, STAGE2_BUILDING, -1, NULL },
		{ 900, BUILT, 0, false, 0, 0, 0, REFUSE, STAGE2_IDLE, -1, "RAM root could not be made" },
	};
	static const struct row pid1_stuck[] = {     /* PID 1 on the rom, no preinit to hand it over: touch nothing */
		{ 0, REQ, true, 0, 0, 0, 0, BUILD, STAGE2_BUILDING, -1, NULL },
		{ 10, BUILT, 0, true, true, false, 0, REFUSE, STAGE2_IDLE, -1, "PID 1 runs from the root" },
	};
	static const struct row pid1_never_moves[] = {
		{ 0, REQ, true, 0, 0, 0, 0, BUILD, STAGE2_BUILDING, -1, NULL },
		{ 0, BUILT, 0, true, true, true, 0, ACCEPT | TELL, STAGE2_TELLING, 300, NULL },
		{ 300, TICK, 0, 0, true, 0, 0, HANDOVER, STAGE2_HANDOVER, 400, NULL },
		{ 15250, TICK, 0, 0, true, 0, 0, 0, STAGE2_HANDOVER, 15300, NULL },   /* the limit, not a poll past it */
		{ 15300, TICK, 0, 0, true, 0, 0, ABANDON, STAGE2_IDLE, -1, "did not; nothing written" },
	};

	(void)s;
	run("not_failsafe", not_failsafe, sizeof(not_failsafe) / sizeof(not_failsafe[0]));
	run("no_room", no_room, sizeof(no_room) / sizeof(no_room[0]));
	run("pid1_stuck", pid1_stuck, sizeof(pid1_stuck) / sizeof(pid1_stuck[0]));
	run("pid1_never_moves", pid1_never_moves, sizeof(pid1_never_moves) / sizeof(pid1_never_moves[0]));
	assert_string_equal(stage2_phase_name(STAGE2_PHASE_COUNT), "?");
	for (int ph = 0; ph < STAGE2_PHASE_COUNT; ph++)
		assert_string_not_equal(stage2_phase_name((enum stage2_phase)ph), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain),
		cmocka_unit_test(openwrt_pid1),
		cmocka_unit_test(refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
