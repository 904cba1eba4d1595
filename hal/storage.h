/* hal/storage.h — flash and disk volumes (block, MTD, UBI, file): find one by name, write it safely, erase it */
#ifndef HAL_STORAGE_H
#define HAL_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"

#define STORAGE_PATH_BYTES 160
#define STORAGE_WHY_BYTES 256

/* A volume found on this system. */
struct storage_volume {
	enum board_storage_kind kind;
	char name[64];                  /* as configured: "rootfs_data", "/dev/loop3" */
	char dev[STORAGE_PATH_BYTES];   /* what is read and written: /dev/mtd3, /dev/ubi0_1, /dev/loop3, a file */
	char mount_dev[STORAGE_PATH_BYTES]; /* what mount(2) takes: /dev/mtdblock3, /dev/ubi0_1, /dev/loop3 */
	char fs_hint[16];               /* the filesystem the medium implies: "jffs2" (MTD), "ubifs" (UBI), "" */
	uint64_t size_bytes;
	uint64_t offset_bytes;          /* ROOTDISK: where the volume starts on dev (after the squashfs); else 0 */
	uint32_t erase_bytes;           /* MTD: the erase block; else 0 */
	uint32_t page_bytes;            /* MTD: the write unit (NAND page; 1 on NOR); else 0 */
	bool nand;                      /* MTD NAND: bad blocks are skipped */
	bool read_only;                 /* write-protected medium, read-only partition */
	/* MTD partitions: which flash chip (its sysfs place) and where on it, absolute. "" when unknown. */
	char mtd_chip[STORAGE_PATH_BYTES];
	uint64_t mtd_offset_bytes;
	int hold_fd;                    /* after hal_storage_mount_source(): close once mounted (-1: none) */
};

/* Told how far a long write or read-back has come. */
typedef void (*storage_progress_cb)(void *ctx, uint64_t done_bytes, uint64_t total_bytes);

/*
 * Find the volume v names (a relative FILE name is taken below base_dir).
 * 0, or -ENOENT/-ENODEV/-errno with a one-line reason naming what is
 * missing and what exists instead (partitions, volumes) in why.
 */
int hal_storage_find(const struct board_volume *v, const char *base_dir, struct storage_volume *out, char *why);

/*
 * Whether inner lies inside outer on the same flash chip (OpenWrt's NOR
 * layouts: rootfs_data split off the firmware partition); *at_bytes is
 * then its offset within outer.
 */
bool hal_storage_contains(const struct storage_volume *outer, const struct storage_volume *inner, uint64_t *at_bytes);

/*
 * Parse a volume given on a command line: "mtd:NAME", "ubi:NAME",
 * "PARTLABEL=NAME" (optionally "PARTLABEL=NAME@DISK": only partitions of
 * that disk, e.g. mmcblk0 or loop3), "file:PATH", "rootdisk:SPEC" (the
 * space after the squashfs on the partition SPEC names), or a path (a block
 * device or a file).
 * 0, or -EINVAL with why.
 */
int hal_storage_parse(const char *text, struct board_volume *out, char *why);

/*
 * Replace the volume's content with the len bytes at data (the verified
 * image, mapped from RAM): MTD blocks are erased before they are written, and bad
 * NAND blocks skipped; a UBI volume is updated as one (UBI_IOCVOLUP); a block
 * device (or a file) is written past the page cache (O_DIRECT) where data,
 * the volume's offset and the filesystem allow it; data is synced before
 * returning. erase_rest: erase (MTD) the blocks past the
 * data too. 0, or -errno with why (nothing said about the state left).
 */
int hal_storage_write(const struct storage_volume *v, const void *data, uint64_t len, bool erase_rest,
		      storage_progress_cb progress, void *ctx, char *why);

/*
 * Write buf at offset, synced: a block device or file anywhere; MTD only into
 * blocks already erased (NOR anywhere, NAND whole pages at page boundaries).
 * 0 or -errno with why.
 */
int hal_storage_write_at(const struct storage_volume *v, uint64_t offset_bytes, const void *buf, size_t len,
			 char *why);

/* Read len bytes at offset (past the page cache where the medium lets us) into sink. 0 or -errno with why. */
int hal_storage_read_at(const struct storage_volume *v, uint64_t offset_bytes, uint64_t len,
			int (*sink)(void *ctx, const void *buf, size_t n), void *ctx, char *why);

/*
 * Read the first len bytes back from the medium (past the page cache where
 * the medium lets us) and feed them to sink. 0, or -errno with why.
 */
int hal_storage_read(const struct storage_volume *v, uint64_t len, int (*sink)(void *ctx, const void *buf, size_t n),
		     void *ctx, storage_progress_cb progress, char *why);

/*
 * hal_storage_write() and hal_storage_read() of the same len bytes in one,
 * each kind the fastest way it has: a block device, or a file whose
 * filesystem takes O_DIRECT, is written past the page cache and then read
 * back from the medium; a file on a filesystem without O_DIRECT has each
 * stretch read back while the next one is written; MTD and UBI write all,
 * then read all back. progress reports the writing.
 * 0, -EBADMSG with why when reading back failed, or another -errno with why
 * when writing failed.
 */
int hal_storage_write_verify(const struct storage_volume *v, const void *data, uint64_t len, bool erase_rest,
			     int (*sink)(void *ctx, const void *buf, size_t n), void *sink_ctx,
			     storage_progress_cb progress, void *ctx, char *why);

/*
 * Make the volume blank for a fresh filesystem: MTD erased, UBI volume
 * emptied (UBIFS formats an empty volume when mounted), block device or
 * file given a new filesystem of type fs ("ext4", "f2fs"; mkfs from the
 * system). 0, or -errno with why.
 */
int hal_storage_erase(const struct storage_volume *v, const char *fs, char *why);

/* For mount(2): a block device for v (a loop device for a file or a rootdisk, detached at umount). 0 or -errno with why. */
int hal_storage_mount_source(struct storage_volume *v, char *why);

/* ---- UBI devices: what OpenWrt's nand.sh does with ubiattach, ubirmvol, ubimkvol, ubiformat ---- */

#define STORAGE_UBI_MAX_VOLUMES 32
#define STORAGE_UBI_NAME_BYTES 128

struct storage_ubi_volume {
	int id;
	char name[STORAGE_UBI_NAME_BYTES];
	uint64_t reserved_bytes;        /* its LEBs × the LEB size */
	uint64_t data_bytes;            /* what was last written into it */
	bool updating;                  /* an update was cut off: the volume reads as corrupt until rewritten */
};

/* A UBI device on an MTD partition, as found, attached or formatted. */
struct storage_ubi {
	char mtd_name[64];              /* the MTD partition ("ubi", "rootfs2") */
	int mtd_num;
	int ubi_num;                    /* -1: not attached */
	uint64_t mtd_bytes;
	uint32_t peb_bytes;             /* the erase block */
	uint32_t leb_bytes;             /* what a logical erase block holds (erase block minus UBI's headers) */
	uint32_t avail_lebs;            /* free for new volumes */
	uint32_t total_lebs;
	unsigned n_volumes;
	struct storage_ubi_volume volume[STORAGE_UBI_MAX_VOLUMES];
};

/*
 * The UBI device on MTD partition mtd_name: found among the attached ones,
 * else with attach attached (UBI_IOCATT; ubiattach -m). 0; -ENOENT (no such
 * MTD partition), -ENODEV (not attached, attach false), or the attach's
 * -errno (-EINVAL: not UBI-formatted) with why naming it.
 */
int hal_ubi_open(const char *mtd_name, bool attach, struct storage_ubi *u, char *why);

/* Read the device's sizes and volumes again. 0 or -errno. */
int hal_ubi_refresh(struct storage_ubi *u, char *why);

/* Detach it (UBI_IOCDET; ubidetach). 0 or -errno (-EBUSY: a volume is in use). */
int hal_ubi_detach(struct storage_ubi *u, char *why);

/* The volume called name, or NULL. */
const struct storage_ubi_volume *hal_ubi_find_volume(const struct storage_ubi *u, const char *name);

/*
 * Remove the volume called name (UBI_IOCRMVOL), first its ubiblock device if
 * it has an unused one. 0, also when there is none; -EBUSY (mounted, held
 * by ubiblock) or -errno with why.
 */
int hal_ubi_rmvol(struct storage_ubi *u, const char *name, char *why);

/*
 * Make a dynamic volume called name of size_bytes (rounded up to LEBs), or
 * with size_bytes 0 of every free LEB (ubimkvol -m). 0; -ENOSPC (why: how
 * much is free) or -errno.
 */
int hal_ubi_mkvol(struct storage_ubi *u, const char *name, uint64_t size_bytes, char *why);

/* The volume called name as a storage_volume, for hal_storage_write/read/erase. 0, -ENOENT with why. */
int hal_ubi_volume(const struct storage_ubi *u, const char *name, struct storage_volume *out, char *why);

/*
 * Replace the whole UBI device on MTD partition mtd_name with a ubinized
 * image (the len bytes at image), keeping the erase counters: what
 * `ubiformat /dev/mtdN -f - -S LEN -y` does (nand.sh nand_upgrade_ubinized),
 * run as ubiformat from the system; detach it first. image NULL: an empty
 * UBI device (ubiformat -y). 0, or -errno with why (-ENOENT: no ubiformat
 * here).
 */
int hal_ubi_format(const char *mtd_name, const void *image, uint64_t len, char *why);

#endif /* HAL_STORAGE_H */
