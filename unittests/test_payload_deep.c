/* unittests/test_payload_deep.c — the deep check of payloads made by GNU tar, gzip, mkimage, dtc and ubinize: facts, splits, cuts, hostile bytes, member reads */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zlib.h>

#include "fwimage.h"
#include "payload_deep.h"
#include "data/images/vectors.h"

#ifndef VECTORS_DIR
#error "VECTORS_DIR: cmake/tests.cmake says where unittests/data/images is"
#endif

#define NVEC (sizeof(vectors) / sizeof(vectors[0]))

/* ---- inputs ---- */

struct blob {
	uint8_t *p;
	size_t len;
};

static struct blob load(const char *name)
{
	char path[512];
	struct blob b = { 0 };
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s.bin", VECTORS_DIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	b.len = (size_t)n;
	b.p = malloc(b.len + 64 * 1024);   /* room for what a test appends */
	assert_non_null(b.p);
	assert_int_equal(fread(b.p, 1, b.len, f), b.len);
	fclose(f);
	return b;
}

static const struct vector *vec(const char *name)
{
	for (size_t i = 0; i < NVEC; i++)
		if (!strcmp(vectors[i].name, name))
			return &vectors[i];
	fail_msg("no vector %s", name);
	return NULL;
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* ---- running the check as the reader does: identify the head, feed everything, finish at the payload's end ---- */

enum split { WHOLE, BYTES, RANDOM };

struct result {
	enum payload_deep_problem problem;
	struct payload_id id;
	char why[PAYLOAD_DEEP_WHY_BYTES];
};

static struct payload_deep *deep(void)
{
	static struct payload_deep *d;

	if (!d)
		d = malloc(sizeof(*d));
	assert_non_null(d);
	return d;
}

static void run_split(const uint8_t *p, size_t fed, uint64_t payload_bytes, enum split s, uint32_t seed,
		      struct result *r)
{
	struct payload_deep *d = deep();
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	payload_deep_init(d);
	while (off < fed) {
		size_t k = fed - off, want = s == RANDOM ? lcg(&seed) % 700 + 1 : k;

		if (s == BYTES)
			k = 1;
		else if (want < k)
			k = want;
		payload_deep_feed(d, p + off, k);
		off += k;
	}
	payload_identify(p, fed < PAYLOAD_HEAD_BYTES ? fed : PAYLOAD_HEAD_BYTES, payload_bytes, &r->id);
	r->problem = payload_deep_finish(d, payload_bytes, &r->id, r->why, sizeof(r->why));
	assert_non_null(memchr(r->why, 0, sizeof(r->why)));
	assert_null(strchr(r->why, '\n'));
	assert_true(r->problem == PAYLOAD_DEEP_OK || r->why[0]);
}

/* Whole, byte by byte and in random pieces: one verdict, to the byte. */
static void run(const uint8_t *p, size_t fed, uint64_t payload_bytes, struct result *r)
{
	static struct result other;

	run_split(p, fed, payload_bytes, WHOLE, 0, r);
	run_split(p, fed, payload_bytes, BYTES, 0, &other);
	assert_memory_equal(&other, r, sizeof(other));
	for (uint32_t seed = 1; seed <= 3; seed++) {
		run_split(p, fed, payload_bytes, RANDOM, seed, &other);
		assert_memory_equal(&other, r, sizeof(other));
	}
}

/* What follows a payload in an image: the fwtool metadata, as the writer makes it. */
static size_t append_metadata(uint8_t *p, size_t len)
{
	static const char *const devices[] = { "acme,r1" };
	struct fwimage_meta m = { .devices = devices, .n_devices = 1, .version = "test" };
	struct fwimage_writer w;
	size_t n;

	fwimage_writer_init(&w);
	fwimage_writer_feed(&w, p, len);
	assert_int_equal(fwimage_writer_finish(&w, &m, p + len, FWIMAGE_WRITER_OUT_BYTES, &n), 0);
	return len + n;
}

static enum payload_deep_problem bad_of(const struct vector *v)
{
	return v->kind == 't' ? PAYLOAD_DEEP_BAD_TAR : v->kind == 'f' ? PAYLOAD_DEEP_BAD_FIT : PAYLOAD_DEEP_BAD_UBI;
}

static void facts_match(const struct vector *v, const struct payload_id *id)
{
	assert_true(id->walked);
	assert_int_equal(id->gzip, v->gzip);
	assert_int_equal(id->uncompressed_bytes, v->uncompressed);
	assert_int_equal(id->own_bytes, v->own);
	if (v->gzip)
		assert_int_equal(id->gzip_bytes, v->len);
	if (v->kind == 't') {
		assert_int_equal(id->format, v->dir[0] ? PAYLOAD_SYSUPGRADE_TAR : PAYLOAD_TAR);
		assert_string_equal(id->dir, v->dir);
		assert_string_equal(id->control_board, v->control);
		for (int m = 0; m < PAYLOAD_MEMBER_COUNT; m++) {
			bool present = v->member[m].present && (m == PAYLOAD_MEMBER_CONTROL || v->member[m].size);

			assert_int_equal(id->member[m].present, present);
			if (!present)
				continue;
			assert_int_equal(id->member[m].offset_bytes, v->member[m].offset);
			assert_int_equal(id->member[m].size_bytes, v->member[m].size);
			assert_int_equal(id->member[m].crc32, v->member[m].crc);
		}
	} else if (v->kind == 'f') {
		assert_int_equal(id->format, PAYLOAD_FIT);
		assert_int_equal(id->fit_images, v->images);
		assert_int_equal(id->fit_hashes, v->hashes);
		assert_int_equal(id->fit_unhashed, v->unhashed);
		assert_int_equal(id->fit_algos, v->algos);
	} else {
		assert_int_equal(id->format, PAYLOAD_UBI);
		assert_int_equal(id->ubi_peb_bytes, v->peb);
		assert_int_equal(id->ubi_pebs, v->pebs);
		assert_int_equal(id->ubi_volumes, v->volumes);
		assert_int_equal(id->ubi_reserved_pebs, v->reserved);
		assert_int_equal(id->ubi_autoresize, v->autoresize);
		assert_string_equal(id->ubi_names, v->names);
	}
}

/* What the refusal of each vector the tools made but the check refuses must say. */
static const struct {
	const char *name;
	const char *why;
} refusals[] = {
	{ "tar_control_only", "sysupgrade-acme_r1/ has neither kernel nor root" },
	{ "tar_control_empty", "sysupgrade-acme_r1/CONTROL is empty" },
	{ "tar_first_dir_empty", "sysupgrade-aaa_first/ has neither kernel nor root (those in sysupgrade-acme_r1/ are "
				 "not used: OpenWrt takes the first sysupgrade-*/ directory)" },
	{ "tar_dir_too_long", "has a name longer than 99 bytes" },
	{ "fit_sha512", "image kernel-1 hash-2: hash algorithm \"sha512\" is not one this check knows" },
	{ "fit_value_len", "image kernel-1 hash-1: a sha1 value is 20 bytes, this one 16" },
	{ "fit_bad_crc", "image kernel-1 hash-1 (crc32): the FIT says 3fca88c6, the data hashes to 3fca88c5" },
	{ "fit_offset_past_end", "image kernel-1: its data (32 bytes at byte 4484) runs past the end of the payload (385 bytes)" },
	{ "fit_unknown_image", "configuration config-1: kernel \"kernel-9\" is not in /images" },
	{ "fit_no_default", "/configurations has no default" },
	{ "fit_no_description", "the FIT has no /description" },
	{ "fit_crc16", "hash algorithm \"crc16-ccitt\" is not one this check knows (crc32, md5, sha1, sha256)" },
};

static const char *refusal_of(const char *name)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (!strcmp(refusals[i].name, name))
			return refusals[i].why;
	return NULL;
}

/* Every vector: alone, followed by the fwtool metadata, by zeros, by noise; the facts an independent reader found. */
static void vector_table(void **state)
{
	static struct result r;

	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const struct vector *v = &vectors[i];
		struct blob b = load(v->name);
		size_t fed;

		print_message("vector %s\n", v->name);
		assert_int_equal(b.len, v->len);
		for (int tail = 0; tail < 4; tail++) {
			fed = b.len;
			if (tail == 1)
				fed = append_metadata(b.p, b.len);
			else if (tail == 2)
				memset(b.p + b.len, 0, 1000), fed = b.len + 1000;
			else if (tail == 3)
				for (fed = b.len; fed < b.len + 777; fed++)
					b.p[fed] = (uint8_t)(fed * 37 + 11);
			run(b.p, fed, b.len, &r);
			if (v->ok) {
				if (r.problem)
					fail_msg("%s: %s", v->name, r.why);
				facts_match(v, &r.id);
			} else {
				const char *want = refusal_of(v->name);

				assert_int_equal(r.problem, bad_of(v));
				assert_non_null(want);
				if (!strstr(r.why, want))
					fail_msg("%s: \"%s\" lacks \"%s\"", v->name, r.why, want);
			}
		}
		free(b.p);
	}
	assert_non_null(refusal_of("fit_crc16"));
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		assert_false(vec(refusals[i].name)->ok);
}

/* A payload cut anywhere before its structure's end is refused (the metadata after it does not complete it). */
static void cut_short(void **state)
{
	static struct result r;

	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const struct vector *v = &vectors[i];
		struct blob b = load(v->name);
		uint64_t own = v->gzip ? b.len : v->own;

		if (!v->ok)
			goto next;
		for (size_t cut = 1; cut < b.len; cut += cut < 600 ? 1 : 97) {
			uint8_t *c = malloc(cut + FWIMAGE_WRITER_OUT_BYTES);
			size_t fed;
			bool whole_pebs = v->kind == 'u' && !v->gzip && cut % v->peb == 0 && cut >= 2 * v->peb;

			assert_non_null(c);
			memcpy(c, b.p, cut);
			fed = append_metadata(c, cut);
			run_split(c, fed, cut, RANDOM, (uint32_t)cut, &r);
			/* a UBI image cut at a PEB boundary is a smaller UBI image; a tar or FIT may have padding */
			size_t known = v->gzip ? 2 : v->kind == 't' ? 512 : 4;   /* the bytes that say what it is */

			if (cut < known) {
				assert_int_equal(r.problem, PAYLOAD_DEEP_OK);
				assert_false(r.id.walked);
			} else if (cut < own && !whole_pebs) {
				if (!r.problem)
					fail_msg("%s cut at %zu: accepted", v->name, cut);
				assert_int_equal(r.problem, v->gzip ? PAYLOAD_DEEP_BAD_GZIP : bad_of(v));
			} else {
				assert_int_equal(r.problem, PAYLOAD_DEEP_OK);
			}
			free(c);
		}
next:
		free(b.p);
	}
}

/* The words of a cut: which member, how many bytes, where. */
static void cut_reasons(void **state)
{
	static const struct {
		const char *name;
		size_t cut;
		const char *why;
	} rows[] = {
		{ "tar_nand_gnu", 4000, "sysupgrade-acme_r1/root is cut short: 1404 bytes from byte 3584, but the tar ends at "
					"byte 4000" },
		{ "tar_nand_gnu", 3584, "sysupgrade-acme_r1/root is cut short: 1404 bytes from byte 3584" },
		{ "tar_nand_gnu", 3072, "the tar is cut short: no end-of-archive blocks before byte 3072" },
		{ "tar_nand_gnu", 5632, "the tar is cut short: no end-of-archive blocks before byte 5632" },
		{ "tar_nand_gz", 2000, "the gzip stream is" },
		{ "fit_embedded", 4000, "the FIT is cut short: its FDT is 4598 bytes (totalsize), the payload 4000" },
		{ "fit_external", 3000, "image rootfs-1: its data (1404 bytes at byte" },
		{ "fit_external", 20, "the FIT is cut short: 20 bytes, less than an FDT header" },
		{ "ubi_2k", 5000, "UBI: the payload (5000 bytes) is not a whole number of 2048-byte PEBs" },
		{ "ubi_2k", 2048, "UBI: no second erase-counter header in the payload's 2048 bytes" },
	};
	static struct result r;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct blob b = load(rows[i].name);
		size_t fed = append_metadata(b.p, rows[i].cut);

		run(b.p, fed, rows[i].cut, &r);
		if (!strstr(r.why, rows[i].why))
			fail_msg("%s cut at %zu: \"%s\" lacks \"%s\"", rows[i].name, rows[i].cut, r.why, rows[i].why);
		free(b.p);
	}
}

/* ---- hostile tars: a header changed, its checksum made right again (or not) ---- */

static void tar_fix_checksum(uint8_t *h)
{
	unsigned sum = 0;

	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

static void tar_set_size(uint8_t *h, unsigned long long size)
{
	char f[32];

	snprintf(f, sizeof(f), "%011llo", size & 077777777777ULL);
	memcpy(h + 124, f, 12);
	tar_fix_checksum(h);
}

/* The header of member name (by its name field) in a plain tar. */
static uint8_t *tar_find(struct blob *b, const char *name)
{
	for (size_t off = 0; off + 512 <= b->len; off += 512)
		if (!strncmp((const char *)b->p + off, name, 100) && !memcmp(b->p + off + 257, "ustar", 5))
			return b->p + off;
	fail_msg("no member %s", name);
	return NULL;
}

static void hostile_tars(void **state)
{
	enum { CHECKSUM_PLUS_ONE, SIZE_NOT_OCTAL, NO_MAGIC, SYMLINK_KERNEL, LONE_ZERO, TWICE, BASE256, SIGNED_SUM,
	       SIZE_PAST_END, ROWS };
	static const char *const want[ROWS] = {
		[CHECKSUM_PLUS_ONE] = "the tar header at byte 1536 (sysupgrade-acme_r1/kernel) is damaged: its checksum says",
		[SIZE_NOT_OCTAL] = "the tar header at byte 1536 (sysupgrade-acme_r1/kernel) has a size field that is not a "
				   "number",
		[NO_MAGIC] = "the tar header at byte 3072 is not one (no \"ustar\" magic)",
		[SYMLINK_KERNEL] = "sysupgrade-acme_r1/kernel is not a regular file (tar type '2')",
		[LONE_ZERO] = "a lone zero block at byte 1536, with more of the archive after it",
		[TWICE] = "sysupgrade-acme_r1/kernel is in the tar twice",
		[BASE256] = NULL,
		[SIGNED_SUM] = NULL,
		[SIZE_PAST_END] = "sysupgrade-acme_r1/root is cut short: 8589934591 bytes from byte 3584",
	};
	static struct result r;

	(void)state;
	for (int row = 0; row < ROWS; row++) {
		struct blob b = load("tar_nand_gnu");
		uint8_t *k = tar_find(&b, "sysupgrade-acme_r1/kernel");
		unsigned sum;

		switch (row) {
		case CHECKSUM_PLUS_ONE:
			sum = (unsigned)strtoul((const char *)k + 148, NULL, 8);
			snprintf((char *)k + 148, 8, "%06o", sum + 1);
			break;
		case SIZE_NOT_OCTAL:
			memcpy(k + 124, "0000000x604", 11);
			tar_fix_checksum(k);
			break;
		case NO_MAGIC:
			memcpy(k + 1536 + 257, "uStar", 5);   /* the header after kernel's two data blocks */
			tar_fix_checksum(k + 1536);
			break;
		case SYMLINK_KERNEL:
			k[156] = '2';
			tar_fix_checksum(k);
			break;
		case LONE_ZERO:
			memmove(k + 512, k, b.len - (size_t)(k - b.p));
			memset(k, 0, 512);
			b.len += 512;
			break;
		case TWICE:
			memmove(k + 1536, k, b.len - (size_t)(k - b.p));
			b.len += 1536;
			break;
		case BASE256:   /* GNU's binary size: the same member */
			memset(k + 124, 0, 12);
			k[124] = 0x80;
			k[134] = 900 >> 8;
			k[135] = 900 & 0xff;
			tar_fix_checksum(k);
			break;
		case SIGNED_SUM:   /* a byte >= 0x80 in the name's padding, the checksum summed as signed chars */
			k[99] = 0xe9;
			sum = 0;
			memset(k + 148, ' ', 8);
			for (int i = 0; i < 512; i++)
				sum += (unsigned)(int)(signed char)k[i];
			snprintf((char *)k + 148, 8, "%06o", sum & 0777777);
			break;
		case SIZE_PAST_END:
			tar_set_size(tar_find(&b, "sysupgrade-acme_r1/root"), 077777777777ULL);
			break;
		}
		run(b.p, append_metadata(b.p, b.len), b.len, &r);
		print_message("hostile tar %d: %s\n", row, r.why);
		if (!want[row]) {
			assert_int_equal(r.problem, PAYLOAD_DEEP_OK);
			assert_int_equal(r.id.member[PAYLOAD_MEMBER_KERNEL].size_bytes, 900);
		} else {
			assert_int_equal(r.problem, PAYLOAD_DEEP_BAD_TAR);
			if (!strstr(r.why, want[row]))
				fail_msg("row %d: \"%s\" lacks \"%s\"", row, r.why, want[row]);
		}
		free(b.p);
	}
}

/* A GNU tar header (checksum set) for name, typeflag type, size bytes, at h. */
static void tar_header_at(uint8_t *h, const char *name, char type, size_t size)
{
	char f[32];

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	snprintf(f, sizeof(f), "%011zo", size);
	memcpy(h + 124, f, 12);
	memcpy(h + 136, "14524715400", 12);
	h[156] = (uint8_t)type;
	memcpy(h + 257, "ustar  ", 8);
	tar_fix_checksum(h);
}

/* A member whose GNU long name is cut to fit (and then would end in "sysupgrade-<243 a>/") matches nothing. */
static void cut_long_name(void **state)
{
	static struct result r;
	struct blob b = load("tar_nand_gnu");
	char name[300];
	size_t head = 512 + 512 + 512 + 512;   /* 'L' header, its name (one block), the member, its data */

	(void)state;
	memset(name, 'a', sizeof(name));
	memcpy(name, "sysupgrade-", 11);
	name[254] = '/';
	memcpy(name + 255, "kernel", 7);   /* 261 bytes and its NUL */
	memmove(b.p + head, b.p, b.len);
	tar_header_at(b.p, "././@LongLink", 'L', strlen(name) + 1);
	memset(b.p + 512, 0, 512);
	memcpy(b.p + 512, name, strlen(name) + 1);
	tar_header_at(b.p + 1024, "sysupgrade-aaaa", '0', 5);
	memcpy(b.p + 1536, "hello", 5);
	memset(b.p + 1541, 0, 512 - 5);
	run(b.p, append_metadata(b.p, b.len + head), b.len + head, &r);
	if (r.problem)
		fail_msg("%s", r.why);
	assert_string_equal(r.id.dir, "sysupgrade-acme_r1");
	assert_int_equal(r.id.member[PAYLOAD_MEMBER_KERNEL].offset_bytes, 2048 + head);
	free(b.p);
}

/* pax records that do not add up are refused; a pax size record is obeyed. */
static void hostile_pax(void **state)
{
	static struct result r;

	(void)state;
	for (int row = 0; row < 3; row++) {
		struct blob b = load("tar_nand_pax");
		uint8_t *rec = NULL;

		for (size_t i = 0; i + 6 < b.len && !rec; i++)
			if (!memcmp(b.p + i, " path=", 6))
				rec = b.p + i;
		assert_non_null(rec);
		if (row == 0) {
			while (rec[-1] >= '0' && rec[-1] <= '9')
				rec--;   /* the record's first length digit */
			rec[0] = 'x';                                   /* no length */
		} else {
			rec--;   /* the length's last digit */
			rec[0] = (uint8_t)(row == 1 ? (rec[0] == '9' ? '0' : rec[0] + 1) : (rec[0] == '0' ? '9' : rec[0] - 1));
		}
		run(b.p, append_metadata(b.p, b.len), b.len, &r);
		print_message("hostile pax %d: %s\n", row, r.why);
		assert_int_equal(r.problem, PAYLOAD_DEEP_BAD_TAR);
		assert_non_null(strstr(r.why, "pax"));
		free(b.p);
	}
}

/* ---- hostile gzip ---- */

static void hostile_gzip(void **state)
{
	static const struct {
		const char *name;
		int at;             /* from the end when negative */
		uint8_t mask;
		const char *why;
	} rows[] = {
		{ "tar_nand_gz", 1200, 0x10, "gzip CRC-32 mismatch" },   /* in a stored block: only the CRC knows */
		{ "tar_nand_gz", 10, 0x07, "(invalid block type)" },
		{ "tar_nand_gz", 2540, 0xff, "the gzip stream is " },   /* a code that runs on past the stream */
		{ "tar_nand_gz", -8, 0x01, "gzip CRC-32 mismatch: the trailer says 0x" },
		{ "tar_nand_gz", -4, 0x01, "gzip length mismatch: the trailer says 10241 bytes (ISIZE), the stream inflates to "
					   "10240" },
		{ "fit_external_gz", -1, 0x80, "gzip length mismatch" },
		{ "ubi_2k_gz", -6, 0x02, "gzip CRC-32 mismatch" },
		{ "tar_nand_gz", 3, 0x80, "the gzip stream is damaged or cut short after 0 inflated bytes (unknown header flags "
					  "set)" },
	};
	static struct result r;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct blob b = load(rows[i].name);

		b.p[rows[i].at < 0 ? (int)b.len + rows[i].at : rows[i].at] ^= rows[i].mask;
		run(b.p, append_metadata(b.p, b.len), b.len, &r);
		print_message("hostile gzip %zu: %s\n", i, r.why);
		assert_int_equal(r.problem, PAYLOAD_DEEP_BAD_GZIP);
		if (!strstr(r.why, rows[i].why))
			fail_msg("row %zu: \"%s\" lacks \"%s\"", i, r.why, rows[i].why);
		free(b.p);
	}
	/* what follows the gzip stream is not read (zcat: trailing garbage ignored) */
	{
		struct blob b = load("tar_nand_gz");

		memset(b.p + b.len, 0x5a, 3000);
		run(b.p, append_metadata(b.p, b.len + 3000), b.len + 3000, &r);
		assert_int_equal(r.problem, PAYLOAD_DEEP_OK);
		assert_int_equal(r.id.gzip_bytes, b.len);
		free(b.p);
	}
}

/* ---- hostile FITs: by hand, from a small FDT writer, and vectors changed ---- */

struct fdt {
	uint8_t s[16384];
	size_t len;
};

static void fdt_u32(struct fdt *f, uint32_t v)
{
	f->s[f->len++] = (uint8_t)(v >> 24);
	f->s[f->len++] = (uint8_t)(v >> 16);
	f->s[f->len++] = (uint8_t)(v >> 8);
	f->s[f->len++] = (uint8_t)v;
}

static void fdt_begin(struct fdt *f, const char *name)
{
	size_t n = strlen(name) + 1;

	fdt_u32(f, 1);
	memcpy(f->s + f->len, name, n);
	f->len += (n + 3) & ~(size_t)3;
}

/* header + struct block + strings "description\0": totalsize, offsets */
static size_t fdt_image(const struct fdt *st, uint8_t *out, size_t extra_total)
{
	static const char strings[] = "description";
	size_t off_struct = 40 + 16, off_strings = off_struct + st->len, total = off_strings + sizeof(strings);
	uint32_t h[10] = { 0xd00dfeed, (uint32_t)(total + extra_total), (uint32_t)off_struct, (uint32_t)off_strings, 40,
			   17, 16, 0, sizeof(strings), (uint32_t)st->len };

	memset(out, 0, total);
	for (int i = 0; i < 10; i++)
		for (int k = 0; k < 4; k++)
			out[4 * i + k] = (uint8_t)(h[i] >> (24 - 8 * k));
	memcpy(out + off_struct, st->s, st->len);
	memcpy(out + off_strings, strings, sizeof(strings));
	return total;
}

static void hostile_fits(void **state)
{
	static struct fdt st;
	static uint8_t img[20000];
	static struct result r;
	size_t n;

	(void)state;
	/* nodes nested 1000 deep */
	st.len = 0;
	for (int i = 0; i < 1000; i++)
		fdt_begin(&st, "n");
	for (int i = 0; i < 1000; i++)
		fdt_u32(&st, 2);
	fdt_u32(&st, 9);
	n = fdt_image(&st, img, 0);
	run(img, append_metadata(img, n), n, &r);
	assert_int_equal(r.problem, PAYLOAD_DEEP_BAD_FIT);
	assert_non_null(strstr(r.why, "nested deeper than 32"));
	/* a property outside any node, an unknown token, no end token, a node closed twice */
	{
		static const uint32_t bodies[][6] = {
			{ 3, 0, 0, 9 },            /* FDT_PROP before the root */
			{ 1, 0, 7, 2, 9 },         /* token 7 */
			{ 1, 0, 2 },               /* no FDT_END */
			{ 1, 0, 2, 2, 9 },         /* END_NODE with none open */
		};
		static const char *const why[] = { "a property outside the root node", "unknown token 0x00000007",
						   "ends without its end token", "after the root node" };

		for (size_t i = 0; i < 4; i++) {
			st.len = 0;
			for (int k = 0; k < 6 && (k == 0 || bodies[i][k] || bodies[i][k - 1] == 1); k++)
				fdt_u32(&st, bodies[i][k]);
			n = fdt_image(&st, img, 0);
			run(img, append_metadata(img, n), n, &r);
			print_message("hostile fdt %zu: %s\n", i, r.why);
			assert_int_equal(r.problem, PAYLOAD_DEEP_BAD_FIT);
			assert_non_null(strstr(r.why, why[i]));
		}
	}
	/* a totalsize beyond the file */
	{
		struct blob b = load("fit_embedded");

		b.p[4] = 0x01;   /* totalsize + 16 MiB */
		run(b.p, append_metadata(b.p, b.len), b.len, &r);
		assert_int_equal(r.problem, PAYLOAD_DEEP_BAD_FIT);
		assert_non_null(strstr(r.why, "the FIT is cut short: its FDT is 16781814 bytes (totalsize)"));
		free(b.p);
	}
	/* a property name offset outside the strings block */
	{
		struct blob b = load("fit_external");
		uint32_t off_struct = (uint32_t)b.p[8] << 24 | b.p[9] << 16 | b.p[10] << 8 | b.p[11];
		uint8_t *prop = b.p + off_struct + 8;   /* root BEGIN_NODE "" (8 bytes), then its first property */

		assert_int_equal(prop[3], 3);
		prop[8 + 0] = 0x00;
		prop[8 + 1] = 0x01;   /* nameoff 0x0100xxxx */
		run(b.p, append_metadata(b.p, b.len), b.len, &r);
		assert_int_equal(r.problem, PAYLOAD_DEEP_BAD_FIT);
		assert_non_null(strstr(r.why, "outside the strings block"));
		free(b.p);
	}
	/* one byte of embedded and of external data changed */
	{
		static const struct {
			const char *name;
			int from_end;
			const char *why;
		} rows[] = {
			{ "fit_external", 1, "image rootfs-1 hash-1 (crc32): the FIT says" },
			{ "fit_position", 200, "image rootfs-1 hash-1 (crc32)" },
			{ "fit_embedded", 1500, "(crc32): the FIT says" },
		};

		for (size_t i = 0; i < 3; i++) {
			struct blob b = load(rows[i].name);

			b.p[b.len - rows[i].from_end] ^= 0x01;
			run(b.p, append_metadata(b.p, b.len), b.len, &r);
			print_message("hostile fit data %zu: %s\n", i, r.why);
			assert_int_equal(r.problem, PAYLOAD_DEEP_BAD_FIT);
			assert_non_null(strstr(r.why, rows[i].why));
			free(b.p);
		}
	}
}

/* ---- hostile UBI ---- */

static void ubi_fix_crc(uint8_t *h)
{
	uint32_t crc = (uint32_t)crc32(0, h, 60) ^ 0xffffffffu;

	h[60] = (uint8_t)(crc >> 24);
	h[61] = (uint8_t)(crc >> 16);
	h[62] = (uint8_t)(crc >> 8);
	h[63] = (uint8_t)crc;
}

static void hostile_ubi(void **state)
{
	static const struct {
		int peb, at;
		uint8_t mask;
		bool fix;
		const char *why;
	} rows[] = {
		{ 1, 8, 0x01, false, "UBI PEB 1 (byte 2048): erase-counter header CRC 0x" },
		{ 2, 0, 0x20, false, "UBI PEB 2 (byte 4096) has no erase-counter header (UBI# every 2048 bytes)" },
		{ 2, 64 + 12, 0x01, false, "UBI PEB 2 (byte 4160): volume id header CRC" },
		{ 0, 128 + 20, 0x01, false, "UBI: volume table record 0 (PEB 0): CRC" },
		{ 2, 20, 0x01, true, "differ from the first PEB's 64, 128, 1234" },
		{ 0, 4, 0x02, true, "erase-counter header version 3" },
	};
	static struct result r;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct blob b = load("ubi_2k");
		uint8_t *peb = b.p + rows[i].peb * 2048;

		peb[rows[i].at] ^= rows[i].mask;
		if (rows[i].fix)
			ubi_fix_crc(peb + (rows[i].at >= 64 && rows[i].at < 128 ? 64 : 0));
		run(b.p, append_metadata(b.p, b.len), b.len, &r);
		print_message("hostile ubi %zu: %s\n", i, r.why);
		assert_int_equal(r.problem, PAYLOAD_DEEP_BAD_UBI);
		if (!strstr(r.why, rows[i].why))
			fail_msg("row %zu: \"%s\" lacks \"%s\"", i, r.why, rows[i].why);
		free(b.p);
	}
	/* no layout volume: its VID headers name volume 5 */
	{
		struct blob b = load("ubi_2k");

		for (int p = 0; p < 3; p++) {
			uint8_t *vid = b.p + p * 2048 + 64;

			if (vid[8] == 0x7f) {
				memset(vid + 8, 0, 4);
				vid[11] = 5;
				ubi_fix_crc(vid);
			}
		}
		run(b.p, append_metadata(b.p, b.len), b.len, &r);
		assert_int_equal(r.problem, PAYLOAD_DEEP_BAD_UBI);
		assert_non_null(strstr(r.why, "no layout volume"));
		free(b.p);
	}
}

/* ---- the writer's side ---- */

struct sink {
	uint8_t *got;
	size_t len, calls, fail_at;
};

static int sink(void *ctx, const void *buf, size_t len)
{
	struct sink *s = ctx;

	assert_true(len > 0 && len <= PAYLOAD_READ_CHUNK_BYTES);
	if (s->fail_at && ++s->calls == s->fail_at)
		return -EIO;
	s->got = realloc(s->got, s->len + len);
	assert_non_null(s->got);
	memcpy(s->got + s->len, buf, len);
	s->len += len;
	return 0;
}

static void member_reads(void **state)
{
	static struct result r;
	static const char *const names[] = { "tar_nand_gnu", "tar_nand_gz", "tar_emmc_dtb", "tar_nand_pax" };
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct vector *v = vec(names[i]);
		struct blob b = load(v->name);
		uint8_t *inflated = malloc(v->uncompressed);
		uLongf il = v->uncompressed;

		assert_non_null(inflated);
		if (v->gzip) {
			z_stream z = { 0 };

			assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
			z.next_in = b.p;
			z.avail_in = (uInt)b.len;
			z.next_out = inflated;
			z.avail_out = (uInt)il;
			assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
			inflateEnd(&z);
		} else {
			memcpy(inflated, b.p, b.len);
		}
		run_split(b.p, append_metadata(b.p, b.len), b.len, WHOLE, 0, &r);
		assert_int_equal(r.problem, PAYLOAD_DEEP_OK);
		for (int m = 0; m < PAYLOAD_MEMBER_COUNT; m++) {
			struct sink s = { 0 };
			int rc = payload_member_read(b.p, b.len, &r.id, (enum payload_member_id)m, sink, &s, why, sizeof(why));

			if (!r.id.member[m].present) {
				assert_int_equal(rc, -EINVAL);
				assert_int_equal(s.len, 0);
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(s.len, r.id.member[m].size_bytes);
			assert_memory_equal(s.got, inflated + r.id.member[m].offset_bytes, s.len);
			free(s.got);
			/* the sink's own error comes back at once */
			s = (struct sink){ .fail_at = 1 };
			assert_int_equal(payload_member_read(b.p, b.len, &r.id, (enum payload_member_id)m, sink, &s, why,
							     sizeof(why)), -EIO);
			free(s.got);
		}
		/* the image in RAM changed after the check: the member no longer matches */
		b.p[v->gzip ? b.len / 2 : r.id.member[PAYLOAD_MEMBER_ROOT].offset_bytes + 10] ^= 0x01;
		{
			struct sink s = { 0 };
			int rc = payload_member_read(b.p, b.len, &r.id, PAYLOAD_MEMBER_ROOT, sink, &s, why, sizeof(why));

			print_message("%s changed: %s\n", v->name, why);
			assert_int_equal(rc, -EBADMSG);
			assert_true(why[0]);
			free(s.got);
		}
		free(inflated);
		free(b.p);
	}
}

/* payload_read: a whole gzip'd FIT or UBI image, inflated, and ranges outside refused. */
static void range_reads(void **state)
{
	static struct result r;
	char why[256];

	(void)state;
	for (int i = 0; i < 2; i++) {
		const struct vector *v = vec(i ? "ubi_2k_gz" : "fit_external_gz");
		struct blob b = load(v->name);
		struct sink s = { 0 };

		run_split(b.p, b.len, b.len, WHOLE, 0, &r);
		assert_int_equal(r.problem, PAYLOAD_DEEP_OK);
		assert_int_equal(payload_read(b.p, b.len, &r.id, 0, r.id.own_bytes, sink, &s, why, sizeof(why)), 0);
		assert_int_equal(s.len, v->own);
		free(s.got);
		s = (struct sink){ 0 };
		assert_int_equal(payload_read(b.p, b.len, &r.id, 1, r.id.uncompressed_bytes, sink, &s, why, sizeof(why)),
				 -EINVAL);
		free(b.p);
	}
}

/* ---- through the fwtool reader: its verdicts and words ---- */

static void through_reader(void **state)
{
	static struct fwimage_info info;
	struct fwimage_reader *rd = malloc(sizeof(*rd)), *sha = malloc(sizeof(*sha));
	struct fwimage_expect e = { .compatible = "acme,r1", .board_name = "acme_r1", .keep_settings = true };
	struct fwimage_check_item items[FWIMAGE_CHECKS];
	struct fwimage_verdict v;
	struct blob b;
	size_t n;

	(void)state;
	assert_non_null(rd);
	assert_non_null(sha);
	/* a gzip'd sysupgrade tar: the facts, the format line */
	b = load("tar_nand_gz");
	n = append_metadata(b.p, b.len);
	fwimage_reader_init(rd);
	fwimage_reader_feed(rd, b.p, n);
	assert_int_equal(fwimage_reader_finish(rd, &info), 0);
	assert_true(info.payload.walked && info.payload.gzip);
	assert_int_equal(info.payload.format, PAYLOAD_SYSUPGRADE_TAR);
	assert_int_equal(fwimage_check(&info, &e, &v), 0);
	assert_int_equal(v.kind, FWIMAGE_ACCEPT);
	fwimage_check_list(&info, &e, items);
	print_message("format: %s\nboard: %s\n", items[FWIMAGE_CHECK_FORMAT].detail, items[FWIMAGE_CHECK_BOARD].detail);
	assert_string_equal(items[FWIMAGE_CHECK_FORMAT].detail, "an OpenWrt gzip-compressed sysupgrade tar "
			    "(sysupgrade-acme_r1/: kernel 900 bytes, root 1.4 KiB; 10.0 KiB inflated)");
	/* joined the other way round: the deep check (inflating) is in the part given to join */
	fwimage_reader_init_part(rd, FWIMAGE_FOLD_SHA256);
	fwimage_reader_init_part(sha, FWIMAGE_FOLD_CRC);
	fwimage_reader_feed(rd, b.p, 1000);
	fwimage_reader_feed(sha, b.p, 1000);
	fwimage_reader_feed(rd, b.p + 1000, 1);
	assert_int_equal(fwimage_reader_join(rd, sha), -EINVAL);   /* not fed alike */
	fwimage_reader_init_part(rd, FWIMAGE_FOLD_SHA256);
	fwimage_reader_feed(rd, b.p, 1000);
	fwimage_reader_feed(rd, b.p + 1000, 1000);
	fwimage_reader_feed(sha, b.p + 1000, 1000);
	assert_int_equal(fwimage_reader_join(rd, sha), 0);   /* mid-stream: the inflate state is copied */
	fwimage_reader_feed(rd, b.p + 2000, n - 2000);
	{
		static struct fwimage_info joined;

		assert_int_equal(fwimage_reader_finish(rd, &joined), 0);
		assert_memory_equal(&joined, &info, sizeof(info));
	}
	/* the same tar for another board: forceable */
	e.compatible = "other,board";
	e.board_name = "other_board";
	memcpy(info.devices[0], "other,board", 12);
	assert_int_equal(fwimage_check(&info, &e, &v), 0);
	assert_int_equal(v.problem, FWIMAGE_P_TAR_OTHER_BOARD);
	assert_int_equal(v.kind, FWIMAGE_INVALID);
	assert_int_equal(v.exit_code, 35);
	print_message("%s\n", v.reason);
	assert_non_null(strstr(v.reason, "the tar's sysupgrade-acme_r1/ is for another board than other_board"));
	e.force = true;
	assert_int_equal(fwimage_check(&info, &e, &v), 0);
	assert_true(v.kind == FWIMAGE_ACCEPT && v.forced);
	free(b.p);
	/* a FIT with a bad hash: broken, -F or not */
	b = load("fit_external");
	b.p[b.len - 1] ^= 0x40;
	n = append_metadata(b.p, b.len);
	fwimage_reader_init(rd);
	fwimage_reader_feed(rd, b.p, n);
	assert_int_equal(fwimage_reader_finish(rd, &info), -EBADMSG);
	assert_int_equal(info.problem, FWIMAGE_P_BAD_FIT);
	assert_int_equal(fwimage_check(&info, &e, &v), 0);
	assert_int_equal(v.kind, FWIMAGE_BROKEN);
	assert_int_equal(v.exit_code, 29);
	free(b.p);
	/* a good FIT and UBI image: the format line */
	b = load("fit_external");
	n = append_metadata(b.p, b.len);
	fwimage_reader_init(rd);
	fwimage_reader_feed(rd, b.p, n);
	assert_int_equal(fwimage_reader_finish(rd, &info), 0);
	e = (struct fwimage_expect){ .compatible = "acme,r1" };
	fwimage_check_list(&info, &e, items);
	print_message("format: %s\n", items[FWIMAGE_CHECK_FORMAT].detail);
	assert_string_equal(items[FWIMAGE_CHECK_FORMAT].detail, "a uImage.FIT (3 images, every hash ok (crc32, sha1, "
			    "sha256); 3.7 KiB)");
	free(b.p);
	b = load("ubi_2k");
	n = append_metadata(b.p, b.len);
	fwimage_reader_init(rd);
	fwimage_reader_feed(rd, b.p, n);
	assert_int_equal(fwimage_reader_finish(rd, &info), 0);
	fwimage_check_list(&info, &e, items);
	print_message("format: %s\n", items[FWIMAGE_CHECK_FORMAT].detail);
	assert_string_equal(items[FWIMAGE_CHECK_FORMAT].detail, "a ubinized image (UBI#: a whole UBI device, 3 PEBs of "
			    "2.0 KiB, 6.0 KiB; volumes: kernel rootfs_data)");
	free(b.p);
	free(rd);
	free(sha);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vector_table),
		cmocka_unit_test(cut_short),
		cmocka_unit_test(cut_reasons),
		cmocka_unit_test(hostile_tars),
		cmocka_unit_test(hostile_pax),
		cmocka_unit_test(cut_long_name),
		cmocka_unit_test(hostile_gzip),
		cmocka_unit_test(hostile_fits),
		cmocka_unit_test(hostile_ubi),
		cmocka_unit_test(member_reads),
		cmocka_unit_test(range_reads),
		cmocka_unit_test(through_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
