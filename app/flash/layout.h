/* app/flash/layout.h — what the board's firmware storage takes: image format × storage → how it is written, or why not (pure) */
#ifndef APP_LAYOUT_H
#define APP_LAYOUT_H

#include <stddef.h>

#include "board.h"
#include "payload.h"

#define LAYOUT_WHY_BYTES 384

/* How an accepted payload is written. */
enum layout_handler {
	LAYOUT_REFUSED = 0,     /* the storage does not take this format: nothing is written */
	LAYOUT_RAW,             /* the payload as it is onto the firmware partition or volume */
	LAYOUT_HANDLER_COUNT
};

/*
 * How the payload p goes onto the firmware volume fw of board b. One flat
 * table of (format, storage kind) → handler, as RAUC's image_type_map; a
 * format with no row for the storage is refused with one line in why that
 * names both sides: what the image is, where the board writes, what that
 * takes. A board whose table declares one firmware partition or volume
 * takes what OpenWrt's default_do_upgrade writes there as it is: a raw
 * partition (MTD, block, file) a firmware blob, uImage, FIT or filesystem
 * image; a UBI volume a squashfs or UBIFS root. Never: an OpenWrt
 * sysupgrade tar (its members belong in separate volumes), a ubinized image
 * (a whole UBI device), or compressed data (it would be written compressed).
 */
enum layout_handler layout_decide(const struct payload_id *p, const struct board *b, const struct board_volume *fw,
				  char *why, size_t why_size);

/* "refused", "raw"; "?" out of range. */
const char *layout_handler_name(enum layout_handler h);

#endif /* APP_LAYOUT_H */
