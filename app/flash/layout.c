/* app/flash/layout.c — what the board's storage takes: one table of (image format, layout, storage kind) → handler (pure) */
#include "layout.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define KIND(k) (1u << (k))
#define ANY_KIND 0u
#define RAW_PARTITION (KIND(BOARD_STORAGE_MTD) | KIND(BOARD_STORAGE_BLOCK) | KIND(BOARD_STORAGE_FILE))
#define BLOCKISH (KIND(BOARD_STORAGE_BLOCK) | KIND(BOARD_STORAGE_FILE))

/*
 * (format, layout, storage kinds of the firmware volume) → handler. Formats absent for a layout are refused
 * there. gz: the row takes the format gzip'd too. kinds ANY_KIND: the firmware volume plays no part.
 */
static const struct {
	enum payload_format format;
	enum board_layout layout;
	unsigned kinds;
	bool gz;
	enum layout_handler handler;
} table[] = {
	/* single: OpenWrt's default_do_upgrade, `mtd write` whatever the image is */
	{ PAYLOAD_RAW, BOARD_LAYOUT_SINGLE, RAW_PARTITION, false, LAYOUT_RAW },
	{ PAYLOAD_UIMAGE, BOARD_LAYOUT_SINGLE, RAW_PARTITION, false, LAYOUT_RAW },
	{ PAYLOAD_FIT, BOARD_LAYOUT_SINGLE, RAW_PARTITION, false, LAYOUT_RAW },
	{ PAYLOAD_SQUASHFS, BOARD_LAYOUT_SINGLE, RAW_PARTITION | KIND(BOARD_STORAGE_UBI), false, LAYOUT_RAW },
	{ PAYLOAD_UBIFS, BOARD_LAYOUT_SINGLE, KIND(BOARD_STORAGE_UBI), false, LAYOUT_RAW },
	{ PAYLOAD_EXT4, BOARD_LAYOUT_SINGLE, BLOCKISH, false, LAYOUT_RAW },
	{ PAYLOAD_DISK, BOARD_LAYOUT_SINGLE, BLOCKISH, false, LAYOUT_RAW },
	/* nand: nand_do_upgrade's magics, through zcat when gzip'd */
	{ PAYLOAD_SYSUPGRADE_TAR, BOARD_LAYOUT_NAND, ANY_KIND, true, LAYOUT_NAND_TAR },
	{ PAYLOAD_UBI, BOARD_LAYOUT_NAND, ANY_KIND, true, LAYOUT_NAND_UBI },
	{ PAYLOAD_UBIFS, BOARD_LAYOUT_NAND, ANY_KIND, true, LAYOUT_NAND_UBIFS },
	{ PAYLOAD_FIT, BOARD_LAYOUT_NAND, ANY_KIND, true, LAYOUT_NAND_FIT },
	{ PAYLOAD_SQUASHFS, BOARD_LAYOUT_NAND, KIND(BOARD_STORAGE_UBI), false, LAYOUT_RAW },
	/* emmc: emmc_do_upgrade's tar and FIT */
	{ PAYLOAD_SYSUPGRADE_TAR, BOARD_LAYOUT_EMMC, ANY_KIND, true, LAYOUT_EMMC_TAR },
	{ PAYLOAD_FIT, BOARD_LAYOUT_EMMC, ANY_KIND, true, LAYOUT_EMMC_FIT },
	{ PAYLOAD_SQUASHFS, BOARD_LAYOUT_EMMC, BLOCKISH, false, LAYOUT_RAW },
	{ PAYLOAD_EXT4, BOARD_LAYOUT_EMMC, BLOCKISH, false, LAYOUT_RAW },
};

const char *layout_handler_name(enum layout_handler h)
{
	static const char *const names[LAYOUT_HANDLER_COUNT] = {
		[LAYOUT_REFUSED] = "refused", [LAYOUT_RAW] = "raw", [LAYOUT_NAND_TAR] = "nand-tar",
		[LAYOUT_NAND_UBI] = "nand-ubi", [LAYOUT_NAND_UBIFS] = "nand-ubifs", [LAYOUT_NAND_FIT] = "nand-fit",
		[LAYOUT_EMMC_TAR] = "emmc-tar", [LAYOUT_EMMC_FIT] = "emmc-fit",
	};

	return (unsigned)h < LAYOUT_HANDLER_COUNT ? names[h] : "?";
}

static bool row_fits(size_t i, enum board_layout layout, const struct board_volume *fw)
{
	if (table[i].layout != layout)
		return false;
	if (table[i].kinds == ANY_KIND)
		return true;
	return fw && fw->kind && (table[i].kinds & KIND(fw->kind));
}

/* "an OpenWrt sysupgrade tar, a ubinized image, ...": what the layout takes, for the refusal. */
static void takes(enum board_layout layout, const struct board_volume *fw, char *buf, size_t n)
{
	static const char *const what[PAYLOAD_FORMAT_COUNT] = {
		[PAYLOAD_RAW] = "a raw firmware image", [PAYLOAD_UIMAGE] = "a uImage", [PAYLOAD_FIT] = "a FIT",
		[PAYLOAD_SQUASHFS] = "a squashfs", [PAYLOAD_UBIFS] = "a UBIFS", [PAYLOAD_EXT4] = "an ext4",
		[PAYLOAD_DISK] = "a whole-disk image", [PAYLOAD_UBI] = "a ubinized image",
		[PAYLOAD_SYSUPGRADE_TAR] = "an OpenWrt sysupgrade tar",
	};
	size_t used = 0;
	unsigned found = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]) && used < n; i++) {
		if (!row_fits(i, layout, fw) || !what[table[i].format])
			continue;
		used += (size_t)snprintf(buf + used, n - used, "%s%s%s", found++ ? ", " : "", what[table[i].format],
					 table[i].gz ? " (gzip'd too)" : "");
	}
}

/* "writes its firmware as it is to ubi rootfs", "keeps its firmware as NAND/UBI volumes on mtd ubi0" */
static void where(const struct board *b, const struct board_volume *fw, char *buf, size_t n)
{
	const struct board_storage *s = &b->storage;

	switch (s->layout) {
	case BOARD_LAYOUT_NAND:
		snprintf(buf, n, "keeps its firmware in UBI volumes on NAND (mtd %s)",
			 board_is_ab(b) ? s->ab.slot[0].nand.ubi_mtd : s->nand.ubi_mtd);
		break;
	case BOARD_LAYOUT_EMMC:
		snprintf(buf, n, "keeps its firmware in eMMC partitions (kernel %s, root %s)",
			 board_is_ab(b) ? s->ab.slot[0].emmc.kernel_part : s->emmc.kernel_part,
			 board_is_ab(b) ? s->ab.slot[0].emmc.root_part : s->emmc.root_part);
		break;
	default:
		snprintf(buf, n, "writes its firmware as it is to %s %s", fw ? board_storage_kind_name(fw->kind) : "?",
			 fw && fw->name ? fw->name : "?");
		break;
	}
}

enum layout_handler layout_decide(const struct payload_id *p, const struct board *b, const struct board_volume *fw,
				  char *why, size_t why_size)
{
	char is[200], ok[200], at[120];
	enum board_layout layout = b ? b->storage.layout : BOARD_LAYOUT_SINGLE;
	bool unpacks = false, plain_ok = false;

	why[0] = '\0';
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].format == p->format && row_fits(i, layout, fw) && (!p->gzip || table[i].gz))
			return table[i].handler;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		unpacks |= table[i].format == p->format && table[i].layout != BOARD_LAYOUT_SINGLE;
		plain_ok |= table[i].format == p->format && row_fits(i, layout, fw);
	}
	payload_describe(p, is, sizeof(is));
	takes(layout, fw, ok, sizeof(ok));
	if (b)
		where(b, fw, at, sizeof(at));
	else
		snprintf(at, sizeof(at), "has no table");
	snprintf(why, why_size, "this is %s, but board %s %s, which takes %s%s", is, b && b->name ? b->name : "?", at,
		 ok[0] ? ok : "nothing", p->gzip && plain_ok ? ": gunzip it first" :
		 layout == BOARD_LAYOUT_SINGLE && unpacks ?
		 ": the board's table declares no NAND/UBI or eMMC layout to unpack it into" : "");
	return LAYOUT_REFUSED;
}
