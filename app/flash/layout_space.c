/* app/flash/layout_space.c — how much a NAND, eMMC or dual-firmware board's storage can take, from its partitions */
#include "layout_space.h"

#include <stdio.h>

#include "storage.h"

/* An MTD partition by name, or a GPT partition by PARTNAME (on disk, when named); 0 when it is not there. */
static uint64_t part_bytes(enum board_storage_kind kind, const char *name, const char *disk)
{
	char why[STORAGE_WHY_BYTES], label[160];
	struct board_volume v = { kind, name };
	struct storage_volume sv;

	if (!name)
		return 0;
	if (kind == BOARD_STORAGE_BLOCK) {
		snprintf(label, sizeof(label), "PARTLABEL=%.60s%s%.60s", name, disk ? "@" : "", disk ? disk : "");
		v.name = label;
	}
	return hal_storage_find(&v, NULL, &sv, why) == 0 ? sv.size_bytes : 0;
}

static uint64_t slot_bytes(enum board_layout layout, const struct board_nand *n, const struct board_emmc *e,
			   const char *disk)
{
	if (layout == BOARD_LAYOUT_NAND)
		return part_bytes(BOARD_STORAGE_MTD, n->ubi_mtd, NULL) + part_bytes(BOARD_STORAGE_MTD, n->kernel_mtd, NULL) +
		       part_bytes(BOARD_STORAGE_MTD, n->kernel_ubi_mtd, NULL);
	if (layout == BOARD_LAYOUT_EMMC)
		return part_bytes(BOARD_STORAGE_BLOCK, e->kernel_part, disk) +
		       part_bytes(BOARD_STORAGE_BLOCK, e->root_part, disk) +
		       part_bytes(BOARD_STORAGE_BLOCK, e->dtb_part, disk);
	return 0;
}

uint64_t layout_space_bytes(const struct board *b, const char *disk)
{
	const struct board_storage *s = &b->storage;
	uint64_t a, c;

	if (!disk)
		disk = s->emmc.disk;
	if (!board_is_ab(b))
		return slot_bytes(s->layout, &s->nand, &s->emmc, disk);
	a = slot_bytes(s->layout, &s->ab.slot[0].nand, &s->ab.slot[0].emmc, disk);
	c = slot_bytes(s->layout, &s->ab.slot[1].nand, &s->ab.slot[1].emmc, disk);
	return a > c ? a : c;
}
