/* app/image/ubi_check.h — a ubinized image (UBI#) checked as it streams by: EC and VID headers, the PEB size, the volume table (pure) */
#ifndef APP_UBI_CHECK_H
#define APP_UBI_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload.h"

/*
 * A whole UBI device as ubinize writes it (Linux drivers/mtd/ubi/ubi-media.h):
 * PEBs of one size, each starting with a 64-byte erase-counter header
 * ("UBI#", version 1, be64 ec, be32 vid_hdr_offset, be32 data_offset, be32
 * image_seq, be32 hdr_crc over the first 60 bytes) and, at vid_hdr_offset,
 * a 64-byte volume id header ("UBI!", version 1, vol_type 1 dynamic or 2
 * static, be32 vol_id, be32 lnum, hdr_crc), or 0xff bytes for a free PEB.
 * Every CRC is the kernel's crc32_le from 0xffffffff without a final xor
 * (zlib's crc32 xor 0xffffffff). The image does not say its PEB size: it is
 * the offset of the second erase-counter header (the layout volume alone
 * takes two PEBs), found by looking at every 64-byte boundary after the
 * first PEB's data offset. The layout volume (vol_id 0x7fffefff) LEB 0 holds
 * the volume table: records of 172 bytes (be32 reserved_pebs, ..., be16
 * name_len, name[128], flags, ..., be32 crc over 168 bytes), as many as fit
 * in a LEB, at most 128.
 */
#define UBI_HDR_BYTES        64
#define UBI_VTBL_REC_BYTES   172
#define UBI_MAX_VOLUMES      128
#define UBI_LAYOUT_VOL_ID    0x7fffefffu
#define UBI_WHY_BYTES        256

struct ubi_check {
	uint64_t pos_bytes;             /* bytes fed */
	uint8_t state;                  /* first EC header, its VID header, looking for the second, PEBs, failed */
	size_t buf_len;
	uint8_t buf[UBI_HDR_BYTES];     /* the header being gathered */
	uint64_t next_at;               /* where it starts */
	uint32_t vid_off, data_off, image_seq;   /* from the first erase-counter header */
	uint32_t peb_bytes;             /* 0 until the second erase-counter header is found */
	uint64_t pebs_ok;               /* PEBs whose two headers were checked */
	uint64_t layout_pebs;           /* PEBs of the layout volume */
	bool vtbl_found;                /* the layout volume's LEB 0 was seen: its table is copied */
	uint64_t vtbl_at;               /* where its records start */
	uint64_t vtbl_peb;              /* its PEB */
	size_t vtbl_len;
	uint8_t vtbl[UBI_MAX_VOLUMES * UBI_VTBL_REC_BYTES];
	uint64_t err_at;
	char why[UBI_WHY_BYTES];
};

void ubi_check_init(struct ubi_check *u);
/* The next n bytes of the image. Stops at the first fault. */
void ubi_check_feed(struct ubi_check *u, const uint8_t *p, size_t n);
/*
 * The verdict when the payload holds end_bytes of UBI image (headers past
 * that are what follows the payload). 0 with *id filled (ubi_*, own_bytes
 * = PEBs x PEB size, walked), or -EBADMSG with one line in why: a header
 * (which PEB, which byte, CRC stored against computed), no second PEB, a
 * payload that is not a whole number of PEBs, no layout volume, a bad
 * volume table record. Pure; does not change u.
 */
int ubi_check_finish(const struct ubi_check *u, uint64_t end_bytes, struct payload_id *id, char *why, size_t why_size);

#endif /* APP_UBI_CHECK_H */
