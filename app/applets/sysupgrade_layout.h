/* app/applets/sysupgrade_layout.h — sysupgrade for NAND/UBI, eMMC and dual-firmware boards: plan, check, show, write */
#ifndef APP_SYSUPGRADE_LAYOUT_H
#define APP_SYSUPGRADE_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "layout.h"
#include "plan.h"
#include "ramroot.h"
#include "receive.h"
#include "rootfs.h"

/* Exit codes this part adds to sysupgrade's (see its --help). */
enum {
	SL_OK = 0,
	SL_WRITE_FAILED = 1,            /* a step failed part way: the message says what is left */
	SL_NO_STORAGE = 3,              /* a partition of the layout is missing on this system */
	SL_TOO_LARGE = 6,               /* the image does not fit the board's storage: nothing written */
	SL_SLOT_UNKNOWN = 42,           /* dual firmware: which slot runs is unknown: nothing written */
	SL_STAGE2 = STAGE2_EXIT_HANDED_OVER, /* the storage holds the running root: the flash goes on from RAM */
	SL_BUSY = STAGE2_EXIT_IN_USE,   /* what a step would write is in use (mounted, open): nothing written */
};

/* The most a layout board's storage can take, for the receive cap (the layout's partitions found, summed); 0: unknown. */
uint64_t sysupgrade_layout_cap(const struct board *b, const char *disk);

struct sysupgrade_layout {
	const struct board *board;
	const struct received *in;      /* the verified image, in RAM */
	enum layout_handler handler;
	bool keep_settings;             /* the plan carries settings (archive, or -T with settings kept) */
	const char *archive;            /* the saved settings (.tar.gz), or NULL */
	bool stay_on_slot;              /* -s */
	const char *disk;               /* --disk: GPT partitions only on this disk; NULL: the board's, else any */
	bool quiet, machine;            /* progress: none, or "progress STEP DONE TOTAL" lines on stderr */
	bool from_ram;                  /* run by failsafed from RAM after stage2: the old root is being let go */
	char stage2_why[PLAN_WHY_BYTES];/* SL_STAGE2: what holds the storage now, for people */
	unsigned n_tools;               /* SL_STAGE2: the programs the plan runs (for the RAM root) */
	const char *tool[4];
};

/*
 * Make the plan for the image on this board, look at the storage (nothing
 * written), check that it fits, and print it ("Plan: ..." one line per
 * step). SL_OK with *p filled; SL_STAGE2 (with stage2_why and the tools)
 * when it can only be written from RAM, because what it writes holds the
 * running root; else the exit code, with one line on stderr naming why
 * (too large, a missing partition, an unknown running slot, in use). From
 * RAM (from_ram), holds the old root left are waited for a moment (a lazy
 * unmount lets go when its last user has), then refused (SL_BUSY).
 */
int sysupgrade_layout_prepare(struct sysupgrade_layout *l, struct plan *p);

/* Carry the plan out, every write read back; progress on stderr. SL_OK or SL_WRITE_FAILED with one line. */
int sysupgrade_layout_write(const struct sysupgrade_layout *l, const struct plan *p);

#endif /* APP_SYSUPGRADE_LAYOUT_H */
