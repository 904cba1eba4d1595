/* app/image/payload.h — what an image's payload is, from its first bytes: tar, FIT, UBI, UBIFS, squashfs, gzip... (pure) */
#ifndef APP_PAYLOAD_H
#define APP_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * OpenWrt decides how to flash an image by the magic of its first bytes
 * (package/base-files/files/lib/upgrade/common.sh identify_magic_long, read
 * through zcat when the file starts 1f 8b; nand.sh nand_do_upgrade):
 *   55 42 49 23 "UBI#"  ubinized image (a whole UBI device)
 *   31 18 10 06         UBIFS
 *   68 73 71 73 "hsqs"  squashfs
 *   d0 0d fe ed         FIT (a flattened device tree)
 *   anything else       a sysupgrade tar on NAND and eMMC boards
 *                       (sysupgrade-<board>/CONTROL, kernel, root, dtb)
 * and on NOR boards writes whatever it got (default_do_upgrade). failsafed
 * names the kinds it can tell apart, so that an image is never written in a
 * form the board's storage does not take (a tar written raw onto a volume).
 */
#define PAYLOAD_HEAD_BYTES   4096   /* the bytes kept from the start of an image to identify it */
#define PAYLOAD_DIR_BYTES    100    /* a tar member name (ustar's name field, without prefix) */

enum payload_format {
	PAYLOAD_RAW = 0,        /* none of the below: a vendor or NOR firmware blob, kernel and root together */
	PAYLOAD_UIMAGE,         /* a legacy U-Boot image (27 05 19 56): a NOR kernel(+root) */
	PAYLOAD_SQUASHFS,       /* a root filesystem */
	PAYLOAD_UBIFS,          /* a root filesystem for a UBI volume */
	PAYLOAD_EXT4,           /* a root filesystem for a block device (53 ef at 0x438) */
	PAYLOAD_UBI,            /* a ubinized image: a whole UBI device, volumes included */
	PAYLOAD_FIT,            /* a uImage.FIT: kernel, device tree and maybe root in one */
	PAYLOAD_SYSUPGRADE_TAR, /* OpenWrt's NAND/eMMC sysupgrade tar: a sysupgrade-<board>/ directory */
	PAYLOAD_TAR,            /* a tar archive of something else */
	PAYLOAD_DISK,           /* a whole disk: an MBR or GPT partition table (x86, Raspberry Pi images) */
	PAYLOAD_GZIP_UNKNOWN,   /* gzip whose content could not be seen in the first bytes */
	PAYLOAD_EMPTY,          /* no payload */
	PAYLOAD_FORMAT_COUNT
};

enum payload_member_id { PAYLOAD_MEMBER_CONTROL = 0, PAYLOAD_MEMBER_KERNEL, PAYLOAD_MEMBER_ROOT, PAYLOAD_MEMBER_DTB,
			 PAYLOAD_MEMBER_COUNT };
struct payload_member {
	bool present;
	uint64_t offset_bytes;        /* where its data starts in the uncompressed tar */
	uint64_t size_bytes;          /* from its tar header */
};

struct payload_id {
	enum payload_format format;
	bool gzip;                      /* the format is what the gzip stream holds */
	char dir[PAYLOAD_DIR_BYTES];    /* SYSUPGRADE_TAR: "sysupgrade-glinet_gl-mt6000" (no slash); else "" */
	bool walked;                  /* the deep check ran to the end of the payload's own structure */
	struct payload_member member[PAYLOAD_MEMBER_COUNT];   /* SYSUPGRADE_TAR */
	char control_board[64];       /* BOARD= from CONTROL ("" when absent) */
	uint64_t uncompressed_bytes;  /* gzip: the inflated length (ISIZE checked); else the payload's */
	uint64_t own_bytes;           /* the structure's own length: FIT totalsize + external data, UBI PEBs × PEB
				       * size, tar up to its end-of-archive; what a raw write of it would write */
	uint32_t ubi_peb_bytes;       /* UBI: the PEB size it was made for */
	uint32_t ubi_pebs;            /* UBI: how many PEBs it holds */
	unsigned fit_images;          /* FIT: sub-images, each hash checked */
};

/*
 * Identify a payload from its first head_len bytes (PAYLOAD_HEAD_BYTES or
 * all of it, when shorter) of payload_bytes in all. A gzip stream is
 * inflated as far as those bytes go to see what it holds. Pure; never
 * fails (unknown is PAYLOAD_RAW).
 */
void payload_identify(const uint8_t *head, size_t head_len, uint64_t payload_bytes, struct payload_id *out);

/* Stable short name: "raw", "uimage", "squashfs", "ubifs", "ext4", "ubi", "fit", "sysupgrade-tar", "tar", "disk",
 * "gzip", "empty"; "?" out of range. */
const char *payload_format_name(enum payload_format f);

/* For people: "an OpenWrt sysupgrade tar (sysupgrade-x/)", "a gzip-compressed squashfs root filesystem". */
void payload_describe(const struct payload_id *p, char *buf, size_t n);

/*
 * The board a sysupgrade tar's directory is for, compared as OpenWrt's
 * nand_do_platform_check does: "sysupgrade-" + the board name with ',' or
 * '_' in either place ("glinet,gl-mt6000" matches sysupgrade-glinet_gl-mt6000).
 */
bool payload_dir_matches(const char *dir, const char *board);

#endif /* APP_PAYLOAD_H */
