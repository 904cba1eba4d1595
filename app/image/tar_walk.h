/* app/image/tar_walk.h — a tar archive walked as it streams by: every header checked, the members of OpenWrt's sysupgrade-<board>/ found (pure) */
#ifndef APP_TAR_WALK_H
#define APP_TAR_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload.h"

/*
 * What OpenWrt's nand.sh and emmc.sh read from a sysupgrade tar, checked the
 * way GNU tar walks it (`tar tf`, `tar xOf - > /dev/null`), fed in pieces of
 * any size:
 * - every header: the "ustar" magic (POSIX or GNU), the checksum (unsigned,
 *   or signed as old tars wrote it), the size (octal, or GNU base-256), GNU
 *   long names ('L', 'K'), pax extended headers ('x': path and size; 'g'
 *   skipped); data blocks follow every member by its size, as `tar t` skips them;
 * - the end: two zero blocks (a lone zero block followed by more is refused);
 *   what follows them (GNU tar's record padding, the fwtool metadata) is not read;
 * - the directory: the first member named "sysupgrade-<x>/" (nand.sh greps
 *   the member list with -m 1 for a name that starts "sysupgrade-" and ends
 *   in "/"; "./" in front allowed here, and <x> one path component), else
 *   the directory of the first member "sysupgrade-<x>/...";
 * - its members CONTROL, kernel, root, dtb: where the data starts, the size
 *   from the header, a CRC-32 of the data; the first bytes of CONTROL.
 * Members of any other sysupgrade-* directory are walked and ignored.
 */
#define TAR_BLOCK_BYTES        512
#define TAR_NAME_BYTES         256    /* member names kept; longer ones are cut and match nothing */
#define TAR_CANDIDATES         16     /* sysupgrade-<x>/{CONTROL,kernel,root,dtb} members remembered */
#define TAR_CONTROL_KEEP_BYTES 256    /* of CONTROL: enough for BOARD=... */
#define TAR_WHY_BYTES          256

struct tar_candidate {
	char dir[PAYLOAD_DIR_BYTES];    /* "sysupgrade-x" */
	uint8_t member;                 /* enum payload_member_id */
	uint8_t type;                   /* the header's typeflag */
	bool dup;                       /* a second member of the same name */
	uint64_t offset_bytes;          /* where its data starts in the tar */
	uint64_t size_bytes;
	uint32_t crc32;                 /* zlib crc32 of its data (complete once walked past it) */
	uint16_t keep_len;              /* CONTROL: bytes kept */
	char keep[TAR_CONTROL_KEEP_BYTES];
};

struct tar_walk {
	uint64_t pos_bytes;             /* bytes of the tar walked */
	uint8_t state;                  /* header, data, padding, ended, failed */
	uint8_t data_kind;              /* what the data being walked is: a file, a long name, a pax header... */
	size_t block_len;
	uint8_t block[TAR_BLOCK_BYTES]; /* a header being gathered */
	uint64_t left_bytes;            /* data bytes left of the current entry */
	uint64_t pad_bytes;             /* padding after it */
	int cur;                        /* the candidate receiving data, or -1 */
	bool zero_block;                /* the previous block was all zeros */
	/* extended headers for the next member */
	bool next_name_set, next_name_cut, next_size_set;
	uint64_t next_size;
	size_t next_name_len;
	char next_name[TAR_NAME_BYTES];
	struct tar_pax {                /* a pax record being parsed */
		uint64_t rec_len, rec_pos;
		uint8_t phase;          /* length digits, key, value, done */
		size_t key_len, val_len;
		char key[16];
		char val[TAR_NAME_BYTES];
	} pax;
	/* the last member header, for messages */
	bool name_cut;                  /* its name did not fit name[]: it matches nothing looked for */
	char name[TAR_NAME_BYTES];
	uint64_t data_at, size_bytes;
	/* what was found */
	unsigned entries;               /* headers of members walked (extended headers not counted) */
	bool dir_found, dir_from_entry;
	char dir[PAYLOAD_DIR_BYTES];
	unsigned n_cand;
	struct tar_candidate cand[TAR_CANDIDATES];
	uint64_t end_bytes;             /* ended: the end of the end-of-archive blocks */
	uint64_t err_at;                /* failed: the tar offset of the header or data at fault */
	char why[TAR_WHY_BYTES];
};

void tar_walk_init(struct tar_walk *w);
/* The next n bytes of the stream. Stops reading at the end of the archive or the first fault. */
void tar_walk_feed(struct tar_walk *w, const uint8_t *p, size_t n);

/*
 * The verdict when the payload holds end_bytes of tar (a fault or an end
 * past that belongs to what follows the payload: it means the tar was cut
 * short). 0 with *id filled (format SYSUPGRADE_TAR or TAR, dir, member[],
 * control_board, own_bytes, walked), or -EBADMSG with one line in why:
 * a damaged header, a member cut short, no end-of-archive blocks, and for a
 * sysupgrade tar a CONTROL that is missing or empty, neither kernel nor root,
 * a member twice or not a regular file. Pure; does not change w.
 */
int tar_walk_finish(const struct tar_walk *w, uint64_t end_bytes, struct payload_id *id, char *why, size_t why_size);

/* A ustar or GNU header whose checksum adds up (the test payload_identify uses too). */
bool tar_header_ok(const uint8_t block[TAR_BLOCK_BYTES]);

#endif /* APP_TAR_WALK_H */
