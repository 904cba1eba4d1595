/* app/flash/receive.h — sysupgrade's receiver: an image from a file, stdin or tcp:// into RAM, verified as it arrives */
#ifndef APP_RECEIVE_H
#define APP_RECEIVE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "fwimage.h"

/* Why a receive failed; each is one of sysupgrade's exit codes. */
enum {
	RECEIVE_OK = 0,
	RECEIVE_SOURCE = 4,             /* the source cannot be opened or connected to */
	RECEIVE_DROPPED = 5,            /* the transfer broke off (a read error, a reset connection) */
	RECEIVE_TOO_LARGE = 6,          /* more bytes than the firmware partition holds */
	RECEIVE_NO_ROOM = 7,            /* RAM (the temporary directory) ran out */
};

struct received {
	char path[PATH_MAX];            /* the image in RAM: in the temporary directory, or the source itself */
	bool borrowed;                  /* path is the caller's file (already in RAM): never unlink it */
	int fd;                         /* borrowed: the source as verified, kept open (use it, never reopen path);
					 * else -1 */
	uint64_t bytes;
	struct fwimage_info info;       /* what the verifier found */
};

/*
 * Receive source ("-" stdin, "tcp://HOST:PORT", or a file path) into a new
 * file in tmp_dir, at most cap_bytes, feeding every byte to the image
 * verifier. A regular file that is already in RAM (tmpfs, ramfs: OpenWrt's
 * `nc ... > /tmp/fw.bin`, the recovery page's upload) is verified where it
 * is, not copied (out->borrowed). Progress goes to stderr when progress is
 * set. Returns RECEIVE_OK or another RECEIVE_* with a one-line reason in
 * why (and nothing left in tmp_dir).
 */
int receive_image(const char *source, const char *tmp_dir, uint64_t cap_bytes, bool progress,
		  struct received *out, char *why, size_t why_size);

/* Remove the received copy (a borrowed source stays where it is, its descriptor closed). */
void receive_release(struct received *r);

#endif /* APP_RECEIVE_H */
