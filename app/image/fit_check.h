/* app/image/fit_check.h — a uImage.FIT checked as it streams by: FDT header and structure, /images, hashes, /configurations (pure) */
#ifndef APP_FIT_CHECK_H
#define APP_FIT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"

#include "payload.h"

/*
 * U-Boot's FIT (doc/usage/fit/source_file_format.rst, boot/image-fit.c), as
 * mkimage -f writes it and OpenWrt's fit_check_image wants it whole
 * (fit_check_sign: every sub-image hash):
 * - the FDT header (version 17), every block inside totalsize, the structure
 *   block tokenized with bounds on everything (depth, names, counts), every
 *   property name inside the strings block;
 * - / has a description (U-Boot's fit_check_format refuses a FIT without);
 * - /images/<name>: its data embedded ("data"), or external: "data-position"
 *   (from the FIT's start) before "data-offset" (from totalsize rounded up
 *   to 4), either with "data-size", as U-Boot's fit_image_get_data; external
 *   data may not start inside the FDT;
 * - every subnode hash* of an image: "algo" crc32, md5, sha1 or sha256 (any
 *   other is refused by name), "value" of that algorithm's length, equal to
 *   the hash of the image's data (crc32 big-endian, as U-Boot stores it);
 * - /configurations: "default" names one of its nodes; every kernel, fdt,
 *   ramdisk, loadables, firmware, fpga, setup, standalone name of every
 *   configuration is an image.
 * The structure and strings blocks are kept in bounded buffers (records of
 * nodes and properties, small values whole); a large value under
 * /images/<name>/ (the embedded data) is hashed with all four algorithms as
 * it streams by, since the strings block that names it and the hash nodes
 * that say how to check it come after it; external data is hashed with the
 * algorithms its image's hash nodes name, once the FDT is whole.
 */
#define FIT_MAX_DEPTH      32
#define FIT_MAX_RECORDS    1024            /* nodes and properties */
#define FIT_ARENA_BYTES    (16 * 1024)     /* node names and small property values */
#define FIT_INLINE_BYTES   256             /* property values kept whole; larger ones are hashed or skipped */
#define FIT_STRINGS_BYTES  4096            /* the strings block */
#define FIT_NAME_BYTES     64              /* an image or configuration node name */
#define FIT_MAX_BIG        32              /* large values under /images/<name>/ */
#define FIT_MAX_IMAGES     32
#define FIT_MAX_HASHES     64
#define FIT_DIGEST_BYTES   32
#define FIT_WHY_BYTES      320

/* Internal to fit_stream.c and fit_check.c. */
enum { FIT_ST_HEADER = 0, FIT_ST_BODY, FIT_ST_DATA, FIT_ST_FAILED };
enum { FIT_REC_BEGIN = 1, FIT_REC_END, FIT_REC_PROP };
enum { FIT_VAL_INLINE = 0, FIT_VAL_BIG, FIT_VAL_SKIPPED };

struct fit_hashes {                      /* the running hashes of one stream of data */
	uint32_t crc32;                  /* zlib crc32 */
	struct hash_md5 md5;
	struct hash_sha1 sha1;
	struct hash_sha256 sha256;
};

struct fit_rec {                         /* a node or property of the structure block */
	uint8_t kind;                    /* begin node, end node, property */
	uint8_t where;                   /* property value: inline (arena), big (hashed), skipped */
	uint16_t big;                    /* big: its index in big[] */
	uint32_t at;                     /* offset in the structure block */
	uint32_t name;                   /* begin: arena offset of the name; property: offset in the strings block */
	uint32_t len;                    /* property: value length; begin: name length */
	uint32_t val;                    /* inline property: arena offset */
};

struct fit_image {
	uint32_t name;                   /* arena offset */
	uint32_t data_rec;               /* embedded data: its record, else UINT32_MAX */
	int64_t position, offset, size;  /* data-position, data-offset, data-size: -1 when absent */
	unsigned n_hashes;
};

struct fit_hash {
	uint16_t image;
	uint8_t algo;                    /* enum payload_fit_algo */
	uint8_t value_len;
	uint32_t name;                   /* arena offset of the node name ("hash-1") */
	uint8_t value[FIT_DIGEST_BYTES];
};

struct fit_region {                      /* an image's external data */
	uint64_t start_bytes, size_bytes, done_bytes;
	unsigned algos;                  /* 1 << enum payload_fit_algo */
	uint16_t image;
	struct fit_hashes h;
};

struct fit_check {
	uint64_t pos_bytes;              /* bytes of the FIT fed */
	uint8_t state;                   /* header, body (the FDT), data (external), failed */
	uint8_t hdr[40];
	uint32_t totalsize, off_struct, off_strings, size_struct, size_strings;
	/* the structure block's tokenizer */
	uint8_t tok;                     /* what the next structure bytes are */
	uint8_t gather_len;
	uint8_t gather[8];               /* a token or a property header */
	uint32_t spos;                   /* bytes of the structure block walked */
	uint32_t left;                   /* bytes left of the name, value or padding */
	unsigned depth;
	bool root_done;
	unsigned n_rec;
	uint32_t arena_len;
	unsigned n_big;
	struct fit_hashes live;          /* the large value streaming by */
	struct fit_rec rec[FIT_MAX_RECORDS];
	uint8_t arena[FIT_ARENA_BYTES];
	uint8_t big[FIT_MAX_BIG][PAYLOAD_FIT_ALGOS][FIT_DIGEST_BYTES];
	uint8_t strings[FIT_STRINGS_BYTES];
	uint32_t strings_len;
	/* once the FDT is whole */
	bool resolved;
	unsigned n_images, n_hashes, n_regions, n_confs, algos;
	struct fit_image images[FIT_MAX_IMAGES];
	struct fit_hash hashes[FIT_MAX_HASHES];
	struct fit_region regions[FIT_MAX_IMAGES];
	uint64_t own_bytes;              /* totalsize, or the end of the last external data */
	uint64_t err_at;
	char why[FIT_WHY_BYTES];
};

void fit_check_init(struct fit_check *f);
/* The next n bytes of the FIT. Stops at the first fault. */
void fit_check_feed(struct fit_check *f, const uint8_t *p, size_t n);
/*
 * The verdict when the payload holds end_bytes of FIT (a fault at or past
 * that is what follows the payload: the FIT was cut short). 0 with *id
 * filled (own_bytes, fit_*, walked), or -EBADMSG with one line in why
 * naming the node, property, offset or algorithm, and expected against
 * found. Pure; does not change f.
 */
int fit_check_finish(const struct fit_check *f, uint64_t end_bytes, struct payload_id *id, char *why, size_t why_size);

/* Internal to fit_check*.c: the hashes and the check of the whole FDT. */
extern const uint8_t fit_digest_bytes[PAYLOAD_FIT_ALGOS];
void fit_hashes_init(struct fit_hashes *h, unsigned algos);
void fit_hashes_update(struct fit_hashes *h, unsigned algos, const uint8_t *p, size_t n);
void fit_hashes_digest(const struct fit_hashes *h, enum payload_fit_algo a, uint8_t out[FIT_DIGEST_BYTES]);
void fit_check_resolve(struct fit_check *f);

#endif /* APP_FIT_CHECK_H */
