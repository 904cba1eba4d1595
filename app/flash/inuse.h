/* app/flash/inuse.h — what holds a block device, an MTD partition or a UBI volume: mounts, loops, stacked devices, processes */
#ifndef APP_INUSE_H
#define APP_INUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "plan.h"

#define INUSE_MOUNTINFO_BYTES 65536

/* The mount table, read once for a round of questions. */
struct inuse {
	char mountinfo[INUSE_MOUNTINFO_BYTES];
	pid_t self;                     /* not counted as a holder (the caller's own fds are its business) */
};

/* Read /proc/self/mountinfo. 0, or -errno with why. */
int inuse_load(struct inuse *u, char *why, size_t why_size);

/*
 * A block device (a GPT partition, a ubiblock, an mtdblock) with device
 * number dev and kernel name name ("vda2", "ubiblock0_1"): mounted (also
 * when only the kernel still knows: an exclusive open is refused), read by
 * a loop device, stacked under device-mapper or md, or open by a process.
 * The first found goes into h, its text kept in f.
 */
void inuse_block(const struct inuse *u, dev_t dev, const char *name, struct plan_hold *h, struct plan_facts *f);

/*
 * An MTD partition number mtd_num written raw: its mtdblock mounted or
 * open, its character device open, or UBI attached to it (raw: a write
 * would destroy the UBI under it; for UBI steps pass raw false).
 */
void inuse_mtd(const struct inuse *u, int mtd_num, bool raw, struct plan_hold *h, struct plan_facts *f);

/*
 * UBI volume vol_id ("name") of ubi device ubi_num: UBIFS on it mounted,
 * its ubiblock in use (an unused ubiblock is no hold: the removal takes it
 * first), its character device open, or the kernel refusing a writer.
 */
void inuse_ubi_volume(const struct inuse *u, int ubi_num, int vol_id, const char *name, struct plan_hold *h,
		      struct plan_facts *f);

/*
 * The filesystems the running root is made of: every mount that stage2 lets
 * go (mountinfo_moves_to_ram() false), as device numbers (st_dev). Up to max;
 * the number found.
 */
unsigned inuse_root_devs(const struct inuse *u, dev_t *devs, unsigned max);

/*
 * Whether process pid uses a file of one of the filesystems devs (its
 * program, a mapped library, its cwd or root, an open file): what it uses,
 * for people ("/bin/busybox (its program)"), in what. false for a process
 * that is gone or a kernel thread.
 */
bool inuse_process_uses(pid_t pid, const dev_t *devs, unsigned n, char *what, size_t what_size);

/* The process's name (comm) into name ("?" when it is gone). */
void inuse_process_name(pid_t pid, char *name, size_t size);

#endif /* APP_INUSE_H */
