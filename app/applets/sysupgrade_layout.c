/* app/applets/sysupgrade_layout.c — sysupgrade for NAND/UBI, eMMC and dual-firmware boards: plan, check, show, write */
#include "sysupgrade_layout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bootenv.h"
#include "clock.h"
#include "flash_exec.h"
#include "inflate.h"

#define MACHINE_PROGRESS_MS 100u
#define RELEASE_WAIT_MS 5000u    /* from RAM: how long the old root may take to let go */
#define RELEASE_POLL_MS 100u

/* --disk, else the board's CI_ROOTDEV, else NULL (any disk). */
static const char *disk_of(const struct sysupgrade_layout *l)
{
	return l->disk ? l->disk : l->board->storage.emmc.disk;
}

static uint64_t part_bytes(const char *mtd, const char *gpt, const char *disk)
{
	char why[STORAGE_WHY_BYTES], label[160];
	struct board_volume v = { BOARD_STORAGE_MTD, mtd };
	struct storage_volume sv;

	if (!mtd && !gpt)
		return 0;
	if (gpt) {
		snprintf(label, sizeof(label), "PARTLABEL=%.60s%s%.60s", gpt, disk ? "@" : "", disk ? disk : "");
		v = (struct board_volume){ BOARD_STORAGE_BLOCK, label };
	}
	return hal_storage_find(&v, NULL, &sv, why) == 0 ? sv.size_bytes : 0;
}

static uint64_t slot_bytes(const struct board *b, const struct board_nand *n, const struct board_emmc *e,
			   const char *disk)
{
	if (b->storage.layout == BOARD_LAYOUT_NAND)
		return part_bytes(n->ubi_mtd, NULL, NULL) + part_bytes(n->kernel_mtd, NULL, NULL) +
		       part_bytes(n->kernel_ubi_mtd, NULL, NULL);
	return part_bytes(NULL, e->kernel_part, disk) + part_bytes(NULL, e->root_part, disk) +
	       part_bytes(NULL, e->dtb_part, disk);
}

uint64_t sysupgrade_layout_cap(const struct board *b, const char *disk)
{
	uint64_t a, c;

	if (!disk)
		disk = b->storage.emmc.disk;
	if (!board_is_ab(b))
		return slot_bytes(b, &b->storage.nand, &b->storage.emmc, disk);
	a = slot_bytes(b, &b->storage.ab.slot[0].nand, &b->storage.ab.slot[0].emmc, disk);
	c = slot_bytes(b, &b->storage.ab.slot[1].nand, &b->storage.ab.slot[1].emmc, disk);
	return a > c ? a : c;
}

static bool mtd_exists(const char *name)
{
	char why[STORAGE_WHY_BYTES];
	struct board_volume v = { BOARD_STORAGE_MTD, name };
	struct storage_volume sv;

	return name && hal_storage_find(&v, NULL, &sv, why) == 0;
}

/*
 * Which slot runs now: the selector's value in the boot environment, else (OpenWrt's linksys.sh, with
 * boot_part unset) the slot whose UBI partition the kernel renamed to the running alias. -1: unknown.
 */
static int running_slot(const struct board *b, char *seen, size_t n)
{
	const struct board_ab *ab = &b->storage.ab;
	char value[BOOTENV_VALUE_BYTES], why[BOOTENV_WHY_BYTES];
	int rc = bootenv_get(ab->env_var, value, sizeof(value), why);

	if (rc == 0) {
		snprintf(seen, n, "%s=%s", ab->env_var, value);
		for (int i = 0; i < 2; i++)
			if (!strcmp(value, ab->env_value[i]))
				return i;
	} else {
		snprintf(seen, n, "%s", why);
	}
	if (ab->running_alias && b->storage.layout == BOARD_LAYOUT_NAND && mtd_exists(ab->running_alias))
		for (int i = 0; i < 2; i++)
			if (!mtd_exists(ab->slot[i].nand.ubi_mtd) && mtd_exists(ab->slot[1 - i].nand.ubi_mtd))
				return i;
	return -1;
}

struct mapped {
	const uint8_t *buf;
	size_t len;
};

static int map_image(const struct received *in, struct mapped *m)
{
	int fd = in->fd >= 0 ? dup(in->fd) : open(in->path, O_RDONLY | O_CLOEXEC);
	void *p;

	m->len = (size_t)in->info.payload_bytes;
	m->buf = NULL;
	if (fd < 0)
		return -errno;
	p = m->len ? mmap(NULL, m->len, PROT_READ, MAP_SHARED, fd, 0) : NULL;
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	m->buf = p;
	return 0;
}

static void unmap_image(struct mapped *m)
{
	if (m->buf)
		munmap((void *)m->buf, m->len);
	m->buf = NULL;
}

/* nand.sh: a UBIFS root takes every free LEB (and leaves no rootfs_data). */
static bool root_is_ubifs(const struct payload_id *id, const struct mapped *m)
{
	const struct payload_member *root = &id->member[PAYLOAD_MEMBER_ROOT];
	uint8_t magic[4];
	char why[128];

	if (!root->present || root->size_bytes < 4)
		return false;
	if (id->gzip) {
		if (inflate_range(m->buf, m->len, root->offset_bytes, 4, magic, why, sizeof(why)) < 0)
			return false;
	} else {
		if (root->offset_bytes + 4 > m->len)
			return false;
		memcpy(magic, m->buf + root->offset_bytes, 4);
	}
	return !memcmp(magic, "\x31\x18\x10\x06", 4);
}

static bool tool_listed(const struct sysupgrade_layout *l, const char *name)
{
	for (unsigned i = 0; i < l->n_tools; i++)
		if (!strcmp(l->tool[i], name))
			return true;
	return false;
}

int sysupgrade_layout_prepare(struct sysupgrade_layout *l, struct plan *p)
{
	char why[PLAN_WHY_BYTES], seen[BOOTENV_WHY_BYTES + 64] = "", text[200], err[FLASH_EXEC_WHY_BYTES];
	struct plan_input pi = {
		.board = l->board, .payload = &l->in->info.payload, .payload_bytes = l->in->info.payload_bytes,
		.handler = l->handler, .keep_settings = l->keep_settings, .running_slot = -1,
		.stay_on_slot = l->stay_on_slot,
	};
	static struct plan_facts facts;
	uint64_t until_ms = hal_now_ms() + RELEASE_WAIT_MS;
	struct mapped m;
	bool stage2 = false;
	int rc;

	if (map_image(l->in, &m) < 0) {
		fprintf(stderr, "sysupgrade: %s: %s\n", l->in->path, strerror(errno));
		return SL_WRITE_FAILED;
	}
	pi.root_is_ubifs = root_is_ubifs(&l->in->info.payload, &m);
	unmap_image(&m);
	if (board_is_ab(l->board)) {
		pi.running_slot = running_slot(l->board, seen, sizeof(seen));
		if (pi.running_slot < 0) {
			fprintf(stderr, "sysupgrade: dual firmware: which slot runs now is not known (%s; no MTD partition "
				"renamed %s): nothing written\n", seen, l->board->storage.ab.running_alias ?
				l->board->storage.ab.running_alias : "to mark it");
			return SL_SLOT_UNKNOWN;
		}
		printf("Dual firmware: slot %d runs now (%s); writing slot %d%s\n", pi.running_slot + 1, seen,
		       (l->stay_on_slot ? pi.running_slot : 1 - pi.running_slot) + 1,
		       l->stay_on_slot ? " (-s: the running one)" : "");
	}
	if ((rc = plan_make(&pi, p, why, sizeof(why))) < 0) {
		fprintf(stderr, "sysupgrade: %s\n", why);
		return rc == -EINVAL ? 26 : SL_WRITE_FAILED;
	}
	for (;;) {
		if ((rc = flash_exec_facts(p, disk_of(l), &facts, err)) < 0) {
			fprintf(stderr, "sysupgrade: looking at the storage: %s; nothing written\n", err);
			return SL_NO_STORAGE;
		}
		rc = plan_check_stage2(p, &facts, &stage2, why, sizeof(why));
		/* From RAM: a root let go lazily is gone once its last user is; the kernel takes a moment */
		if (!l->from_ram || (rc != -EBUSY && !stage2) || hal_now_ms() >= until_ms)
			break;
		usleep(RELEASE_POLL_MS * 1000);
	}
	if (rc < 0 || (stage2 && l->from_ram)) {
		fprintf(stderr, "sysupgrade: %s%s; nothing written\n", why, l->from_ram ? " (still, after the move into "
			"RAM)" : "");
		return rc == -ENOSPC ? SL_TOO_LARGE : rc == -EBUSY || stage2 ? SL_BUSY : SL_NO_STORAGE;
	}
	printf("Plan (%s, %u steps, nothing written yet):\n", layout_handler_name(p->handler), p->n);
	for (unsigned i = 0; i < p->n; i++) {
		plan_step_text(&p->step[i], text, sizeof(text));
		printf("  %2u. %s\n", i + 1, text);
	}
	fflush(stdout);
	if (!stage2)
		return SL_OK;
	snprintf(l->stage2_why, sizeof(l->stage2_why), "%s", why);
	l->n_tools = 0;
	for (unsigned i = 0; i < p->n; i++) {
		/* what flash_exec runs beside failsafed: ubiformat (a UBI image, or a partition that will not attach),
		 * libubootenv's fw_setenv and fw_printenv (the boot environment) */
		if ((p->step[i].op == PLAN_UBI_FORMAT || p->step[i].op == PLAN_UBI_ATTACH) && l->n_tools < 4 &&
		    !tool_listed(l, "ubiformat"))
			l->tool[l->n_tools++] = "ubiformat";
		if (p->step[i].op == PLAN_ENV_SET && l->n_tools < 3 && !tool_listed(l, "fw_setenv")) {
			l->tool[l->n_tools++] = "fw_setenv";
			l->tool[l->n_tools++] = "fw_printenv";
		}
	}
	return SL_STAGE2;
}

struct progress {
	const struct sysupgrade_layout *l;
	char what[160];
	uint64_t shown_ms;
};

static void on_step(void *ctx, unsigned number, unsigned total, const char *text)
{
	struct progress *pr = ctx;

	snprintf(pr->what, sizeof(pr->what), "%s", text);
	pr->shown_ms = 0;
	printf("Step %u/%u: %s\n", number, total, text);
	fflush(stdout);
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *pr = ctx;
	uint64_t now_ms = hal_now_ms();
	bool tty = isatty(STDERR_FILENO);

	if (pr->l->machine) {
		if (now_ms - pr->shown_ms < MACHINE_PROGRESS_MS && done < total)
			return;
		pr->shown_ms = now_ms;
		fprintf(stderr, "progress writing %llu %llu\n", (unsigned long long)done, (unsigned long long)total);
		return;
	}
	/* A step of a few KiB (a kernel's first 4 KiB zeroed) is its step line alone. */
	if (pr->l->quiet || total < 64 * 1024 || (now_ms - pr->shown_ms < (tty ? 500u : 2000u) && done < total))
		return;
	pr->shown_ms = now_ms;
	fprintf(stderr, "%ssysupgrade: writing %3u%% (%.1f of %.1f MiB)%s", tty ? "\r" : "",
		total ? (unsigned)(done * 100 / total) : 100, (double)done / 1048576.0, (double)total / 1048576.0,
		done >= total || !tty ? "\n" : "");
}

int sysupgrade_layout_write(const struct sysupgrade_layout *l, const struct plan *p)
{
	struct progress pr = { .l = l };
	char why[FLASH_EXEC_WHY_BYTES];
	struct mapped m;
	struct flash_image img;
	struct flash_exec x = { .image = &img, .settings_archive = l->archive, .disk = disk_of(l), .step = on_step,
				.progress = on_progress, .ctx = &pr };
	unsigned done;
	int rc;

	if (map_image(l->in, &m) < 0) {
		fprintf(stderr, "sysupgrade: %s: %s\n", l->in->path, strerror(errno));
		return SL_WRITE_FAILED;
	}
	madvise((void *)m.buf, m.len, MADV_SEQUENTIAL);
	img = (struct flash_image){ .payload = m.buf, .payload_bytes = m.len, .id = &l->in->info.payload };
	rc = flash_exec_run(p, &x, &done, why);
	unmap_image(&m);
	if (rc < 0) {
		fprintf(stderr, "sysupgrade: %s\n", why);
		return SL_WRITE_FAILED;
	}
	printf("Written and read back: %u steps%s\n", done, p->slot >= 0 ? "; the boot environment now names the "
	       "new slot" : "");
	return SL_OK;
}
