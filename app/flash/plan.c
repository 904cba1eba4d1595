/* app/flash/plan.c — OpenWrt's flashing orders as steps (nand.sh, emmc.sh, dual firmware), and whether they fit (pure) */
#include "plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int refuse(char *why, size_t n, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int refuse(char *why, size_t n, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return rc;
}

static struct plan_step *add(struct plan *p, enum plan_op op, const char *part)
{
	struct plan_step *s;

	if (p->n == PLAN_MAX_STEPS)
		return NULL;
	s = &p->step[p->n++];
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->part = part;
	return s;
}

static uint64_t member_bytes(const struct payload_id *p, enum payload_member_id m)
{
	return p->member[m].present ? p->member[m].size_bytes : 0;
}

/* The payload's own length: what a raw write of it writes (the FIT, the UBI image), inflated when gzip'd. */
static uint64_t own_bytes(const struct plan_input *in)
{
	if (in->payload->own_bytes)
		return in->payload->own_bytes;
	if (in->payload->gzip && in->payload->uncompressed_bytes)
		return in->payload->uncompressed_bytes;
	return in->payload_bytes;
}

/* The whole file as nand_upgrade_fit counts it ($cmd < file | wc -c: mkimage's padding after the FIT included). */
static uint64_t file_bytes(const struct plan_input *in)
{
	if (in->payload->gzip && in->payload->uncompressed_bytes)
		return in->payload->uncompressed_bytes;
	return in->payload_bytes;
}

static void ubi_vol(struct plan *p, enum plan_op op, const char *part, const char *vol, enum plan_src src,
		    uint64_t bytes, bool rest)
{
	struct plan_step *s = add(p, op, part);

	if (s) {
		s->volume = vol;
		s->src = src;
		s->bytes = bytes;
		s->rest = rest;
	}
}

static void write_src(struct plan *p, enum plan_op op, const char *part, enum plan_src src, uint64_t bytes,
		      uint64_t offset)
{
	struct plan_step *s = add(p, op, part);

	if (s) {
		s->src = src;
		s->bytes = bytes;
		s->offset_bytes = offset;
	}
}

/* nand_upgrade_prepare_ubi's removals: kernel (when a volume), rootfs and rootfs_data, every time; others stay. */
static void nand_remove(struct plan *p, const struct board_nand *n, const char *kernel_vol)
{
	const char *kernel_part = n->kernel_ubi_mtd ? n->kernel_ubi_mtd : n->ubi_mtd;

	if (kernel_vol)
		ubi_vol(p, PLAN_UBI_RMVOL, kernel_part, kernel_vol, PLAN_SRC_NONE, 0, false);
	ubi_vol(p, PLAN_UBI_RMVOL, n->ubi_mtd, board_nand_rootfs_volume(n), PLAN_SRC_NONE, 0, false);
	ubi_vol(p, PLAN_UBI_RMVOL, n->ubi_mtd, board_nand_data_volume(n), PLAN_SRC_NONE, 0, false);
}

static void nand_attach(struct plan *p, const struct board_nand *n, bool kernel_ubi)
{
	add(p, PLAN_UBI_ATTACH, n->ubi_mtd);
	if (kernel_ubi && n->kernel_ubi_mtd)
		add(p, PLAN_UBI_ATTACH, n->kernel_ubi_mtd);
}

/* nand_upgrade_tar: invalidate a raw kernel, prepare UBI, root, then the kernel last. */
static int nand_tar(const struct plan_input *in, const struct board_nand *n, struct plan *p, char *why, size_t wn)
{
	uint64_t kernel = member_bytes(in->payload, PAYLOAD_MEMBER_KERNEL);
	uint64_t root = member_bytes(in->payload, PAYLOAD_MEMBER_ROOT);
	const char *kernel_part = n->kernel_ubi_mtd ? n->kernel_ubi_mtd : n->ubi_mtd;
	bool raw_kernel = n->kernel_mtd != NULL;

	if (!kernel && !root)
		return refuse(why, wn, -EINVAL, "the sysupgrade tar %s/ holds neither a kernel nor a root",
			      in->payload->dir);
	/* "On some devices, the raw kernel and ubi partitions overlap. These devices brick if the kernel partition
	 * is erased": only its first bytes are zeroed, and before anything else. */
	if (kernel && raw_kernel) {
		struct plan_step *s = add(p, PLAN_MTD_INVALIDATE, n->kernel_mtd);

		if (s)
			s->bytes = PLAN_INVALIDATE_BYTES;
	}
	nand_attach(p, n, kernel && !raw_kernel);
	nand_remove(p, n, raw_kernel ? NULL : board_nand_kernel_volume(n));
	if (kernel && !raw_kernel)
		ubi_vol(p, PLAN_UBI_MKVOL, kernel_part, board_nand_kernel_volume(n), PLAN_SRC_NONE, kernel, false);
	if (root)
		ubi_vol(p, PLAN_UBI_MKVOL, n->ubi_mtd, board_nand_rootfs_volume(n), PLAN_SRC_NONE, root,
			in->root_is_ubifs);
	if (!in->root_is_ubifs)
		ubi_vol(p, PLAN_UBI_MKVOL, n->ubi_mtd, board_nand_data_volume(n), PLAN_SRC_NONE, 0, true);
	if (root)
		ubi_vol(p, PLAN_UBI_WRITE, n->ubi_mtd, board_nand_rootfs_volume(n), PLAN_SRC_ROOT, root, false);
	if (kernel && raw_kernel)
		write_src(p, PLAN_MTD_WRITE, n->kernel_mtd, PLAN_SRC_KERNEL, kernel, 0);
	else if (kernel)
		ubi_vol(p, PLAN_UBI_WRITE, kernel_part, board_nand_kernel_volume(n), PLAN_SRC_KERNEL, kernel, false);
	return 0;
}

/* nand_upgrade_ubinized: the whole UBI device replaced (ubiformat keeps the erase counters), attached again. */
static void nand_ubi(const struct plan_input *in, const struct board_nand *n, struct plan *p)
{
	struct plan_step *s;

	add(p, PLAN_UBI_DETACH, n->ubi_mtd);
	write_src(p, PLAN_UBI_FORMAT, n->ubi_mtd, PLAN_SRC_PAYLOAD, own_bytes(in), 0);
	if (p->n && (s = &p->step[p->n - 1])->op == PLAN_UBI_FORMAT)
		s->peb_bytes = in->payload->ubi_peb_bytes;
	add(p, PLAN_UBI_ATTACH, n->ubi_mtd);
}

/* nand_upgrade_ubifs: the rootfs volume takes every free LEB; no kernel and no rootfs_data volume. */
static void nand_ubifs(const struct plan_input *in, const struct board_nand *n, struct plan *p)
{
	nand_attach(p, n, !n->kernel_mtd);
	nand_remove(p, n, n->kernel_mtd ? NULL : board_nand_kernel_volume(n));
	ubi_vol(p, PLAN_UBI_MKVOL, n->ubi_mtd, board_nand_rootfs_volume(n), PLAN_SRC_NONE, own_bytes(in), true);
	ubi_vol(p, PLAN_UBI_WRITE, n->ubi_mtd, board_nand_rootfs_volume(n), PLAN_SRC_PAYLOAD, own_bytes(in), false);
}

/* nand_upgrade_fit: the FIT volume of the file's length, an empty rootfs_data with the rest, then the FIT. */
static void nand_fit(const struct plan_input *in, const struct board_nand *n, struct plan *p)
{
	const char *fit = board_nand_fit_volume(n);

	add(p, PLAN_UBI_ATTACH, n->ubi_mtd);
	ubi_vol(p, PLAN_UBI_RMVOL, n->ubi_mtd, fit, PLAN_SRC_NONE, 0, false);
	if (strcmp(fit, board_nand_kernel_volume(n)))
		ubi_vol(p, PLAN_UBI_RMVOL, n->ubi_mtd, board_nand_kernel_volume(n), PLAN_SRC_NONE, 0, false);
	ubi_vol(p, PLAN_UBI_RMVOL, n->ubi_mtd, board_nand_rootfs_volume(n), PLAN_SRC_NONE, 0, false);
	ubi_vol(p, PLAN_UBI_RMVOL, n->ubi_mtd, board_nand_data_volume(n), PLAN_SRC_NONE, 0, false);
	ubi_vol(p, PLAN_UBI_MKVOL, n->ubi_mtd, fit, PLAN_SRC_NONE, file_bytes(in), false);
	ubi_vol(p, PLAN_UBI_MKVOL, n->ubi_mtd, board_nand_data_volume(n), PLAN_SRC_NONE, 0, true);
	ubi_vol(p, PLAN_UBI_WRITE, n->ubi_mtd, fit, PLAN_SRC_PAYLOAD, file_bytes(in), false);
}

/* nand_restore_config: the archive into the new, empty rootfs_data (UBIFS formats it when mounted). */
static void nand_settings(const struct plan_input *in, const struct board_nand *n, struct plan *p)
{
	if (in->keep_settings && in->handler != LAYOUT_NAND_UBIFS && !(in->handler == LAYOUT_NAND_TAR && in->root_is_ubifs))
		ubi_vol(p, PLAN_SETTINGS_UBI, n->ubi_mtd, board_nand_data_volume(n), PLAN_SRC_NONE, 0, false);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* emmc_upgrade_tar: the kernel's first 8 sectors zeroed, root, dtb, kernel last; then the overlay's start. */
static int emmc_tar(const struct plan_input *in, const struct board_emmc *e, struct plan *p, char *why, size_t wn)
{
	uint64_t kernel = member_bytes(in->payload, PAYLOAD_MEMBER_KERNEL);
	uint64_t root = member_bytes(in->payload, PAYLOAD_MEMBER_ROOT);
	uint64_t dtb = member_bytes(in->payload, PAYLOAD_MEMBER_DTB);
	struct plan_step *s;

	if (!kernel && !root)
		return refuse(why, wn, -EINVAL, "the sysupgrade tar %s/ holds neither a kernel nor a root",
			      in->payload->dir);
	if (root && (s = add(p, PLAN_BLOCK_INVALIDATE, e->kernel_part)))
		s->bytes = PLAN_INVALIDATE_BYTES;
	if (root)
		write_src(p, PLAN_BLOCK_WRITE, e->root_part, PLAN_SRC_ROOT, root, 0);
	if (dtb && e->dtb_part)
		write_src(p, PLAN_BLOCK_WRITE, e->dtb_part, PLAN_SRC_DTB, dtb, 0);
	if (kernel)
		write_src(p, PLAN_BLOCK_WRITE, e->kernel_part, PLAN_SRC_KERNEL, kernel, 0);
	/* The overlay: the data partition, else right after the root (64 KiB aligned), else after the kernel. */
	if (e->data_part)
		s = add(p, in->keep_settings ? PLAN_SETTINGS_BLOCK : PLAN_BLOCK_INVALIDATE, e->data_part);
	else if (root)
		s = add(p, in->keep_settings ? PLAN_SETTINGS_BLOCK : PLAN_BLOCK_INVALIDATE, e->root_part);
	else
		s = add(p, in->keep_settings ? PLAN_SETTINGS_BLOCK : PLAN_BLOCK_INVALIDATE, e->kernel_part);
	if (s) {
		s->offset_bytes = e->data_part ? 0 : root ? align_up(root, PLAN_EMMC_ALIGN_BYTES) : align_up(kernel, 512);
		s->bytes = in->keep_settings ? 0 : PLAN_INVALIDATE_BYTES;
	}
	return 0;
}

/* emmc_upgrade_fit: the FIT onto the kernel partition, the overlay after it (fitblk's /dev/fitrw). */
static void emmc_fit(const struct plan_input *in, const struct board_emmc *e, struct plan *p)
{
	struct plan_step *s;

	write_src(p, PLAN_BLOCK_WRITE, e->kernel_part, PLAN_SRC_PAYLOAD, own_bytes(in), 0);
	s = add(p, in->keep_settings ? PLAN_SETTINGS_BLOCK : PLAN_BLOCK_INVALIDATE, e->data_part ? e->data_part :
		e->kernel_part);
	if (s) {
		s->offset_bytes = e->data_part ? 0 : align_up(own_bytes(in), 512);
		s->bytes = in->keep_settings ? 0 : PLAN_INVALIDATE_BYTES;
	}
}

/* The switch to the written slot: the selector and the slot's own variables, what follows, the boot counter. */
static void ab_switch(const struct board_ab *ab, int slot, struct plan *p)
{
	struct plan_step *s = add(p, PLAN_ENV_SET, NULL);
	unsigned k = 0;

	if (s) {
		snprintf(s->selector, sizeof(s->selector), "%s=%s", ab->env_var, ab->env_value[slot]);
		for (int i = 0; i < BOARD_AB_ENV_MAX && ab->slot[slot].env[i]; i++)
			s->env[k++] = ab->slot[slot].env[i];
		for (int i = 0; i < BOARD_AB_ENV_MAX && ab->env_after[i]; i++)
			s->env[k++] = ab->env_after[i];
	}
	if (ab->bootcount == BOARD_BOOTCOUNT_LINKSYS)
		add(p, PLAN_BOOTCOUNT_RESET, ab->bootcount_mtd);
}

int plan_make(const struct plan_input *in, struct plan *out, char *why, size_t why_size)
{
	const struct board_storage *st = &in->board->storage;
	const struct board_nand *nand = &st->nand;
	const struct board_emmc *emmc = &st->emmc;
	bool ab = in->board->storage.ab.selector != BOARD_AB_NONE;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->handler = in->handler;
	out->slot = -1;
	why[0] = '\0';
	if (ab) {
		if (in->running_slot != 0 && in->running_slot != 1)
			return refuse(why, why_size, -EINVAL, "dual firmware: which slot runs now is not known (%s is "
				      "neither %s nor %s, and no partition is named %s): nothing written",
				      st->ab.env_var, st->ab.env_value[0], st->ab.env_value[1],
				      st->ab.running_alias ? st->ab.running_alias : "as the running one");
		out->slot = in->stay_on_slot ? in->running_slot : 1 - in->running_slot;
		nand = &st->ab.slot[out->slot].nand;
		emmc = &st->ab.slot[out->slot].emmc;
	}
	switch (in->handler) {
	case LAYOUT_NAND_TAR:
		rc = nand_tar(in, nand, out, why, why_size);
		break;
	case LAYOUT_NAND_UBI:
		nand_ubi(in, nand, out);
		break;
	case LAYOUT_NAND_UBIFS:
		nand_ubifs(in, nand, out);
		break;
	case LAYOUT_NAND_FIT:
		nand_fit(in, nand, out);
		break;
	case LAYOUT_EMMC_TAR:
		rc = emmc_tar(in, emmc, out, why, why_size);
		break;
	case LAYOUT_EMMC_FIT:
		emmc_fit(in, emmc, out);
		break;
	default:
		return refuse(why, why_size, -EINVAL, "handler %s has no plan (it is written as one piece)",
			      layout_handler_name(in->handler));
	}
	if (rc)
		return rc;
	if (in->handler >= LAYOUT_NAND_TAR && in->handler <= LAYOUT_NAND_FIT)
		nand_settings(in, nand, out);
	if (ab)
		ab_switch(&st->ab, out->slot, out);
	if (out->n == PLAN_MAX_STEPS)
		return refuse(why, why_size, -E2BIG, "the plan has more than %d steps", PLAN_MAX_STEPS - 1);
	return 0;
}

const struct plan_part *plan_facts_part(const struct plan_facts *f, const char *name)
{
	for (unsigned i = 0; name && i < f->n_parts; i++)
		if (f->part[i].name && !strcmp(f->part[i].name, name))
			return &f->part[i];
	return NULL;
}

const char *plan_facts_keep(struct plan_facts *f, const char *s)
{
	size_t n = strlen(s) + 1;
	char *at;

	if (f->text_used + n > sizeof(f->text))
		return "";
	at = f->text + f->text_used;
	memcpy(at, s, n);
	f->text_used += n;
	return at;
}

const char *plan_hold_name(enum plan_hold_kind k)
{
	static const char *const names[PLAN_HOLD_KIND_COUNT] = {
		[PLAN_HOLD_NONE] = "", [PLAN_HOLD_MOUNTED] = "mounted", [PLAN_HOLD_LOOP] = "loop",
		[PLAN_HOLD_STACKED] = "stacked", [PLAN_HOLD_UBI] = "ubi", [PLAN_HOLD_OPEN] = "open",
		[PLAN_HOLD_BUSY] = "busy",
	};

	return (unsigned)k < PLAN_HOLD_KIND_COUNT ? names[k] : "?";
}

/* LEBs for bytes. */
static uint64_t lebs(uint64_t bytes, uint32_t leb)
{
	return (bytes + leb - 1) / leb;
}

static void mib(char *buf, size_t n, uint64_t bytes)
{
	snprintf(buf, n, "%.1f MiB", (double)bytes / 1048576.0);
}

/* The walk of plan_check: free LEBs and the volumes of each UBI part as the steps change them. */
struct sim {
	struct plan_part part[PLAN_MAX_PARTS];
	unsigned n;
	bool stage2;
};

static struct plan_part *sim_part(struct sim *s, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->part[i].name, name))
			return &s->part[i];
	return NULL;
}

/* A hold that refuses the step: one not released by stage2 (or any, when the flash would run now). */
static bool refuses(const struct sim *sim, const struct plan_hold *h)
{
	return h->kind != PLAN_HOLD_NONE && !(sim->stage2 && h->stage2);
}

static int held(const struct sim *sim, const struct plan_hold *h, const char *step, const char *what, char *why,
		size_t wn)
{
	if (!refuses(sim, h))
		return 0;
	return refuse(why, wn, -EBUSY, "%s: %s is in use: %s%s", step, what,
		      h->by && h->by[0] ? h->by : plan_hold_name(h->kind),
		      sim->stage2 ? " (moving the root into RAM does not release that)" : "");
}

/* What a step that detaches or formats a UBI partition needs free: the partition and every volume on it. */
static int ubi_part_held(const struct sim *sim, const struct plan_part *pp, const char *step, char *why, size_t wn)
{
	char what[160];
	int rc;

	snprintf(what, sizeof(what), "MTD partition %s", pp->name);
	if ((rc = held(sim, &pp->hold, step, what, why, wn)) < 0)
		return rc;
	for (unsigned i = 0; i < pp->n_vols; i++) {
		snprintf(what, sizeof(what), "UBI volume %s on %s", pp->vol[i].name, pp->name);
		if ((rc = held(sim, &pp->vol[i].hold, step, what, why, wn)) < 0)
			return rc;
	}
	return 0;
}

static int vol_held(const struct sim *sim, const struct plan_part *pp, const char *vol, const char *step, char *why,
		    size_t wn)
{
	char what[160];

	for (unsigned i = 0; vol && i < pp->n_vols; i++)
		if (!strcmp(pp->vol[i].name, vol)) {
			snprintf(what, sizeof(what), "UBI volume %s on %s", vol, pp->name);
			return held(sim, &pp->vol[i].hold, step, what, why, wn);
		}
	return 0;
}

static int check_step(struct sim *sim, const struct plan_step *s, char *why, size_t wn)
{
	char step[160], a[24], b[24], what[160];
	struct plan_part *pp = s->part ? sim_part(sim, s->part) : NULL;
	uint64_t need;
	int rc;

	plan_step_text(s, step, sizeof(step));
	if (s->op == PLAN_ENV_SET)
		return 0;
	if (!pp || !pp->found)
		return refuse(why, wn, -ENODEV, "%s: there is no partition %s on this system", step, s->part ? s->part : "?");
	switch (s->op) {
	case PLAN_UBI_DETACH:
		return ubi_part_held(sim, pp, step, why, wn);
	case PLAN_UBI_FORMAT:
		need = s->bytes;
		mib(a, sizeof(a), need);
		mib(b, sizeof(b), pp->bytes);
		if (need > pp->bytes)
			return refuse(why, wn, -ENOSPC, "%s: the UBI image (%s) is larger than MTD partition %s (%s)", step, a,
				      s->part, b);
		if (s->peb_bytes && pp->erase_bytes && s->peb_bytes != pp->erase_bytes)
			return refuse(why, wn, -EINVAL, "%s: the UBI image is made for %u-byte erase blocks and MTD partition "
				      "%s has %u-byte ones", step, s->peb_bytes, s->part, pp->erase_bytes);
		if ((rc = ubi_part_held(sim, pp, step, why, wn)) < 0)
			return rc;
		/* After the format the device holds what the image made: sizes are the image's. */
		pp->ubi_attached = true;
		pp->n_vols = 0;
		pp->avail_lebs = 0;
		return 0;
	case PLAN_UBI_RMVOL:
		if ((rc = vol_held(sim, pp, s->volume, step, why, wn)) < 0)
			return rc;
		for (unsigned i = 0; i < pp->n_vols; i++)
			if (!strcmp(pp->vol[i].name, s->volume)) {
				pp->avail_lebs += pp->vol[i].lebs;
				pp->vol[i] = pp->vol[--pp->n_vols];
				break;
			}
		return 0;
	case PLAN_UBI_WRITE:
		return vol_held(sim, pp, s->volume, step, why, wn);
	case PLAN_UBI_MKVOL:
		if (!pp->ubi_attached || !pp->leb_bytes)
			return 0;   /* formatted empty at attach: the writer checks against what the format leaves */
		need = s->rest ? (s->bytes ? lebs(s->bytes, pp->leb_bytes) : 1) : lebs(s->bytes, pp->leb_bytes);
		if (need > pp->avail_lebs) {
			mib(a, sizeof(a), need * pp->leb_bytes);
			mib(b, sizeof(b), (uint64_t)pp->avail_lebs * pp->leb_bytes);
			return refuse(why, wn, -ENOSPC, "%s: needs %llu LEBs (%s) and UBI on %s has %u free (%s) once the old "
				      "kernel, rootfs and rootfs_data are gone: the image is larger than the UBI device", step,
				      (unsigned long long)need, a, s->part, pp->avail_lebs, b);
		}
		pp->avail_lebs = s->rest ? 0 : pp->avail_lebs - (uint32_t)need;
		return 0;
	case PLAN_MTD_WRITE:
	case PLAN_MTD_INVALIDATE:
	case PLAN_BLOCK_WRITE:
	case PLAN_BLOCK_INVALIDATE:
		need = s->offset_bytes + s->bytes;
		mib(a, sizeof(a), need);
		mib(b, sizeof(b), pp->bytes);
		if (need > pp->bytes)
			return refuse(why, wn, -ENOSPC, "%s: %s do not fit partition %s (%s)", step, a, s->part, b);
		snprintf(what, sizeof(what), "%s %s", s->op == PLAN_MTD_WRITE || s->op == PLAN_MTD_INVALIDATE ?
			 "MTD partition" : "partition", s->part);
		return held(sim, &pp->hold, step, what, why, wn);
	case PLAN_SETTINGS_BLOCK:
		if (s->offset_bytes >= pp->bytes)
			return refuse(why, wn, -ENOSPC, "%s: partition %s ends before it", step, s->part);
		snprintf(what, sizeof(what), "partition %s", s->part);
		return held(sim, &pp->hold, step, what, why, wn);
	default:
		return 0;
	}
}

int plan_check(const struct plan *p, const struct plan_facts *f, char *why, size_t why_size)
{
	static struct sim sim;   /* ~45 KB: not on a router's stack */
	int rc;

	why[0] = '\0';
	memset(&sim, 0, sizeof(sim));
	sim.n = f->n_parts < PLAN_MAX_PARTS ? f->n_parts : PLAN_MAX_PARTS;
	sim.stage2 = f->stage2;
	memcpy(sim.part, f->part, sim.n * sizeof(sim.part[0]));
	for (unsigned i = 0; i < p->n; i++)
		if ((rc = check_step(&sim, &p->step[i], why, why_size)) < 0)
			return rc;
	return 0;
}

int plan_check_stage2(const struct plan *p, struct plan_facts *f, bool *stage2, char *why, size_t why_size)
{
	char first[PLAN_WHY_BYTES];
	int rc, rc2;

	*stage2 = false;
	f->stage2 = false;
	if ((rc = plan_check(p, f, why, why_size)) != -EBUSY)
		return rc;
	snprintf(first, sizeof(first), "%s", why);
	f->stage2 = true;
	rc2 = plan_check(p, f, why, why_size);
	f->stage2 = false;
	if (rc2 == 0) {
		*stage2 = true;
		snprintf(why, why_size, "%s", first);   /* what stage2 has to release, for the caller to tell */
		return 0;
	}
	return rc2;
}

const char *plan_op_name(enum plan_op op)
{
	static const char *const names[PLAN_OP_COUNT] = {
		[PLAN_UBI_ATTACH] = "ubi-attach", [PLAN_UBI_DETACH] = "ubi-detach", [PLAN_UBI_FORMAT] = "ubi-format",
		[PLAN_UBI_RMVOL] = "ubi-rmvol", [PLAN_UBI_MKVOL] = "ubi-mkvol", [PLAN_UBI_WRITE] = "ubi-write",
		[PLAN_MTD_INVALIDATE] = "mtd-invalidate", [PLAN_MTD_WRITE] = "mtd-write",
		[PLAN_BLOCK_INVALIDATE] = "block-invalidate", [PLAN_BLOCK_WRITE] = "block-write",
		[PLAN_SETTINGS_UBI] = "settings-ubi", [PLAN_SETTINGS_BLOCK] = "settings-block",
		[PLAN_ENV_SET] = "env-set", [PLAN_BOOTCOUNT_RESET] = "bootcount-reset",
	};

	return (unsigned)op < PLAN_OP_COUNT ? names[op] : "?";
}

const char *plan_src_name(enum plan_src src)
{
	static const char *const names[PLAN_SRC_COUNT] = {
		[PLAN_SRC_NONE] = "", [PLAN_SRC_KERNEL] = "kernel", [PLAN_SRC_ROOT] = "root", [PLAN_SRC_DTB] = "dtb",
		[PLAN_SRC_PAYLOAD] = "image",
	};

	return (unsigned)src < PLAN_SRC_COUNT ? names[src] : "?";
}

void plan_step_text(const struct plan_step *s, char *buf, size_t n)
{
	char size[24];
	size_t used;

	mib(size, sizeof(size), s->bytes);
	switch (s->op) {
	case PLAN_UBI_ATTACH:
		snprintf(buf, n, "attach UBI on %s (format it empty if it will not attach)", s->part);
		break;
	case PLAN_UBI_DETACH:
		snprintf(buf, n, "detach UBI from %s", s->part);
		break;
	case PLAN_UBI_FORMAT:
		snprintf(buf, n, "ubiformat %s with the UBI image (%s; erase counters kept)", s->part, size);
		break;
	case PLAN_UBI_RMVOL:
		snprintf(buf, n, "remove UBI volume %s on %s", s->volume, s->part);
		break;
	case PLAN_UBI_MKVOL:
		if (s->rest)
			snprintf(buf, n, "make UBI volume %s on %s with every free LEB", s->volume, s->part);
		else
			snprintf(buf, n, "make UBI volume %s on %s (%s)", s->volume, s->part, size);
		break;
	case PLAN_UBI_WRITE:
		snprintf(buf, n, "write the %s (%s) into UBI volume %s on %s", plan_src_name(s->src), size, s->volume,
			 s->part);
		break;
	case PLAN_MTD_INVALIDATE:
		snprintf(buf, n, "zero the first %llu bytes of MTD partition %s (no kernel boots from it)",
			 (unsigned long long)s->bytes, s->part);
		break;
	case PLAN_MTD_WRITE:
		snprintf(buf, n, "write the %s (%s) to MTD partition %s", plan_src_name(s->src), size, s->part);
		break;
	case PLAN_BLOCK_INVALIDATE:
		snprintf(buf, n, "zero %llu bytes at %llu of partition %s", (unsigned long long)s->bytes,
			 (unsigned long long)s->offset_bytes, s->part);
		break;
	case PLAN_BLOCK_WRITE:
		snprintf(buf, n, "write the %s (%s) to partition %s, its first 4 KiB last", plan_src_name(s->src), size,
			 s->part);
		break;
	case PLAN_SETTINGS_UBI:
		snprintf(buf, n, "the kept settings into UBI volume %s on %s (sysupgrade.tgz)", s->volume, s->part);
		break;
	case PLAN_SETTINGS_BLOCK:
		snprintf(buf, n, "the kept settings' archive at %llu of partition %s", (unsigned long long)s->offset_bytes,
			 s->part);
		break;
	case PLAN_ENV_SET:
		used = (size_t)snprintf(buf, n, "set the boot environment: %s", s->selector);
		for (unsigned i = 0; i < PLAN_MAX_ENV && s->env[i] && used < n; i++)
			used += (size_t)snprintf(buf + used, n - used, " %s", s->env[i]);
		break;
	case PLAN_BOOTCOUNT_RESET:
		snprintf(buf, n, "reset the boot counter in MTD partition %s", s->part);
		break;
	default:
		snprintf(buf, n, "?");
		break;
	}
}
