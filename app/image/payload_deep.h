/* app/image/payload_deep.h — the deep check of a payload as it streams by: gzip inflated and its CRC/ISIZE checked, a tar, FIT or UBI image walked (pure) */
#ifndef APP_PAYLOAD_DEEP_H
#define APP_PAYLOAD_DEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#include "fit_check.h"
#include "payload.h"
#include "tar_walk.h"
#include "ubi_check.h"

/*
 * Fed every byte of the image from its first, in pieces of any size; what
 * follows the payload (the fwtool metadata) is fed too, since where the
 * payload ends is only known at the end, and must not disturb the check:
 * each structure stops at its own end (a tar at its end-of-archive blocks,
 * a gzip stream at its trailer, a FIT at totalsize and its external data,
 * a UBI image at its last whole PEB), and a fault found at or past the
 * payload's end means the structure ran into the metadata: it was cut short.
 *
 * A payload starting 1f 8b is inflated (zlib, the first gzip member; what
 * follows it is ignored, as zcat does); the gzip CRC-32 and ISIZE are
 * checked at its end. The plain payload or what the gzip stream holds is
 * walked by its first bytes as payload_identify tells them apart: UBI#
 * (ubi_check.h), d0 0d fe ed (fit_check.h), a tar header (tar_walk.h);
 * anything else is not walked. Nothing here allocates: zlib's inflate state
 * lives in the arena inside the struct (~120 KiB in all, caller-allocated).
 */
#define PAYLOAD_DEEP_ARENA_BYTES  (48 * 1024)   /* zlib's inflate state (~7 KiB) and its 32 KiB window */
#define PAYLOAD_DEEP_OUT_BYTES    4096
#define PAYLOAD_DEEP_WHY_BYTES    320

enum payload_deep_problem {
	PAYLOAD_DEEP_OK = 0,
	PAYLOAD_DEEP_BAD_TAR,
	PAYLOAD_DEEP_BAD_GZIP,
	PAYLOAD_DEEP_BAD_FIT,
	PAYLOAD_DEEP_BAD_UBI,
	PAYLOAD_DEEP_NO_MEMORY,         /* zlib could not start (the check did not run) */
};

struct payload_walker {              /* one stream's walker: the plain payload or the inflated one */
	uint8_t kind;                /* undecided, none, tar, FIT, UBI */
	size_t lead_len;
	uint8_t lead[TAR_BLOCK_BYTES];   /* the first bytes, until they say what to walk */
	union {
		struct tar_walk tar;
		struct fit_check fit;
		struct ubi_check ubi;
	} w;
};

struct payload_gunzip {
	bool started, ended, failed, no_memory;
	z_stream z;
	uint64_t in_bytes;           /* compressed bytes fed */
	uint64_t end_in_bytes;       /* ended: the gzip stream's length; failed: where zlib stopped */
	uint64_t out_bytes;          /* inflated */
	uint32_t crc32;              /* CRC-32 of the inflated bytes (zlib's, kept in its strm->adler) */
	uint8_t last[8];             /* the last compressed bytes zlib consumed (the trailer, on a trailer fault) */
	char msg[64];                /* zlib's message on a fault */
	size_t head_len;
	uint8_t head[PAYLOAD_HEAD_BYTES];   /* the first inflated bytes, to say what they are */
	size_t arena_used;
	_Alignas(16) uint8_t arena[PAYLOAD_DEEP_ARENA_BYTES];
	uint8_t out[PAYLOAD_DEEP_OUT_BYTES];
};

struct payload_deep {
	uint64_t fed_bytes;
	uint8_t outer;               /* undecided, plain, gzip */
	uint8_t first[2];            /* the first bytes, until they say gzip or not */
	struct payload_gunzip gz;
	struct payload_walker in;
};

void payload_deep_init(struct payload_deep *d);
void payload_deep_feed(struct payload_deep *d, const uint8_t *p, size_t n);

/*
 * Take over src's check into dst (both fed alike; the two-thread verifier's
 * join): a running inflate state is copied into dst's own arena. src is left
 * as it was. 0, or -ENOMEM when zlib could not copy it.
 */
int payload_deep_join(struct payload_deep *dst, const struct payload_deep *src);

/*
 * The verdict for a payload of payload_bytes (everything fed after that is
 * not payload). id holds what payload_identify said from the first bytes;
 * this fills in the deep facts (walked, members, sizes, UBI and FIT facts)
 * and, for a gzip stream or a tar, the format and directory as the walk
 * found them. Returns PAYLOAD_DEEP_OK (also for a payload nothing walks:
 * then walked stays false), or the problem with one line in why. Pure.
 */
enum payload_deep_problem payload_deep_finish(const struct payload_deep *d, uint64_t payload_bytes,
					      struct payload_id *id, char *why, size_t why_size);

#endif /* APP_PAYLOAD_DEEP_H */
