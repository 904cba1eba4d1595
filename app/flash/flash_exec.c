/* app/flash/flash_exec.c — carry out a plan: UBI volumes, raw MTD, GPT partitions, the boot environment; every write read back */
#include "flash_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bootcount.h"
#include "bootenv.h"
#include "inflate.h"
#include "inuse.h"
#include "io.h"
#include "scan.h"

#define HEADER_LAST_BYTES 4096u   /* a kernel's first 4 KiB (its header) go last: a cut leaves none that boots */

static int fail(char *why, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, FLASH_EXEC_WHY_BYTES, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- facts ---- */

static bool ubi_op(enum plan_op op)
{
	return op == PLAN_UBI_ATTACH || op == PLAN_UBI_DETACH || op == PLAN_UBI_FORMAT || op == PLAN_UBI_RMVOL ||
	       op == PLAN_UBI_MKVOL || op == PLAN_UBI_WRITE || op == PLAN_SETTINGS_UBI;
}

static bool block_op(enum plan_op op)
{
	return op == PLAN_BLOCK_INVALIDATE || op == PLAN_BLOCK_WRITE || op == PLAN_SETTINGS_BLOCK;
}

/* A GPT partition by name, as emmc.sh's find_mmc_part (PARTNAME in the block device's uevent), on disk if given. */
static int find_block(const char *part, const char *disk, struct storage_volume *v, char *why)
{
	char label[160];
	struct board_volume bv = { BOARD_STORAGE_BLOCK, label };

	snprintf(label, sizeof(label), "PARTLABEL=%.60s%s%.60s", part, disk ? "@" : "", disk ? disk : "");
	return hal_storage_find(&bv, NULL, v, why);
}

static int find_mtd(const char *part, struct storage_volume *v, char *why)
{
	struct board_volume bv = { BOARD_STORAGE_MTD, part };

	return hal_storage_find(&bv, NULL, v, why);
}

/* The MTD number of /dev/mtdN, or -1. */
static int mtd_num_of(const char *dev)
{
	unsigned long n;

	return !strncmp(dev, "/dev/mtd", 8) && scan_unsigned(dev + 8, 10, &n, NULL) && n <= INT_MAX ? (int)n : -1;
}

static bool removes(const struct plan *p, const char *part, const char *volume)
{
	for (unsigned k = 0; k < p->n; k++)
		if (p->step[k].op == PLAN_UBI_RMVOL && p->step[k].part && !strcmp(p->step[k].part, part) &&
		    !strcmp(p->step[k].volume, volume))
			return true;
	return false;
}

/* What holds the partition, or each volume of a UBI partition (those the plan removes, and every held one). */
static void part_holds(const struct inuse *iu, const struct storage_volume *v, bool block, bool ubi, bool raw_mtd,
		       struct storage_ubi *u, const struct plan *p, struct plan_part *pp, struct plan_facts *f)
{
	struct stat st;

	if (block && stat(v->dev, &st) == 0 && S_ISBLK(st.st_mode)) {
		const char *base = strrchr(v->dev, '/');

		inuse_block(iu, st.st_rdev, base ? base + 1 : v->dev, &pp->hold, f);
	} else if (raw_mtd && mtd_num_of(v->dev) >= 0) {
		inuse_mtd(iu, mtd_num_of(v->dev), true, &pp->hold, f);
	}
	if (!ubi || !u)
		return;
	for (unsigned i = 0; i < u->n_volumes && pp->n_vols < PLAN_MAX_VOLS; i++) {
		struct plan_hold h = { 0 };

		inuse_ubi_volume(iu, u->ubi_num, u->volume[i].id, u->volume[i].name, &h, f);
		if (!removes(p, pp->name, u->volume[i].name) && h.kind == PLAN_HOLD_NONE)
			continue;
		pp->vol[pp->n_vols].name = plan_facts_keep(f, u->volume[i].name);
		pp->vol[pp->n_vols].lebs = (uint32_t)(u->volume[i].reserved_bytes / u->leb_bytes);
		pp->vol[pp->n_vols++].hold = h;
	}
}

static int part_facts(const struct plan *p, const char *name, const char *disk, const struct inuse *iu,
		      struct plan_part *pp, struct plan_facts *f, char *why)
{
	bool ubi = false, block = false, format = false, raw_mtd = false;
	struct storage_volume v;
	static struct storage_ubi u;
	char err[STORAGE_WHY_BYTES];
	int rc;

	for (unsigned i = 0; i < p->n; i++)
		if (p->step[i].part && !strcmp(p->step[i].part, name)) {
			ubi |= ubi_op(p->step[i].op);
			block |= block_op(p->step[i].op);
			format |= p->step[i].op == PLAN_UBI_FORMAT;
			raw_mtd |= p->step[i].op == PLAN_MTD_WRITE || p->step[i].op == PLAN_MTD_INVALIDATE ||
				   p->step[i].op == PLAN_BOOTCOUNT_RESET;
		}
	memset(pp, 0, sizeof(*pp));
	pp->name = name;
	rc = block ? find_block(name, disk, &v, err) : find_mtd(name, &v, err);
	if (rc == -ENOENT || rc == -ENODEV)
		return 0;   /* not found: plan_check says so, naming the step */
	if (rc < 0)
		return fail(why, rc, "%s: %s", name, err);
	pp->found = true;
	pp->bytes = v.size_bytes;
	pp->erase_bytes = v.erase_bytes;
	if (!ubi) {
		part_holds(iu, &v, block, false, raw_mtd, NULL, p, pp, f);
		return 0;
	}
	/* attached where it attaches, as nand.sh does (a ubinized image's format looks at what is attached too) */
	if (hal_ubi_open(name, !format, &u, err) < 0) {
		part_holds(iu, &v, false, false, false, NULL, p, pp, f);
		return 0;   /* not UBI yet: the attach step formats it empty, as nand.sh does */
	}
	if (!format) {
		pp->ubi_attached = true;
		pp->leb_bytes = u.leb_bytes;
		pp->avail_lebs = u.avail_lebs;
	}
	part_holds(iu, &v, false, true, false, &u, p, pp, f);
	return 0;
}

int flash_exec_facts(const struct plan *p, const char *disk, struct plan_facts *f, char *why)
{
	static struct inuse iu;
	char err[160];
	int rc;

	memset(f, 0, sizeof(*f));
	if (inuse_load(&iu, err, sizeof(err)) < 0)
		return fail(why, -EIO, "what is mounted cannot be read: %s", err);
	for (unsigned i = 0; i < p->n; i++) {
		const char *name = p->step[i].part;

		if (!name || plan_facts_part(f, name))
			continue;
		if (f->n_parts == PLAN_MAX_PARTS)
			return fail(why, -E2BIG, "the plan names more than %d partitions", PLAN_MAX_PARTS);
		if ((rc = part_facts(p, name, disk, &iu, &f->part[f->n_parts], f, why)) < 0)
			return rc;
		f->n_parts++;
	}
	return 0;
}

/* ---- the bytes a write takes ---- */

struct source {
	const uint8_t *buf;
	uint64_t len;
	uint8_t *owned;                 /* inflated from a gzip'd image: freed after the step */
};

static int get_source(const struct flash_image *img, enum plan_src src, uint64_t bytes, struct source *s, char *why)
{
	const struct payload_id *id = img->id;
	uint64_t from = 0, len = bytes;
	char err[256];
	int rc;

	memset(s, 0, sizeof(*s));
	if (src == PLAN_SRC_KERNEL || src == PLAN_SRC_ROOT || src == PLAN_SRC_DTB) {
		enum payload_member_id m = src == PLAN_SRC_KERNEL ? PAYLOAD_MEMBER_KERNEL :
					   src == PLAN_SRC_ROOT ? PAYLOAD_MEMBER_ROOT : PAYLOAD_MEMBER_DTB;

		if (!id->member[m].present)
			return fail(why, -EINVAL, "the image has no %s member", plan_src_name(src));
		from = id->member[m].offset_bytes;
		len = id->member[m].size_bytes;
	}
	if (!id->gzip) {
		if (from + len > img->payload_bytes || from + len < from)
			return fail(why, -EBADMSG, "the %s (%llu bytes at %llu) runs past the image's %llu bytes",
				    plan_src_name(src), (unsigned long long)len, (unsigned long long)from,
				    (unsigned long long)img->payload_bytes);
		s->buf = img->payload + from;
		s->len = len;
		return 0;
	}
	if (!(s->owned = malloc(len ? len : 1)))
		return fail(why, -ENOMEM, "no room in RAM to inflate the %s (%llu bytes)", plan_src_name(src),
			    (unsigned long long)len);
	if ((rc = inflate_range(img->payload, img->payload_bytes, from, len, s->owned, err, sizeof(err))) < 0) {
		free(s->owned);
		s->owned = NULL;
		return fail(why, rc, "the %s: %s", plan_src_name(src), err);
	}
	s->buf = s->owned;
	s->len = len;
	return 0;
}

/* ---- read-back ---- */

struct compare {
	const uint8_t *want;
	uint64_t off, len;
	bool differs;
	uint64_t at;
};

static int compare_sink(void *ctx, const void *buf, size_t n)
{
	struct compare *c = ctx;

	if (!c->differs && (c->off + n > c->len || memcmp(c->want + c->off, buf, n))) {
		c->differs = true;
		for (size_t i = 0; i < n && c->off + i < c->len; i++)
			if (c->want[c->off + i] != ((const uint8_t *)buf)[i]) {
				c->at = c->off + i;
				break;
			}
	}
	c->off += n;
	return 0;
}

/* Read len bytes at offset back and compare them with want. */
static int read_back(const struct storage_volume *v, uint64_t offset, const uint8_t *want, uint64_t len, char *why)
{
	struct compare c = { .want = want, .len = len };
	char err[STORAGE_WHY_BYTES];
	int rc = offset ? hal_storage_read_at(v, offset, len, compare_sink, &c, err) :
			  hal_storage_read(v, len, compare_sink, &c, NULL, err);

	if (rc < 0)
		return fail(why, rc, "reading %s back: %s", v->dev, err);
	if (c.differs || c.off != len)
		return fail(why, -EIO, "%s reads back differently from what was written, at byte %llu", v->dev,
			    (unsigned long long)(offset + c.at));
	return 0;
}

/* ---- the steps ---- */

struct run {
	const struct flash_exec *x;     /* what the steps use: relay */
	const struct flash_exec *orig;  /* the caller's */
	struct flash_exec relay;        /* x with the progress relayed through on_progress (the cut below) */
	uint64_t written;               /* bytes written by the steps done */
	uint64_t cut_after;             /* FAILSAFED_CUT_AFTER_BYTES: a power cut rehearsed (SIGKILL); 0: none */
	struct storage_ubi ubi[2];      /* the UBI devices the plan works on */
	unsigned n_ubi;
	bool kernel_gone;               /* a kernel was invalidated or removed: the slot does not boot until done */
};

static struct storage_ubi *ubi_of(struct run *r, const char *part, char *why, bool attach)
{
	struct storage_ubi *u = NULL;
	char err[STORAGE_WHY_BYTES];

	for (unsigned i = 0; i < r->n_ubi; i++)
		if (!strcmp(r->ubi[i].mtd_name, part))
			u = &r->ubi[i];
	if (u && u->ubi_num >= 0)
		return u;
	if (!u && r->n_ubi == 2) {
		fail(why, -E2BIG, "more than two UBI devices in one plan");
		return NULL;
	}
	if (!u)
		u = &r->ubi[r->n_ubi++];
	if (hal_ubi_open(part, attach, u, err) < 0) {
		fail(why, -ENODEV, "UBI on %s: %s", part, err);
		snprintf(u->mtd_name, sizeof(u->mtd_name), "%s", part);
		return NULL;
	}
	return u;
}

static int step_attach(struct run *r, const struct plan_step *s, char *why)
{
	struct storage_ubi *u;
	char err[STORAGE_WHY_BYTES];
	int rc;

	if ((u = ubi_of(r, s->part, why, true)))
		return 0;
	/* nand_attach_ubi: "if that fails, ubiformat /dev/mtdN -y then attach" */
	if ((rc = hal_ubi_format(s->part, NULL, 0, err)) < 0)
		return fail(why, rc, "%s will not attach, and formatting it failed: %s", s->part, err);
	return ubi_of(r, s->part, why, true) ? 0 : -ENODEV;
}

static int step_detach(struct run *r, const struct plan_step *s, char *why)
{
	struct storage_ubi u;
	char err[STORAGE_WHY_BYTES];
	int rc;

	for (unsigned i = 0; i < r->n_ubi; i++)
		if (!strcmp(r->ubi[i].mtd_name, s->part))
			r->ubi[i].ubi_num = -1;
	if (hal_ubi_open(s->part, false, &u, err) < 0)
		return 0;   /* not attached */
	if ((rc = hal_ubi_detach(&u, err)) < 0)
		return fail(why, rc, "%s", err);
	return 0;
}

static int step_volume(struct run *r, const struct plan_step *s, char *why)
{
	struct storage_ubi *u = ubi_of(r, s->part, why, true);
	char err[STORAGE_WHY_BYTES];
	int rc;

	if (!u)
		return -ENODEV;
	if (s->op == PLAN_UBI_RMVOL) {
		r->kernel_gone |= hal_ubi_find_volume(u, s->volume) != NULL;
		rc = hal_ubi_rmvol(u, s->volume, err);
	} else {
		rc = hal_ubi_mkvol(u, s->volume, s->rest ? 0 : s->bytes, err);
	}
	return rc < 0 ? fail(why, rc, "%s", err) : 0;
}

static int write_volume(struct run *r, const struct plan_step *s, const struct source *src, char *why)
{
	struct storage_ubi *u = ubi_of(r, s->part, why, true);
	struct storage_volume v;
	char err[STORAGE_WHY_BYTES];
	int rc;

	if (!u)
		return -ENODEV;
	if ((rc = hal_ubi_volume(u, s->volume, &v, err)) < 0)
		return fail(why, rc, "%s", err);
	if ((rc = hal_storage_write(&v, src->buf, src->len, false, r->x->progress, r->x->ctx, err)) < 0)
		return fail(why, rc, "%s", err);
	return read_back(&v, 0, src->buf, src->len, why);
}

static int write_mtd(struct run *r, const struct plan_step *s, const uint8_t *buf, uint64_t len, char *why)
{
	struct storage_volume v;
	char err[STORAGE_WHY_BYTES];
	int rc;

	if ((rc = find_mtd(s->part, &v, err)) < 0)
		return fail(why, rc, "%s", err);
	if ((rc = hal_storage_write(&v, buf, len, false, r->x->progress, r->x->ctx, err)) < 0)
		return fail(why, rc, "%s", err);
	return read_back(&v, 0, buf, len, why);
}

#define BLOCK_CHUNK_BYTES (4u << 20)   /* each synced before the next: progress, and a cut loses at most this */

/* A block write with the first 4 KiB last: until the end, the partition holds no valid header. */
static int write_block(struct run *r, const struct plan_step *s, const uint8_t *buf, uint64_t len, char *why)
{
	struct storage_volume v;
	char err[STORAGE_WHY_BYTES];
	uint64_t head = len < HEADER_LAST_BYTES ? len : HEADER_LAST_BYTES;
	int rc;

	if ((rc = find_block(s->part, r->x->disk, &v, err)) < 0)
		return fail(why, rc, "%s", err);
	for (uint64_t off = head; off < len; off += BLOCK_CHUNK_BYTES) {
		uint64_t n = len - off < BLOCK_CHUNK_BYTES ? len - off : BLOCK_CHUNK_BYTES;

		if ((rc = hal_storage_write_at(&v, s->offset_bytes + off, buf + off, (size_t)n, err)) < 0)
			return fail(why, rc, "%s", err);
		if (r->x->progress)
			r->x->progress(r->x->ctx, off + n - head, len);
	}
	if ((rc = hal_storage_write_at(&v, s->offset_bytes, buf, (size_t)head, err)) < 0)
		return fail(why, rc, "%s", err);
	if (r->x->progress)
		r->x->progress(r->x->ctx, len, len);
	return read_back(&v, s->offset_bytes, buf, len, why);
}

static int read_file(const char *path, uint8_t **buf, size_t *len, char *why)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || !(*buf = malloc((size_t)st.st_size + 512))) {
		if (fd >= 0)
			close(fd);
		return fail(why, -EIO, "%s: cannot read the settings archive", path);
	}
	n = read(fd, *buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(*buf);
		return fail(why, -EIO, "%s: short read of the settings archive", path);
	}
	*len = (size_t)n;
	return 0;
}

/* emmc_copy_config: the archive's bytes raw at the overlay's start (fstools' rootdisk finds a gzip there). */
static int settings_block(struct run *r, const struct plan_step *s, char *why)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (!r->x->settings_archive)
		return 0;
	if ((rc = read_file(r->x->settings_archive, &buf, &len, why)) < 0)
		return rc;
	memset(buf + len, 0, (512 - len % 512) % 512);
	len += (512 - len % 512) % 512;
	rc = write_block(r, s, buf, len, why);
	free(buf);
	return rc;
}

/* nand_restore_config: rootfs_data mounted (an empty volume: UBIFS formats it), sysupgrade.tgz into it. */
static int settings_ubi(struct run *r, const struct plan_step *s, char *why)
{
	struct storage_ubi *u = ubi_of(r, s->part, why, true);
	char dir[] = "/tmp/failsafed-flash-data.XXXXXX", path[64], err[STORAGE_WHY_BYTES];
	struct storage_volume v;
	uint8_t *buf;
	size_t len;
	int rc, fd;

	if (!r->x->settings_archive)
		return 0;
	if (!u)
		return -ENODEV;
	if ((rc = hal_ubi_volume(u, s->volume, &v, err)) < 0)
		return fail(why, rc, "the settings have no volume to go to: %s", err);
	if ((rc = read_file(r->x->settings_archive, &buf, &len, why)) < 0)
		return rc;
	if (!mkdtemp(dir)) {
		free(buf);
		return fail(why, -errno, "mkdtemp: %s", strerror(errno));
	}
	if (mount(v.dev, dir, "ubifs", 0, NULL) < 0) {
		rc = -errno;
		rmdir(dir);
		free(buf);
		return fail(why, rc, "mounting %s (UBI volume %s) as UBIFS: %s", v.dev, s->volume, strerror(-rc));
	}
	snprintf(path, sizeof(path), "%s/sysupgrade.tgz", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	rc = fd < 0 ? -errno : io_write_all(fd, buf, len);
	if (fd >= 0 && !rc && fsync(fd) < 0)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	if (umount(dir) < 0 && !rc)
		rc = -errno;
	rmdir(dir);
	free(buf);
	return rc < 0 ? fail(why, rc, "writing the settings into UBI volume %s: %s", s->volume, strerror(-rc)) : 0;
}

static int step_env(const struct plan_step *s, char *why)
{
	const char *vars[PLAN_MAX_ENV + 1];
	char err[BOOTENV_WHY_BYTES];
	size_t n = 0;
	int rc;

	vars[n++] = s->selector;
	for (unsigned i = 0; i < PLAN_MAX_ENV && s->env[i]; i++)
		vars[n++] = s->env[i];
	if ((rc = bootenv_set(vars, n, err)) < 0)
		return fail(why, rc, "%s", err);
	return 0;
}

struct gather {
	uint8_t *buf;
	size_t len, cap;
};

static int gather_sink(void *ctx, const void *buf, size_t n)
{
	struct gather *g = ctx;

	if (g->len + n > g->cap)
		return -ENOSPC;
	memcpy(g->buf + g->len, buf, n);
	g->len += n;
	return 0;
}

/* `mtd resetbc`: a { magic, 0, magic } record after the last one (the log erased first when it is full). */
static int step_bootcount(const struct plan_step *s, char *why)
{
	struct storage_volume v;
	struct bootcount_reset plan;
	struct gather g = { 0 };
	char err[STORAGE_WHY_BYTES];
	uint8_t *rec;
	int rc;

	if ((rc = find_mtd(s->part, &v, err)) < 0)
		return fail(why, rc, "%s", err);
	if (!(g.buf = malloc((size_t)v.size_bytes)))
		return fail(why, -ENOMEM, "no room to read %s", v.dev);
	g.cap = (size_t)v.size_bytes;
	if ((rc = hal_storage_read_at(&v, 0, v.size_bytes, gather_sink, &g, err)) < 0) {
		free(g.buf);
		return fail(why, rc, "%s", err);
	}
	rc = bootcount_linksys_plan(g.buf, g.len, bootcount_linksys_stride(v.page_bytes), &plan, err, sizeof(err));
	free(g.buf);
	if (rc < 0)
		return fail(why, rc, "%s", err);
	if (!plan.needed)
		return 0;
	if (plan.erase_first && (rc = hal_storage_erase(&v, NULL, err)) < 0)
		return fail(why, rc, "erasing the full boot counter log: %s", err);
	if (!(rec = malloc(plan.stride_bytes)))
		return fail(why, -ENOMEM, "no memory");
	bootcount_linksys_record(rec, plan.stride_bytes);
	rc = hal_storage_write_at(&v, plan.offset_bytes, rec, plan.stride_bytes, err);
	if (rc < 0)
		rc = fail(why, rc, "%s", err);
	else
		rc = read_back(&v, plan.offset_bytes, rec, plan.stride_bytes, why);
	free(rec);
	return rc;
}

static int step_write(struct run *r, const struct plan_step *s, char *why)
{
	struct source src;
	int rc;

	if (s->op == PLAN_MTD_INVALIDATE || s->op == PLAN_BLOCK_INVALIDATE) {
		uint8_t *zeros = calloc(1, s->bytes ? s->bytes : 1);

		if (!zeros)
			return fail(why, -ENOMEM, "no memory");
		rc = s->op == PLAN_MTD_INVALIDATE ? write_mtd(r, s, zeros, s->bytes, why) :
						    write_block(r, s, zeros, s->bytes, why);
		free(zeros);
		if (!rc && s->offset_bytes == 0)
			r->kernel_gone = true;
		return rc;
	}
	if ((rc = get_source(r->x->image, s->src, s->bytes, &src, why)) < 0)
		return rc;
	switch (s->op) {
	case PLAN_UBI_FORMAT: {
		char err[STORAGE_WHY_BYTES];

		r->kernel_gone = true;
		if ((rc = hal_ubi_format(s->part, src.buf, src.len, err)) < 0)
			fail(why, rc, "%s", err);
		break;
	}
	case PLAN_UBI_WRITE:
		rc = write_volume(r, s, &src, why);
		break;
	case PLAN_MTD_WRITE:
		rc = write_mtd(r, s, src.buf, src.len, why);
		break;
	default:
		rc = write_block(r, s, src.buf, src.len, why);
		break;
	}
	free(src.owned);
	return rc;
}

static int run_step(struct run *r, const struct plan_step *s, char *why)
{
	switch (s->op) {
	case PLAN_UBI_ATTACH:
		return step_attach(r, s, why);
	case PLAN_UBI_DETACH:
		return step_detach(r, s, why);
	case PLAN_UBI_RMVOL:
	case PLAN_UBI_MKVOL:
		return step_volume(r, s, why);
	case PLAN_SETTINGS_UBI:
		return settings_ubi(r, s, why);
	case PLAN_SETTINGS_BLOCK:
		return settings_block(r, s, why);
	case PLAN_ENV_SET:
		return step_env(s, why);
	case PLAN_BOOTCOUNT_RESET:
		return step_bootcount(s, why);
	default:
		return step_write(r, s, why);
	}
}

/*
 * Tests rehearse a power cut at an exact place: FAILSAFED_CUT_AFTER_BYTES=N ends this process with SIGKILL
 * (nothing runs after it, as when the power goes) once N bytes have been written, checked at every progress
 * report (each chunk) and at the end of every step.
 */
/* The steps that put bytes on the medium (their .bytes is what they write). */
static bool writes(enum plan_op op)
{
	return op == PLAN_UBI_FORMAT || op == PLAN_UBI_WRITE || op == PLAN_MTD_INVALIDATE || op == PLAN_MTD_WRITE ||
	       op == PLAN_BLOCK_INVALIDATE || op == PLAN_BLOCK_WRITE;
}

static void cut_check(struct run *r, uint64_t now)
{
	if (r->cut_after && now >= r->cut_after)
		raise(SIGKILL);
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct run *r = ctx;

	cut_check(r, r->written + done);
	if (r->orig->progress)
		r->orig->progress(r->orig->ctx, done, total);
}

int flash_exec_run(const struct plan *p, const struct flash_exec *x, unsigned *done, char *why)
{
	struct run r = { .x = x, .orig = x };
	char text[200], err[FLASH_EXEC_WHY_BYTES];
	const char *cut = getenv("FAILSAFED_CUT_AFTER_BYTES");
	bool switched = false;
	int rc;

	r.cut_after = cut ? strtoull(cut, NULL, 10) : 0;
	r.relay = *x;
	r.relay.progress = on_progress;
	r.relay.ctx = &r;
	r.x = &r.relay;
	*done = 0;
	for (unsigned i = 0; i < p->n; i++) {
		plan_step_text(&p->step[i], text, sizeof(text));
		if (x->step)
			x->step(x->ctx, i + 1, p->n, text);
		if ((rc = run_step(&r, &p->step[i], err)) < 0) {
			const char *after = r.kernel_gone ? "; the old firmware is already partly gone, so it does not boot "
				"until a flash completes: stay in failsafe and flash again" : "; nothing that boots was changed yet";

			/* Dual firmware: the slot written is not the one that boots until the environment names it. */
			if (p->slot >= 0)
				after = switched ? "; the boot environment names the new slot already" :
					"; the running slot is untouched and still selected: the board boots it as before";
			return fail(why, rc, "step %u of %u (%s) failed: %s%s", i + 1, p->n, text, err, after);
		}
		switched |= p->step[i].op == PLAN_ENV_SET;
		if (writes(p->step[i].op)) {
			r.written += p->step[i].bytes;
			cut_check(&r, r.written);
		}
		*done = i + 1;
	}
	return 0;
}
