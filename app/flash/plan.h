/* app/flash/plan.h — a flash as ordered steps: what a layout makes of an OpenWrt image on a board; sizes checked (pure) */
#ifndef APP_PLAN_H
#define APP_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "layout.h"
#include "payload.h"

#define PLAN_MAX_STEPS 24
#define PLAN_MAX_ENV (2 + 2 * BOARD_AB_ENV_MAX)
#define PLAN_WHY_BYTES 512
#define PLAN_INVALIDATE_BYTES 4096u     /* nand.sh/emmc.sh: the kernel's first 4 KiB zeroed (8 sectors) */
#define PLAN_EMMC_ALIGN_BYTES 65536u    /* emmc.sh: the overlay after the root, rounded up to 64 KiB (libfstools) */

/* One thing done to the storage. Every write is read back and compared by the one who carries it out. */
enum plan_op {
	PLAN_UBI_ATTACH = 0,    /* attach UBI on MTD part; format it empty when it will not attach (nand.sh) */
	PLAN_UBI_DETACH,        /* detach UBI from MTD part (before a ubiformat) */
	PLAN_UBI_FORMAT,        /* ubiformat MTD part with the ubinized payload, keeping erase counters */
	PLAN_UBI_RMVOL,         /* remove volume (absent: nothing to do) */
	PLAN_UBI_MKVOL,         /* make volume of bytes, or of every free LEB (rest) */
	PLAN_UBI_WRITE,         /* the source into volume (one atomic volume update) */
	PLAN_MTD_INVALIDATE,    /* raw MTD part: its first bytes zeroed, so nothing boots from it */
	PLAN_MTD_WRITE,         /* raw MTD part: the source, erased before, bad blocks skipped */
	PLAN_BLOCK_INVALIDATE,  /* GPT part: bytes of zeros at offset */
	PLAN_BLOCK_WRITE,       /* GPT part: the source at offset; its first 4 KiB written last */
	PLAN_SETTINGS_UBI,      /* the kept settings as sysupgrade.tgz into UBIFS volume (mounted for it) */
	PLAN_SETTINGS_BLOCK,    /* the kept settings' archive raw at offset of GPT part (emmc_copy_config) */
	PLAN_ENV_SET,           /* the bootloader environment: env set and read back (fw_setenv -s) */
	PLAN_BOOTCOUNT_RESET,   /* the board's boot counter in MTD part reset (mtd resetbc) */
	PLAN_OP_COUNT
};

/* Where a write's bytes come from, in the image held in RAM. */
enum plan_src {
	PLAN_SRC_NONE = 0,
	PLAN_SRC_KERNEL,        /* the sysupgrade tar's members */
	PLAN_SRC_ROOT,
	PLAN_SRC_DTB,
	PLAN_SRC_PAYLOAD,       /* the whole payload, inflated when gzip'd, up to its own end (the trailer left out) */
	PLAN_SRC_COUNT
};

struct plan_step {
	enum plan_op op;
	const char *part;               /* MTD partition (UBI_*, MTD_*), GPT partition name (BLOCK_*, SETTINGS_BLOCK) */
	const char *volume;             /* UBI volume (RMVOL, MKVOL, WRITE, SETTINGS_UBI) */
	enum plan_src src;
	uint64_t bytes;                 /* MKVOL: its size; INVALIDATE: how many; a write: the source's length */
	bool rest;                      /* MKVOL: every free LEB */
	uint64_t offset_bytes;          /* BLOCK_*, SETTINGS_BLOCK */
	uint32_t peb_bytes;             /* UBI_FORMAT: the erase block the image was made for (0: unknown) */
	char selector[96];              /* ENV_SET: the selector's "name=value" */
	const char *env[PLAN_MAX_ENV];  /* ENV_SET: more "name=value" (the slot's own, then what follows), NULL-ended */
};

struct plan {
	enum layout_handler handler;
	int slot;                       /* dual firmware: the slot written (0 or 1); -1 for other boards */
	unsigned n;
	struct plan_step step[PLAN_MAX_STEPS];
};

/* What the plan is made from. */
struct plan_input {
	const struct board *board;
	const struct payload_id *payload;
	uint64_t payload_bytes;         /* without the fwtool trailer */
	enum layout_handler handler;    /* from layout_decide */
	bool root_is_ubifs;             /* NAND tar: the root member is UBIFS (it then takes all the space) */
	bool keep_settings;             /* settings saved: where they go is a step */
	int running_slot;               /* dual firmware: the slot running now (0, 1), -1 unknown */
	bool stay_on_slot;              /* dual firmware: write the running slot (sysupgrade -s) */
};

/*
 * The steps, in OpenWrt's order (lib/upgrade/nand.sh nand_upgrade_tar and
 * nand_upgrade_prepare_ubi, nand_upgrade_ubinized, nand_upgrade_ubifs,
 * nand_upgrade_fit; emmc.sh emmc_upgrade_tar, emmc_upgrade_fit,
 * emmc_copy_config): a kernel is made unbootable before anything else is
 * touched and written last, so a cut leaves no bootable kernel beside a
 * root that does not match it; rootfs_data is made last, empty, with what
 * is left. Dual firmware: the other slot (or with stay_on_slot the running
 * one), then the bootloader's environment, then the boot counter. 0, or
 * -EINVAL (handler not a layout's; a tar with neither kernel nor root; a
 * dual-firmware board whose running slot is unknown) with why.
 */
int plan_make(const struct plan_input *in, struct plan *out, char *why, size_t why_size);

/*
 * What holds a partition or a UBI volume, so that rewriting it now would pull the ground from under whatever uses
 * it: in failsafe on a NAND or eMMC board that is the running root itself (the squashfs on a ubiblock of the rootfs
 * volume, or on the eMMC rootfs partition), which failsafed, its shells and PID 1 execute from.
 */
enum plan_hold_kind {
	PLAN_HOLD_NONE = 0,
	PLAN_HOLD_MOUNTED,      /* a filesystem on it (or on its ubiblock or mtdblock) is mounted */
	PLAN_HOLD_LOOP,         /* a loop device reads it (fstools' rootfs_data after the root, a mounted image) */
	PLAN_HOLD_STACKED,      /* device-mapper or md is stacked on it (its sysfs holders) */
	PLAN_HOLD_UBI,          /* MTD: UBI is attached to it, and the step writes it raw */
	PLAN_HOLD_OPEN,         /* a process has its device open */
	PLAN_HOLD_BUSY,         /* the kernel refuses an exclusive open, and no mount or process says why */
	PLAN_HOLD_KIND_COUNT
};

struct plan_hold {
	enum plan_hold_kind kind;
	bool stage2;            /* stage2 lets it go: the running root, what hangs off it, processes it stops */
	const char *by;         /* for people: "ubiblock0_1 is mounted at / (squashfs)", "pid 512 (sh) has /dev/ubi0_2 open" */
};

/* What the storage holds before anything is written, as the writer found it. */
#define PLAN_MAX_PARTS 8
#define PLAN_MAX_VOLS 32
#define PLAN_FACTS_TEXT_BYTES 4096
struct plan_facts {
	unsigned n_parts;
	struct plan_part {
		const char *name;       /* as in the steps */
		bool found;
		bool ubi_attached;      /* UBI parts: attached now (or attachable) */
		uint64_t bytes;         /* the partition's size */
		uint32_t erase_bytes;   /* MTD: erase block */
		uint32_t leb_bytes;     /* UBI: LEB size */
		uint32_t avail_lebs;    /* UBI: free now */
		struct plan_hold hold;  /* the partition itself (its block device, mtdblock, MTD device) */
		unsigned n_vols;        /* UBI: the volumes the plan removes, and every volume something holds */
		struct { const char *name; uint32_t lebs; struct plan_hold hold; } vol[PLAN_MAX_VOLS];
	} part[PLAN_MAX_PARTS];
	/*
	 * The flash runs after stage2 (the root moved into RAM, the old one let go): holds it releases do not
	 * count. false: every hold refuses the step that would remove, format or write what it holds.
	 */
	bool stage2;
	char text[PLAN_FACTS_TEXT_BYTES];   /* storage for names and holders the facts point to */
	size_t text_used;
};

/* Keep a copy of s in the facts' own storage: the copy, or "" when it is full. */
const char *plan_facts_keep(struct plan_facts *f, const char *s);

/* The facts for part name, or NULL. */
const struct plan_part *plan_facts_part(const struct plan_facts *f, const char *name);

/*
 * Whether the plan fits the storage, walked step by step as it would run:
 * every partition found, the UBI volumes' LEBs after the removals, a
 * ubinized image made for this erase size and no larger than the
 * partition, each write within its partition; and that nothing holds what
 * a step removes, formats or writes (a mounted root, a loop, an open
 * device: with f->stage2, only holds stage2 cannot release count). 0, or
 * -ENOSPC/-ENODEV/-EINVAL, or -EBUSY, with one line in why naming the step,
 * the sizes or the target and what holds it. The sizes of a step are
 * checked before its holds: an image that cannot fit is refused as such.
 */
int plan_check(const struct plan *p, const struct plan_facts *f, char *why, size_t why_size);

/*
 * plan_check first as things are; a plan refused only for holds that
 * stage2 releases (the running root, what hangs off it) is checked again as
 * it would run from RAM. 0 with *stage2 false (write now), or 0 with
 * *stage2 true (only after stage2; why then names what holds the first
 * target, for people), or the refusal as it would run from RAM: a hold
 * stage2 cannot release (-EBUSY), or a size (-ENOSPC ...).
 */
int plan_check_stage2(const struct plan *p, struct plan_facts *f, bool *stage2, char *why, size_t why_size);

/* "mounted", "loop", "stacked", "ubi", "open", "busy"; "" for none. */
const char *plan_hold_name(enum plan_hold_kind k);

/* "remove UBI volume kernel (ubi0)" ...: one step for people. */
void plan_step_text(const struct plan_step *s, char *buf, size_t n);
/* "ubi-attach" ... */
const char *plan_op_name(enum plan_op op);
/* "kernel", "root", "dtb", "payload"; "" for none. */
const char *plan_src_name(enum plan_src src);

#endif /* APP_PLAN_H */
