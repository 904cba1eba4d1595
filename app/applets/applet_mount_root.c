/* app/applets/applet_mount_root.c — `mount_root`: rootfs_data and the overlay over the read-only root, as OpenWrt does */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "applet.h"
#include "args.h"
#include "rootfs.h"

enum { OPT_HELP = 0, OPT_ROOTFS = 10 };

static const struct args_opt opts[] = {
	ROOTFS_ARGS_OPTS(OPT_ROOTFS),
	{ "--help", 'h', NULL, "this text", OPT_HELP },
};

static const struct args_spec spec = {
	.usage = "Usage: mount_root [--root DIR] [--rootfs-data VOLUME]\n"
		 "Mount the writable overlay: rootfs_data at ROOT/overlay, an overlayfs (upper ROOT/overlay/upper,\n"
		 "work ROOT/overlay/work) over the read-only root, the read-only root itself at ROOT/rom.\n"
		 "A second call says so and changes nothing.\n",
	.opts = opts,
	.n_opts = sizeof(opts) / sizeof(opts[0]),
	.footer = "Exit status: 0 mounted (or already), 1 a mount failed, 2 bad usage, 3 no rootfs_data,\n"
		  "4 not formatted (firstboot prepares it), 5 its filesystem is not in this kernel, 6 read-only medium.\n",
};

struct ctx {
	struct rootfs_args a;
	bool help;
};

static int on_opt(void *c, int id, const char *v, char *err, size_t err_size)
{
	struct ctx *x = c;

	if (id == OPT_HELP) {
		x->help = true;
		return ARGS_STOP;
	}
	if (rootfs_args_opt(&x->a, OPT_ROOTFS, id, v))
		return 0;
	snprintf(err, err_size, "unexpected argument");
	return -EINVAL;
}

static int mount_root_main(int argc, char **argv)
{
	char why[ROOTFS_WHY_BYTES], fstype[16];
	struct rootfs_state st;
	struct storage_volume v;
	struct ctx x = { 0 };
	struct rootfs r;
	int rc;

	if ((rc = applet_args("mount_root", &spec, argc, argv, on_opt, &x, &x.help)) != APPLET_GO)
		return rc;
	if ((rc = rootfs_setup(&r, board_current(), x.a.root, x.a.data, x.a.firmware, x.a.state_dir, why)) < 0) {
		fprintf(stderr, "mount_root: %s\n", why);
		return rc == -ENOENT ? ROOTFS_EXIT_MISSING : ROOTFS_EXIT_USAGE;
	}
	if ((rc = rootfs_state(&r, &st)) < 0) {
		fprintf(stderr, "mount_root: /proc/self/mountinfo: %s\n", strerror(-rc));
		return ROOTFS_EXIT_FAILED;
	}
	if (st.overlay) {
		printf("mount_root: already mounted: the overlay is on %s%s%s; nothing changed\n", r.root,
		       st.data_mounted ? ", rootfs_data " : "", st.data_mounted ? st.data_source : "");
		return ROOTFS_EXIT_OK;
	}
	rc = rootfs_probe_data(&r, &v, fstype, sizeof(fstype), true, why);
	if (rc == ROOTFS_EXIT_ARCHIVE) {
		/* fstools' rootdisk: the settings a sysupgrade left raw on eMMC go into a fresh filesystem */
		printf("mount_root: %s: making a filesystem and restoring them\n", why);
		if (rootfs_unpack_archive(&v, fstype, sizeof(fstype), why) < 0 ||
		    (rc = rootfs_probe_data(&r, &v, fstype, sizeof(fstype), true, why)) != ROOTFS_EXIT_OK) {
			fprintf(stderr, "mount_root: %s\n", why);
			return ROOTFS_EXIT_FAILED;
		}
	}
	if (rc != ROOTFS_EXIT_OK) {
		fprintf(stderr, "mount_root: %s\n", why);
		return rc;
	}
	if (rootfs_mount_root(&r, &v, fstype, why) < 0) {
		fprintf(stderr, "mount_root: %s\n", why);
		return ROOTFS_EXIT_FAILED;
	}
	printf("mount_root: rootfs_data (%s on %s) mounted on %s/overlay; overlay on %s (upper %s/overlay/upper), "
	       "rom on %s/rom\n", fstype, v.dev, strcmp(r.root, "/") ? r.root : "", r.root,
	       strcmp(r.root, "/") ? r.root : "", strcmp(r.root, "/") ? r.root : "");
	return ROOTFS_EXIT_OK;
}

const struct applet applet_mount_root = {
	.name = "mount_root",
	.summary = "mount rootfs_data and the overlay over the read-only root",
	.main = mount_root_main,
};
