/* app/flash/layout.h — what the board's storage takes: image format × layout × storage kind → how it is written, or why not (pure) */
#ifndef APP_LAYOUT_H
#define APP_LAYOUT_H

#include <stddef.h>

#include "board.h"
#include "payload.h"

#define LAYOUT_WHY_BYTES 384

/* How an accepted payload is written: OpenWrt's lib/upgrade functions, one each. */
enum layout_handler {
	LAYOUT_REFUSED = 0,     /* the storage does not take this format: nothing is written */
	LAYOUT_RAW,             /* the payload as it is onto the firmware partition or volume (default_do_upgrade) */
	LAYOUT_NAND_TAR,        /* nand_upgrade_tar: kernel (UBI volume or raw MTD), rootfs, empty rootfs_data */
	LAYOUT_NAND_UBI,        /* nand_upgrade_ubinized: the whole UBI device replaced, erase counters kept */
	LAYOUT_NAND_UBIFS,      /* nand_upgrade_ubifs: the rootfs volume takes all the space, no rootfs_data */
	LAYOUT_NAND_FIT,        /* nand_upgrade_fit: the FIT into its volume, an empty rootfs_data after it */
	LAYOUT_EMMC_TAR,        /* emmc_upgrade_tar: kernel invalidated, root, dtb, kernel last */
	LAYOUT_EMMC_FIT,        /* emmc_upgrade_fit: the FIT onto the kernel partition */
	LAYOUT_HANDLER_COUNT
};

/*
 * How the payload p goes onto board b, whose firmware volume (for raw
 * writes) is fw. One flat table of (format, layout, storage kind) → handler,
 * as RAUC's image_type_map; a format with no row is refused with one line
 * in why that names both sides: what the image is, how the board stores its
 * firmware, what that takes.
 * - single (NOR, one partition or volume): what OpenWrt's default_do_upgrade
 *   writes as it is: a raw partition (MTD, block, file) a firmware blob,
 *   uImage, FIT or filesystem image; a UBI volume a squashfs or UBIFS root.
 * - nand: OpenWrt's sysupgrade tar, a ubinized image, UBIFS, a FIT (each
 *   possibly gzip'd, as nand.sh reads them through zcat), and a plain
 *   squashfs root for the firmware volume (images made by failsafectl
 *   mkimage).
 * - emmc: the sysupgrade tar and a FIT (possibly gzip'd), and a squashfs or
 *   ext4 root for the firmware partition.
 */
enum layout_handler layout_decide(const struct payload_id *p, const struct board *b, const struct board_volume *fw,
				  char *why, size_t why_size);

/* "refused", "raw", "nand-tar", "nand-ubi", "nand-ubifs", "nand-fit", "emmc-tar", "emmc-fit"; "?" out of range. */
const char *layout_handler_name(enum layout_handler h);

#endif /* APP_LAYOUT_H */
