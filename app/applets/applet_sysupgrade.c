/* app/applets/applet_sysupgrade.c — `sysupgrade`: receive into RAM, verify, keep settings, write, read back; never write before */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "applet.h"
#include "args.h"
#include "clock.h"
#include "ctl_client.h"
#include "fwimage.h"
#include "io.h"
#include "jffs2_file.h"
#include "layout.h"
#include "receive.h"
#include "rootfs.h"
#include "settings.h"
#include "stage2_req.h"
#include "sysupgrade_layout.h"

/* Exit codes of sysupgrade's own (the image's problems use fwimage's 10..34). */
enum {
	UP_OK = 0,
	UP_WRITE_FAILED = 1,            /* the write failed part way: the partition holds a partial image */
	UP_USAGE = 2,
	UP_NO_FIRMWARE = 3,             /* no firmware partition on this system */
	UP_VERIFY_FAILED = 8,           /* written, but the read-back differs */
	UP_SETTINGS_FAILED = 9,         /* written and verified, but the settings could not be kept */
	UP_BUSY = 40,                   /* another sysupgrade is writing the firmware: nothing done */
};

enum { OPT_HELP = 0, OPT_NO_KEEP, OPT_TEST, OPT_FORCE, OPT_SHA256, OPT_TMP, OPT_QUIET, OPT_PROGRESS, OPT_BACKUP,
       OPT_STAY, OPT_DISK = 20, OPT_FROM_RAM, OPT_NO_STAGE2, OPT_ARCHIVE, OPT_ROOTFS = 10 };

static const struct args_opt opts[] = {
	{ NULL, 'n', NULL, "do not keep settings (a factory reset of the overlay)", OPT_NO_KEEP },
	{ NULL, 'T', NULL, "check the image and write nothing", OPT_TEST },
	{ NULL, 'F', NULL, "write an invalid but forceable image (wrong board, compat, no metadata)", OPT_FORCE },
	{ "--sha256", 0, "HEX", "the SHA-256 the image must have (payload or whole image)", OPT_SHA256 },
	{ "--tmp-dir", 0, "DIR", "where the image is held before writing (default /tmp: RAM)", OPT_TMP },
	{ NULL, 'q', NULL, "no progress output", OPT_QUIET },
	{ "--progress", 0, NULL, "progress for programs: \"progress STEP DONE TOTAL\" lines on stderr", OPT_PROGRESS },
	{ NULL, 'b', "FILE", "only save the settings, as a .tar.gz, to FILE (as OpenWrt's sysupgrade -b)", OPT_BACKUP },
	{ NULL, 's', NULL, "dual-firmware boards: write the running slot, not the other (OpenWrt's \"stay on current "
	  "partition\")", OPT_STAY },
	{ "--disk", 0, "DEV", "eMMC boards: the disk whose GPT partitions are meant (mmcblk0; OpenWrt's CI_ROOTDEV)",
	  OPT_DISK },
	{ "--no-stage2", 0, NULL, "refuse when the storage holds the running root instead of handing the flash to "
	  "failsafed to write from RAM", OPT_NO_STAGE2 },
	{ "--settings-archive", 0, "FILE", "keep the settings in FILE (a .tar.gz, as -b makes) instead of saving them "
	  "now", OPT_ARCHIVE },
	{ "--from-ram", 0, NULL, "failsafed's own: the flash it runs from RAM after stage2 (the old root is let go)",
	  OPT_FROM_RAM },
	ROOTFS_ARGS_OPTS(OPT_ROOTFS),
	{ "--help", 'h', NULL, "this text", OPT_HELP },
};

static const struct args_spec spec = {
	.usage = "Usage: sysupgrade [-n] [-T] [-F] [-s] [--sha256 HEX] SOURCE     or: sysupgrade -b FILE\n"
		 "Flash an OpenWrt sysupgrade image. SOURCE: a file, - (stdin), or tcp://HOST:PORT (e.g. from\n"
		 "`failsafectl serve` on a PC). The whole image is received into RAM, capped at what the board's\n"
		 "storage holds, and checked (CRC, board, compat_version, SHA-256, that its format is one the\n"
		 "storage takes) before the first byte is written. One partition: written as it is. NAND/UBI and\n"
		 "eMMC boards: OpenWrt's tar, FIT, UBI and UBIFS images laid out as OpenWrt does, by a plan shown\n"
		 "first (-T shows it and stops); dual-firmware boards: the other slot, then the boot environment.\n"
		 "Every write is read back and compared. Settings are saved before and carried after.\n",
	.opts = opts,
	.n_opts = sizeof(opts) / sizeof(opts[0]),
	.footer = "Exit status: 0 done (or -T: the image is good), 1 the write failed, 2 bad usage, 3 no firmware\n"
		  "partition (or a partition of the layout missing), 4 source unreadable, 5 transfer broke off, 6\n"
		  "larger than the partition or the UBI device, 7 no room in RAM, 8 read-back differs, 9 settings not\n"
		  "kept; 10-25, 27-29 and 50 a broken image (never written), 26 a format the board's storage does\n"
		  "not take (never written), 30-35 an invalid image (-F writes it; without metadata also --sha256),\n"
		  "40 another sysupgrade is writing the firmware, 42 dual firmware: the running slot is not known, 43\n"
		  "handed to failsafed: the storage holds the running root, failsafed flashes it from RAM (its\n"
		  "console and the recovery page report it), 44 what a step would write is in use (mounted, open)\n"
		  "and nothing can let it go: nothing written.\n",
};

struct ctx {
	struct rootfs_args a;
	bool keep, test, force, quiet, machine, help, stay, from_ram, no_stage2;
	const char *sha256, *tmp_dir, *source, *backup, *disk, *archive;
};

static int on_opt(void *c, int id, const char *v, char *err, size_t err_size)
{
	struct ctx *x = c;

	switch (id) {
	case OPT_HELP:
		x->help = true;
		return ARGS_STOP;
	case OPT_NO_KEEP:
		x->keep = false;
		return 0;
	case OPT_TEST:
		x->test = true;
		return 0;
	case OPT_FORCE:
		x->force = true;
		return 0;
	case OPT_QUIET:
		x->quiet = true;
		return 0;
	case OPT_PROGRESS:
		x->machine = true;
		return 0;
	case OPT_BACKUP:
		x->backup = v;
		return 0;
	case OPT_STAY:
		x->stay = true;
		return 0;
	case OPT_DISK:
		x->disk = v;
		return 0;
	case OPT_FROM_RAM:
		x->from_ram = true;
		return 0;
	case OPT_NO_STAGE2:
		x->no_stage2 = true;
		return 0;
	case OPT_ARCHIVE:
		x->archive = v;
		return 0;
	case OPT_SHA256:
		x->sha256 = v;
		return 0;
	case OPT_TMP:
		x->tmp_dir = v;
		return 0;
	case ARGS_OPERAND:
		if (x->source) {
			snprintf(err, err_size, "one image at a time");
			return -EINVAL;
		}
		x->source = v;
		return 0;
	default:
		if (rootfs_args_opt(&x->a, OPT_ROOTFS, id, v))
			return 0;
		snprintf(err, err_size, "unexpected argument");
		return -EINVAL;
	}
}

struct progress {
	const char *what;
	uint64_t shown_ms;
	bool quiet, machine;
};

#define MACHINE_PROGRESS_MS 100u

static void on_progress(void *c, uint64_t done, uint64_t total)
{
	struct progress *p = c;

	bool tty = isatty(STDERR_FILENO);

	if (p->machine) {
		if (hal_now_ms() - p->shown_ms < MACHINE_PROGRESS_MS && done < total)
			return;
		p->shown_ms = hal_now_ms();
		fprintf(stderr, "progress %s %llu %llu\n", p->what, (unsigned long long)done, (unsigned long long)total);
		return;
	}
	if (p->quiet || (hal_now_ms() - p->shown_ms < (tty ? 500u : 2000u) && done < total))
		return;
	p->shown_ms = hal_now_ms();
	fprintf(stderr, "%ssysupgrade: %s %3u%% (%.1f of %.1f MiB)%s", tty ? "\r" : "", p->what,
		total ? (unsigned)(done * 100 / total) : 100, (double)done / 1048576.0, (double)total / 1048576.0,
		done >= total || !tty ? "\n" : "");
}

/*
 * The read-back is compared byte for byte with our verified copy in RAM: the
 * same proof as its SHA-256, cheaper. A borrowed source (the caller's file in
 * RAM, which someone could change after it was checked) is proven by the
 * SHA-256 of what reads back instead.
 */
struct readback {
	struct progress p;
	const uint8_t *image;           /* the verified image in RAM */
	bool by_hash;                   /* borrowed: hash what reads back */
	struct hash_sha256 sha;
	uint64_t off;
	uint64_t total;                 /* bytes to read back: the progress shown as "verifying" */
	bool differs;
	uint64_t first_diff;
};

static int compare_sink(void *c, const void *buf, size_t n)
{
	struct readback *rb = c;

	if (rb->by_hash) {
		hash_sha256_update(&rb->sha, buf, n);
		rb->off += n;
		on_progress(&rb->p, rb->off, rb->total);
		return 0;
	}
	if (!rb->differs && memcmp(rb->image + rb->off, buf, n)) {
		rb->differs = true;
		for (size_t i = 0; i < n; i++)
			if (rb->image[rb->off + i] != ((const uint8_t *)buf)[i]) {
				rb->first_diff = rb->off + i;
				break;
			}
	}
	rb->off += n;
	on_progress(&rb->p, rb->off, rb->total);
	return 0;
}

static void print_image(const struct received *in)
{
	const struct fwimage_info *i = &in->info;
	char hex[FWIMAGE_SHA256_HEX_BYTES], what[200];

	printf("Image: %llu bytes, payload %llu bytes", (unsigned long long)in->bytes,
	       (unsigned long long)i->payload_bytes);
	if (i->has_metadata) {
		printf(", %s %s%s%s, compat_version %s\nSupported devices:", i->version.dist[0] ? i->version.dist : "version",
		       i->version.version, i->version.revision[0] ? " " : "", i->version.revision, i->compat_version);
		for (unsigned d = 0; d < i->n_devices; d++)
			printf(" %s", i->devices[d]);
	} else {
		printf(", no metadata");
	}
	fwimage_sha256_hex(i->payload_sha256, hex);
	payload_describe(&i->payload, what, sizeof(what));
	printf("\nFormat: %s\nSHA-256 of the payload: %s\n", what, hex);
	fflush(stdout);
}

/* The daemon shows the upgrade LED phase while this connection stays open. */
static int hold_upgrade_led(const struct rootfs *r)
{
	char path[300], reply[64], err[200];
	int fd;

	ctl_client_path(NULL, r->state_dir, path, sizeof(path));
	fd = ctl_client_open(path, err, sizeof(err));
	if (fd < 0 || ctl_client_ask(fd, "led upgrade", reply, sizeof(reply), 2000, err, sizeof(err)) < 0) {
		fprintf(stderr, "sysupgrade: note: the LEDs stay as they are (%s)\n", err);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static long save_from(const struct rootfs *r, const char *upper, void *archive, char *why)
{
	return access(upper, F_OK) == 0 ? settings_save(upper, r->root, archive, why) : 0;
}

/* Settings out of the overlay: its upper layer as mounted, or rootfs_data mounted read-only for this. */
static long save_settings(const struct rootfs *r, const char *archive, char *why)
{
	long n;

	printf("Saving config files...\n");
	fflush(stdout);
	n = rootfs_with_upper(r, save_from, (void *)archive, why);
	if (n == -ENOENT || n == -ENOMEDIUM) {
		printf("sysupgrade: no settings to keep (%s)\n", why);
		return 0;
	}
	return n;
}

/* A separate rootfs_data after the write: reset (emptied, or a fresh volume), then the settings back in. */
static int restore_settings(const struct rootfs *r, const char *archive, char *why)
{
	char dir[] = "/tmp/failsafed-sysupgrade-data.XXXXXX", upper[PATH_MAX + 16], fstype[16], err[STORAGE_WHY_BYTES];
	struct rootfs_state st;
	struct storage_volume v;
	int rc;

	if (rootfs_state(r, &st) == 0 && (st.data_mounted || st.overlay)) {
		if (rootfs_reset_upper(st.upper, why) < 0)
			return -EIO;
		return archive ? rootfs_untar(archive, st.upper, why) : 0;
	}
	rc = rootfs_probe_data(r, &v, fstype, sizeof(fstype), true, why);
	if (rc == ROOTFS_EXIT_MISSING)
		return 0; /* nothing to reset */
	if (rc != ROOTFS_EXIT_OK && rc != ROOTFS_EXIT_UNFORMATTED && rc != ROOTFS_EXIT_ARCHIVE)
		return -EIO;
	if (rc != ROOTFS_EXIT_OK || (strcmp(fstype, "ext4") && strcmp(fstype, "f2fs")))
		snprintf(fstype, sizeof(fstype), "ext4");
	if ((rc = hal_storage_erase(&v, fstype, err)) < 0) {
		snprintf(why, ROOTFS_WHY_BYTES, "resetting rootfs_data (%s): %s", v.dev, err);
		return rc;
	}
	if (!archive)
		return 0;
	if ((rc = rootfs_probe_data(r, &v, fstype, sizeof(fstype), true, why)) != ROOTFS_EXIT_OK)
		return -EIO;
	if (!mkdtemp(dir))
		return -errno;
	if ((rc = rootfs_mount_volume(&v, fstype, dir, false, why)) < 0) {
		rmdir(dir);
		return rc;
	}
	snprintf(upper, sizeof(upper), "%s/upper", dir);
	if (mkdir(upper, 0755) < 0 && errno != EEXIST)
		rc = -errno;
	if (!rc)
		rc = rootfs_untar(archive, upper, why);
	umount2(dir, 0);
	rmdir(dir);
	return rc;
}

/* NOR boards whose rootfs_data lies inside the firmware partition: it is rewritten with the firmware. */
static bool data_inside_firmware(const struct rootfs *r, const struct storage_volume *fw, struct storage_volume *data,
				 uint64_t *at_bytes)
{
	char why[STORAGE_WHY_BYTES];

	return fw->kind == BOARD_STORAGE_MTD && r->data.kind == BOARD_STORAGE_MTD &&
	       hal_storage_find(&r->data, r->state_dir, data, why) == 0 && hal_storage_contains(fw, data, at_bytes);
}

/* The saved archive as a file in a fresh JFFS2 at rootfs_data's start: mount_root restores it (OpenWrt's mtd -j). */
static int carry_settings(const struct storage_volume *fw, uint64_t at, uint64_t payload, const char *archive,
			  char *why)
{
	enum { TGZ_MAX_BYTES = 4 * 1024 * 1024 };   /* settings archives are kilobytes; a JFFS2 node holds this */
	uint8_t *tgz;
	size_t cap, len;
	uint8_t *img;
	struct stat st;
	int fd, rc;
	ssize_t n;

	if (payload > at) {
		snprintf(why, ROOTFS_WHY_BYTES, "the image (%llu bytes) reaches into rootfs_data (at %llu): settings "
			 "cannot be carried", (unsigned long long)payload, (unsigned long long)at);
		return -ENOSPC;
	}
	if ((fd = open(archive, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size >= TGZ_MAX_BYTES || !(tgz = malloc((size_t)st.st_size + 1))) {
		close(fd);
		snprintf(why, ROOTFS_WHY_BYTES, "the settings archive is unreadable or larger than %d bytes",
			 TGZ_MAX_BYTES);
		return -EFBIG;
	}
	n = read(fd, tgz, (size_t)st.st_size + 1);
	close(fd);
	if (n != (ssize_t)st.st_size) {
		free(tgz);
		snprintf(why, ROOTFS_WHY_BYTES, "the settings archive changed while it was read");
		return -EIO;
	}
	cap = jffs2_file_image_bytes((size_t)n, fw->erase_bytes,
				     __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? JFFS2_FILE_BIG_ENDIAN : 0);
	if (!cap || !(img = malloc(cap))) {
		free(tgz);
		return -ENOMEM;
	}
	/* JFFS2 is in the CPU's byte order: the kernel reading it is the one this binary runs under. */
	rc = jffs2_file_image("sysupgrade.tgz", tgz, (size_t)n, fw->erase_bytes,
			      __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? JFFS2_FILE_BIG_ENDIAN : 0, (uint32_t)time(NULL),
			      img, cap, &len);
	if (rc == 0)
		rc = hal_storage_write_at(fw, at, img, len, why);
	else
		snprintf(why, ROOTFS_WHY_BYTES, "building the JFFS2 node: %s", strerror(-rc));
	free(img);
	free(tgz);
	return rc;
}

/*
 * NOR, rootfs_data inside the firmware: checked before the first byte is
 * written. Settings carried need the image to end before rootfs_data. A
 * mounted rootfs_data goes read-only (JFFS2's garbage collector must not
 * write into the new firmware); *frozen says it was, and a reboot is due.
 */
static int prepare_inside(const struct rootfs *r, const struct storage_volume *fw, uint64_t data_at, uint64_t payload,
			  bool keep, bool *frozen)
{
	char at[PATH_MAX + 16];
	struct rootfs_state st;

	*frozen = false;
	if (keep && payload > data_at) {
		fprintf(stderr, "sysupgrade: the image (%llu bytes) reaches into rootfs_data (at %llu of %s), where the "
			"settings would be carried; nothing written (-n flashes without them)\n",
			(unsigned long long)payload, (unsigned long long)data_at,
			fw->dev);
		return UP_SETTINGS_FAILED;
	}
	if (rootfs_state(r, &st) < 0 || !st.data_mounted)
		return UP_OK;
	snprintf(at, sizeof(at), "%s/overlay", strcmp(r->root, "/") ? r->root : "");
	if (mount(NULL, at, NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0) {
		fprintf(stderr, "sysupgrade: rootfs_data (mounted at %s) lies inside the firmware partition and cannot be "
			"made read-only before it is overwritten: %s%s; nothing written\n", at, strerror(errno),
			errno == EBUSY ? " (files open for writing)" : "");
		return UP_SETTINGS_FAILED;
	}
	*frozen = true;
	return UP_OK;
}

/* Receive and check; returns UP_OK to go on, or the exit code. */
static int receive_and_check(const struct ctx *x, const struct rootfs *r, const struct board_volume *target,
			     uint64_t cap_bytes, struct received *in, enum layout_handler *handler)
{
	char why[ROOTFS_WHY_BYTES], unfit[LAYOUT_WHY_BYTES];
	struct fwimage_verdict verdict;
	char compat[FWIMAGE_COMPAT_BYTES], compat_from[PATH_MAX + 64];
	struct fwimage_expect e = {
		.compatible = board_current()->compatible,
		.board_name = board_current()->name,
		.keep_settings = x->keep,
		.force = x->force,
		.has_sha256 = x->sha256 != NULL,
	};
	bool stream = !strcmp(x->source, "-") || !strncmp(x->source, "tcp://", 6);
	int code;

	if (x->sha256)
		fwimage_sha256_parse(x->sha256, e.sha256);
	/* Everything into RAM, verified as it arrives: nothing is written before all of it is here. */
	code = receive_image(x->source, x->tmp_dir, cap_bytes, stream && !x->quiet, in, why, sizeof(why));
	if (code != RECEIVE_OK) {
		fprintf(stderr, "sysupgrade: %s\n", why);
		return code;
	}
	print_image(in);
	rootfs_device_compat(r, true, compat, sizeof(compat), compat_from, sizeof(compat_from));
	e.compat_version = compat;
	if (in->info.has_metadata)
		printf("Device compat_version %s (%s)\n", compat, compat_from);
	if ((*handler = layout_decide(&in->info.payload, board_current(), target, unfit, sizeof(unfit))) ==
	    LAYOUT_REFUSED)
		e.unfit = unfit;
	fwimage_check(&in->info, &e, &verdict);
	if (verdict.kind != FWIMAGE_ACCEPT) {
		fprintf(stderr, "sysupgrade: Image check failed: %s\n", verdict.reason);
		if (verdict.kind == FWIMAGE_INVALID)
			fprintf(stderr, "sysupgrade: the image is invalid but forceable: -F writes it%s\n",
				in->info.has_metadata ? "" : " (with --sha256, as it has no metadata)");
		else if (verdict.problem == FWIMAGE_P_UNFIT)
			fprintf(stderr, "sysupgrade: nothing written: -F does not override this\n");
		else
			fprintf(stderr, "sysupgrade: the image is broken: it is never written\n");
		receive_release(in);
		return verdict.exit_code;
	}
	printf("Image check passed%s%s\n", verdict.forced ? " by force: " : "", verdict.forced ? verdict.reason : "");
	return UP_OK;
}

/* FAILSAFED_TIMING=1: how long each step took, on stderr (tools/bench_flash.py reads it). */
static void step_done(const char *step)
{
	static uint64_t last_ms;
	uint64_t now_ms = hal_now_ms();

	if (last_ms && getenv("FAILSAFED_TIMING"))
		fprintf(stderr, "timing: %s %llu ms\n", step, (unsigned long long)(now_ms - last_ms));
	last_ms = now_ms;
}

/* Write the payload and read it back from the medium (hal_storage_write_verify): byte for byte the image whose SHA-256
 * was checked. */
static int write_and_verify(const struct ctx *x, const struct storage_volume *fw, const struct received *in, bool erase_rest)
{
	struct readback rb = { .p = { .what = "verifying", .quiet = x->quiet, .machine = x->machine } };
	struct progress wp = { .what = "writing", .quiet = x->quiet, .machine = x->machine };
	char err[STORAGE_WHY_BYTES], hex[FWIMAGE_SHA256_HEX_BYTES];
	size_t map_bytes = (size_t)in->info.payload_bytes;
	uint8_t *image;
	int src, rc;

	printf("Writing %llu bytes to %s...\n", (unsigned long long)in->info.payload_bytes, fw->dev);
	fflush(stdout);
	/* The verified copy is used where it lies in RAM (tmpfs pages mapped, not copied again). */
	src = in->fd >= 0 ? dup(in->fd) : open(in->path, O_RDONLY | O_CLOEXEC);
	image = src < 0 || !map_bytes ? MAP_FAILED : mmap(NULL, map_bytes, PROT_READ, MAP_SHARED, src, 0);
	if (src >= 0)
		close(src);
	if (map_bytes && image == MAP_FAILED) {
		fprintf(stderr, "sysupgrade: %s: %s\n", in->path, strerror(errno));
		return UP_WRITE_FAILED;
	}
	if (!map_bytes)
		image = NULL;
	else
		madvise(image, map_bytes, MADV_SEQUENTIAL);
	rb.image = image;
	rb.by_hash = in->borrowed;
	rb.total = in->info.payload_bytes;
	hash_sha256_init(&rb.sha);
	/* Each stretch is read back while the next is written (where the storage lets it). */
	rc = hal_storage_write_verify(fw, image, in->info.payload_bytes, erase_rest, compare_sink, &rb, on_progress, &wp,
				      err);
	if (rc < 0) {
		if (image)
			munmap(image, map_bytes);
		if (rc == -EBADMSG) {
			fprintf(stderr, "sysupgrade: reading the firmware back failed: %s\n", err);
			return UP_VERIFY_FAILED;
		}
		fprintf(stderr, "sysupgrade: writing the firmware failed: %s\n", err);
		return UP_WRITE_FAILED;
	}
	if (rb.by_hash) {
		uint8_t got[FWIMAGE_SHA256_BYTES];

		hash_sha256_digest(&rb.sha, got);
		rb.differs = memcmp(got, in->info.payload_sha256, sizeof(got)) != 0;
	}
	if (image)
		munmap(image, map_bytes);
	fwimage_sha256_hex(in->info.payload_sha256, hex);
	if (rb.differs) {
		if (rb.by_hash)
			fprintf(stderr, "sysupgrade: verification failed: %s does not read back as the image (SHA-256 %s)\n",
				fw->dev, hex);
		else
			fprintf(stderr, "sysupgrade: verification failed: %s differs from the image (SHA-256 %s) at byte "
				"%llu\n", fw->dev, hex, (unsigned long long)rb.first_diff);
		return UP_VERIFY_FAILED;
	}
	printf("Verified: %s reads back as the image, SHA-256 %s\n", fw->dev, hex);
	return UP_OK;
}

/* The settings into the new overlay: carried in a fresh JFFS2 (NOR, inside the firmware), or restored. */
static int settings_after(const struct ctx *x, const struct rootfs *r, const struct storage_volume *fw, bool inside,
			  uint64_t data_at, uint64_t payload, const char *archive)
{
	char why[ROOTFS_WHY_BYTES];

	if (inside && archive) {
		if (carry_settings(fw, data_at, payload, archive, why) < 0) {
			fprintf(stderr, "sysupgrade: keeping the settings failed: %s\n", why);
			return UP_SETTINGS_FAILED;
		}
		printf("Config files carried to the next boot (restored by mount_root)\n");
		return UP_OK;
	}
	if (!inside && restore_settings(r, archive, why) < 0) {
		fprintf(stderr, "sysupgrade: %s the settings failed: %s\n", archive ? "restoring" : "resetting", why);
		return UP_SETTINGS_FAILED;
	}
	if (archive)
		printf("Config files restored into the new overlay\n");
	else
		printf("Settings reset%s\n", x->keep ? " (there were none to keep)" : " (-n)");
	return UP_OK;
}

/* One writer at a time (the recovery page and a shell, two shells): a lock file in the state directory, held until
 * this process ends. Not the device itself: an open UBI volume refuses its update. */
static int take_lock(const struct rootfs *r)
{
	char lock_path[PATH_MAX + 32];
	int lock;

	snprintf(lock_path, sizeof(lock_path), "%s/sysupgrade.lock", r->state_dir);
	lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		fprintf(stderr, "sysupgrade: another sysupgrade is writing the firmware (%s is held); nothing done\n",
			lock_path);
		close(lock);
		return UP_BUSY;
	}
	return UP_OK;
}

/* The firmware volume for raw writes: 0 with fw, or the exit code after one line. */
static int find_firmware(const struct rootfs *r, struct storage_volume *fw, bool quiet_if_none)
{
	char err[STORAGE_WHY_BYTES];

	if (!r->firmware.kind) {
		if (!quiet_if_none)
			fprintf(stderr, "sysupgrade: board %s declares no firmware partition (give --firmware)\n",
				board_current()->name);
		return UP_NO_FIRMWARE;
	}
	if (hal_storage_find(&r->firmware, r->state_dir, fw, err) < 0) {
		if (!quiet_if_none)
			fprintf(stderr, "sysupgrade: no firmware partition: %s\n", err);
		return UP_NO_FIRMWARE;
	}
	if (fw->read_only) {
		fprintf(stderr, "sysupgrade: the firmware partition (%s) is read-only\n", fw->dev);
		return UP_NO_FIRMWARE;
	}
	return UP_OK;
}

/* Hold the upgrade LED and the signals that would cut a write short; undone by writing_done. */
static int writing_begins(const struct rootfs *r, sigset_t *old_sigs)
{
	sigset_t stop_sigs;
	int led = hold_upgrade_led(r);

	/* From the first byte written to the settings restored, a dropped telnet or SSH session (SIGHUP,
	 * SIGPIPE), Ctrl-C or a plain kill does not cut the write short: they wait until it is done. */
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGHUP);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGPIPE);
	sigprocmask(SIG_BLOCK, &stop_sigs, old_sigs);
	return led;
}

/* code: the exit status the write ends with; the daemon shows a failure until a write completes. */
static void writing_done(int led, const sigset_t *old_sigs, int code)
{
	char msg[32], reply[64], err[200];

	if (led >= 0) {
		snprintf(msg, sizeof(msg), code ? "flash failed %d" : "flash ok", code & 0xff ? code & 0xff : 1);
		if (ctl_client_ask(led, msg, reply, sizeof(reply), 2000, err, sizeof(err)) < 0)
			fprintf(stderr, "sysupgrade: note: the daemon was not told how the write ended (%s)\n", err);
		close(led); /* the daemon's LEDs go back to its own phase */
	}
	fflush(NULL);
	sigprocmask(SIG_SETMASK, old_sigs, NULL);   /* a stop asked for meanwhile takes effect now */
}

/* path made (or emptied) with text in it, mode 0600. 0 or -errno. */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc;

	if (fd < 0)
		return -errno;
	rc = io_write_all(fd, text, strlen(text));
	if (close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}

/* src into dst: a hard link where both are on one filesystem, else a copy. 0 or -errno. */
static int link_or_copy(const char *src, int src_fd, const char *dst)
{
	char buf[65536];
	ssize_t n;
	int in, out, rc = 0;

	unlink(dst);
	if (link(src, dst) == 0)
		return 0;
	in = src_fd >= 0 ? dup(src_fd) : open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	lseek(in, 0, SEEK_SET);
	while ((n = read(in, buf, sizeof(buf))) > 0 && !(rc = io_write_all(out, buf, (size_t)n)))
		;
	if (n < 0)
		rc = -errno;
	close(in);
	if (close(out) < 0 && !rc)
		rc = -errno;
	if (rc)
		unlink(dst);
	return rc;
}

static void add_arg(struct stage2_req *q, const char *a)
{
	if (q->argc < STAGE2_ARGS_MAX)
		snprintf(q->argv[q->argc++], sizeof(q->argv[0]), "%.*s", (int)sizeof(q->argv[0]) - 1, a);
}

/*
 * The storage holds the running root (OpenWrt's case for stage2): the verified image and the saved settings
 * go where failsafed finds them in RAM, the request beside them, and failsafed is asked to take over. It moves
 * into RAM, closes the shells (this one too) and runs the same sysupgrade from there (--from-ram), which
 * checks everything again. SL_STAGE2 once it has taken it, SL_BUSY (nothing written) when it cannot.
 */
static int hand_over(const struct ctx *x, const struct rootfs *r, const struct received *in, const char *archive,
		     const struct sysupgrade_layout *l)
{
	char dir[PATH_MAX], image[PATH_MAX + 16], kept[PATH_MAX + 32], req_path[PATH_MAX + 16], sock[PATH_MAX];
	char hex[FWIMAGE_SHA256_HEX_BYTES], reply[256], err[400];
	static struct stage2_req q;
	static char text[STAGE2_REQ_BYTES];
	int n, fd = -1;

	memset(&q, 0, sizeof(q));
	snprintf(dir, sizeof(dir), "%.3000s/%s", r->state_dir, STAGE2_DIR);
	snprintf(image, sizeof(image), "%s/image", dir);
	snprintf(kept, sizeof(kept), "%s/sysupgrade.tgz", dir);
	snprintf(req_path, sizeof(req_path), "%s/%s", r->state_dir, STAGE2_REQUEST);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "sysupgrade: %s: %s; nothing written\n", dir, strerror(errno));
		return SL_BUSY;
	}
	if (link_or_copy(in->path, in->fd, image) < 0 || (archive && link_or_copy(archive, -1, kept) < 0)) {
		fprintf(stderr, "sysupgrade: keeping the image for the flash from RAM in %s: %s; nothing written\n", dir,
			strerror(errno));
		return SL_BUSY;
	}
	add_arg(&q, "sysupgrade");
	add_arg(&q, "--from-ram");
	add_arg(&q, "--progress");
	if (!x->keep)
		add_arg(&q, "-n");
	if (x->force)
		add_arg(&q, "-F");
	if (x->stay)
		add_arg(&q, "-s");
	if (x->disk) {
		add_arg(&q, "--disk");
		add_arg(&q, x->disk);
	}
	if (archive) {
		add_arg(&q, "--settings-archive");
		add_arg(&q, kept);
	}
	/* the same image, whatever happens to the file: the payload's SHA-256 as checked here (or the one given) */
	fwimage_sha256_hex(in->info.payload_sha256, hex);
	add_arg(&q, "--sha256");
	add_arg(&q, x->sha256 ? x->sha256 : hex);
	add_arg(&q, "--tmp-dir");
	add_arg(&q, x->tmp_dir);
	add_arg(&q, image);
	for (unsigned i = 0; i < l->n_tools; i++)
		snprintf(q.tool[q.n_tools++], sizeof(q.tool[0]), "%s", l->tool[i]);
	snprintf(q.why, sizeof(q.why), "%s", l->stage2_why);
	if ((n = stage2_req_format(&q, text, sizeof(text))) < 0 || write_file(req_path, text) < 0) {
		fprintf(stderr, "sysupgrade: %s cannot be written; nothing written\n", req_path);
		return SL_BUSY;
	}
	printf("The storage holds the running root (%s): handing the flash to failsafed, which moves into RAM and "
	       "writes from there\n", l->stage2_why);
	fflush(stdout);
	ctl_client_path(NULL, r->state_dir, sock, sizeof(sock));
	/* building the root in RAM copies programs from flash: seconds on a slow board */
	if ((fd = ctl_client_open(sock, err, sizeof(err))) < 0 ||
	    ctl_client_ask(fd, "stage2", reply, sizeof(reply), 60000, err, sizeof(err)) < 0) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "sysupgrade: failsafed cannot flash from RAM: %s; nothing written\n", err);
		unlink(req_path);
		unlink(image);
		unlink(kept);
		return SL_BUSY;
	}
	close(fd);
	printf("failsafed took it over: it closes the shells (this one too) and flashes from RAM; the console, the "
	       "recovery page and `failsafed status` follow it; telnet in again in a moment\n");
	fflush(stdout);
	return SL_STAGE2;
}

/* NAND/UBI, eMMC and dual-firmware boards: the image as OpenWrt lays it out, by a plan of steps. */
static int upgrade_layout(const struct ctx *x, const struct rootfs *r, struct received *in,
			  enum layout_handler handler)
{
	char why[ROOTFS_WHY_BYTES], archive[PATH_MAX] = "";
	static struct sysupgrade_layout l;
	static struct plan plan;
	sigset_t old_sigs;
	long saved;
	int code, led;

	l = (struct sysupgrade_layout){ .board = board_current(), .in = in, .handler = handler, .quiet = x->quiet,
					.machine = x->machine, .stay_on_slot = x->stay, .disk = x->disk,
					.from_ram = x->from_ram };
	/* Where the settings go is a step of the plan: they are saved first (nothing is written yet), before a flash
	 * from RAM lets the overlay go; one run from RAM has them saved already. */
	if (x->keep && x->archive) {
		l.archive = x->archive;
	} else if (x->keep && !x->test) {
		snprintf(archive, sizeof(archive), "%s/sysupgrade.tgz", x->tmp_dir);
		if ((saved = save_settings(r, archive, why)) < 0) {
			fprintf(stderr, "sysupgrade: saving the settings failed: %s; nothing written (-n flashes "
				"without them)\n", why);
			receive_release(in);
			return UP_SETTINGS_FAILED;
		}
		if (saved) {
			printf("%ld config path%s saved\n", saved, saved == 1 ? "" : "s");
			l.archive = archive;
		} else {
			archive[0] = '\0';
		}
	}
	l.keep_settings = l.archive != NULL || (x->test && x->keep);
	code = sysupgrade_layout_prepare(&l, &plan);
	if (code == SL_STAGE2 && x->test) {
		printf("-T: nothing written; the storage holds the running root (%s): failsafed would write it from RAM "
		       "(stage2)\n", l.stage2_why);
		code = SL_OK;
	} else if (code == SL_STAGE2 && x->no_stage2) {
		fprintf(stderr, "sysupgrade: %s; nothing written (--no-stage2: not from RAM either)\n", l.stage2_why);
		code = SL_BUSY;
	} else if (code == SL_STAGE2) {
		code = hand_over(x, r, in, l.archive, &l);
	} else if (code == SL_OK && x->test) {
		printf("-T: nothing written\n");
	}
	if (code != SL_OK || x->test) {
		receive_release(in);
		if (archive[0])
			unlink(archive);
		return code;
	}
	led = writing_begins(r, &old_sigs);
	code = sysupgrade_layout_write(&l, &plan);
	receive_release(in);
	if (archive[0])
		unlink(archive);
	if (code == SL_OK)
		printf("Upgrade completed%s\n", l.archive ? " (settings carried to the next boot)" :
		       x->keep ? " (there were no settings to keep)" : " (-n: settings reset)");
	writing_done(led, &old_sigs, code);
	return code;
}

static int upgrade(const struct ctx *x, const struct rootfs *r)
{
	char why[ROOTFS_WHY_BYTES], archive[PATH_MAX] = "";
	static struct received in;
	struct storage_volume fw, data;
	const struct board *b = board_current();
	bool inside, frozen = false, have_fw, layout = b->storage.layout != BOARD_LAYOUT_SINGLE;
	enum layout_handler handler;
	uint64_t data_at = 0, cap;
	long saved;
	sigset_t old_sigs;
	int code, led;

	/* A layout board may take OpenWrt's own images without a firmware volume; a plain root needs one. */
	have_fw = find_firmware(r, &fw, layout) == UP_OK;
	if (!have_fw && !layout)
		return UP_NO_FIRMWARE;
	if (!x->test && (code = take_lock(r)) != UP_OK)
		return code;
	cap = layout ? sysupgrade_layout_cap(b, x->disk) : fw.size_bytes;
	if (have_fw && fw.size_bytes > cap)
		cap = fw.size_bytes;
	if (!cap)
		cap = UINT64_MAX;   /* nothing found to measure: RAM is the cap, and the plan's check follows */
	if (layout)
		printf("Board %s: %s layout%s; image from %s\n", b->name, board_layout_name(b->storage.layout),
		       board_is_ab(b) ? ", dual firmware" : "", x->source);
	else
		printf("Firmware partition: %s (%llu bytes); image from %s\n", fw.dev,
		       (unsigned long long)fw.size_bytes, x->source);
	step_done("start");
	if ((code = receive_and_check(x, r, &r->firmware, cap, &in, &handler)) != UP_OK)
		return code;
	step_done("receive+check");
	if (handler != LAYOUT_RAW)
		return upgrade_layout(x, r, &in, handler);
	if (!have_fw && (code = find_firmware(r, &fw, false)) != UP_OK) {
		receive_release(&in);
		return code;
	}
	if (in.info.payload_bytes > fw.size_bytes) {
		fprintf(stderr, "sysupgrade: the image's payload (%llu bytes) is larger than the firmware partition %s "
			"(%llu bytes); nothing written\n", (unsigned long long)in.info.payload_bytes, fw.dev,
			(unsigned long long)fw.size_bytes);
		receive_release(&in);
		return RECEIVE_TOO_LARGE;
	}
	if (x->test) {
		printf("-T: nothing written\n");
		receive_release(&in);
		return UP_OK;
	}
	inside = data_inside_firmware(r, &fw, &data, &data_at);
	if (x->keep) {
		snprintf(archive, sizeof(archive), "%s/sysupgrade.tgz", x->tmp_dir);
		if ((saved = save_settings(r, archive, why)) < 0) {
			fprintf(stderr, "sysupgrade: saving the settings failed: %s; nothing written (-n flashes "
				"without them)\n", why);
			receive_release(&in);
			return UP_SETTINGS_FAILED;
		}
		if (saved)
			printf("%ld config path%s saved\n", saved, saved == 1 ? "" : "s");
		else
			archive[0] = '\0';
	}
	step_done("settings-save");
	if (inside && (code = prepare_inside(r, &fw, data_at, in.info.payload_bytes, archive[0] != '\0', &frozen))) {
		receive_release(&in);
		if (archive[0])
			unlink(archive);
		return code;
	}
	led = writing_begins(r, &old_sigs);
	code = write_and_verify(x, &fw, &in, inside);
	receive_release(&in);
	step_done("write+sync+readback");
	if (code == UP_OK)
		code = settings_after(x, r, &fw, inside, data_at, in.info.payload_bytes, archive[0] ? archive : NULL);
	step_done("settings-restore");
	if (archive[0])
		unlink(archive);
	if (code == UP_OK)
		printf("Upgrade completed\n");
	if (frozen)
		printf("rootfs_data was mounted from the flash just rewritten (now read-only): reboot now\n");
	writing_done(led, &old_sigs, code);
	return code;
}

/* An archive with no member: what `tar czf` makes of nothing, 10 KiB of zero blocks, gzipped (RFC 1952: header,
 * one fixed-Huffman deflate block, CRC-32 0x271dde9a, length 10240), as zlib writes it at level 9. A constant:
 * zlib's deflate (about 25 KB of a static failsafed) was linked for this one file; tests/test_storage.py reads it. */
static const uint8_t empty_tgz[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xed, 0xc1, 0x01, 0x0d, 0x00, 0x00, 0x00,
	0xc2, 0xa0, 0xf7, 0x4f, 0x6d, 0x0e, 0x37, 0xa0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x80, 0x37, 0x03, 0x9a, 0xde, 0x1d, 0x27, 0x00, 0x28, 0x00, 0x00,
};

static int empty_archive(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int rc;

	if (fd < 0)
		return -errno;
	rc = io_write_all(fd, empty_tgz, sizeof(empty_tgz));
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* -b FILE: the settings sysupgrade would keep, as an archive, and nothing else. */
static int backup(const struct rootfs *r, const char *file)
{
	char why[ROOTFS_WHY_BYTES];
	long n = save_settings(r, file, why);

	if (n < 0) {
		fprintf(stderr, "sysupgrade: saving the settings failed: %s\n", why);
		unlink(file);
		return UP_SETTINGS_FAILED;
	}
	if (n == 0 && empty_archive(file) < 0) {
		fprintf(stderr, "sysupgrade: %s: cannot write an empty archive\n", file);
		unlink(file);
		return UP_SETTINGS_FAILED;
	}
	printf("Saved %ld config path%s to %s\n", n, n == 1 ? "" : "s", file);
	return UP_OK;
}

static int sysupgrade_main(int argc, char **argv)
{
	char why[ROOTFS_WHY_BYTES];
	struct ctx x = { .keep = true, .tmp_dir = "/tmp" };
	uint8_t sha[FWIMAGE_SHA256_BYTES];
	struct rootfs r;
	int rc;

	if ((rc = applet_args("sysupgrade", &spec, argc, argv, on_opt, &x, &x.help)) != APPLET_GO)
		return rc;
	if (x.backup && x.source) {
		fprintf(stderr, "sysupgrade: -b saves the settings only: no image with it\n");
		return UP_USAGE;
	}
	if (x.backup) {
		if ((rc = rootfs_setup(&r, board_current(), x.a.root, x.a.data, x.a.firmware, x.a.state_dir, why)) < 0) {
			fprintf(stderr, "sysupgrade: %s\n", why);
			return UP_USAGE;
		}
		return backup(&r, x.backup);
	}
	if (!x.source) {
		fprintf(stderr, "sysupgrade: no image given: a file, - (stdin) or tcp://HOST:PORT (see --help)\n");
		return UP_USAGE;
	}
	if (x.sha256 && fwimage_sha256_parse(x.sha256, sha) < 0) {
		fprintf(stderr, "sysupgrade: --sha256: \"%s\" is not 64 hex digits\n", x.sha256);
		return UP_USAGE;
	}
	if ((rc = rootfs_setup(&r, board_current(), x.a.root, x.a.data, x.a.firmware, x.a.state_dir, why)) < 0) {
		fprintf(stderr, "sysupgrade: %s\n", why);
		return rc == -ENOENT ? UP_NO_FIRMWARE : UP_USAGE;
	}
	return upgrade(&x, &r);
}

const struct applet applet_sysupgrade = {
	.name = "sysupgrade",
	.summary = "flash a verified OpenWrt image: from a file, stdin or tcp://HOST:PORT",
	.main = sysupgrade_main,
};
