/* tools/failsafectl/imagefile.h — an image file on this PC, read once through the fwimage reader and described (serve, recover) */
#ifndef TOOLS_FAILSAFECTL_IMAGEFILE_H
#define TOOLS_FAILSAFECTL_IMAGEFILE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "fwimage.h"

/*
 * imagefile_check - open @path and read it through the fwimage reader in
 * steps (never held whole), then print to stdout what it holds: "PROG:
 * PATH", mkimage_print_info(), a "check:" line and, with metadata, the
 * boards of this tree that take it. A broken image also gets one line on
 * stderr: "PROG: PATH is broken (PROBLEM: REASON); REFUSAL". Reading stops
 * when *@stop becomes non-zero (a signal).
 * Returns 0 when the image may be used (an image without metadata
 * included: info->has_metadata says), with the file open in *@fd and its
 * stat in *@st (imagefile_unchanged() compares); 1 after saying why not
 * (unreadable, not a regular file, broken), *@fd then -1.
 */
int imagefile_check(const char *prog, const char *path, const char *refusal, volatile sig_atomic_t *stop,
		    int *fd, struct stat *st, struct fwimage_info *info);

/* imagefile_unchanged - the open file @fd still has the size and time of @st (as checked). */
bool imagefile_unchanged(int fd, const struct stat *st);

/* imagefile_check_sum - compare PATH.sha256sum, when there is one, with the image's SHA-256 (a line either way). */
void imagefile_check_sum(const char *prog, const char *path, const struct fwimage_info *info);

/*
 * imagefile_lists - is a board (@compatible and/or @name; NULL or "" not
 * compared) in the image's board list? The rule of fwimage_check()'s board
 * check. False without metadata.
 */
bool imagefile_lists(const struct fwimage_info *info, const char *compatible, const char *name);

/* imagefile_boards_text - the image's board list for a message: "failsafed,sim, acme,r1" ("none" when empty). */
void imagefile_boards_text(const struct fwimage_info *info, char *out, size_t size);

#endif /* TOOLS_FAILSAFECTL_IMAGEFILE_H */
