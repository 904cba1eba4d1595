/* tools/failsafectl/imagefile.c — an image file on this PC, read once through the fwimage reader and described (serve, recover) */
#include "imagefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "all_boards.h"
#include "failsafectl.h"
#include "listen_view.h"

#define CHECK_READ_BYTES	(1024 * 1024)	/* image read per step while checking */

static void print_fits(FILE *f, const struct fwimage_info *info)
{
	size_t fit = 0;

	fprintf(f, "  boards of this tree that take it as is:");
	for (size_t i = 0; i < n_all_boards; i++) {
		struct fwimage_expect e = {
			.compatible = all_boards[i]->compatible,
			.board_name = all_boards[i]->name,
			.keep_settings = true,
		};
		struct fwimage_verdict v;

		if (!fwimage_check(info, &e, &v) && v.kind == FWIMAGE_ACCEPT)
			fprintf(f, "%s %s", fit++ ? "," : "", all_boards[i]->name);
	}
	fprintf(f, "%s\n", fit ? "" : " none (fine for a board this tree does not describe)");
}

/* Read the whole file through the reader. 0, or 1 after saying why not. */
static int read_through(const char *prog, const char *path, int fd, volatile sig_atomic_t *stop,
			struct fwimage_info *info)
{
	struct fwimage_reader *r = malloc(sizeof(*r));
	char *buf = malloc(CHECK_READ_BYTES);
	int rc = 1, err;

	if (!r || !buf) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	fwimage_reader_init(r);
	for (;;) {
		ssize_t n = read(fd, buf, CHECK_READ_BYTES);

		if (n < 0 && errno == EINTR && !(stop && *stop))
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: reading image %s: %s\n", prog, path, strerror(errno));
			goto out;
		}
		if (!n)
			break;
		fwimage_reader_feed(r, buf, (size_t)n);
	}
	err = fwimage_reader_finish(r, info);
	if (err == -ENOMEM || (err && err != -EBADMSG)) {
		fprintf(stderr, "%s: checking %s: %s\n", prog, path, strerror(-err));
		goto out;
	}
	rc = 0;
out:
	free(buf);
	free(r);
	return rc;
}

int imagefile_check(const char *prog, const char *path, const char *refusal, volatile sig_atomic_t *stop,
		    int *fd, struct stat *st, struct fwimage_info *info)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0 || fstat(*fd, st) < 0) {
		fprintf(stderr, "%s: image %s: %s\n", prog, path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		fprintf(stderr, "%s: image %s: not a regular file\n", prog, path);
		goto fail;
	}
	if (read_through(prog, path, *fd, stop, info))
		goto fail;
	printf("%s: %s\n", prog, path);
	mkimage_print_info(stdout, info);
	if (info->problem) {
		printf("  check:    BROKEN: %s\n", info->reason);
		fflush(stdout);
		const char *name = fwimage_problem_name(info->problem);
		bool named = !strncmp(info->reason, name, strlen(name));	/* "truncated: ..." says it already */

		fprintf(stderr, "%s: %s is broken (%s%s%s); %s\n", prog, path, named ? "" : name, named ? "" : ": ",
			info->reason, refusal);
		goto fail;
	}
	if (info->has_metadata) {
		printf("  check:    ok: %u chunk%s, every CRC matches (last 0x%08x)%s%s\n", info->n_chunks,
		       info->n_chunks == 1 ? "" : "s", info->crc_stored,
		       info->has_signature ? ", signed" : "",
		       info->has_meta_sha256 ? ", sha256 matches the payload" : "");
		print_fits(stdout, info);
	} else {
		printf("  check:    no metadata: nothing to check but the SHA-256\n");
	}
	return 0;
fail:
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return 1;
}

bool imagefile_unchanged(int fd, const struct stat *st)
{
	struct stat now;

	return fstat(fd, &now) == 0 && now.st_size == st->st_size && now.st_mtim.tv_sec == st->st_mtim.tv_sec
	       && now.st_mtim.tv_nsec == st->st_mtim.tv_nsec;
}

void imagefile_check_sum(const char *prog, const char *path, const struct fwimage_info *info)
{
	char name[4096], line[256], hex[FWIMAGE_SHA256_HEX_BYTES];
	FILE *f;

	if ((size_t)snprintf(name, sizeof(name), "%s.sha256sum", path) >= sizeof(name))
		return;
	f = fopen(name, "re");
	if (!f)
		return;
	fwimage_sha256_hex(info->image_sha256, hex);
	if (fgets(line, sizeof(line), f)) {
		if (!strncasecmp(line, hex, 64))
			printf("  %s: matches\n", name);
		else
			fprintf(stderr, "%s: warning: %s says %.64s, the image's SHA-256 is %s (stale?)\n", prog,
				name, line, hex);
	}
	fclose(f);
}

bool imagefile_lists(const struct fwimage_info *info, const char *compatible, const char *name)
{
	struct fwimage_expect e = { .compatible = compatible, .board_name = name, .keep_settings = true };
	struct fwimage_check_item items[FWIMAGE_CHECKS];

	if (!info->has_metadata)
		return false;
	fwimage_check_list(info, &e, items);
	return items[FWIMAGE_CHECK_BOARD].state == FWIMAGE_CHECK_OK;
}

void imagefile_boards_text(const struct fwimage_info *info, char *out, size_t size)
{
	char s[FWIMAGE_NAME_BYTES];
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < info->n_devices && used < size; i++) {
		lv_sanitize(s, sizeof(s), info->devices[i]);
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "", s);
	}
	if (!info->n_devices)
		snprintf(out, size, "none");
}
