/* hal/board_validate_layout.c — board_validate()'s storage layouts: NAND/UBI, eMMC and dual-firmware fields of a table */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "board_validate.h"
#include "board_validate_priv.h"

#define fail board_validate_fail
#define warn board_validate_warn
#define good_name board_validate_good_name

/* An optional name (NULL is fine) of an MTD partition, UBI volume or GPT partition. */
static int check_part(const struct board *b, struct board_report *r, const char *field, const char *name,
		      bool required)
{
	if (!name)
		return required ? fail(b, r, "storage.%s: missing", field) : 0;
	if (!board_validate_part_name(name))
		return fail(b, r, "storage.%s: \"%s\" is not a partition or volume name (1-31 printable bytes, no '/' "
			    "or '\"', blanks only inside)",
			    field, name);
	return 0;
}

static int check_nand(const struct board *b, struct board_report *r, const char *at, const struct board_nand *n)
{
	const char *vols[] = { board_nand_kernel_volume(n), board_nand_rootfs_volume(n), board_nand_data_volume(n),
			       board_nand_fit_volume(n) };
	char f[64];
	int rc;

	snprintf(f, sizeof(f), "%subi_mtd", at);
	if ((rc = check_part(b, r, f, n->ubi_mtd, true)))
		return rc;
	snprintf(f, sizeof(f), "%skernel_ubi_mtd", at);
	if ((rc = check_part(b, r, f, n->kernel_ubi_mtd, false)))
		return rc;
	snprintf(f, sizeof(f), "%skernel_mtd", at);
	if ((rc = check_part(b, r, f, n->kernel_mtd, false)))
		return rc;
	if (n->kernel_mtd && n->kernel_ubi_mtd)
		return fail(b, r, "storage.%skernel_mtd: %s, and kernel_ubi_mtd %s too: the kernel is a raw MTD partition or "
			    "a UBI volume, not both", at, n->kernel_mtd, n->kernel_ubi_mtd);
	if (n->kernel_ubi_mtd && !strcmp(n->kernel_ubi_mtd, n->ubi_mtd))
		return fail(b, r, "storage.%skernel_ubi_mtd: %s is ubi_mtd itself (leave it out)", at, n->ubi_mtd);
	for (size_t i = 0; i < sizeof(vols) / sizeof(vols[0]); i++) {
		static const char *const names[] = { "kernel_volume", "rootfs_volume", "data_volume", "fit_volume" };

		snprintf(f, sizeof(f), "%s%s", at, names[i]);
		if ((rc = check_part(b, r, f, vols[i], true)))
			return rc;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(vols[i], vols[j]) && !(i == 3 && j == 0))   /* the FIT may be the kernel volume */
				return fail(b, r, "storage.%s%s: \"%s\" is also the %s", at, names[i], vols[i], names[j]);
	}
	return 0;
}

static int check_emmc(const struct board *b, struct board_report *r, const char *at, const struct board_emmc *e)
{
	const char *parts[] = { e->kernel_part, e->root_part, e->data_part, e->dtb_part };
	static const char *const names[] = { "kernel_part", "root_part", "data_part", "dtb_part" };
	char f[64];
	int rc;

	for (size_t i = 0; i < 4; i++) {
		snprintf(f, sizeof(f), "%s%s", at, names[i]);
		if ((rc = check_part(b, r, f, parts[i], i < 2)))
			return rc;
		for (size_t j = 0; j < i && parts[i]; j++)
			if (parts[j] && !strcmp(parts[i], parts[j]))
				return fail(b, r, "storage.%s%s: \"%s\" is also the %s", at, names[i], parts[i], names[j]);
	}
	if (e->disk && !good_name(e->disk))
		return fail(b, r, "storage.%sdisk: \"%s\" is not a disk's name in /sys/block (1-31 bytes, no blanks "
			    "or '/')", at, e->disk);
	return 0;
}

/* "name=value" with a plain name and no newline (fw_setenv -s takes one per line). */
static bool good_env(const char *s)
{
	const char *eq = s ? strchr(s, '=') : NULL;

	if (!eq || eq == s || strchr(s, '\n'))
		return false;
	for (const char *p = s; p < eq; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
			return false;
	return true;
}

static int check_ab(const struct board *b, struct board_report *r)
{
	const struct board_ab *ab = &b->storage.ab;
	char at[32];
	int rc;

	if ((unsigned)ab->selector >= BOARD_AB_SELECTOR_COUNT)
		return fail(b, r, "storage.ab.selector: %d out of range", (int)ab->selector);
	if ((unsigned)ab->bootcount >= BOARD_BOOTCOUNT_COUNT)
		return fail(b, r, "storage.ab.bootcount: %d out of range", (int)ab->bootcount);
	if (ab->selector == BOARD_AB_NONE) {
		if (ab->env_var || ab->slot[0].nand.ubi_mtd || ab->slot[1].nand.ubi_mtd || ab->slot[0].emmc.kernel_part ||
		    ab->bootcount)
			return fail(b, r, "storage.ab: slots or a boot counter without a selector");
		return 0;
	}
	if (b->storage.layout != BOARD_LAYOUT_NAND && b->storage.layout != BOARD_LAYOUT_EMMC)
		return fail(b, r, "storage.ab: dual firmware needs the nand or emmc layout (this board's is %s)",
			    board_layout_name(b->storage.layout));
	if (!good_name(ab->env_var))
		return fail(b, r, "storage.ab.env_var: missing or not a plain name");
	for (int i = 0; i < 2; i++) {
		if (!ab->env_value[i] || !ab->env_value[i][0] || strchr(ab->env_value[i], '\n'))
			return fail(b, r, "storage.ab.env_value[%d]: missing", i);
		snprintf(at, sizeof(at), "ab.slot[%d].", i);
		rc = b->storage.layout == BOARD_LAYOUT_NAND ? check_nand(b, r, at, &ab->slot[i].nand) :
							       check_emmc(b, r, at, &ab->slot[i].emmc);
		if (rc)
			return rc;
		for (int k = 0; k < BOARD_AB_ENV_MAX && ab->slot[i].env[k]; k++)
			if (!good_env(ab->slot[i].env[k]))
				return fail(b, r, "storage.ab.slot[%d].env[%d]: \"%s\" is not name=value", i, k,
					    ab->slot[i].env[k]);
	}
	if (!strcmp(ab->env_value[0], ab->env_value[1]))
		return fail(b, r, "storage.ab.env_value: both slots are \"%s\"", ab->env_value[0]);
	if (b->storage.layout == BOARD_LAYOUT_NAND &&
	    (!strcmp(ab->slot[0].nand.ubi_mtd, ab->slot[1].nand.ubi_mtd) ||
	     (ab->slot[0].nand.kernel_mtd && ab->slot[1].nand.kernel_mtd &&
	      !strcmp(ab->slot[0].nand.kernel_mtd, ab->slot[1].nand.kernel_mtd))))
		return fail(b, r, "storage.ab.slot[1]: the same partitions as slot[0] (%s)", ab->slot[0].nand.ubi_mtd);
	if (b->storage.layout == BOARD_LAYOUT_EMMC &&
	    (!strcmp(ab->slot[0].emmc.kernel_part, ab->slot[1].emmc.kernel_part) ||
	     !strcmp(ab->slot[0].emmc.root_part, ab->slot[1].emmc.root_part)))
		return fail(b, r, "storage.ab.slot[1]: the same partitions as slot[0] (%s)", ab->slot[0].emmc.kernel_part);
	for (int k = 0; k < BOARD_AB_ENV_MAX && ab->env_after[k]; k++)
		if (!good_env(ab->env_after[k]))
			return fail(b, r, "storage.ab.env_after[%d]: \"%s\" is not name=value", k, ab->env_after[k]);
	if (ab->running_alias && (rc = check_part(b, r, "ab.running_alias", ab->running_alias, false)))
		return rc;
	if (ab->bootcount == BOARD_BOOTCOUNT_LINKSYS && (rc = check_part(b, r, "ab.bootcount_mtd", ab->bootcount_mtd, true)))
		return rc;
	if (ab->bootcount == BOARD_BOOTCOUNT_NONE && ab->bootcount_mtd)
		return fail(b, r, "storage.ab.bootcount_mtd: %s set without a bootcount kind", ab->bootcount_mtd);
	return 0;
}

/* The layout's own fields, and that the overlay and firmware volumes agree with it. */
int board_validate_layout(const struct board *b, struct board_report *r)
{
	const struct board_storage *s = &b->storage;
	bool ab = s->ab.selector != BOARD_AB_NONE;
	int rc;

	if ((unsigned)s->layout >= BOARD_LAYOUT_COUNT)
		return fail(b, r, "storage.layout: %d out of range", (int)s->layout);
	if (s->layout != BOARD_LAYOUT_NAND && (s->nand.ubi_mtd || s->nand.kernel_mtd || s->nand.kernel_ubi_mtd))
		return fail(b, r, "storage.nand: set, but the layout is %s", board_layout_name(s->layout));
	if (s->layout != BOARD_LAYOUT_EMMC && (s->emmc.kernel_part || s->emmc.root_part))
		return fail(b, r, "storage.emmc: set, but the layout is %s", board_layout_name(s->layout));
	if ((rc = check_ab(b, r)))
		return rc;
	if (s->layout == BOARD_LAYOUT_NAND && !ab) {
		if ((rc = check_nand(b, r, "nand.", &s->nand)))
			return rc;
		if (s->rootfs_data.kind != BOARD_STORAGE_UBI ||
		    strcmp(s->rootfs_data.name, board_nand_data_volume(&s->nand)))
			warn(b, r, "storage.rootfs_data: not UBI volume %s, where a flash of this layout leaves the settings",
			     board_nand_data_volume(&s->nand));
	}
	if (s->layout == BOARD_LAYOUT_EMMC && !ab) {
		if ((rc = check_emmc(b, r, "emmc.", &s->emmc)))
			return rc;
	}
	if (s->layout != BOARD_LAYOUT_SINGLE && ab && (s->nand.ubi_mtd || s->emmc.kernel_part))
		return fail(b, r, "storage.%s: set beside ab.slot[]: a dual-firmware board names its partitions per slot",
			    board_layout_name(s->layout));
	return 0;
}

