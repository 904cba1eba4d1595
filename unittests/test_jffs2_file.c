/* unittests/test_jffs2_file.c — cmocka tests for the one-file JFFS2 image: golden bytes, an independent decoder, mtd-utils cross-checks */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* mkdtemp() */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "jffs2_file.h"

#define MTIME_S     0x65000000u
#define MAX_LEN     100000
#define MAX_IMAGE   (MAX_LEN * 2 + (256 << 10))

static uint8_t data_buf[MAX_LEN];
static uint8_t img_buf[MAX_IMAGE];
static uint8_t back_buf[MAX_LEN];

/* ------------------------------------------------------------------ */
/* An independent reader: bitwise crc32_le, fields read one by one.    */

/* The kernel's crc32(0, p, n), bit by bit (lib/crc32.c, CRCPOLY_LE). */
static uint32_t ref_crc(const uint8_t *p, size_t n)
{
	uint32_t c = 0;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
	}
	return c;
}

static uint32_t get16(const uint8_t *p, bool be)
{
	return be ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
}

static uint32_t get32(const uint8_t *p, bool be)
{
	return be ? get16(p, be) << 16 | get16(p + 2, be) : get16(p + 2, be) << 16 | get16(p, be);
}

struct decoded {
	size_t n_clean, n_inode, n_dirent;
	size_t data_bytes;          /* highest offset + dsize seen */
	uint32_t isize_bytes, mode, ino, dirent_version;
	bool dirent_last;           /* no node after the dirent */
	size_t end_bytes;           /* end of the last node, 4-aligned */
	char name[256];
	/* layout events seen, for coverage of the block-end cases */
	size_t gaps, exact_fills, dirent_moved, inode_moved, short_nodes;
};

/*
 * Walks an image block by block and checks what the kernel's scan checks,
 * plus, when strict, the rules of our encoder. Data lands in out by offset.
 */
static void decode(const uint8_t *img, size_t n, uint32_t erase, bool be, bool strict,
		   uint8_t *out, size_t out_cap, struct decoded *d)
{
	uint32_t next_version = 1, next_offset = 0;
	uint32_t gap_before = 0;    /* 0xFF bytes skipped before the next node, at a block end */
	size_t pos = 0;

	memset(d, 0, sizeof(*d));
	while (pos < n) {
		size_t block_end = (pos / erase + 1) * (size_t)erase;
		const uint8_t *h = img + pos;
		uint32_t totlen, type;

		assert_int_equal(pos % 4, 0);
		if (pos + 4 <= n && get32(h, be) == 0xFFFFFFFFu) {
			size_t stop = block_end < n ? block_end : n;

			for (size_t i = pos; i < stop; i++)
				assert_int_equal(img[i], 0xFF);
			if (stop == block_end && stop < n) {
				gap_before = (uint32_t)(stop - pos);
				d->gaps++;
			}
			pos = stop;
			continue;
		}
		assert_true(pos + 12 <= n);
		assert_int_equal(get16(h, be), 0x1985);
		type = get16(h + 2, be);
		totlen = get32(h + 4, be);
		assert_int_equal(get32(h + 8, be), ref_crc(h, 8));
		assert_true(totlen >= 12);
		assert_true(pos + totlen <= block_end);      /* never across an erase block */
		assert_true(pos + totlen <= n);
		if (strict) {
			if (pos % erase == 0)
				assert_int_equal(type, 0x2003);
			assert_false(d->dirent_last && d->n_dirent);
		}
		switch (type) {
		case 0x2003:
			assert_int_equal(pos % erase, 0);    /* first in its block */
			assert_int_equal(totlen, 12);
			d->n_clean++;
			break;
		case 0xe002: {
			uint32_t csize = get32(h + 48, be), dsize = get32(h + 52, be);
			uint32_t off = get32(h + 44, be), ver = get32(h + 16, be);

			assert_int_equal(totlen, 68 + csize);
			assert_int_equal(get32(h + 64, be), ref_crc(h, 60));
			assert_int_equal(get32(h + 60, be), ref_crc(h + 68, csize));
			assert_int_equal(h[56], 0);          /* JFFS2_COMPR_NONE */
			assert_int_equal(csize, dsize);
			assert_true(off <= get32(h + 28, be));
			assert_true((size_t)off + dsize <= out_cap);
			memcpy(out + off, h + 68, dsize);
			if (off + dsize > d->data_bytes)
				d->data_bytes = off + dsize;
			d->isize_bytes = get32(h + 28, be);
			d->mode = get32(h + 20, be);
			d->ino = get32(h + 12, be);
			/* no node's data crosses a 4 KiB file offset, as the kernel writes */
			if (dsize)
				assert_int_equal(off / 4096, (off + dsize - 1) / 4096);
			if (strict) {
				uint32_t chunk = 4096 - off % 4096;

				if (chunk > d->isize_bytes - off)
					chunk = d->isize_bytes - off;
				assert_int_equal(ver, next_version);
				assert_int_equal(off, next_offset);
				assert_int_equal(d->ino, 2);
				assert_int_equal(d->mode, 0100644);
				assert_int_equal(get32(h + 24, be), 0);      /* uid, gid */
				assert_int_equal(get32(h + 32, be), MTIME_S);
				assert_int_equal(get32(h + 36, be), MTIME_S);
				assert_int_equal(get32(h + 40, be), MTIME_S);
				assert_int_equal(h[57], 0);
				assert_int_equal(get16(h + 58, be), 0);
				for (size_t i = pos + totlen; i % 4; i++)
					assert_int_equal(img[i], 0xFF);
				/* a short node only where the block ended, and never under 128 if more was left */
				if (dsize < chunk) {
					assert_int_equal((pos + ((68 + dsize + 3) & ~3u)) % erase, 0);
					assert_true(dsize >= 128);
					d->short_nodes++;
				}
				/* a gap before it only if its first part did not fit */
				if (gap_before) {
					assert_true(gap_before < 68 + (chunk < 128 ? chunk : 128));
					d->inode_moved++;
				}
				next_version++;
				next_offset += dsize;
			}
			d->n_inode++;
			break;
		}
		case 0xe001: {
			uint32_t nsize = h[28];

			assert_int_equal(totlen, 40 + nsize);
			assert_int_equal(get32(h + 32, be), ref_crc(h, 32));
			assert_int_equal(get32(h + 36, be), ref_crc(h + 40, nsize));
			assert_int_equal(get32(h + 12, be), 1);  /* pino: root */
			assert_int_equal(h[29], 8);              /* DT_REG */
			memcpy(d->name, h + 40, nsize);
			d->name[nsize] = '\0';
			d->dirent_version = get32(h + 16, be);
			assert_int_equal(get32(h + 20, be), 2);
			if (strict) {
				assert_int_equal(d->dirent_version, 1);
				assert_int_equal(get32(h + 24, be), MTIME_S);
				if (gap_before) {
					assert_true(gap_before < ((40 + nsize + 3) & ~3u));
					d->dirent_moved++;
				}
			}
			d->n_dirent++;
			d->dirent_last = true;
			break;
		}
		default:
			fail_msg("unexpected node type 0x%04x at 0x%zx", type, pos);
		}
		if (type != 0xe001 && type != 0x2003)
			d->dirent_last = false;
		if (type != 0x2003)
			gap_before = 0;     /* a gap is judged by the node after the next cleanmarker */
		pos += (totlen + 3) & ~3u;
		if (pos % erase == 0 && type != 0x2003)
			d->exact_fills++;
		d->end_bytes = pos;
	}
}

/* Builds an image of data_buf[0..len) and checks it with the decoder. */
static size_t build_and_check(const char *name, size_t len, uint32_t erase, unsigned flags,
			      struct decoded *d)
{
	size_t out_len = 0, bound = jffs2_file_image_bytes(len, erase, flags);
	bool be = flags & JFFS2_FILE_BIG_ENDIAN;

	assert_true(bound > 0 && bound <= sizeof(img_buf));
	assert_int_equal(jffs2_file_image(name, data_buf, len, erase, flags, MTIME_S,
					  img_buf, bound, &out_len), 0);
	assert_true(out_len <= bound);
	if (flags & JFFS2_FILE_EOF_MARKER) {
		size_t mark = out_len - 4;

		assert_int_equal(mark % erase, 0);
		assert_memory_equal(img_buf + mark, "\xde\xad\xc0\xde", 4);
		decode(img_buf, mark, erase, be, true, back_buf, sizeof(back_buf), d);
		for (size_t i = d->end_bytes; i < mark; i++)
			assert_int_equal(img_buf[i], 0xFF);
		assert_true(mark - d->end_bytes < erase);
	} else {
		decode(img_buf, out_len, erase, be, true, back_buf, sizeof(back_buf), d);
		assert_int_equal(d->end_bytes, out_len);
	}
	assert_int_equal(d->n_dirent, 1);
	assert_true(d->dirent_last);
	assert_string_equal(d->name, name);
	assert_int_equal(d->isize_bytes, len);
	assert_int_equal(d->data_bytes, len);
	assert_int_equal(d->n_clean, (d->end_bytes + erase - 1) / erase);
	if (len)
		assert_memory_equal(back_buf, data_buf, len);
	return out_len;
}

static void fill_data(void)
{
	uint32_t x = 0x12345678;

	for (size_t i = 0; i < sizeof(data_buf); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data_buf[i] = (uint8_t)x;
	}
}

/* ------------------------------------------------------------------ */

/* Golden bytes from an independent packer (struct.pack with zlib's crc32(~0) ^ ~0). */
static void golden_small(void **state)
{
	static const uint8_t le[128] = {
		0x85, 0x19, 0x03, 0x20, 0x0c, 0x00, 0x00, 0x00, 0xb1, 0xb0, 0x1e, 0xe4,
		0x85, 0x19, 0x02, 0xe0, 0x46, 0x00, 0x00, 0x00, 0x96, 0x33, 0xfe, 0x32,
		0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xa4, 0x81, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x65,
		0x00, 0x00, 0x00, 0x65, 0x00, 0x00, 0x00, 0x65, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x53, 0x38, 0x4a, 0x99, 0xbd, 0x1f, 0x6b, 0xdb, 0x68, 0x69, 0xff, 0xff,
		0x85, 0x19, 0x01, 0xe0, 0x29, 0x00, 0x00, 0x00, 0x6d, 0xa6, 0x2f, 0xd7,
		0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x65, 0x01, 0x08, 0x00, 0x00, 0xa8, 0xfa, 0x49, 0xc0,
		0xce, 0x51, 0xb5, 0x3a, 0x61, 0xff, 0xff, 0xff,
	};
	static const uint8_t be[128] = {
		0x19, 0x85, 0x20, 0x03, 0x00, 0x00, 0x00, 0x0c, 0xf0, 0x60, 0xdc, 0x98,
		0x19, 0x85, 0xe0, 0x02, 0x00, 0x00, 0x00, 0x46, 0x4a, 0xe1, 0x43, 0x12,
		0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x81, 0xa4,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x65, 0x00, 0x00, 0x00,
		0x65, 0x00, 0x00, 0x00, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
		0x99, 0x4a, 0x38, 0x53, 0x00, 0x2f, 0xe1, 0x8e, 0x68, 0x69, 0xff, 0xff,
		0x19, 0x85, 0xe0, 0x01, 0x00, 0x00, 0x00, 0x29, 0xd0, 0x4c, 0x45, 0x0b,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
		0x65, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x22, 0x84, 0xe5, 0x2f,
		0x3a, 0xb5, 0x51, 0xce, 0x61, 0xff, 0xff, 0xff,
	};
	static const struct {
		unsigned flags;
		const uint8_t *want;
	} cases[] = {
		{ 0, le },
		{ JFFS2_FILE_BIG_ENDIAN, be },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t out[256];
		size_t n = 0;

		memset(out, 0xAA, sizeof(out));
		assert_int_equal(jffs2_file_image("a", "hi", 2, 4096, cases[i].flags, MTIME_S,
						  out, sizeof(out), &n), 0);
		assert_int_equal(n, 128);
		assert_memory_equal(out, cases[i].want, 128);
		assert_int_equal(out[128], 0xAA);        /* nothing past out_len */
	}
	/* OpenWrt's mtd (package/system/mtd/src/jffs2.c) hard-codes the cleanmarker: same bytes. */
	assert_memory_equal(le, "\x85\x19\x03\x20\x0c\x00\x00\x00\xb1\xb0\x1e\xe4", 12);
	assert_memory_equal(be, "\x19\x85\x20\x03\x00\x00\x00\x0c\xf0\x60\xdc\x98", 12);
}

/* The sizes and erase blocks of the brief, both byte orders, with and without the EOF marker. */
static void sizes_table(void **state)
{
	static const size_t lens[] = { 0, 1, 4095, 4096, 4097, 100000 };
	static const uint32_t erases[] = { 4096, 65536, 131072 };
	static const unsigned flagsets[] = {
		0, JFFS2_FILE_BIG_ENDIAN, JFFS2_FILE_EOF_MARKER,
		JFFS2_FILE_BIG_ENDIAN | JFFS2_FILE_EOF_MARKER,
	};
	(void)state;

	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
		for (size_t e = 0; e < sizeof(erases) / sizeof(erases[0]); e++)
			for (size_t f = 0; f < sizeof(flagsets) / sizeof(flagsets[0]); f++) {
				struct decoded d;

				build_and_check("sysupgrade.tgz", lens[l], erases[e], flagsets[f], &d);
				assert_int_equal(d.n_inode, lens[l] ? d.n_inode : 1);
				assert_true(d.n_inode >= (lens[l] + 4095) / 4096);
			}
}

/* Every length near the block ends of small erase blocks; every layout case must occur. */
static void block_end_sweep(void **state)
{
	static const struct {
		uint32_t erase_bytes;
		size_t max_len, step;
		const char *name;
	} cases[] = {
		{ 512, 6000, 1, "s" },
		{ 512, 3000, 1, "sysupgrade.tgz" },
		{ 1024, 9000, 3, "a-name-that-is-quite-a-bit-longer-than-usual.tar.gz" },
		{ 4096, 40000, 37, "sysupgrade.tgz" },
		/* page ends fall at other places of the blocks: inode nodes move on too */
		{ 512, 100000, 4999, "s" },
		{ 1024, 100000, 4999, "s" },
		{ 2048, 100000, 4999, "s" },
	};
	struct decoded sum = { 0 };
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (size_t len = 0; len <= cases[c].max_len; len += cases[c].step) {
			struct decoded d;

			build_and_check(cases[c].name, len, cases[c].erase_bytes, 0, &d);
			sum.gaps += d.gaps;
			sum.exact_fills += d.exact_fills;
			sum.dirent_moved += d.dirent_moved;
			sum.inode_moved += d.inode_moved;
			sum.short_nodes += d.short_nodes;
		}
	print_message("layout cases seen: %zu block-end gaps, %zu nodes ending on a block end, "
		      "%zu dirents and %zu inode nodes moved on, %zu nodes cut at a block end\n",
		      sum.gaps, sum.exact_fills, sum.dirent_moved, sum.inode_moved, sum.short_nodes);
	assert_true(sum.gaps > 0);
	assert_true(sum.exact_fills > 0);
	assert_true(sum.dirent_moved > 0);
	assert_true(sum.inode_moved > 0);
	assert_true(sum.short_nodes > 0);
}

/* The bound holds for every name length and is exact for 254 bytes. */
static void bound_table(void **state)
{
	static const size_t lens[] = { 0, 1, 100, 4000, 4096, 8000, 65000, 100000 };
	static const uint32_t erases[] = { 512, 1024, 4096, 65536 };
	char name[JFFS2_FILE_NAME_MAX_BYTES + 1];
	(void)state;

	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
		for (size_t e = 0; e < sizeof(erases) / sizeof(erases[0]); e++)
			for (unsigned fl = 0; fl < 4; fl++) {
				size_t bound = jffs2_file_image_bytes(lens[l], erases[e], fl), worst = 0;

				for (size_t k = 1; k <= JFFS2_FILE_NAME_MAX_BYTES; k += k < 20 ? 1 : 13) {
					size_t n = 0;

					memset(name, 'n', k);
					name[k] = '\0';
					assert_int_equal(jffs2_file_image(name, data_buf, lens[l], erases[e], fl,
									  MTIME_S, img_buf, bound, &n), 0);
					assert_true(n <= bound);
					if (n > worst)
						worst = n;
				}
				memset(name, 'n', JFFS2_FILE_NAME_MAX_BYTES);
				name[JFFS2_FILE_NAME_MAX_BYTES] = '\0';
				assert_int_equal(jffs2_file_image(name, data_buf, lens[l], erases[e], fl,
								  MTIME_S, img_buf, bound, &worst), 0);
				assert_int_equal(worst, bound);
			}
}

static void errors_table(void **state)
{
	static char long_name[JFFS2_FILE_NAME_MAX_BYTES + 2];
	static char max_name[JFFS2_FILE_NAME_MAX_BYTES + 1];
	size_t n = 12345, cap = jffs2_file_image_bytes(10, 4096, 0);
	const struct {
		const char *what;
		const char *name;
		const void *data;
		size_t len;
		uint32_t erase;
		unsigned flags;
		size_t cap;
		size_t *out_len;
		int want;
	} cases[] = {
		{ "NULL name", NULL, "0123456789", 10, 4096, 0, cap, &n, -EFAULT },
		{ "NULL data", "f", NULL, 10, 4096, 0, cap, &n, -EFAULT },
		{ "NULL out_len", "f", "0123456789", 10, 4096, 0, cap, NULL, -EFAULT },
		{ "unknown flag", "f", "0123456789", 10, 4096, 0x4, cap, &n, -EOPNOTSUPP },
		{ "empty name", "", "0123456789", 10, 4096, 0, cap, &n, -ENOENT },
		{ "255-byte name", long_name, "0123456789", 10, 4096, 0, cap, &n, -ENAMETOOLONG },
		{ "slash", "etc/config", "0123456789", 10, 4096, 0, cap, &n, -EINVAL },
		{ "leading slash", "/f", "0123456789", 10, 4096, 0, cap, &n, -EINVAL },
		{ "dot", ".", "0123456789", 10, 4096, 0, cap, &n, -EINVAL },
		{ "dot dot", "..", "0123456789", 10, 4096, 0, cap, &n, -EINVAL },
		{ "erase 0", "f", "0123456789", 10, 0, 0, cap, &n, -EDOM },
		{ "erase 3000", "f", "0123456789", 10, 3000, 0, cap, &n, -EDOM },
		{ "erase 65537", "f", "0123456789", 10, 65537, 0, cap, &n, -EDOM },
		{ "erase 256", "f", "0123456789", 10, 256, 0, cap, &n, -EDOM },
		{ "4 GiB file", "f", "0123456789", (size_t)JFFS2_FILE_MAX_BYTES + 1, 4096, 0, cap, &n, -EFBIG },
		{ "cap one short", "f", "0123456789", 10, 4096, 0, 12 + 80 + 44 - 1, &n, -ENOSPC },
		{ "cap zero", "f", "0123456789", 10, 4096, 0, 0, &n, -ENOSPC },
		{ "cap exact", "f", "0123456789", 10, 4096, 0, 12 + 80 + 44, &n, 0 },
		{ "254-byte name", max_name, "0123456789", 10, 512, 0, cap, &n, 0 },
		{ "erase 512", "f", "0123456789", 10, 512, 0, cap, &n, 0 },
		{ "erase 2 GiB", "f", "0123456789", 10, 0x80000000u, 0, cap, &n, 0 },
		{ "dots in a name", "...", "0123456789", 10, 4096, 0, cap, &n, 0 },
		{ "empty file, NULL data", "f", NULL, 0, 4096, 0, cap, &n, 0 },
	};
	(void)state;

	memset(long_name, 'x', sizeof(long_name) - 1);
	memset(max_name, 'x', sizeof(max_name) - 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(img_buf, 0xAA, 4096);
		n = 12345;
		int r = jffs2_file_image(cases[i].name, cases[i].data, cases[i].len, cases[i].erase,
					 cases[i].flags, MTIME_S, img_buf, cases[i].cap, cases[i].out_len);
		if (r != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].what, r, cases[i].want);
		if (r) {
			assert_int_equal(n, 12345);
			for (size_t k = 0; k < 4096; k++)
				assert_int_equal(img_buf[k], 0xAA);   /* out untouched */
		}
	}
	assert_int_equal(jffs2_file_image("f", "x", 1, 4096, 0, 0, NULL, 100, &n), -EFAULT);
	assert_int_equal(jffs2_file_image_bytes(1, 3000, 0), 0);
	assert_int_equal(jffs2_file_image_bytes(1, 256, 0), 0);
	assert_int_equal(jffs2_file_image_bytes(1, 4096, 0x10), 0);
	assert_int_equal(jffs2_file_image_bytes((size_t)JFFS2_FILE_MAX_BYTES + 1, 4096, 0), 0);
}

/* A 2 KiB and a 64 KiB archive at 128 KiB blocks: what sysupgrade would carry. */
static void archive_sizes(void **state)
{
	static const struct {
		size_t len;
		unsigned flags;
		size_t want_bytes;
	} cases[] = {
		/* 12 + (68 + 2048) + pad4(40 + 14) */
		{ 2048, 0, 12 + 2116 + 56 },
		{ 2048, JFFS2_FILE_EOF_MARKER, 131072 + 4 },
		/* 12 + 16 * (68 + 4096) + 56 */
		{ 65536, 0, 12 + 16 * 4164 + 56 },
		{ 65536, JFFS2_FILE_EOF_MARKER, 131072 + 4 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct decoded d;
		size_t n = build_and_check("sysupgrade.tgz", cases[i].len, 131072, cases[i].flags, &d);

		print_message("%zu-byte file, flags %u: %zu bytes (%zu inode nodes), bound %zu\n",
			      cases[i].len, cases[i].flags, n, d.n_inode,
			      jffs2_file_image_bytes(cases[i].len, 131072, cases[i].flags));
		assert_int_equal(n, cases[i].want_bytes);
	}
}

/* ------------------------------------------------------------------ */
/* mtd-utils: jffs2dump, jffs2reader and mkfs.jffs2 read what we write. */

static char tmp_dir[64];

/*
 * Full path of an mtd-utils tool (Debian puts them in /usr/sbin; MTD_UTILS_DIR
 * names another directory), or fail the test: a missing tool is no pass.
 */
static const char *tool(const char *name)
{
	static char paths[3][256];
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
	static size_t next;
	const char *env = getenv("MTD_UTILS_DIR");
	char *p = paths[next++ % 3];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(paths[0]), "%s/%s", env ? env : dirs[i], name);
		if (access(p, X_OK) == 0)
			return p;
	}
	fail_msg("%s not found%s%s: the JFFS2 cross-check needs Debian's mtd-utils "
		 "(apt-get install -y --no-install-recommends mtd-utils)",
		 name, env ? " in MTD_UTILS_DIR=" : "", env ? env : "");
	return NULL;
}

static int setup_tmp(void **state)
{
	(void)state;
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/test_jffs2_file.XXXXXX");
	return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Runs cmd, returns its stdout (NUL-terminated, *n bytes) in buf; fails on a nonzero exit. */
static void run(const char *cmd, char *buf, size_t cap, size_t *n)
{
	FILE *p = popen(cmd, "r");
	size_t got = 0, k;
	int st;

	assert_non_null(p);
	while ((k = fread(buf + got, 1, cap - 1 - got, p)) > 0)
		got += k;
	buf[got] = '\0';
	st = pclose(p);
	if (st != 0)
		fail_msg("`%s` exited with status %d:\n%s", cmd, st, buf);
	if (n)
		*n = got;
}

static char dump_buf[1 << 20];
static char read_buf[MAX_LEN + 4096];

/* jffs2dump -c: no CRC complaint; the inode nodes it lists cover the file in order. */
static void check_dump(const char *img, bool be, const char *name, size_t len)
{
	char cmd[512];
	uint32_t next_off = 0, next_ver = 1;
	size_t inodes = 0, dirents = 0;

	snprintf(cmd, sizeof(cmd), "%s -c %s '%s' 2>&1", tool("jffs2dump"), be ? "-b" : "-l", img);
	run(cmd, dump_buf, sizeof(dump_buf), NULL);
	if (strstr(dump_buf, "Wrong") || strstr(dump_buf, "Unknown"))
		fail_msg("jffs2dump complains about %s:\n%s", img, dump_buf);
	for (char *line = strtok(dump_buf, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned ino, ver, isize, csize, dsize, off, pino, dino, nsize;
		char dname[256];

		if (sscanf(line, " Inode node at %*x, totlen %*x, #ino %u, version %u, isize %u, "
			   "csize %u, dsize %u, offset %u", &ino, &ver, &isize, &csize, &dsize, &off) == 6) {
			assert_int_equal(ino, 2);
			assert_int_equal(ver, next_ver++);
			assert_int_equal(off, next_off);
			assert_int_equal(isize, len);
			next_off += dsize;
			inodes++;
		} else if (sscanf(line, " Dirent node at %*x, totlen %*x, #pino %u, version %*u, "
				  "#ino %u, nsize %u, name %255s", &pino, &dino, &nsize, dname) == 4) {
			assert_int_equal(pino, 1);
			assert_int_equal(dino, 2);
			assert_string_equal(dname, name);
			dirents++;
		} else if (!strstr(line, "Empty space found")) {
			fail_msg("jffs2dump printed an unexpected line: %s", line);
		}
	}
	assert_int_equal(next_off, len);
	assert_true(inodes >= 1);
	assert_int_equal(dirents, 1);
}

/*
 * jffs2reader -f prints the file. It reads only the node with version 1 and
 * pads to isize (catfile() calls find_raw_inode() once), so beyond that node
 * only the length is compared; the decoder and jffs2dump's data CRCs cover the rest.
 */
static void check_reader(const char *img, const char *name, size_t len, size_t first_node_bytes)
{
	char cmd[512];
	size_t n = 0;

	snprintf(cmd, sizeof(cmd), "%s '%s' -f '/%s'", tool("jffs2reader"), img, name);
	run(cmd, read_buf, sizeof(read_buf), &n);
	assert_int_equal(n, len);
	if (first_node_bytes)
		assert_memory_equal(read_buf, data_buf, first_node_bytes);
}

static void mtd_utils_read_it(void **state)
{
	static const size_t lens[] = { 0, 1, 4095, 4096, 4097, 100000 };
	static const uint32_t erases[] = { 4096, 65536, 131072 };
	char le_path[128], be_path[128], conv_path[128], cmd[512];
	(void)state;

	snprintf(le_path, sizeof(le_path), "%s/le.img", tmp_dir);
	snprintf(be_path, sizeof(be_path), "%s/be.img", tmp_dir);
	snprintf(conv_path, sizeof(conv_path), "%s/conv.img", tmp_dir);
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
		for (size_t e = 0; e < sizeof(erases) / sizeof(erases[0]); e++) {
			static uint8_t le_img[MAX_IMAGE];
			struct decoded d;
			size_t n_le, n_be, n_conv, first;
			FILE *f;

			n_le = build_and_check("sysupgrade.tgz", lens[l], erases[e], 0, &d);
			memcpy(le_img, img_buf, n_le);
			write_file(le_path, le_img, n_le);
			n_be = build_and_check("sysupgrade.tgz", lens[l], erases[e], JFFS2_FILE_BIG_ENDIAN, &d);
			write_file(be_path, img_buf, n_be);
			assert_int_equal(n_be, n_le);

			check_dump(le_path, false, "sysupgrade.tgz", lens[l]);
			check_dump(be_path, true, "sysupgrade.tgz", lens[l]);

			/* the first node holds min(len, 4096, room in block 0) bytes */
			first = lens[l] < 4096 ? lens[l] : 4096;
			if (first > erases[e] - 12 - 68)
				first = erases[e] - 12 - 68;
			check_reader(le_path, "sysupgrade.tgz", lens[l], first);

			/* jffs2dump's own endian conversion of our big-endian image is our little-endian one */
			unlink(conv_path);
			snprintf(cmd, sizeof(cmd), "%s -b -e '%s' '%s' 2>&1", tool("jffs2dump"), conv_path, be_path);
			run(cmd, dump_buf, sizeof(dump_buf), NULL);
			f = fopen(conv_path, "rb");
			assert_non_null(f);
			n_conv = fread(img_buf, 1, sizeof(img_buf), f);
			fclose(f);
			assert_int_equal(n_conv, n_le);
			assert_memory_equal(img_buf, le_img, n_le);
		}
}

/*
 * mkfs.jffs2 -m none makes the same structure: a cleanmarker per block, one
 * dirent (first there, last here) pointing root at ino 2, inode nodes within
 * 4 KiB file pages. Its erase block is 8 KiB at least, so 64 and 128 KiB.
 */
static void mkfs_jffs2_agrees(void **state)
{
	static const size_t lens[] = { 1, 4097, 100000 };
	static const uint32_t erases[] = { 65536, 131072 };
	char dir[128], file[160], img[128], cmd[512];
	(void)state;

	snprintf(dir, sizeof(dir), "%s/root", tmp_dir);
	snprintf(file, sizeof(file), "%s/sysupgrade.tgz", dir);
	snprintf(img, sizeof(img), "%s/mkfs.img", tmp_dir);
	mkdir(dir, 0755);
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
		for (size_t e = 0; e < sizeof(erases) / sizeof(erases[0]); e++) {
			const struct timeval tv[2] = { { MTIME_S, 0 }, { MTIME_S, 0 } };
			struct decoded ours, theirs;
			static uint8_t mk[MAX_IMAGE];
			size_t n_mk;
			FILE *f;

			build_and_check("sysupgrade.tgz", lens[l], erases[e], 0, &ours);
			write_file(file, data_buf, lens[l]);
			assert_int_equal(chmod(file, 0644), 0);
			assert_int_equal(utimes(file, tv), 0);
			snprintf(cmd, sizeof(cmd), "%s -l -U -m none -e %u -d '%s' -o '%s' 2>&1",
				 tool("mkfs.jffs2"), erases[e], dir, img);
			run(cmd, dump_buf, sizeof(dump_buf), NULL);
			f = fopen(img, "rb");
			assert_non_null(f);
			n_mk = fread(mk, 1, sizeof(mk), f);
			fclose(f);

			memset(back_buf, 0, sizeof(back_buf));
			decode(mk, n_mk, erases[e], false, false, back_buf, sizeof(back_buf), &theirs);
			assert_memory_equal(back_buf, data_buf, lens[l]);
			assert_int_equal(theirs.n_dirent, 1);
			assert_string_equal(theirs.name, "sysupgrade.tgz");
			assert_int_equal(theirs.ino, ours.ino);
			assert_int_equal(theirs.mode, ours.mode);
			assert_int_equal(theirs.isize_bytes, ours.isize_bytes);
			/* the dirent first shifts mkfs.jffs2's splits: a node more or less */
			assert_true(theirs.n_clean <= ours.n_clean + 1 && ours.n_clean <= theirs.n_clean + 1);
			assert_true(theirs.n_inode <= ours.n_inode + 1 && ours.n_inode <= theirs.n_inode + 1);
			print_message("%zu bytes, erase %u: mkfs.jffs2 %zu bytes, ours %zu; "
				      "inode nodes %zu/%zu; dirent version %u/%u\n",
				      lens[l], erases[e], n_mk, ours.end_bytes, theirs.n_inode,
				      ours.n_inode, theirs.dirent_version, ours.dirent_version);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(golden_small),
		cmocka_unit_test(sizes_table),
		cmocka_unit_test(block_end_sweep),
		cmocka_unit_test(bound_table),
		cmocka_unit_test(errors_table),
		cmocka_unit_test(archive_sizes),
		cmocka_unit_test(mtd_utils_read_it),
		cmocka_unit_test(mkfs_jffs2_agrees),
	};

	fill_data();
	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
