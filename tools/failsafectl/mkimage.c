/* tools/failsafectl/mkimage.c — failsafectl mkimage: a payload plus OpenWrt fwtool metadata, written atomically with its .sha256sum */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "all_boards.h"
#include "args.h"
#include "failsafectl.h"
#include "fwimage.h"
#include "listen_view.h"

#define PROG		"failsafectl mkimage"
#define COPY_BYTES	(1024 * 1024)	/* payload read per step: the payload is never held whole */
#define DEFAULT_DIST	"failsafed"
#define DEFAULT_COMPAT	"1.0"

enum { OPT_HELP, OPT_BOARD, OPT_VERSION, OPT_REVISION, OPT_TARGET, OPT_COMPAT, OPT_DIST, OPT_OUTPUT };

static const struct args_opt opts[] = {
	{ "--board", 0, "NAME", "a board the image is for; repeat for more (see below)", OPT_BOARD },
	{ "--version", 0, "V", "version.version, e.g. 23.05.3 (required)", OPT_VERSION },
	{ "--revision", 0, "R", "version.revision, e.g. r23809-234f1a2efa (default empty)", OPT_REVISION },
	{ "--target", 0, "T", "version.target, e.g. ramips/mt7621 (default empty)", OPT_TARGET },
	{ "--compat", 0, "X.Y", "compat_version (default 1.0)", OPT_COMPAT },
	{ "--dist", 0, "NAME", "version.dist (default " DEFAULT_DIST ")", OPT_DIST },
	{ "--output", 'o', "IMAGE", "the image to write (required); IMAGE.sha256sum beside it", OPT_OUTPUT },
	{ "--help", 'h', NULL, "this text", OPT_HELP },
};

static const struct args_spec spec = {
	.usage = "Usage: failsafectl mkimage --board NAME [--board NAME...] --version V [--revision R]\n"
		 "                           [--target T] [--compat X.Y] [--dist NAME] PAYLOAD -o IMAGE\n"
		 "Append OpenWrt's sysupgrade metadata (what fwtool -i reads and sysupgrade checks) to\n"
		 "PAYLOAD (a file, or - for standard input) and write IMAGE and IMAGE.sha256sum.\n",
	.opts = opts,
	.n_opts = sizeof(opts) / sizeof(opts[0]),
	.footer =
		"--board NAME: a board of this tree by its name (mercusys-mr85x), its file name\n"
		"(mercusys_mr85x) or its compatible (mercusys,mr85x) is written as its device-tree\n"
		"compatible, the name OpenWrt's sysupgrade compares; any other NAME is written as\n"
		"given, with a warning. With --compat other than 1.0 the list goes to\n"
		"new_supported_devices and supported_devices holds OpenWrt's legacy message.\n"
		"\n"
		"The metadata: metadata_version 1.1, compat_version, supported_devices, version\n"
		"{dist, version, revision, target, board} with board = the first board's name\n"
		"(mercusys-mr85x; an unknown NAME as given), and sha256 = the payload's SHA-256\n"
		"(a key fwtool ignores and failsafed's sysupgrade checks).\n"
		"\n"
		"The payload is streamed, never read whole. IMAGE appears complete or not at all\n"
		"(a temporary file beside it, renamed); IMAGE.sha256sum has sha256sum(1)'s format\n"
		"(check with: sha256sum -c IMAGE.sha256sum, in IMAGE's directory).\n"
		"Exit status: 0 written, 1 failure (nothing left behind), 2 bad usage.\n",
};

struct mk_args {
	const char *given[FWIMAGE_MAX_DEVICES];	/* --board as typed */
	size_t n_given;
	const char *version, *revision, *target, *compat, *dist;
	const char *output;
	const char *payload;
	bool help;
};

static volatile sig_atomic_t got_stop;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

/* "X.Y", digits only: what OpenWrt's compat_version looks like. */
static bool good_compat(const char *s)
{
	size_t a = strspn(s, "0123456789"), b;

	if (!a || s[a] != '.')
		return false;
	b = strspn(s + a + 1, "0123456789");
	return b && !s[a + 1 + b] && strlen(s) < FWIMAGE_COMPAT_BYTES;
}

static int on_opt(void *ctx, int id, const char *v, char *err, size_t err_size)
{
	struct mk_args *a = ctx;

	switch (id) {
	case OPT_HELP:
		a->help = true;
		return ARGS_STOP;
	case OPT_BOARD:
		if (!*v || strlen(v) >= FWIMAGE_NAME_BYTES) {
			snprintf(err, err_size, "expects a board name of 1 to %d bytes", FWIMAGE_NAME_BYTES - 1);
			return -EINVAL;
		}
		if (a->n_given == FWIMAGE_MAX_DEVICES) {
			snprintf(err, err_size, "at most %d boards", FWIMAGE_MAX_DEVICES);
			return -EINVAL;
		}
		a->given[a->n_given++] = v;
		return 0;
	case OPT_VERSION:
		a->version = v;
		return 0;
	case OPT_REVISION:
		a->revision = v;
		return 0;
	case OPT_TARGET:
		a->target = v;
		return 0;
	case OPT_DIST:
		a->dist = v;
		return 0;
	case OPT_COMPAT:
		if (!good_compat(v)) {
			snprintf(err, err_size, "expects MAJOR.MINOR, e.g. 1.0 or 2.0, not '%s'", v);
			return -EINVAL;
		}
		a->compat = v;
		return 0;
	case OPT_OUTPUT:
		a->output = v;
		return 0;
	case ARGS_OPERAND:
		if (a->payload) {
			snprintf(err, err_size, "one PAYLOAD only (already have '%s')", a->payload);
			return -EINVAL;
		}
		a->payload = v;
		return 0;
	default:
		snprintf(err, err_size, "unexpected argument");
		return -EINVAL;
	}
}

/* NAME is the board's name written as its file name: '_' where the name has '-'. */
static bool is_file_name(const char *name, const char *board_name)
{
	for (; *name && *board_name; name++, board_name++)
		if (*name != (*board_name == '-' ? '_' : *board_name))
			return false;
	return !*name && !*board_name;
}

const struct board *mkimage_find_board(const char *name)
{
	for (size_t i = 0; i < n_all_boards; i++) {
		const struct board *b = all_boards[i];

		if (!strcmp(name, b->name) || is_file_name(name, b->name)
		    || (b->compatible && !strcmp(name, b->compatible)))
			return b;
	}
	return NULL;
}

static void known_boards(FILE *f)
{
	for (size_t i = 0; i < n_all_boards; i++)
		fprintf(f, "%s%s (%s)", i ? ", " : "", all_boards[i]->name,
			all_boards[i]->compatible ? all_boards[i]->compatible : "no compatible");
}

void mkimage_size_text(char *out, size_t size, uint64_t bytes)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes / 1024;
	unsigned u = 0;

	if (bytes < 1024) {
		snprintf(out, size, "%llu B", (unsigned long long)bytes);
		return;
	}
	while (v >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	snprintf(out, size, "%.1f %s", v, unit[u]);
}

void mkimage_print_info(FILE *f, const struct fwimage_info *in)
{
	char hex[FWIMAGE_SHA256_HEX_BYTES], size[32], s[FWIMAGE_MESSAGE_BYTES];
	const char *fields[] = { in->version.dist, in->version.version, in->version.revision, in->version.target };
	bool any = false;

	if (!in->has_metadata) {
		fprintf(f, "  boards:   none listed (no metadata)\n");
	} else {
		fprintf(f, "  boards:  ");
		for (unsigned i = 0; i < in->n_devices; i++) {
			lv_sanitize(s, sizeof(s), in->devices[i]);
			fprintf(f, "%s %s", i ? "," : "", s);
		}
		if (!in->n_devices)
			fprintf(f, " none");
		if (in->n_devices_skipped)
			fprintf(f, " (and %u not shown)", in->n_devices_skipped);
		fprintf(f, "%s\n", in->new_devices ? " (new_supported_devices)" : "");
		fprintf(f, "  version: ");
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			if (!fields[i][0])
				continue;
			lv_sanitize(s, sizeof(s), fields[i]);
			fprintf(f, " %s", s);
			any = true;
		}
		if (!any)
			fprintf(f, " -");
		if (in->version.board[0]) {
			lv_sanitize(s, sizeof(s), in->version.board);
			fprintf(f, " (board %s)", s);
		}
		lv_sanitize(s, sizeof(s), in->compat_version);
		fprintf(f, ", compat %s\n", s);
	}
	mkimage_size_text(size, sizeof(size), in->total_bytes);
	fprintf(f, "  size:     %s (%llu bytes: payload %llu + metadata %llu)\n", size,
		(unsigned long long)in->total_bytes, (unsigned long long)in->payload_bytes,
		(unsigned long long)(in->total_bytes - in->payload_bytes));
	fwimage_sha256_hex(in->payload_sha256, hex);
	fprintf(f, "  payload:  SHA-256 %s", hex);
	if (in->has_meta_sha256 && !memcmp(in->meta_sha256, in->payload_sha256, FWIMAGE_SHA256_BYTES)) {
		fprintf(f, " (as the metadata's sha256)\n");
	} else if (in->has_meta_sha256) {
		fwimage_sha256_hex(in->meta_sha256, hex);
		fprintf(f, " (the metadata says %s)\n", hex);
	} else {
		fprintf(f, "\n");
	}
	fwimage_sha256_hex(in->image_sha256, hex);
	fprintf(f, "  image:    SHA-256 %s\n", hex);
}

/* The output's temporary twins, removed unless renamed into place. */
struct outfiles {
	char *dir, *base;			/* of -o IMAGE */
	char tmp_image[4096], tmp_sum[4096], sum[4096];
	int image_fd, sum_fd;
};

static void out_discard(struct outfiles *o)
{
	if (o->image_fd >= 0)
		close(o->image_fd);
	if (o->sum_fd >= 0)
		close(o->sum_fd);
	o->image_fd = o->sum_fd = -1;
	if (o->tmp_image[0])
		unlink(o->tmp_image);
	if (o->tmp_sum[0])
		unlink(o->tmp_sum);
	o->tmp_image[0] = o->tmp_sum[0] = '\0';
}

/* ".IMAGE<suffix>.XXXXXX" beside IMAGE: same file system, so rename is atomic. */
static int make_temp(const struct outfiles *o, const char *suffix, char *path, size_t size)
{
	int fd;

	if ((size_t)snprintf(path, size, "%s/.%s%s.XXXXXX", o->dir, o->base, suffix) >= size) {
		path[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		path[0] = '\0';
	return fd;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* fsync, the mode a plain create would give (mkstemp makes 0600), close. 0 or -1 with errno. */
static int seal(int *fd)
{
	mode_t mask = umask(0);
	int rc;

	umask(mask);
	rc = fchmod(*fd, 0666 & ~mask) || fsync(*fd) ? -1 : 0;
	if (close(*fd) && !rc)
		rc = -1;
	*fd = -1;
	return rc;
}

static int copy_payload(int in, const char *name, struct outfiles *o, struct fwimage_writer *w,
			struct fwimage_reader *r)
{
	char *buf = malloc(COPY_BYTES);
	int rc = 1;

	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return 1;
	}
	for (;;) {
		ssize_t n = read(in, buf, COPY_BYTES);

		if (got_stop) {
			fprintf(stderr, "%s: interrupted; nothing written\n", PROG);
			goto out;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: reading payload %s: %s\n", PROG, name, strerror(errno));
			goto out;
		}
		if (!n)
			break;
		fwimage_writer_feed(w, buf, (size_t)n);
		fwimage_reader_feed(r, buf, (size_t)n);
		if (write_all(o->image_fd, buf, (size_t)n) < 0) {
			fprintf(stderr, "%s: writing %s: %s\n", PROG, o->tmp_image, strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static int open_payload(const char *name)
{
	struct stat st;
	int fd;

	if (!strcmp(name, "-"))
		return STDIN_FILENO;
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: payload %s: %s\n", PROG, name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: payload %s: is a directory, not a file\n", PROG, name);
		close(fd);
		return -1;
	}
	return fd;
}

static int check_args(const struct mk_args *a)
{
	if (!a->n_given) {
		fprintf(stderr, "%s: no --board given: name the board(s) the image is for; this tree knows ", PROG);
		known_boards(stderr);
		fprintf(stderr, " (see --help)\n");
	} else if (!a->version) {
		fprintf(stderr, "%s: no --version given, e.g. --version 23.05.3 (see --help)\n", PROG);
	} else if (!a->payload) {
		fprintf(stderr, "%s: no PAYLOAD given: the firmware file to wrap, or - for standard input "
			"(see --help)\n", PROG);
	} else if (!a->output || !*a->output) {
		fprintf(stderr, "%s: -o IMAGE missing: where to write the image (see --help)\n", PROG);
	} else {
		return 0;
	}
	return -1;
}

/* --board names to compatibles; unknown names as given, with one warning. */
static size_t resolve_boards(const struct mk_args *a, const char **dev, const char **board_name)
{
	size_t n = 0;

	*board_name = NULL;
	for (size_t i = 0; i < a->n_given; i++) {
		const struct board *b = mkimage_find_board(a->given[i]);
		const char *c = b && b->compatible && *b->compatible ? b->compatible : a->given[i];
		bool dup = false;

		if (!b) {
			fprintf(stderr, "%s: warning: '%s' is not a board of this tree; written as given (known: ",
				PROG, a->given[i]);
			known_boards(stderr);
			fprintf(stderr, ")\n");
		}
		if (!*board_name)
			*board_name = b ? b->name : a->given[i];
		for (size_t j = 0; j < n; j++)
			dup |= !strcmp(dev[j], c);
		if (!dup)
			dev[n++] = c;
	}
	return n;
}

static int write_sum(struct outfiles *o, const struct fwimage_info *info)
{
	char hex[FWIMAGE_SHA256_HEX_BYTES], line[FWIMAGE_SHA256_HEX_BYTES + 4096];
	int n;

	o->sum_fd = make_temp(o, ".sha256sum", o->tmp_sum, sizeof(o->tmp_sum));
	if (o->sum_fd < 0)
		return -1;
	fwimage_sha256_hex(info->image_sha256, hex);
	n = snprintf(line, sizeof(line), "%s  %s\n", hex, o->base);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return write_all(o->sum_fd, line, (size_t)n) || seal(&o->sum_fd) ? -1 : 0;
}

/* Both files are complete on disk; put them in place, the image first. */
static int commit(struct outfiles *o, const char *image)
{
	int dfd;

	if (rename(o->tmp_image, image) < 0) {
		fprintf(stderr, "%s: %s: %s\n", PROG, image, strerror(errno));
		return -1;
	}
	o->tmp_image[0] = '\0';
	if (rename(o->tmp_sum, o->sum) < 0) {
		fprintf(stderr, "%s: %s: %s (removed %s again)\n", PROG, o->sum, strerror(errno), image);
		unlink(image);
		return -1;
	}
	o->tmp_sum[0] = '\0';
	dfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static int build(const struct mk_args *a, int in, struct outfiles *o)
{
	const char *dev[FWIMAGE_MAX_DEVICES], *board_name;
	struct fwimage_meta m = {
		.devices = dev,
		.compat_version = a->compat ? a->compat : DEFAULT_COMPAT,
		.dist = a->dist ? a->dist : DEFAULT_DIST,
		.version = a->version,
		.revision = a->revision,
		.target = a->target,
	};
	struct fwimage_writer w;
	struct fwimage_reader *r = malloc(sizeof(*r));
	struct fwimage_info *info = malloc(sizeof(*info));
	uint8_t *chunk = malloc(FWIMAGE_WRITER_OUT_BYTES);
	size_t len;
	int rc = 1, err;

	if (!r || !info || !chunk) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		goto out;
	}
	m.n_devices = resolve_boards(a, dev, &board_name);
	m.board = board_name;
	o->image_fd = make_temp(o, "", o->tmp_image, sizeof(o->tmp_image));
	if (o->image_fd < 0) {
		fprintf(stderr, "%s: cannot write into directory %s: %s (-o %s)\n", PROG, o->dir, strerror(errno),
			a->output);
		goto out;
	}
	fwimage_writer_init(&w);
	fwimage_reader_init(r);
	if (copy_payload(in, a->payload, o, &w, r))
		goto out;
	if (!w.payload_bytes) {
		fprintf(stderr, "%s: payload %s is empty: an image needs the firmware it carries\n", PROG,
			a->payload);
		goto out;
	}
	err = fwimage_writer_finish(&w, &m, chunk, FWIMAGE_WRITER_OUT_BYTES, &len);
	if (err == -E2BIG) {
		fprintf(stderr, "%s: the metadata would exceed %d bytes (fewer or shorter names)\n", PROG,
			FWIMAGE_METADATA_MAX_BYTES);
		goto out;
	} else if (err) {
		fprintf(stderr, "%s: cannot encode the metadata: %s\n", PROG, strerror(-err));
		goto out;
	}
	fwimage_reader_feed(r, chunk, len);
	if (write_all(o->image_fd, chunk, len) < 0 || seal(&o->image_fd) < 0) {
		fprintf(stderr, "%s: writing %s: %s\n", PROG, o->tmp_image, strerror(errno));
		goto out;
	}
	/* What a board will see: the image read back through the same reader sysupgrade uses. */
	err = fwimage_reader_finish(r, info);
	if (err || !info->has_metadata) {
		fprintf(stderr, "%s: the image does not read back: %s\n", PROG,
			err == -EBADMSG ? info->reason : err ? strerror(-err) : "no metadata");
		goto out;
	}
	if (write_sum(o, info) < 0) {
		fprintf(stderr, "%s: writing %s: %s\n", PROG, o->sum, strerror(errno));
		goto out;
	}
	/* From here on the files are complete: a late Ctrl-C must not leave the pair half renamed. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (commit(o, a->output) < 0)
		goto out;
	printf("%s: wrote %s and %s\n", PROG, a->output, o->sum);
	mkimage_print_info(stdout, info);
	rc = 0;
out:
	free(chunk);
	free(info);
	free(r);
	return rc;
}

int mkimage_main(int argc, char **argv)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_stop };
	struct mk_args a = { 0 };
	struct outfiles o = { .image_fd = -1, .sum_fd = -1 };
	char err[256], *dcopy = NULL, *bcopy = NULL, *help;
	int in = -1, rc = 1;

	if (args_parse(&spec, argc, argv, on_opt, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return 2;
	}
	if (a.help) {
		help = malloc(8192);
		if (!help)
			return 1;
		args_usage(&spec, help, 8192);
		fputs(help, stdout);
		free(help);
		return 0;
	}
	if (check_args(&a) < 0)
		return 2;
	dcopy = strdup(a.output);
	bcopy = strdup(a.output);
	if (!dcopy || !bcopy) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		goto out;
	}
	o.dir = dirname(dcopy);
	o.base = basename(bcopy);
	if ((size_t)snprintf(o.sum, sizeof(o.sum), "%s.sha256sum", a.output) >= sizeof(o.sum)) {
		fprintf(stderr, "%s: -o %s: name too long\n", PROG, a.output);
		goto out;
	}
	in = open_payload(a.payload);
	if (in < 0)
		goto out;
	/* No SA_RESTART: a read waiting on a pipe returns, and the temporary files go. */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	rc = build(&a, in, &o);
	out_discard(&o);
	if (in > STDIN_FILENO)
		close(in);
out:
	free(dcopy);
	free(bcopy);
	return rc;
}
