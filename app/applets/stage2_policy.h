/* app/applets/stage2_policy.h — how the daemon moves into RAM for a flash of the storage it runs from (pure) */
#ifndef APP_STAGE2_POLICY_H
#define APP_STAGE2_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * OpenWrt's stage2 (lib/upgrade/stage2: kill_remaining TERM, KILL; switch_to_ramfs)
 * as a timeline the daemon's glue carries out, failsafe kept. A request is
 * refused unless the daemon is in failsafe and nothing else is flashing from
 * RAM; the glue then builds the RAM root. If PID 1 runs from the root being
 * let go it must be handed over first (OpenWrt's preinit protocol: procd
 * execs the RAM root's /sbin/upgraded), else the request is refused: nothing
 * has been touched. Then the terminals are told, the services stopped, what
 * still holds the root is sent TERM, then KILL, and the daemon moves into RAM.
 */
enum stage2_phase {
	STAGE2_IDLE = 0,
	STAGE2_BUILDING,        /* accepted: the glue builds the RAM root */
	STAGE2_TELLING,         /* the lines are on the terminals: a moment for telnet and SSH to carry them */
	STAGE2_HANDOVER,        /* PID 1 asked to move into RAM: waiting until it no longer runs from the root */
	STAGE2_STOPPING,        /* services stopped, TERM sent to what holds the root: waiting for it to go */
	STAGE2_KILLING,         /* KILL sent to the rest */
	STAGE2_SWITCHING,       /* into RAM and exec: the daemon's successor goes on there */
	STAGE2_PHASE_COUNT
};

enum stage2_event_type {
	STAGE2_EV_REQUEST = 0,  /* a sysupgrade hands a flash over: .failsafe */
	STAGE2_EV_BUILT,        /* the RAM root: .ok, .pid1_holds, .handover */
	STAGE2_EV_TICK,         /* the deadline came: .pid1_holds (HANDOVER), .holders (STOPPING, KILLING) */
	STAGE2_EV_SWITCH_FAILED,/* moving into RAM or the exec failed: the daemon is still where it was */
	STAGE2_EV_COUNT
};

struct stage2_event {
	enum stage2_event_type type;
	bool failsafe;          /* REQUEST: the daemon is in failsafe */
	bool ok;                /* BUILT: the RAM root is complete */
	bool pid1_holds;        /* BUILT, TICK: PID 1 runs from (or keeps open) the root being let go */
	bool handover;          /* BUILT: OpenWrt's preinit waits on /tmp/.failsafe for a sysupgrade: PID 1 can move */
	unsigned holders;       /* TICK: processes that still hold the root */
};

enum {
	STAGE2_DO_REFUSE = 1u << 0,     /* answer the request with why; nothing was touched */
	STAGE2_DO_BUILD = 1u << 1,      /* build the RAM root, then BUILT */
	STAGE2_DO_ACCEPT = 1u << 2,     /* answer "ok" */
	STAGE2_DO_TELL = 1u << 3,       /* a line on the consoles and on each terminal of the daemon's shells */
	STAGE2_DO_HANDOVER = 1u << 4,   /* /tmp/sysupgrade written, preinit's lock let go: procd execs upgraded */
	STAGE2_DO_STOP = 1u << 5,       /* stop the services: shells, telnet, SSH, the page, the control socket */
	STAGE2_DO_TERM = 1u << 6,       /* SIGTERM to what still holds the root */
	STAGE2_DO_KILL = 1u << 7,       /* SIGKILL to it */
	STAGE2_DO_SWITCH = 1u << 8,     /* into RAM (pivot_root), exec the RAM copy with --stage2 */
	STAGE2_DO_ABANDON = 1u << 9,    /* given up before anything was stopped: say why; failsafe goes on as it was */
	STAGE2_DO_RESTART = 1u << 10,   /* the switch failed after the services stopped: start them again */
};

#define STAGE2_TELL_MS 300u         /* for telnet and SSH to carry the line before the sessions close */
#define STAGE2_POLL_MS 100u
#define STAGE2_HANDOVER_MS 15000u   /* procd kills plugd, preinit's shell exits, procd execs upgraded */
#define STAGE2_TERM_MS 2000u        /* OpenWrt's stage2 waits 4 s; what is gone sooner is not waited for */
#define STAGE2_KILL_MS 1000u

struct stage2_policy {
	enum stage2_phase phase;
	bool pid1_holds;
	uint64_t until_ms;              /* the phase's time limit */
};

struct stage2_decision {
	unsigned actions;
	bool has_deadline;
	uint64_t deadline_ms;           /* the next TICK */
	const char *why;                /* REFUSE, ABANDON, RESTART: one line */
};

void stage2_init(struct stage2_policy *p);
struct stage2_decision stage2_step(struct stage2_policy *p, const struct stage2_event *ev, uint64_t now_ms);
/* "idle", "building", "telling", "handover", "stopping", "killing", "switching"; "?" out of range. */
const char *stage2_phase_name(enum stage2_phase ph);

#endif /* APP_STAGE2_POLICY_H */
