/* app/image/jffs2_file.c — a minimal JFFS2 image holding one file at the root: cleanmarkers, inode nodes, one dirent (pure) */
#include "jffs2_file.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <zlib.h>

/* On-media constants, include/uapi/linux/jffs2.h. */
#define MAGIC            0x1985
#define NODETYPE_DIRENT  0xe001  /* INCOMPAT | ACCURATE | 1 */
#define NODETYPE_INODE   0xe002  /* INCOMPAT | ACCURATE | 2 */
#define NODETYPE_CLEAN   0x2003  /* RWCOMPAT_DELETE | ACCURATE | 3 */
#define COMPR_NONE       0x00
#define DT_REG_TYPE      8       /* DT_REG, what IFTODT(S_IFREG) gives */
#define ROOT_INO         1
#define MIN_DATA_BYTES   128     /* JFFS2_MIN_DATA_LEN */

#define UNKNOWN_BYTES    12      /* struct jffs2_unknown_node: magic, nodetype, totlen, hdr_crc */
#define CLEAN_BYTES      12      /* the kernel's cleanmarker_size on NOR */
#define DIRENT_BYTES     40      /* struct jffs2_raw_dirent without the name */
#define INODE_BYTES      68      /* struct jffs2_raw_inode without the data */

#define FLAGS_ALL        (JFFS2_FILE_BIG_ENDIAN | JFFS2_FILE_EOF_MARKER)

struct emit {
	uint8_t *out;            /* NULL: only count */
	uint64_t pos_bytes;      /* from the start of the image */
	uint32_t erase_bytes;
	bool big_endian;
};

static uint64_t pad4(uint64_t n)
{
	return (n + 3) & ~(uint64_t)3;
}

/* The kernel's crc32(0, p, n): crc32_le without pre- or post-inversion. */
static uint32_t jffs2_crc(const uint8_t *p, size_t n)
{
	if (!n)
		return 0;       /* and zlib would give ~0 for a NULL p */
	return (uint32_t)crc32_z(0xFFFFFFFFul, p, n) ^ 0xFFFFFFFFu;
}

static void put16(const struct emit *e, uint8_t *p, uint16_t v)
{
	if (e->big_endian) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	} else {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	}
}

static void put32(const struct emit *e, uint8_t *p, uint32_t v)
{
	if (e->big_endian) {
		put16(e, p, (uint16_t)(v >> 16));
		put16(e, p + 2, (uint16_t)v);
	} else {
		put16(e, p, (uint16_t)v);
		put16(e, p + 2, (uint16_t)(v >> 16));
	}
}

/* Common header: magic, nodetype, totlen, hdr_crc over the 8 bytes before it. */
static void put_header(const struct emit *e, uint8_t *h, uint16_t nodetype, uint32_t totlen_bytes)
{
	put16(e, h, MAGIC);
	put16(e, h + 2, nodetype);
	put32(e, h + 4, totlen_bytes);
	put32(e, h + 8, jffs2_crc(h, 8));
}

static void emit_bytes(struct emit *e, const void *p, size_t n)
{
	if (e->out && n)
		memcpy(e->out + e->pos_bytes, p, n);
	e->pos_bytes += n;
}

static uint32_t block_used_bytes(const struct emit *e)
{
	return (uint32_t)(e->pos_bytes & (e->erase_bytes - 1));
}

/*
 * Makes need_bytes fit in the current erase block, skipping to the next one
 * (the gap stays 0xFF) if they do not; a fresh block gets its cleanmarker.
 */
static void reserve(struct emit *e, uint32_t need_bytes)
{
	uint32_t used = block_used_bytes(e);

	if (used && e->erase_bytes - used < need_bytes) {
		e->pos_bytes += e->erase_bytes - used;
		used = 0;
	}
	if (!used) {
		uint8_t h[CLEAN_BYTES];

		if (e->out)
			put_header(e, h, NODETYPE_CLEAN, CLEAN_BYTES);
		emit_bytes(e, h, sizeof(h));
	}
}

struct file_node {
	uint32_t version;
	uint32_t isize_bytes;
	uint32_t offset_bytes;
	uint32_t mtime_s;
};

static void emit_inode(struct emit *e, const struct file_node *f, const uint8_t *data, uint32_t n)
{
	uint8_t h[INODE_BYTES] = { 0 };

	if (!e->out) {
		e->pos_bytes = pad4(e->pos_bytes + INODE_BYTES + n);
		return;
	}
	put_header(e, h, NODETYPE_INODE, INODE_BYTES + n);
	put32(e, h + 12, JFFS2_FILE_INO);
	put32(e, h + 16, f->version);
	put32(e, h + 20, JFFS2_FILE_MODE);
	/* uid, gid 0 at 24, 26 */
	put32(e, h + 28, f->isize_bytes);
	put32(e, h + 32, f->mtime_s);           /* atime */
	put32(e, h + 36, f->mtime_s);           /* mtime */
	put32(e, h + 40, f->mtime_s);           /* ctime */
	put32(e, h + 44, f->offset_bytes);
	put32(e, h + 48, n);                    /* csize */
	put32(e, h + 52, n);                    /* dsize */
	h[56] = COMPR_NONE;                     /* compr; usercompr, flags 0 */
	put32(e, h + 60, jffs2_crc(data, n));   /* 0 for no data */
	put32(e, h + 64, jffs2_crc(h, 60));
	emit_bytes(e, h, sizeof(h));
	emit_bytes(e, data, n);
	e->pos_bytes = pad4(e->pos_bytes);
}

static void emit_dirent(struct emit *e, const char *name, uint32_t nsize, uint32_t mctime_s)
{
	uint8_t h[DIRENT_BYTES] = { 0 };

	if (!e->out) {
		e->pos_bytes = pad4(e->pos_bytes + DIRENT_BYTES + nsize);
		return;
	}
	put_header(e, h, NODETYPE_DIRENT, DIRENT_BYTES + nsize);
	put32(e, h + 12, ROOT_INO);             /* pino */
	put32(e, h + 16, 1);                    /* version */
	put32(e, h + 20, JFFS2_FILE_INO);
	put32(e, h + 24, mctime_s);
	h[28] = (uint8_t)nsize;
	h[29] = DT_REG_TYPE;
	put32(e, h + 32, jffs2_crc(h, 32));
	put32(e, h + 36, jffs2_crc((const uint8_t *)name, nsize));
	emit_bytes(e, h, sizeof(h));
	emit_bytes(e, name, nsize);
	e->pos_bytes = pad4(e->pos_bytes);
}

/* Lays the whole image out; with e->out NULL it only measures (name may then be NULL). */
static void emit_image(struct emit *e, const char *name, uint32_t nsize, const uint8_t *data,
		       uint32_t len_bytes, uint32_t mtime_s, bool eof_marker)
{
	struct file_node f = { .isize_bytes = len_bytes, .mtime_s = mtime_s };
	uint32_t off = 0;

	do {
		uint32_t chunk = JFFS2_FILE_PAGE_BYTES - off % JFFS2_FILE_PAGE_BYTES;
		uint32_t room, n;

		if (chunk > len_bytes - off)
			chunk = len_bytes - off;
		reserve(e, INODE_BYTES + (chunk < MIN_DATA_BYTES ? chunk : MIN_DATA_BYTES));
		room = e->erase_bytes - block_used_bytes(e) - INODE_BYTES;
		n = chunk < room ? chunk : room;
		f.version++;
		f.offset_bytes = off;
		emit_inode(e, &f, data ? data + off : NULL, n);
		off += n;
	} while (off < len_bytes);

	reserve(e, (uint32_t)pad4(DIRENT_BYTES + nsize));
	emit_dirent(e, name, nsize, mtime_s);

	if (eof_marker) {
		static const uint8_t marker[4] = { 0xde, 0xad, 0xc0, 0xde };

		if (block_used_bytes(e))
			e->pos_bytes += e->erase_bytes - block_used_bytes(e);
		emit_bytes(e, marker, sizeof(marker));
	}
}

static bool erase_ok(uint32_t erase_bytes)
{
	return erase_bytes >= JFFS2_FILE_MIN_ERASE_BYTES && !(erase_bytes & (erase_bytes - 1));
}

/* Image size, or 0 if it cannot be built. */
static size_t measure(uint32_t nsize, size_t len_bytes, uint32_t erase_bytes, unsigned flags)
{
	struct emit e = { .erase_bytes = erase_bytes, .big_endian = flags & JFFS2_FILE_BIG_ENDIAN };

	emit_image(&e, NULL, nsize, NULL, (uint32_t)len_bytes, 0, flags & JFFS2_FILE_EOF_MARKER);
	return e.pos_bytes > SIZE_MAX ? 0 : (size_t)e.pos_bytes;
}

size_t jffs2_file_image_bytes(size_t len_bytes, uint32_t erase_bytes, unsigned flags)
{
	if ((flags & ~FLAGS_ALL) || !erase_ok(erase_bytes) || len_bytes > JFFS2_FILE_MAX_BYTES)
		return 0;
	/* Data nodes do not depend on the name; a shorter dirent never ends later. */
	return measure(JFFS2_FILE_NAME_MAX_BYTES, len_bytes, erase_bytes, flags);
}

int jffs2_file_image(const char *name, const void *data, size_t len_bytes, uint32_t erase_bytes,
		     unsigned flags, uint32_t mtime_s, void *out, size_t out_cap_bytes,
		     size_t *out_len_bytes)
{
	struct emit e = { .out = out, .erase_bytes = erase_bytes,
			  .big_endian = flags & JFFS2_FILE_BIG_ENDIAN };
	size_t nsize, total;

	if (!name || !out || !out_len_bytes || (!data && len_bytes))
		return -EFAULT;
	if (flags & ~FLAGS_ALL)
		return -EOPNOTSUPP;
	nsize = strnlen(name, JFFS2_FILE_NAME_MAX_BYTES + 1);
	if (!nsize)
		return -ENOENT;
	if (nsize > JFFS2_FILE_NAME_MAX_BYTES)
		return -ENAMETOOLONG;
	if (memchr(name, '/', nsize) || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	if (!erase_ok(erase_bytes))
		return -EDOM;
	if (len_bytes > JFFS2_FILE_MAX_BYTES)
		return -EFBIG;
	total = measure((uint32_t)nsize, len_bytes, erase_bytes, flags);
	if (!total)
		return -EFBIG;
	if (total > out_cap_bytes)
		return -ENOSPC;

	memset(out, 0xFF, total);
	emit_image(&e, name, (uint32_t)nsize, data, (uint32_t)len_bytes, mtime_s,
		   flags & JFFS2_FILE_EOF_MARKER);
	*out_len_bytes = (size_t)e.pos_bytes;
	return 0;
}
