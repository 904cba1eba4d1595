/* app/applets/stage2_policy.c — the daemon's move into RAM for a flash, as a timeline of decisions (pure) */
#include "stage2_policy.h"

#include <stddef.h>

void stage2_init(struct stage2_policy *p)
{
	*p = (struct stage2_policy){ .phase = STAGE2_IDLE };
}

const char *stage2_phase_name(enum stage2_phase ph)
{
	static const char *const names[STAGE2_PHASE_COUNT] = {
		[STAGE2_IDLE] = "idle", [STAGE2_BUILDING] = "building", [STAGE2_TELLING] = "telling",
		[STAGE2_HANDOVER] = "handover", [STAGE2_STOPPING] = "stopping", [STAGE2_KILLING] = "killing",
		[STAGE2_SWITCHING] = "switching",
	};

	return (unsigned)ph < STAGE2_PHASE_COUNT ? names[ph] : "?";
}

static struct stage2_decision act(unsigned actions, const char *why)
{
	return (struct stage2_decision){ .actions = actions, .why = why };
}

static struct stage2_decision at(struct stage2_decision d, uint64_t deadline_ms)
{
	d.has_deadline = true;
	d.deadline_ms = deadline_ms;
	return d;
}

/* The next poll, or the phase's limit when that comes first. */
static uint64_t poll(const struct stage2_policy *p, uint64_t now_ms)
{
	return now_ms + STAGE2_POLL_MS < p->until_ms ? now_ms + STAGE2_POLL_MS : p->until_ms;
}

static struct stage2_decision stop(struct stage2_policy *p, uint64_t now_ms)
{
	p->phase = STAGE2_STOPPING;
	p->until_ms = now_ms + STAGE2_TERM_MS;
	return at(act(STAGE2_DO_STOP | STAGE2_DO_TERM, NULL), poll(p, now_ms));
}

static struct stage2_decision built(struct stage2_policy *p, const struct stage2_event *ev, uint64_t now_ms)
{
	if (!ev->ok) {
		p->phase = STAGE2_IDLE;
		return act(STAGE2_DO_REFUSE, "the RAM root could not be made");
	}
	if (ev->pid1_holds && !ev->handover) {
		p->phase = STAGE2_IDLE;
		return act(STAGE2_DO_REFUSE, "PID 1 runs from the root being replaced and nothing can move it into RAM "
			   "(no OpenWrt preinit waits for a sysupgrade): flash from an initramfs");
	}
	p->pid1_holds = ev->pid1_holds;
	p->phase = STAGE2_TELLING;
	p->until_ms = now_ms + STAGE2_TELL_MS;
	return at(act(STAGE2_DO_ACCEPT | STAGE2_DO_TELL, NULL), p->until_ms);
}

static struct stage2_decision tick(struct stage2_policy *p, const struct stage2_event *ev, uint64_t now_ms)
{
	switch (p->phase) {
	case STAGE2_TELLING:
		if (now_ms < p->until_ms)
			return at(act(0, NULL), p->until_ms);
		if (!p->pid1_holds)
			return stop(p, now_ms);
		p->phase = STAGE2_HANDOVER;
		p->until_ms = now_ms + STAGE2_HANDOVER_MS;
		return at(act(STAGE2_DO_HANDOVER, NULL), poll(p, now_ms));
	case STAGE2_HANDOVER:
		if (!ev->pid1_holds)
			return stop(p, now_ms);
		if (now_ms >= p->until_ms) {
			p->phase = STAGE2_IDLE;
			return act(STAGE2_DO_ABANDON, "PID 1 still runs from the root being replaced: it was asked to move "
				   "into RAM (OpenWrt's /tmp/sysupgrade) and did not; nothing written");
		}
		return at(act(0, NULL), poll(p, now_ms));
	case STAGE2_STOPPING:
		if (!ev->holders) {
			p->phase = STAGE2_SWITCHING;
			return act(STAGE2_DO_SWITCH, NULL);
		}
		if (now_ms < p->until_ms)
			return at(act(0, NULL), poll(p, now_ms));
		p->phase = STAGE2_KILLING;
		p->until_ms = now_ms + STAGE2_KILL_MS;
		return at(act(STAGE2_DO_KILL, NULL), poll(p, now_ms));
	case STAGE2_KILLING:
		/* What is still there after KILL (a process in the kernel's D state) is named by the flash from RAM,
		 * which checks the storage again before writing: the move goes on. */
		if (ev->holders && now_ms < p->until_ms)
			return at(act(0, NULL), poll(p, now_ms));
		p->phase = STAGE2_SWITCHING;
		return act(STAGE2_DO_SWITCH, NULL);
	default:
		return act(0, NULL);
	}
}

struct stage2_decision stage2_step(struct stage2_policy *p, const struct stage2_event *ev, uint64_t now_ms)
{
	switch (ev->type) {
	case STAGE2_EV_REQUEST:
		if (p->phase != STAGE2_IDLE)
			return act(STAGE2_DO_REFUSE, "a flash from RAM is already under way");
		if (!ev->failsafe)
			return act(STAGE2_DO_REFUSE, "the daemon is not in failsafe");
		p->phase = STAGE2_BUILDING;
		return act(STAGE2_DO_BUILD, NULL);
	case STAGE2_EV_BUILT:
		if (p->phase != STAGE2_BUILDING)
			return act(0, NULL);
		return built(p, ev, now_ms);
	case STAGE2_EV_TICK:
		return tick(p, ev, now_ms);
	case STAGE2_EV_SWITCH_FAILED:
		if (p->phase != STAGE2_SWITCHING)
			return act(0, NULL);
		p->phase = STAGE2_IDLE;
		return act(STAGE2_DO_RESTART, "moving into RAM failed: failsafe goes on from the root as it was; "
			   "nothing written");
	default:
		return act(0, NULL);
	}
}
