/* unittests/test_plan.c — OpenWrt's flashing orders as step timelines (nand.sh, emmc.sh, dual firmware), and plan_check's refusals */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "plan.h"

#define MiB (1024 * 1024)

/* One step as a short line: "ubi-mkvol ubi0/kernel 4194304", "block-write rootfs@0 root 12582912". */
static void brief(const struct plan_step *s, char *buf, size_t n)
{
	size_t u = (size_t)snprintf(buf, n, "%s", plan_op_name(s->op));

	if (s->part)
		u += (size_t)snprintf(buf + u, n - u, " %s", s->part);
	if (s->volume)
		u += (size_t)snprintf(buf + u, n - u, "/%s", s->volume);
	if (s->op == PLAN_BLOCK_WRITE || s->op == PLAN_BLOCK_INVALIDATE || s->op == PLAN_SETTINGS_BLOCK)
		u += (size_t)snprintf(buf + u, n - u, "@%llu", (unsigned long long)s->offset_bytes);
	if (s->src)
		u += (size_t)snprintf(buf + u, n - u, " %s", plan_src_name(s->src));
	if (s->bytes)
		u += (size_t)snprintf(buf + u, n - u, " %llu", (unsigned long long)s->bytes);
	if (s->rest)
		u += (size_t)snprintf(buf + u, n - u, " rest");
	if (s->op == PLAN_ENV_SET) {
		u += (size_t)snprintf(buf + u, n - u, " %s", s->selector);
		for (unsigned i = 0; i < PLAN_MAX_ENV && s->env[i]; i++)
			u += (size_t)snprintf(buf + u, n - u, " %s", s->env[i]);
	}
}

static void expect(const struct plan *p, const char *const *want)
{
	char got[256];
	unsigned i = 0;

	for (; want[i]; i++) {
		if (i >= p->n)
			fail_msg("step %u missing: want \"%s\"", i + 1, want[i]);
		brief(&p->step[i], got, sizeof(got));
		if (strcmp(got, want[i]))
			fail_msg("step %u: got \"%s\", want \"%s\"", i + 1, got, want[i]);
	}
	if (i != p->n) {
		brief(&p->step[i], got, sizeof(got));
		fail_msg("%u steps, want %u (next: \"%s\")", p->n, i, got);
	}
}

static struct payload_id tar(uint64_t kernel, uint64_t root, uint64_t dtb)
{
	struct payload_id id = { .format = PAYLOAD_SYSUPGRADE_TAR, .dir = "sysupgrade-x_y", .walked = true };

	id.member[PAYLOAD_MEMBER_CONTROL] = (struct payload_member){ true, 1024, 12, 0 };
	if (kernel)
		id.member[PAYLOAD_MEMBER_KERNEL] = (struct payload_member){ true, 2048, kernel, 0 };
	if (root)
		id.member[PAYLOAD_MEMBER_ROOT] = (struct payload_member){ true, 4096 + kernel, root, 0 };
	if (dtb)
		id.member[PAYLOAD_MEMBER_DTB] = (struct payload_member){ true, 1536, dtb, 0 };
	return id;
}

static struct plan plan;

static int make(const struct board *b, const struct payload_id *id, enum layout_handler h, bool keep, int running,
		bool stay, bool ubifs)
{
	char why[PLAN_WHY_BYTES];
	struct plan_input in = { .board = b, .payload = id, .payload_bytes = 30 * MiB, .handler = h, .keep_settings = keep,
				 .running_slot = running, .stay_on_slot = stay, .root_is_ubifs = ubifs };
	int rc = plan_make(&in, &plan, why, sizeof(why));

	if (rc < 0)
		print_message("plan_make: %s\n", why);
	return rc;
}

static const struct board mr85x = { .name = "mr85x", .storage = { .layout = BOARD_LAYOUT_NAND,
	.nand = { .ubi_mtd = "ubi0" } } };
static const struct board ax3000t = { .name = "ax3000t", .storage = { .layout = BOARD_LAYOUT_NAND,
	.nand = { .ubi_mtd = "ubi", .kernel_ubi_mtd = "ubi_kernel" } } };
static const struct board raw_kernel = { .name = "rawk", .storage = { .layout = BOARD_LAYOUT_NAND,
	.nand = { .ubi_mtd = "ubi", .kernel_mtd = "kernel" } } };

static void nand_tar(void **s)
{
	struct payload_id id = tar(4 * MiB, 12 * MiB, 0);

	(void)s;
	/* nand_upgrade_tar on a CI_UBIPART board: volumes removed, made (rootfs_data last, the rest), root, kernel last */
	assert_int_equal(make(&mr85x, &id, LAYOUT_NAND_TAR, true, -1, false, false), 0);
	expect(&plan, (const char *[]){ "ubi-attach ubi0", "ubi-rmvol ubi0/kernel", "ubi-rmvol ubi0/rootfs",
		"ubi-rmvol ubi0/rootfs_data", "ubi-mkvol ubi0/kernel 4194304", "ubi-mkvol ubi0/rootfs 12582912",
		"ubi-mkvol ubi0/rootfs_data rest", "ubi-write ubi0/rootfs root 12582912",
		"ubi-write ubi0/kernel kernel 4194304", "settings-ubi ubi0/rootfs_data", NULL });
	assert_int_equal(plan.slot, -1);
	/* -n: no settings step */
	assert_int_equal(make(&mr85x, &id, LAYOUT_NAND_TAR, false, -1, false, false), 0);
	assert_int_equal(plan.step[plan.n - 1].op, PLAN_UBI_WRITE);
	/* CI_KERN_UBIPART: the kernel volume on its own UBI partition (Xiaomi AX3000T) */
	assert_int_equal(make(&ax3000t, &id, LAYOUT_NAND_TAR, false, -1, false, false), 0);
	expect(&plan, (const char *[]){ "ubi-attach ubi", "ubi-attach ubi_kernel", "ubi-rmvol ubi_kernel/kernel",
		"ubi-rmvol ubi/rootfs", "ubi-rmvol ubi/rootfs_data", "ubi-mkvol ubi_kernel/kernel 4194304",
		"ubi-mkvol ubi/rootfs 12582912", "ubi-mkvol ubi/rootfs_data rest", "ubi-write ubi/rootfs root 12582912",
		"ubi-write ubi_kernel/kernel kernel 4194304", NULL });
	/* a raw MTD kernel: its first 4 KiB zeroed before anything else, written last (overlap-safe) */
	assert_int_equal(make(&raw_kernel, &id, LAYOUT_NAND_TAR, false, -1, false, false), 0);
	expect(&plan, (const char *[]){ "mtd-invalidate kernel 4096", "ubi-attach ubi", "ubi-rmvol ubi/rootfs",
		"ubi-rmvol ubi/rootfs_data", "ubi-mkvol ubi/rootfs 12582912", "ubi-mkvol ubi/rootfs_data rest",
		"ubi-write ubi/rootfs root 12582912", "mtd-write kernel kernel 4194304", NULL });
	/* a UBIFS root takes all the space and leaves no rootfs_data (nor a place for settings) */
	assert_int_equal(make(&mr85x, &id, LAYOUT_NAND_TAR, true, -1, false, true), 0);
	expect(&plan, (const char *[]){ "ubi-attach ubi0", "ubi-rmvol ubi0/kernel", "ubi-rmvol ubi0/rootfs",
		"ubi-rmvol ubi0/rootfs_data", "ubi-mkvol ubi0/kernel 4194304", "ubi-mkvol ubi0/rootfs 12582912 rest",
		"ubi-write ubi0/rootfs root 12582912", "ubi-write ubi0/kernel kernel 4194304", NULL });
	/* kernel only: rootfs removed, not made */
	id = tar(4 * MiB, 0, 0);
	assert_int_equal(make(&mr85x, &id, LAYOUT_NAND_TAR, false, -1, false, false), 0);
	expect(&plan, (const char *[]){ "ubi-attach ubi0", "ubi-rmvol ubi0/kernel", "ubi-rmvol ubi0/rootfs",
		"ubi-rmvol ubi0/rootfs_data", "ubi-mkvol ubi0/kernel 4194304", "ubi-mkvol ubi0/rootfs_data rest",
		"ubi-write ubi0/kernel kernel 4194304", NULL });
	/* neither: refused */
	id = tar(0, 0, 0);
	assert_int_equal(make(&mr85x, &id, LAYOUT_NAND_TAR, false, -1, false, false), -EINVAL);
}

static void nand_other_formats(void **s)
{
	struct payload_id ubi = { .format = PAYLOAD_UBI, .own_bytes = 20 * MiB, .ubi_peb_bytes = 131072 };
	struct payload_id ubifs = { .format = PAYLOAD_UBIFS };
	struct payload_id fit = { .format = PAYLOAD_FIT, .own_bytes = 9 * MiB };

	(void)s;
	assert_int_equal(make(&mr85x, &ubi, LAYOUT_NAND_UBI, true, -1, false, false), 0);
	expect(&plan, (const char *[]){ "ubi-detach ubi0", "ubi-format ubi0 image 20971520", "ubi-attach ubi0",
		"settings-ubi ubi0/rootfs_data", NULL });
	assert_int_equal(plan.step[1].peb_bytes, 131072);
	assert_int_equal(make(&mr85x, &ubifs, LAYOUT_NAND_UBIFS, true, -1, false, false), 0);
	expect(&plan, (const char *[]){ "ubi-attach ubi0", "ubi-rmvol ubi0/kernel", "ubi-rmvol ubi0/rootfs",
		"ubi-rmvol ubi0/rootfs_data", "ubi-mkvol ubi0/rootfs 31457280 rest",
		"ubi-write ubi0/rootfs image 31457280", NULL });
	assert_int_equal(make(&mr85x, &fit, LAYOUT_NAND_FIT, false, -1, false, false), 0);
	expect(&plan, (const char *[]){ "ubi-attach ubi0", "ubi-rmvol ubi0/fit", "ubi-rmvol ubi0/kernel",
		"ubi-rmvol ubi0/rootfs", "ubi-rmvol ubi0/rootfs_data", "ubi-mkvol ubi0/fit 31457280",
		"ubi-mkvol ubi0/rootfs_data rest", "ubi-write ubi0/fit image 31457280", NULL });
	/* (the file's 30 MiB as nand_upgrade_fit counts them, mkimage's padding after the FIT's own 9 MiB too) */
	/* a gzip'd payload without its own length is written at its inflated length */
	ubifs.gzip = true;
	ubifs.uncompressed_bytes = 40 * MiB;
	assert_int_equal(make(&mr85x, &ubifs, LAYOUT_NAND_UBIFS, false, -1, false, false), 0);
	assert_int_equal(plan.step[plan.n - 1].bytes, 40 * MiB);
	/* a handler that is written in one piece has no plan */
	assert_int_equal(make(&mr85x, &fit, LAYOUT_RAW, false, -1, false, false), -EINVAL);
}

static const struct board mt6000 = { .name = "gl-mt6000", .storage = { .layout = BOARD_LAYOUT_EMMC,
	.emmc = { .kernel_part = "kernel", .root_part = "rootfs" } } };
static const struct board with_data = { .name = "sdg", .storage = { .layout = BOARD_LAYOUT_EMMC,
	.emmc = { .kernel_part = "boot", .root_part = "res1", .data_part = "rootfs_data", .dtb_part = "dtb" } } };

static void emmc(void **s)
{
	struct payload_id id = tar(4 * MiB, 12 * MiB + 5, 20000);
	struct payload_id fit = { .format = PAYLOAD_FIT, .own_bytes = 9 * MiB + 3 };

	(void)s;
	/* emmc_upgrade_tar: kernel invalidated, root, kernel last; the overlay after the root, rounded to 64 KiB */
	assert_int_equal(make(&mt6000, &id, LAYOUT_EMMC_TAR, true, -1, false, false), 0);
	expect(&plan, (const char *[]){ "block-invalidate kernel@0 4096", "block-write rootfs@0 root 12582917",
		"block-write kernel@0 kernel 4194304", "settings-block rootfs@12648448", NULL });
	/* -n: the overlay's start zeroed there instead, so the old one is not recognised */
	assert_int_equal(make(&mt6000, &id, LAYOUT_EMMC_TAR, false, -1, false, false), 0);
	assert_string_equal(plan_op_name(plan.step[3].op), "block-invalidate");
	assert_int_equal(plan.step[3].offset_bytes, 12648448);
	/* a data partition and a dtb partition */
	assert_int_equal(make(&with_data, &id, LAYOUT_EMMC_TAR, true, -1, false, false), 0);
	expect(&plan, (const char *[]){ "block-invalidate boot@0 4096", "block-write res1@0 root 12582917",
		"block-write dtb@0 dtb 20000", "block-write boot@0 kernel 4194304", "settings-block rootfs_data@0", NULL });
	/* emmc_upgrade_fit: the FIT (trailer left out) onto the kernel partition, the overlay after it */
	assert_int_equal(make(&mt6000, &fit, LAYOUT_EMMC_FIT, false, -1, false, false), 0);
	expect(&plan, (const char *[]){ "block-write kernel@0 image 9437187", "block-invalidate kernel@9437696 4096",
		NULL });
}

/* Linksys WRT3200ACM-like: boot_part 1/2, kernel1+rootfs1 / kernel2+rootfs2, auto_recovery, s_env counter. */
static const struct board wrt = { .name = "wrt", .storage = { .layout = BOARD_LAYOUT_NAND, .ab = {
	.selector = BOARD_AB_UBOOT_ENV, .env_var = "boot_part", .env_value = { "1", "2" },
	.slot = { { .nand = { .ubi_mtd = "rootfs1", .kernel_mtd = "kernel1" }, .env = { "bootcmd=run nandboot" } },
		  { .nand = { .ubi_mtd = "rootfs2", .kernel_mtd = "kernel2" }, .env = { "bootcmd=run altnandboot" } } },
	.env_after = { "auto_recovery=yes" }, .running_alias = "ubi",
	.bootcount = BOARD_BOOTCOUNT_LINKSYS, .bootcount_mtd = "s_env" } } };

static void dual_firmware(void **s)
{
	struct payload_id id = tar(4 * MiB, 12 * MiB, 0);

	(void)s;
	/* running slot 1 (index 0): slot 2 written, then the switch, then the counter */
	assert_int_equal(make(&wrt, &id, LAYOUT_NAND_TAR, true, 0, false, false), 0);
	assert_int_equal(plan.slot, 1);
	expect(&plan, (const char *[]){ "mtd-invalidate kernel2 4096", "ubi-attach rootfs2", "ubi-rmvol rootfs2/rootfs",
		"ubi-rmvol rootfs2/rootfs_data", "ubi-mkvol rootfs2/rootfs 12582912", "ubi-mkvol rootfs2/rootfs_data rest",
		"ubi-write rootfs2/rootfs root 12582912", "mtd-write kernel2 kernel 4194304",
		"settings-ubi rootfs2/rootfs_data", "env-set boot_part=2 bootcmd=run altnandboot auto_recovery=yes",
		"bootcount-reset s_env", NULL });
	/* running slot 2: slot 1 */
	assert_int_equal(make(&wrt, &id, LAYOUT_NAND_TAR, false, 1, false, false), 0);
	assert_int_equal(plan.slot, 0);
	assert_string_equal(plan.step[0].part, "kernel1");
	assert_string_equal(plan.step[plan.n - 2].selector, "boot_part=1");
	/* -s: the running slot */
	assert_int_equal(make(&wrt, &id, LAYOUT_NAND_TAR, false, 1, true, false), 0);
	assert_int_equal(plan.slot, 1);
	/* unknown: nothing planned */
	assert_int_equal(make(&wrt, &id, LAYOUT_NAND_TAR, false, -1, false, false), -EINVAL);
}

/* plan_check on the MR85X's ubi0: 400 LEBs of 126,976 bytes (a 64 MiB SPI-NAND partition of 128 KiB PEBs). */
static struct plan_facts facts(uint32_t avail)
{
	struct plan_facts f = { .n_parts = 1 };

	f.part[0] = (struct plan_part){ .name = "ubi0", .found = true, .ubi_attached = true, .bytes = 400 * 131072ull,
					.erase_bytes = 131072, .leb_bytes = 126976, .avail_lebs = avail, .n_vols = 3 };
	f.part[0].vol[0].name = "kernel";
	f.part[0].vol[0].lebs = 40;
	f.part[0].vol[1].name = "rootfs";
	f.part[0].vol[1].lebs = 100;
	f.part[0].vol[2].name = "rootfs_data";
	f.part[0].vol[2].lebs = 200;
	return f;
}

static void checks(void **s)
{
	struct payload_id id = tar(4 * MiB, 12 * MiB, 0), big = tar(4 * MiB, 45 * MiB, 0);
	struct payload_id ubi = { .format = PAYLOAD_UBI, .own_bytes = 20 * MiB, .ubi_peb_bytes = 65536 };
	struct plan_facts f = facts(40);
	char why[PLAN_WHY_BYTES];

	(void)s;
	/* 40 free + 340 from the removed volumes: kernel 34 LEBs + root 100 fit */
	assert_int_equal(make(&mr85x, &id, LAYOUT_NAND_TAR, true, -1, false, false), 0);
	assert_int_equal(plan_check(&plan, &f, why, sizeof(why)), 0);
	/* 45 MiB of root do not: refused before anything is written, naming the sizes */
	assert_int_equal(make(&mr85x, &big, LAYOUT_NAND_TAR, true, -1, false, false), 0);
	assert_int_equal(plan_check(&plan, &f, why, sizeof(why)), -ENOSPC);
	assert_non_null(strstr(why, "make UBI volume rootfs on ubi0 (45.0 MiB): needs 372 LEBs"));
	assert_non_null(strstr(why, "the image is larger than the UBI device"));
	/* a partition that is not there */
	f.part[0].found = false;
	assert_int_equal(make(&mr85x, &id, LAYOUT_NAND_TAR, true, -1, false, false), 0);
	assert_int_equal(plan_check(&plan, &f, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "there is no partition ubi0"));
	/* a UBI image for another erase size, or larger than the partition */
	f = facts(40);
	assert_int_equal(make(&mr85x, &ubi, LAYOUT_NAND_UBI, false, -1, false, false), 0);
	assert_int_equal(plan_check(&plan, &f, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "made for 65536-byte erase blocks"));
	ubi.ubi_peb_bytes = 131072;
	ubi.own_bytes = 60 * MiB;
	assert_int_equal(make(&mr85x, &ubi, LAYOUT_NAND_UBI, false, -1, false, false), 0);
	assert_int_equal(plan_check(&plan, &f, why, sizeof(why)), -ENOSPC);
	/* an eMMC root larger than its partition */
	{
		struct plan_facts e = { .n_parts = 2 };

		e.part[0] = (struct plan_part){ .name = "kernel", .found = true, .bytes = 32 * MiB };
		e.part[1] = (struct plan_part){ .name = "rootfs", .found = true, .bytes = 10 * MiB };
		assert_int_equal(make(&mt6000, &id, LAYOUT_EMMC_TAR, false, -1, false, false), 0);
		assert_int_equal(plan_check(&plan, &e, why, sizeof(why)), -ENOSPC);
		assert_non_null(strstr(why, "do not fit partition rootfs (10.0 MiB)"));
	}
}

/* What holds a target, as the writer found it: a row of the holds table. */
struct hold_row {
	const char *what;               /* the case, for the failure message */
	const struct board *board;
	enum layout_handler handler;
	int oversize;                   /* 1: the root does not fit */
	const char *vol;                /* the held UBI volume (NULL: the partition) */
	const char *part;               /* the held partition (eMMC; NULL: the board's UBI part) */
	enum plan_hold_kind kind;
	bool stage2;                    /* stage2 releases it */
	int rc;                         /* plan_check as things are */
	int rc_stage2;                  /* plan_check_stage2 */
	bool needs_stage2;
	const char *why;                /* in plan_check_stage2's why */
};

static void hold_facts(struct plan_facts *f, const struct hold_row *r)
{
	struct plan_hold h = { .kind = r->kind, .stage2 = r->stage2 };

	if (r->board == &mt6000) {
		*f = (struct plan_facts){ .n_parts = 2 };
		f->part[0] = (struct plan_part){ .name = "kernel", .found = true, .bytes = 32 * MiB };
		f->part[1] = (struct plan_part){ .name = "rootfs", .found = true, .bytes = 64 * MiB };
	} else {
		*f = facts(40);
		f->part[0].vol[3].name = "ubootenv";
		f->part[0].vol[3].lebs = 2;
		f->part[0].n_vols = 4;
	}
	if (r->kind == PLAN_HOLD_NONE)
		return;
	h.by = plan_facts_keep(f, r->kind == PLAN_HOLD_MOUNTED ? "ubiblock0_1 is mounted at / (squashfs)" :
			       r->kind == PLAN_HOLD_OPEN ? "pid 1 (init) has /dev/ubi0_3 open" : "loop0 reads it");
	for (unsigned i = 0; i < f->n_parts; i++) {
		if (r->part && !strcmp(f->part[i].name, r->part))
			f->part[i].hold = h;
		for (unsigned v = 0; r->vol && v < f->part[i].n_vols; v++)
			if (!strcmp(f->part[i].vol[v].name, r->vol))
				f->part[i].vol[v].hold = h;
	}
}

static void holds(void **s)
{
	struct payload_id ok = tar(4 * MiB, 12 * MiB, 0), big = tar(4 * MiB, 45 * MiB, 0), emmc_big = tar(MiB, 70 * MiB, 0);
	struct payload_id ubi = { .format = PAYLOAD_UBI, .own_bytes = 20 * MiB, .ubi_peb_bytes = 131072 };
	static const struct hold_row rows[] = {
		{ "nothing held: written now", &mr85x, LAYOUT_NAND_TAR, 0, NULL, NULL, PLAN_HOLD_NONE, false, 0, 0, false,
		  "" },
		{ "the root's volume mounted through its ubiblock: only after stage2", &mr85x, LAYOUT_NAND_TAR, 0, "rootfs",
		  NULL, PLAN_HOLD_MOUNTED, true, -EBUSY, 0, true,
		  "remove UBI volume rootfs on ubi0: UBI volume rootfs on ubi0 is in use: ubiblock0_1 is mounted at / "
		  "(squashfs)" },
		{ "the overlay's UBIFS mounted: only after stage2", &mr85x, LAYOUT_NAND_TAR, 0, "rootfs_data", NULL,
		  PLAN_HOLD_MOUNTED, true, -EBUSY, 0, true, "UBI volume rootfs_data on ubi0 is in use" },
		{ "held by what stage2 cannot release: refused", &mr85x, LAYOUT_NAND_TAR, 0, "kernel", NULL,
		  PLAN_HOLD_OPEN, false, -EBUSY, -EBUSY, false,
		  "remove UBI volume kernel on ubi0: UBI volume kernel on ubi0 is in use: pid 1 (init) has /dev/ubi0_3 "
		  "open (moving the root into RAM does not release that)" },
		{ "too large and held: refused for its size, before any stage2", &mr85x, LAYOUT_NAND_TAR, 1, "rootfs", NULL,
		  PLAN_HOLD_MOUNTED, true, -EBUSY, -ENOSPC, false, "the image is larger than the UBI device" },
		{ "a volume the tar leaves alone, held: written now", &mr85x, LAYOUT_NAND_TAR, 0, "ubootenv", NULL,
		  PLAN_HOLD_OPEN, false, 0, 0, false, "" },
		{ "the same volume held, a ubinized image replaces everything: refused", &mr85x, LAYOUT_NAND_UBI, 0,
		  "ubootenv", NULL, PLAN_HOLD_OPEN, false, -EBUSY, -EBUSY, false,
		  "detach UBI from ubi0: UBI volume ubootenv on ubi0 is in use" },
		{ "the root mounted from the eMMC rootfs partition: only after stage2", &mt6000, LAYOUT_EMMC_TAR, 0, NULL,
		  "rootfs", PLAN_HOLD_MOUNTED, true, -EBUSY, 0, true,
		  "write the root (12.0 MiB) to partition rootfs, its first 4 KiB last: partition rootfs is in use" },
		{ "the eMMC root partition too small: refused for its size", &mt6000, LAYOUT_EMMC_TAR, 2, NULL, "rootfs",
		  PLAN_HOLD_MOUNTED, true, -ENOSPC, -ENOSPC, false, "do not fit partition rootfs (64.0 MiB)" },
		{ "a loop over the kernel partition, stage2 cannot release it: refused", &mt6000, LAYOUT_EMMC_TAR, 0, NULL,
		  "kernel", PLAN_HOLD_LOOP, false, -EBUSY, -EBUSY, false,
		  "zero 4096 bytes at 0 of partition kernel: partition kernel is in use: loop0 reads it" },
	};
	char why[PLAN_WHY_BYTES];
	static struct plan_facts f;

	(void)s;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct hold_row *r = &rows[i];
		const struct payload_id *id = r->oversize == 1 ? &big : r->oversize == 2 ? &emmc_big :
					      r->handler == LAYOUT_NAND_UBI ? &ubi : &ok;
		bool needs = !r->needs_stage2;
		int rc;

		assert_int_equal(make(r->board, id, r->handler, false, -1, false, false), 0);
		hold_facts(&f, r);
		rc = plan_check(&plan, &f, why, sizeof(why));
		if (rc != r->rc)
			fail_msg("%s: plan_check %d, want %d (%s)", r->what, rc, r->rc, why);
		rc = plan_check_stage2(&plan, &f, &needs, why, sizeof(why));
		if (rc != r->rc_stage2 || needs != r->needs_stage2 || !strstr(why, r->why))
			fail_msg("%s: plan_check_stage2 %d stage2=%d \"%s\", want %d stage2=%d \"%s\"", r->what, rc, needs,
				 why, r->rc_stage2, r->needs_stage2, r->why);
		assert_false(f.stage2);   /* left as it was */
	}
	/* the facts' own text storage: full is "" (never a pointer past it) */
	f = (struct plan_facts){ 0 };
	for (int i = 0; i < 2000; i++)
		(void)plan_facts_keep(&f, "ubiblock0_1 is mounted at /");
	assert_true(f.text_used <= sizeof(f.text) && f.text_used > sizeof(f.text) - 29);
	assert_string_equal(plan_facts_keep(&f, "a line longer than what is left of the storage"), "");
	assert_string_equal(plan_facts_keep(&f, ""), "");
	for (int k = 0; k < PLAN_HOLD_KIND_COUNT; k++)
		assert_string_not_equal(plan_hold_name((enum plan_hold_kind)k), "?");
}

static void texts(void **s)
{
	char buf[200];

	(void)s;
	for (int op = 0; op < PLAN_OP_COUNT; op++) {
		struct plan_step st = { .op = (enum plan_op)op, .part = "p", .volume = "v", .src = PLAN_SRC_ROOT,
					.bytes = 3 * MiB, .selector = "a=b" };

		plan_step_text(&st, buf, sizeof(buf));
		assert_true(buf[0] != '\0' && strcmp(buf, "?"));
		assert_string_not_equal(plan_op_name((enum plan_op)op), "?");
	}
	assert_string_equal(plan_op_name(PLAN_OP_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nand_tar),
		cmocka_unit_test(nand_other_formats),
		cmocka_unit_test(emmc),
		cmocka_unit_test(dual_firmware),
		cmocka_unit_test(checks),
		cmocka_unit_test(holds),
		cmocka_unit_test(texts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
