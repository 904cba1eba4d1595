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

/* The members of an OpenWrt sysupgrade tar (sysupgrade-<board>/<name>). */
enum payload_member_id { PAYLOAD_MEMBER_CONTROL = 0, PAYLOAD_MEMBER_KERNEL, PAYLOAD_MEMBER_ROOT, PAYLOAD_MEMBER_DTB,
			 PAYLOAD_MEMBER_COUNT };

struct payload_member {
	bool present;                   /* in the directory (kernel, root, dtb: and not empty, as nand.sh counts them) */
	uint64_t offset_bytes;          /* where its data starts in the uncompressed tar */
	uint64_t size_bytes;            /* from its tar header */
	uint32_t crc32;                 /* zlib crc32 of its data as the deep check saw it (payload_member_read checks it) */
};

/* FIT hash algorithms the deep check computes (bits of fit_algos). */
enum payload_fit_algo { PAYLOAD_FIT_CRC32 = 0, PAYLOAD_FIT_MD5, PAYLOAD_FIT_SHA1, PAYLOAD_FIT_SHA256, PAYLOAD_FIT_ALGOS };

#define PAYLOAD_BOARD_BYTES    64   /* BOARD= from CONTROL, with its NUL */
#define PAYLOAD_VOLUMES_BYTES  96   /* UBI volume names, space-separated, cut to fit */

struct payload_id {
	enum payload_format format;
	bool gzip;                      /* the format is what the gzip stream holds */
	char dir[PAYLOAD_DIR_BYTES];    /* SYSUPGRADE_TAR: "sysupgrade-glinet_gl-mt6000" (no slash); else "" */
	/* The deep check (payload_deep.h), filled when the reader walked the payload's structure: */
	bool walked;                    /* the deep check ran to the end of the payload's own structure */
	struct payload_member member[PAYLOAD_MEMBER_COUNT];   /* SYSUPGRADE_TAR */
	char control_board[PAYLOAD_BOARD_BYTES];             /* BOARD= from CONTROL ("" when absent) */
	uint64_t uncompressed_bytes;    /* gzip: the inflated length (ISIZE checked); else the payload's */
	uint64_t gzip_bytes;            /* gzip: the length of the gzip stream itself (what follows it is ignored) */
	uint64_t own_bytes;             /* the structure's own length, in the uncompressed stream: FIT totalsize + external
					 * data, UBI PEBs x PEB size, tar up to its end-of-archive blocks; gzip of anything
					 * else: uncompressed_bytes. What a raw write of it would write. */
	uint32_t ubi_peb_bytes;         /* UBI: the PEB size it was made for */
	uint32_t ubi_pebs;              /* UBI: how many PEBs it holds */
	uint32_t ubi_reserved_pebs;     /* UBI: PEBs its volume table reserves for the volumes (layout volume not counted) */
	unsigned ubi_volumes;           /* UBI: volumes in its volume table */
	bool ubi_autoresize;            /* UBI: a volume grows to the device's free space on first attach */
	char ubi_names[PAYLOAD_VOLUMES_BYTES];   /* UBI: "kernel rootfs rootfs_data" */
	unsigned fit_images;            /* FIT: sub-images, each hash checked */
	unsigned fit_hashes;            /* FIT: hash nodes checked */
	unsigned fit_unhashed;          /* FIT: sub-images without any hash node */
	unsigned fit_algos;             /* FIT: 1 << enum payload_fit_algo for each algorithm met */
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

/* As payload_identify, for bytes known to be uncompressed (what a gzip stream inflated to). */
void payload_identify_plain(const uint8_t *head, size_t head_len, struct payload_id *out);

/* "crc32", "md5", "sha1", "sha256"; "?" out of range. */
const char *payload_fit_algo_name(enum payload_fit_algo a);

/*
 * The writer's side: stream bytes of the payload in RAM (as verified: the
 * fwtool trailer is not part of it) to sink, in chunks of at most
 * PAYLOAD_READ_CHUNK_BYTES. payload_read hands out [offset_bytes,
 * offset_bytes + size_bytes) of the uncompressed stream: a slice of a plain
 * payload, or for p->gzip the inflated bytes (inflated from the start,
 * skipped up to offset_bytes). payload_member_read does so for a member of a
 * sysupgrade tar and checks the CRC-32 of what it handed out against the one
 * the deep check recorded. Returns 0; -EINVAL for a member that is not
 * present or a range the check did not see; -EBADMSG (why says it) when the
 * bytes no longer match the check: the stream ends or breaks before the end
 * of the range, or the CRC differs (the sink has had the bytes by then: the
 * writer must not count them as written); -ENOMEM; or the sink's own
 * negative return, passed on at once. Pure (zlib allocates its inflate
 * state with malloc, freed before return).
 */
#define PAYLOAD_READ_CHUNK_BYTES (64 * 1024)
typedef int (*payload_sink)(void *ctx, const void *buf, size_t len);
int payload_read(const uint8_t *payload, uint64_t payload_bytes, const struct payload_id *p, uint64_t offset_bytes,
		 uint64_t size_bytes, payload_sink sink, void *ctx, char *why, size_t why_size);
int payload_member_read(const uint8_t *payload, uint64_t payload_bytes, const struct payload_id *p,
			enum payload_member_id m, int (*sink)(void *ctx, const void *buf, size_t len), void *ctx,
			char *why, size_t why_size);

/* "CONTROL", "kernel", "root", "dtb"; "?" out of range. */
const char *payload_member_name(enum payload_member_id m);

#endif /* APP_PAYLOAD_H */
