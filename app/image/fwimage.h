/* app/image/fwimage.h — OpenWrt sysupgrade image metadata (fwtool format): streaming verifier, check policy, encoder (pure) */
#ifndef APP_FWIMAGE_H
#define APP_FWIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"

#include "payload.h"
#include "payload_deep.h"

/*
 * The format (OpenWrt package/system/fwtool, SPEC §12), read from the end:
 *
 *   payload | header | JSON | trailer [ | signature | trailer ]
 *
 * header   8 bytes: be32 version (0), be32 flags (0; not checked, as fwtool)
 * trailer 16 bytes: be32 magic 0x46577830 "FWx0", be32 crc32, u8 type
 *          (1 metadata, 0 signature), 3 zero bytes, be32 size of the whole
 *          chunk (header + JSON + trailer, or signature + trailer)
 * crc32    reflected 0xEDB88320, initial 0xFFFFFFFF, no final xor (that is
 *          zlib's crc32() xor 0xFFFFFFFF) over every byte of the file before
 *          that trailer: the payload too, and for a signature trailer the
 *          whole metadata chunk, its trailer included.
 *
 * The reader is stricter than fwtool -i where fwtool would silently skip or
 * misread a damaged block; every single-byte change of a valid image is
 * reported as broken (a unit test flips each byte). Deliberate differences:
 * - a metadata header version other than 0 is broken (fwtool skips it);
 * - unknown chunk types, nonzero padding and a signature chunk with no
 *   metadata chunk before it are broken (fwtool skips or ignores them);
 * - JSON over FWIMAGE_METADATA_MAX_BYTES is broken (fwtool -I never writes
 *   more; fwtool -i would read up to 32760 bytes);
 * - unparsable JSON, or a missing device list, is broken; OpenWrt's
 *   fwtool_check_image() marks these invalid but forceable.
 * An image cut short is seen as truncated only while the last trailer's
 * magic is left; a deeper cut looks like an image without metadata, which
 * is why -F on such an image also needs --sha256.
 */
#define FWIMAGE_MAGIC                0x46577830u
#define FWIMAGE_HEADER_BYTES         8
#define FWIMAGE_TRAILER_BYTES        16
#define FWIMAGE_TYPE_SIGNATURE       0
#define FWIMAGE_TYPE_METADATA        1
#define FWIMAGE_METADATA_MAX_BYTES   (30 * 1024)  /* JSON; fwtool's METADATA_MAXLEN */
#define FWIMAGE_SIGNATURE_MAX_BYTES  1024         /* fwtool's SIGNATURE_MAXLEN */
#define FWIMAGE_MAX_CHUNKS           4            /* metadata and up to 3 signatures */
#define FWIMAGE_METADATA_CHUNK_MAX_BYTES \
	(FWIMAGE_HEADER_BYTES + FWIMAGE_METADATA_MAX_BYTES + FWIMAGE_TRAILER_BYTES)
#define FWIMAGE_SIGNATURE_CHUNK_MAX_BYTES (FWIMAGE_SIGNATURE_MAX_BYTES + FWIMAGE_TRAILER_BYTES)
/* The last bytes of the image kept for the walk at the end; all chunks fit. */
#define FWIMAGE_TAIL_BYTES           (64 * 1024)

#define FWIMAGE_SHA256_BYTES         32
#define FWIMAGE_SHA256_HEX_BYTES     65           /* 64 hex digits and NUL */
#define FWIMAGE_MAX_DEVICES          32           /* device names kept from the list */
#define FWIMAGE_NAME_BYTES           64           /* a device name with its NUL */
#define FWIMAGE_FIELD_BYTES          64           /* version fields, cut to fit (display only) */
#define FWIMAGE_COMPAT_BYTES         16           /* compat_version, metadata_version */
#define FWIMAGE_MESSAGE_BYTES        256          /* compat_message, cut to fit */
#define FWIMAGE_REASON_BYTES         384          /* one line, no newline */

/*
 * What is wrong with an image. Each has a stable short name and the exit
 * code the sysupgrade applet returns (1-9 and 40-49 stay free for the
 * applet's own failures: usage, I/O, transfer, RAM cap, busy, slots).
 *
 *   code  name                      kind       meaning
 *    0    ok                        -          nothing wrong
 *   10    empty                     broken     no bytes, or chunks but no payload
 *   11    truncated                 broken     the image ends inside a trailer
 *   12    bad-magic                 broken     last 16 bytes are a trailer (CRC matches) with a damaged magic
 *   13    bad-crc                   broken     a trailer's CRC differs from the bytes before it
 *   14    bad-trailer               broken     unknown chunk type or nonzero padding
 *   15    bad-size                  broken     chunk size below its minimum or beyond the image start
 *   16    metadata-too-large        broken     JSON over FWIMAGE_METADATA_MAX_BYTES
 *   17    signature-too-large       broken     signature over FWIMAGE_SIGNATURE_MAX_BYTES
 *   18    too-many-chunks           broken     more than FWIMAGE_MAX_CHUNKS chunks
 *   19    orphan-signature          broken     a signature chunk with no metadata chunk before it
 *   20    bad-header                broken     metadata header version is not 0
 *   21    bad-json                  broken     not one JSON object (syntax, NUL byte, trailing data)
 *   22    bad-devices               broken     (new_)supported_devices missing or not a list of strings
 *   23    bad-key                   broken     compat_version, version, sha256... of the wrong type or form
 *   24    sha256-mismatch           broken     payload differs from the metadata's "sha256"
 *   25    expected-sha256-mismatch  broken     neither payload nor whole image matches --sha256
 *   26    unfit                     broken     the payload's format is not what the board's storage takes
 *                                              (a sysupgrade tar for a raw partition): never written
 *   27    bad-tar                   broken     a tar header's checksum, size or type is wrong, a member is cut
 *                                              short, no end-of-archive blocks; a sysupgrade tar's directory
 *                                              without CONTROL (or empty), without kernel and root, a member twice
 *   28    bad-gzip                  broken     the gzip stream is corrupt, cut short, or its CRC-32 or ISIZE differ
 *   29    bad-fit                   broken     a FIT whose FDT is damaged or cut short, a sub-image hash that
 *                                              differs (or an algorithm not known), a configuration naming an
 *                                              image that is not there, external data outside the payload:
 *                                              never forceable (OpenWrt's fit_check_image, 29ec74b8c7)
 *   50    bad-ubi                   broken     a ubinized image with a damaged EC or VID header, no second PEB,
 *                                              a partial last PEB, no layout volume, a bad volume table
 *                                              (30..39 are forceable, 40..49 sysupgrade's own: broken codes go
 *                                              on at 50)
 *   30    no-metadata               forceable  no metadata chunk at the end
 *   31    force-needs-sha256        forceable  -F on an image without metadata, but no --sha256
 *   32    wrong-board               forceable  the board is not in the device list
 *   33    compat-major              forceable  compat_version major differs from the device's
 *   34    compat-minor              forceable  compat_version minor differs, settings kept
 *   35    tar-other-board           forceable  the sysupgrade tar's first sysupgrade-<x>/ directory is not this
 *                                              board's in either spelling (OpenWrt's nand_do_platform_check)
 *
 * A major compat_version mismatch is refused without -F and forceable, as in
 * OpenWrt: fwtool_check_image() returns 1 for it (lib/upgrade/fwtool.sh),
 * validate_firmware_image turns any such failure into "invalid" with
 * forceable left true, and procd's sysupgrade handler then installs an
 * invalid-but-forceable image when force is given. OpenWrt's own images with
 * compat_version 2.0 say so in their legacy supported_devices message
 * ("Please wipe config during upgrade (force required) or reinstall").
 * A minor mismatch only matters when settings are kept (OpenWrt checks
 * SAVE_CONFIG): with -n it is accepted.
 */
enum fwimage_problem {
	FWIMAGE_P_NONE = 0,
	FWIMAGE_P_EMPTY,
	FWIMAGE_P_TRUNCATED,
	FWIMAGE_P_BAD_MAGIC,
	FWIMAGE_P_BAD_CRC,
	FWIMAGE_P_BAD_TRAILER,
	FWIMAGE_P_BAD_SIZE,
	FWIMAGE_P_METADATA_TOO_LARGE,
	FWIMAGE_P_SIGNATURE_TOO_LARGE,
	FWIMAGE_P_TOO_MANY_CHUNKS,
	FWIMAGE_P_ORPHAN_SIGNATURE,
	FWIMAGE_P_BAD_HEADER,
	FWIMAGE_P_BAD_JSON,
	FWIMAGE_P_BAD_DEVICES,
	FWIMAGE_P_BAD_KEY,
	FWIMAGE_P_SHA256_MISMATCH,
	FWIMAGE_P_EXPECTED_SHA256_MISMATCH,
	FWIMAGE_P_UNFIT,
	FWIMAGE_P_NO_METADATA,
	FWIMAGE_P_FORCE_NEEDS_SHA256,
	FWIMAGE_P_WRONG_BOARD,
	FWIMAGE_P_COMPAT_MAJOR,
	FWIMAGE_P_COMPAT_MINOR,
	/* the deep check of the payload (payload_deep.h) and the tar's board; appended, in the code order above */
	FWIMAGE_P_BAD_TAR,
	FWIMAGE_P_BAD_GZIP,
	FWIMAGE_P_BAD_FIT,
	FWIMAGE_P_BAD_UBI,
	FWIMAGE_P_TAR_OTHER_BOARD,
	FWIMAGE_P_COUNT
};

enum fwimage_kind {
	FWIMAGE_ACCEPT = 0,   /* write it (possibly forced) */
	FWIMAGE_INVALID,      /* refused; -F (with --sha256 when there is no metadata) overrides */
	FWIMAGE_BROKEN,       /* refused; never written, -F or not */
	FWIMAGE_KIND_COUNT
};

/* Stable short name ("bad-crc"); "?" out of range. */
const char *fwimage_problem_name(enum fwimage_problem p);
/* Exit code from the table above; 1 out of range. */
int fwimage_problem_exit_code(enum fwimage_problem p);
/* FWIMAGE_ACCEPT for FWIMAGE_P_NONE, else FWIMAGE_BROKEN or FWIMAGE_INVALID. */
enum fwimage_kind fwimage_problem_kind(enum fwimage_problem p);

/* What the reader found. Every string is NUL-terminated; absent ones are "". */
struct fwimage_info {
	bool complete;                      /* finish ran to the end (not -ENOMEM) */
	uint64_t total_bytes;               /* every byte fed */
	uint64_t payload_bytes;             /* bytes before the first chunk: what is written */
	bool has_metadata;
	bool has_signature;
	unsigned n_chunks;                  /* chunks walked, trailers whose CRC was checked */
	bool crc_ok;                        /* at least one trailer, and every CRC matched */
	uint32_t crc_stored;                /* the failing trailer's, else the last one checked */
	uint32_t crc_computed;              /* fwtool CRC of the bytes before that trailer */
	uint32_t header_flags;              /* metadata header flags (ignored) */
	uint32_t json_bytes;                /* length of the metadata JSON */
	char metadata_version[FWIMAGE_COMPAT_BYTES];
	char compat_version[FWIMAGE_COMPAT_BYTES];   /* "1.0" when absent or empty */
	char compat_message[FWIMAGE_MESSAGE_BYTES];
	bool new_devices;                   /* the list came from new_supported_devices */
	unsigned n_devices;                 /* names kept in devices[] */
	unsigned n_devices_skipped;         /* too long, NUL inside, or beyond FWIMAGE_MAX_DEVICES */
	char devices[FWIMAGE_MAX_DEVICES][FWIMAGE_NAME_BYTES];
	struct {
		char dist[FWIMAGE_FIELD_BYTES];
		char version[FWIMAGE_FIELD_BYTES];
		char revision[FWIMAGE_FIELD_BYTES];
		char target[FWIMAGE_FIELD_BYTES];
		char board[FWIMAGE_FIELD_BYTES];
	} version;
	bool has_meta_sha256;               /* the JSON has "sha256" */
	uint8_t meta_sha256[FWIMAGE_SHA256_BYTES];
	uint8_t payload_sha256[FWIMAGE_SHA256_BYTES];
	uint8_t image_sha256[FWIMAGE_SHA256_BYTES];  /* of every byte, as OpenWrt's sha256sums */
	struct payload_id payload;          /* what the payload is: its first bytes, and the deep check's facts */
	enum fwimage_problem problem;       /* broken-image problem found by the reader, or NONE */
	char reason[FWIMAGE_REASON_BYTES];  /* one line naming it */
};

/*
 * Streaming verifier: feed the image as it arrives; bytes that leave the
 * last FWIMAGE_TAIL_BYTES are folded into the running CRC and SHA-256, so
 * there is no second pass over a large image. Caller-allocated (~64 KiB);
 * feed never allocates.
 */
struct fwimage_reader {
	unsigned fold;                      /* FWIMAGE_FOLD_*: which running sums this reader keeps */
	uint64_t total_bytes;               /* bytes fed */
	uint32_t crc_folded;                /* zlib crc32 of the bytes before the tail */
	struct hash_sha256 sha_folded;      /* SHA-256 of the same bytes */
	size_t tail_head;                   /* index of the oldest byte once the tail is full */
	size_t tail_len;                    /* bytes held */
	uint8_t tail[FWIMAGE_TAIL_BYTES];
	size_t head_len;                    /* the first bytes, kept to identify the payload */
	uint8_t head[PAYLOAD_HEAD_BYTES];
	struct payload_deep deep;           /* the deep check: in the reader that folds the CRC */
};

void fwimage_reader_init(struct fwimage_reader *r);
void fwimage_reader_feed(struct fwimage_reader *r, const void *buf, size_t len_bytes);

/*
 * The two running sums can be kept by two readers fed the same bytes (on two
 * threads): init one with FWIMAGE_FOLD_CRC and one with FWIMAGE_FOLD_SHA256,
 * feed both, then join the second into the first, which finishes as one
 * reader would. join returns -EINVAL if they were not fed alike.
 *
 * The deep check of the payload (payload_deep.h: a tar walked, a gzip
 * stream inflated and its CRC checked, a FIT's hashes, a UBI image's
 * headers) runs in the reader that folds the CRC: next to zlib's crc32
 * (GB/s) it balances SHA-256 on the other thread, and it needs no second
 * pass over the image in RAM (which on the recovery page would block the
 * loop). join takes it over from either part (-ENOMEM if its inflate state
 * cannot be copied). A reader is not copied with '=' while it inflates.
 */
enum { FWIMAGE_FOLD_CRC = 1, FWIMAGE_FOLD_SHA256 = 2 };
void fwimage_reader_init_part(struct fwimage_reader *r, unsigned fold);
int fwimage_reader_join(struct fwimage_reader *r, const struct fwimage_reader *part);

/*
 * Walk the chunks back from the end, check every trailer's CRC, hash the
 * payload, parse the metadata JSON (app/common/json.c, strict RFC 8259; it
 * allocates, and everything is freed before return), then take the deep check's verdict on the payload
 * (bad-tar, bad-gzip, bad-fit, bad-ubi; its facts in info->payload). Fills
 * *info. Returns 0 when no broken-image problem was found (an image without
 * metadata included: the check decides), -EBADMSG when info->problem says
 * what is broken, -ENOMEM when the JSON reader could not allocate or zlib
 * could not start (info->complete is false then). Calling it again, or feeding more
 * and calling it again, is allowed.
 */
int fwimage_reader_finish(struct fwimage_reader *r, struct fwimage_info *info);

/* What the device expects. NULL or "" strings mean "not given". */
struct fwimage_expect {
	const char *compatible;             /* the device tree's first compatible */
	const char *board_name;             /* the board's own name */
	const char *compat_version;         /* the device's; NULL or "" is "1.0" */
	bool keep_settings;                 /* settings are kept (no -n) */
	bool force;                         /* -F */
	bool has_sha256;                    /* --sha256 given */
	uint8_t sha256[FWIMAGE_SHA256_BYTES];
	const char *unfit;                  /* why the board's storage cannot take this payload, or NULL */
};

struct fwimage_verdict {
	enum fwimage_kind kind;
	enum fwimage_problem problem;       /* NONE, or what was refused or forced over */
	bool forced;                        /* accepted only because of -F */
	int exit_code;                      /* 0 when accepted, else the problem's */
	char reason[FWIMAGE_REASON_BYTES];  /* one line, no newline */
};

/*
 * The check policy, after OpenWrt's fwtool_check_image(): broken problems
 * first (reader's, then sha256 against the metadata and --sha256, which may
 * match the payload or the whole image, then e->unfit: a payload the
 * board's storage does not take is never written, -F or not), then no metadata, board (either
 * name in the list), a sysupgrade tar's directory for another board (either
 * name, either spelling: payload_dir_matches), compat_version major, then
 * minor (only when settings are kept). A forceable problem is accepted with force, except that an
 * image without metadata also needs --sha256. Returns 0, or -EINVAL when
 * info is not complete.
 */
int fwimage_check(const struct fwimage_info *info, const struct fwimage_expect *e,
		  struct fwimage_verdict *v);

/* Every check one by one, for a person to read (the recovery page): what passed, failed or was not needed. */
enum fwimage_check_state { FWIMAGE_CHECK_OK = 0, FWIMAGE_CHECK_FAILED, FWIMAGE_CHECK_NOT_RUN, FWIMAGE_CHECK_ABSENT };
enum { FWIMAGE_CHECK_COMPLETE = 0, FWIMAGE_CHECK_SHA256, FWIMAGE_CHECK_FORMAT, FWIMAGE_CHECK_METADATA,
       FWIMAGE_CHECK_BOARD, FWIMAGE_CHECK_COMPAT, FWIMAGE_CHECKS };
struct fwimage_check_item {
	const char *name;                   /* "complete", "sha256", "format", "metadata", "board", "compat_version" */
	enum fwimage_check_state state;
	char detail[FWIMAGE_REASON_BYTES];  /* one line */
};

/*
 * The checks of fwimage_check() each on its own: complete (structure and
 * CRC), sha256 (the metadata's and the expected one), format (the payload
 * is what the storage takes: e->unfit), metadata present,
 * board listed, compat_version. A check after a broken one is NOT_RUN;
 * ABSENT: nothing to compare (no sha256 given or in the metadata). Pure.
 */
void fwimage_check_list(const struct fwimage_info *info, const struct fwimage_expect *e,
			struct fwimage_check_item items[FWIMAGE_CHECKS]);

/* "ok", "failed", "not run", "absent"; "?" out of range. */
const char *fwimage_check_state_name(enum fwimage_check_state s);

/* Lower-case hex with NUL. */
void fwimage_sha256_hex(const uint8_t sha[FWIMAGE_SHA256_BYTES], char hex[FWIMAGE_SHA256_HEX_BYTES]);
/* Exactly 64 hex digits (either case): 0, else -EINVAL. */
int fwimage_sha256_parse(const char *hex, uint8_t sha[FWIMAGE_SHA256_BYTES]);

/*
 * Encoder for failsafectl mkimage: feed the payload, then finish writes the
 * bytes to append to it (header, JSON, trailer) with the payload's sha256
 * in the JSON. The JSON follows OpenWrt's append-metadata: metadata_version
 * "1.1", compat_version, [compat_message], supported_devices (or, with a
 * compat_version other than "1.0", new_supported_devices and a legacy
 * message in supported_devices), version {dist, version, revision, target,
 * board}, sha256.
 */
struct fwimage_writer {
	uint64_t payload_bytes;
	uint32_t crc;                       /* zlib crc32 of the payload so far */
	struct hash_sha256 sha;
};

struct fwimage_meta {
	const char *const *devices;         /* board names (device-tree compatibles) */
	size_t n_devices;                   /* 1..FWIMAGE_MAX_DEVICES */
	const char *compat_version;         /* NULL: "1.0" */
	const char *compat_message;         /* NULL: none */
	const char *dist;                   /* version fields; NULL: "" */
	const char *version;
	const char *revision;
	const char *target;
	const char *board;
};

/* Enough for any metadata chunk the writer produces. */
#define FWIMAGE_WRITER_OUT_BYTES FWIMAGE_METADATA_CHUNK_MAX_BYTES

void fwimage_writer_init(struct fwimage_writer *w);
void fwimage_writer_feed(struct fwimage_writer *w, const void *buf, size_t len_bytes);

/*
 * Write the metadata chunk into out. Returns 0 with *len_bytes set;
 * -EINVAL for an empty payload, no device, too many, or a device name that
 * is empty or does not fit FWIMAGE_NAME_BYTES, a compat_version that is
 * empty or does not fit FWIMAGE_COMPAT_BYTES, or a compat_message that does
 * not fit FWIMAGE_MESSAGE_BYTES; -E2BIG when the JSON exceeds
 * FWIMAGE_METADATA_MAX_BYTES; -ENOSPC when out is too small; -ENOMEM.
 */
int fwimage_writer_finish(const struct fwimage_writer *w, const struct fwimage_meta *m,
			  void *out, size_t out_bytes, size_t *len_bytes);

#endif /* APP_FWIMAGE_H */
