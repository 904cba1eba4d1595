/* app/flash/layout.c — what the board's firmware storage takes: one table of (image format, storage kind) → handler (pure) */
#include "layout.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define KIND(k) (1u << (k))
#define RAW_PARTITION (KIND(BOARD_STORAGE_MTD) | KIND(BOARD_STORAGE_BLOCK) | KIND(BOARD_STORAGE_FILE))
#define BLOCKISH (KIND(BOARD_STORAGE_BLOCK) | KIND(BOARD_STORAGE_FILE))

/* (format, storage kinds) → handler. Formats absent for a kind are refused there. Uncompressed payloads only. */
static const struct {
	enum payload_format format;
	unsigned kinds;                 /* KIND() mask of enum board_storage_kind */
	enum layout_handler handler;
} table[] = {
	/* OpenWrt's NOR default_do_upgrade: `mtd write` whatever the image is */
	{ PAYLOAD_RAW, RAW_PARTITION, LAYOUT_RAW },
	{ PAYLOAD_UIMAGE, RAW_PARTITION, LAYOUT_RAW },
	{ PAYLOAD_FIT, RAW_PARTITION, LAYOUT_RAW },
	{ PAYLOAD_SQUASHFS, RAW_PARTITION | KIND(BOARD_STORAGE_UBI), LAYOUT_RAW },
	/* a UBI volume holds a filesystem: squashfs (through ubiblock) or UBIFS */
	{ PAYLOAD_UBIFS, KIND(BOARD_STORAGE_UBI), LAYOUT_RAW },
	/* block devices: a filesystem or a whole disk */
	{ PAYLOAD_EXT4, BLOCKISH, LAYOUT_RAW },
	{ PAYLOAD_DISK, BLOCKISH, LAYOUT_RAW },
};

const char *layout_handler_name(enum layout_handler h)
{
	static const char *const names[LAYOUT_HANDLER_COUNT] = { "refused", "raw" };

	return (unsigned)h < LAYOUT_HANDLER_COUNT ? names[h] : "?";
}

/* "a squashfs, UBIFS" ...: the formats the kind takes, for the refusal. */
static void takes(enum board_storage_kind kind, char *buf, size_t n)
{
	static const char *const what[PAYLOAD_FORMAT_COUNT] = {
		[PAYLOAD_RAW] = "a raw firmware image", [PAYLOAD_UIMAGE] = "a uImage", [PAYLOAD_FIT] = "a FIT",
		[PAYLOAD_SQUASHFS] = "a squashfs", [PAYLOAD_UBIFS] = "a UBIFS", [PAYLOAD_EXT4] = "an ext4",
		[PAYLOAD_DISK] = "a whole-disk image",
	};
	size_t used = 0;
	unsigned found = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (!(table[i].kinds & KIND(kind)) || !what[table[i].format])
			continue;
		used += (size_t)snprintf(buf + used, used < n ? n - used : 0, "%s%s", found++ ? ", " : "",
					 what[table[i].format]);
		if (used >= n)
			break;
	}
}

enum layout_handler layout_decide(const struct payload_id *p, const struct board *b, const struct board_volume *fw,
				  char *why, size_t why_size)
{
	char is[200], ok[120];
	const char *board = b && b->name ? b->name : "?";

	why[0] = '\0';
	if (!p->gzip)
		for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
			if (table[i].format == p->format && (table[i].kinds & KIND(fw->kind)))
				return table[i].handler;
	payload_describe(p, is, sizeof(is));
	takes(fw->kind, ok, sizeof(ok));
	snprintf(why, why_size, "this is %s, but board %s writes its firmware as it is to %s %s, which takes %s%s%s",
		 is, board, board_storage_kind_name(fw->kind), fw->name ? fw->name : "?", ok[0] ? ok : "nothing",
		 p->gzip ? " (uncompressed)" : "",
		 p->format == PAYLOAD_SYSUPGRADE_TAR || p->format == PAYLOAD_UBI ?
		 ": the board's table declares no NAND/UBI or eMMC layout to unpack it into" : "");
	return LAYOUT_REFUSED;
}
