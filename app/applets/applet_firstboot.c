/* app/applets/applet_firstboot.c — `firstboot`: reset the overlay to factory defaults (never rom, never the firmware) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "applet.h"
#include "args.h"
#include "fsprobe.h"
#include "io.h"
#include "rootfs.h"

#define QUESTION "This will erase all settings and remove any installed packages. Are you sure? [N/y]"

enum { OPT_HELP = 0, OPT_YES, OPT_REBOOT, OPT_ROOTFS = 10 };

static const struct args_opt opts[] = {
	{ NULL, 'y', NULL, "do not ask", OPT_YES },
	{ NULL, 'r', NULL, "reboot when done", OPT_REBOOT },
	ROOTFS_ARGS_OPTS(OPT_ROOTFS),
	{ "--help", 'h', NULL, "this text", OPT_HELP },
};

static const struct args_spec spec = {
	.usage = "Usage: firstboot [-y] [-r] [--root DIR] [--rootfs-data VOLUME]\n"
		 "Factory reset of the overlay. With the overlay mounted, its upper layer is emptied and the root\n"
		 "shows rom again; without, rootfs_data is prepared so the next mount_root starts clean.\n",
	.opts = opts,
	.n_opts = sizeof(opts) / sizeof(opts[0]),
	.footer = "Exit status: 0 done, 1 failed, 2 bad usage, 3 no rootfs_data, 6 read-only medium, 7 not confirmed.\n",
};

struct ctx {
	struct rootfs_args a;
	bool yes, reboot, help;
};

static int on_opt(void *c, int id, const char *v, char *err, size_t err_size)
{
	struct ctx *x = c;

	switch (id) {
	case OPT_HELP:
		x->help = true;
		return ARGS_STOP;
	case OPT_YES:
		x->yes = true;
		return 0;
	case OPT_REBOOT:
		x->reboot = true;
		return 0;
	default:
		if (rootfs_args_opt(&x->a, OPT_ROOTFS, id, v))
			return 0;
		snprintf(err, err_size, "unexpected argument");
		return -EINVAL;
	}
}

static bool confirmed(void)
{
	char line[64] = "";

	printf("%s ", QUESTION);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return (line[0] == 'y' || line[0] == 'Y') && (line[1] == '\n' || line[1] == '\0' || line[1] == '\r');
}

/* Unmounted: a blank volume the next mount_root formats (flash), or a fresh filesystem of the same kind (disk). */
static int prepare(const struct rootfs *r, char *why)
{
	char err[STORAGE_WHY_BYTES], fstype[16];
	struct storage_volume v;
	int rc = rootfs_probe_data(r, &v, fstype, sizeof(fstype), true, why);

	if (rc == ROOTFS_EXIT_MISSING || rc == ROOTFS_EXIT_READ_ONLY)
		return rc;
	if (rc != ROOTFS_EXIT_OK || (strcmp(fstype, "ext4") && strcmp(fstype, "f2fs")))
		snprintf(fstype, sizeof(fstype), "ext4"); /* flash drivers ignore it */
	if ((rc = hal_storage_erase(&v, fstype, err)) < 0) {
		snprintf(why, ROOTFS_WHY_BYTES, "preparing rootfs_data (%s): %s", v.dev, err);
		return ROOTFS_EXIT_FAILED;
	}
	printf("firstboot: rootfs_data (%s) prepared%s%s; the next mount_root starts clean\n", v.dev,
	       v.fs_hint[0] ? "" : " with a new ", v.fs_hint[0] ? "" : fstype);
	return ROOTFS_EXIT_OK;
}

static int firstboot_main(int argc, char **argv)
{
	char why[ROOTFS_WHY_BYTES];
	struct rootfs_state st;
	struct ctx x = { 0 };
	struct rootfs r;
	long removed;
	int rc;

	if ((rc = applet_args("firstboot", &spec, argc, argv, on_opt, &x, &x.help)) != APPLET_GO)
		return rc;
	if ((rc = rootfs_setup(&r, board_current(), x.a.root, x.a.data, x.a.firmware, x.a.state_dir, why)) < 0) {
		fprintf(stderr, "firstboot: %s\n", why);
		return rc == -ENOENT ? ROOTFS_EXIT_MISSING : ROOTFS_EXIT_USAGE;
	}
	if (!x.yes && !confirmed()) {
		printf("firstboot: nothing changed\n");
		return ROOTFS_EXIT_ANSWER_NO;
	}
	if ((rc = rootfs_state(&r, &st)) < 0) {
		fprintf(stderr, "firstboot: /proc/self/mountinfo: %s\n", strerror(-rc));
		return ROOTFS_EXIT_FAILED;
	}
	if (st.data_mounted || st.overlay) {
		if ((removed = rootfs_reset_upper(st.upper, why)) < 0) {
			fprintf(stderr, "firstboot: emptying %s: %s\n", st.upper, why);
			return ROOTFS_EXIT_FAILED;
		}
		printf("firstboot: %ld entries removed from the overlay (%s); %s shows rom again\n", removed, st.upper,
		       r.root);
	} else if ((rc = prepare(&r, why)) != ROOTFS_EXIT_OK) {
		fprintf(stderr, "firstboot: %s\n", why);
		return rc;
	}
	if (x.reboot) {
		char *reboot[] = { "reboot", NULL };

		sync();
		printf("firstboot: rebooting\n");
		fflush(stdout);
		if (io_run(reboot, true, why, sizeof(why)) < 0) {
			fprintf(stderr, "firstboot: %s\n", why);
			return ROOTFS_EXIT_FAILED;
		}
	}
	return ROOTFS_EXIT_OK;
}

const struct applet applet_firstboot = {
	.name = "firstboot",
	.summary = "factory reset of the overlay (asks first unless -y)",
	.main = firstboot_main,
};
