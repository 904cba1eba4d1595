/* app/image/fit_stream.c — a uImage.FIT as it streams by: the FDT header, the structure block tokenized into bounded records, external data hashed (pure) */
#include "fit_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "fwimage_bytes.h"

enum { TOK_TOKEN = 0, TOK_NAME, TOK_PROPHDR, TOK_VALUE, TOK_PAD, TOK_DONE };
enum { FDT_BEGIN_NODE = 1, FDT_END_NODE = 2, FDT_PROP = 3, FDT_NOP = 4, FDT_END = 9 };

const uint8_t fit_digest_bytes[PAYLOAD_FIT_ALGOS] = { 4, 16, 20, 32 };

void fit_hashes_init(struct fit_hashes *h, unsigned algos)
{
	h->crc32 = 0;
	if (algos & 1u << PAYLOAD_FIT_MD5)
		hash_md5_init(&h->md5);
	if (algos & 1u << PAYLOAD_FIT_SHA1)
		hash_sha1_init(&h->sha1);
	if (algos & 1u << PAYLOAD_FIT_SHA256)
		hash_sha256_init(&h->sha256);
}

void fit_hashes_update(struct fit_hashes *h, unsigned algos, const uint8_t *p, size_t n)
{
	if (!n)
		return;
	if (algos & 1u << PAYLOAD_FIT_CRC32)
		h->crc32 = (uint32_t)crc32_z(h->crc32, p, n);
	if (algos & 1u << PAYLOAD_FIT_MD5)
		hash_md5_update(&h->md5, p, n);
	if (algos & 1u << PAYLOAD_FIT_SHA1)
		hash_sha1_update(&h->sha1, p, n);
	if (algos & 1u << PAYLOAD_FIT_SHA256)
		hash_sha256_update(&h->sha256, p, n);
}

void fit_hashes_digest(const struct fit_hashes *h, enum payload_fit_algo a, uint8_t out[FIT_DIGEST_BYTES])
{
	struct fit_hashes c = *h;   /* digest resets a context: work on a copy */

	memset(out, 0, FIT_DIGEST_BYTES);
	switch (a) {
	case PAYLOAD_FIT_CRC32:
		fwimage_put_be32(out, h->crc32);   /* U-Boot stores crc32 big-endian */
		break;
	case PAYLOAD_FIT_MD5:
		hash_md5_digest(&c.md5, out);
		break;
	case PAYLOAD_FIT_SHA1:
		hash_sha1_digest(&c.sha1, out);
		break;
	default:
		hash_sha256_digest(&c.sha256, out);
		break;
	}
}

__attribute__((format(printf, 3, 4)))
static void fail(struct fit_check *f, uint64_t at, const char *fmt, ...)
{
	va_list ap;

	f->state = FIT_ST_FAILED;
	f->err_at = at;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
}

void fit_check_init(struct fit_check *f)
{
	/* The large buffers need no clearing: only what the counters cover is read. */
	f->pos_bytes = 0;
	f->state = FIT_ST_HEADER;
	f->tok = TOK_TOKEN;
	f->gather_len = 0;
	f->spos = 0;
	f->left = 0;
	f->depth = 0;
	f->root_done = false;
	f->n_rec = 0;
	f->arena_len = 0;
	f->n_big = 0;
	f->strings_len = 0;
	f->resolved = false;
	f->n_images = f->n_hashes = f->n_regions = f->n_confs = f->algos = 0;
	f->own_bytes = 0;
	f->err_at = 0;
	f->why[0] = '\0';
}

static void header(struct fit_check *f)
{
	uint32_t version = fwimage_get_be32(f->hdr + 20), last = fwimage_get_be32(f->hdr + 24),
		 rsv = fwimage_get_be32(f->hdr + 16);

	f->totalsize = fwimage_get_be32(f->hdr + 4);
	f->off_struct = fwimage_get_be32(f->hdr + 8);
	f->off_strings = fwimage_get_be32(f->hdr + 12);
	f->size_strings = fwimage_get_be32(f->hdr + 32);
	f->size_struct = fwimage_get_be32(f->hdr + 36);
	f->state = FIT_ST_BODY;
	if (fwimage_get_be32(f->hdr) != 0xd00dfeedu)
		fail(f, 3, "no FDT magic (d00dfeed) at the start of the FIT");
	else if (version < 17 || last > 17)
		fail(f, 39, "FDT version %u (compatible with %u): a FIT is version 17", version, last);
	else if (f->totalsize < sizeof(f->hdr))
		fail(f, 39, "FDT totalsize %u is smaller than its header", f->totalsize);
	else if (rsv < sizeof(f->hdr) || rsv % 8 || (uint64_t)rsv + 16 > f->totalsize)
		fail(f, 39, "FDT memory reservation block at byte %u is not inside totalsize %u", rsv, f->totalsize);
	else if (f->off_struct < sizeof(f->hdr) || f->off_struct % 4 ||
		 (uint64_t)f->off_struct + f->size_struct > f->totalsize)
		fail(f, 39, "FDT structure block (%u bytes at byte %u) is not inside totalsize %u", f->size_struct,
		     f->off_struct, f->totalsize);
	else if (f->off_strings < sizeof(f->hdr) || (uint64_t)f->off_strings + f->size_strings > f->totalsize)
		fail(f, 39, "FDT strings block (%u bytes at byte %u) is not inside totalsize %u", f->size_strings,
		     f->off_strings, f->totalsize);
	else if (f->size_strings > FIT_STRINGS_BYTES)
		fail(f, 39, "FDT strings block of %u bytes: more than the %d this check reads", f->size_strings,
		     FIT_STRINGS_BYTES);
}

static struct fit_rec *new_rec(struct fit_check *f, uint64_t at, uint8_t kind)
{
	struct fit_rec *r;

	if (f->n_rec == FIT_MAX_RECORDS) {
		fail(f, at, "the FIT has more than %d nodes and properties", FIT_MAX_RECORDS);
		return NULL;
	}
	r = &f->rec[f->n_rec++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->at = f->spos;
	return r;
}

static bool arena_put(struct fit_check *f, uint64_t at, const uint8_t *p, size_t n)
{
	if (f->arena_len + n > FIT_ARENA_BYTES) {
		fail(f, at, "the FIT's names and small values exceed the %d bytes this check keeps", FIT_ARENA_BYTES);
		return false;
	}
	memcpy(f->arena + f->arena_len, p, n);
	f->arena_len += (uint32_t)n;
	return true;
}

/* Is the innermost open node /images/<name>? (its data is a large value worth hashing as it passes) */
static bool in_image_node(const struct fit_check *f)
{
	unsigned depth = 0, images = 0;

	/* Walk the records back: cheap enough, the count is bounded and large values are few. */
	for (unsigned i = 0; i < f->n_rec; i++) {
		const struct fit_rec *r = &f->rec[i];

		if (r->kind == FIT_REC_BEGIN) {
			depth++;
			if (depth == 2 && !images && r->len == 6 && !memcmp(f->arena + r->name, "images", 6))
				images = i + 1;
		} else if (r->kind == FIT_REC_END) {
			if (depth == 2 && images)
				images = 0;
			depth--;
		}
	}
	return depth == 3 && images;
}

static void token(struct fit_check *f, uint64_t at)
{
	uint32_t t = fwimage_get_be32(f->gather);
	struct fit_rec *r;

	if (f->root_done && t != FDT_NOP && t != FDT_END) {
		fail(f, at, "the FIT's structure block has token %u after the root node (struct offset %u)", t, f->spos - 4);
		return;
	}
	switch (t) {
	case FDT_BEGIN_NODE:
		if (f->depth == FIT_MAX_DEPTH) {
			fail(f, at, "the FIT's nodes are nested deeper than %d (struct offset %u)", FIT_MAX_DEPTH, f->spos - 4);
			return;
		}
		if (!(r = new_rec(f, at, FIT_REC_BEGIN)))
			return;
		r->at = f->spos - 4;
		r->name = f->arena_len;
		f->depth++;
		f->tok = TOK_NAME;
		break;
	case FDT_END_NODE:
		if (!f->depth) {
			fail(f, at, "the FIT's structure block ends a node it never began (struct offset %u)", f->spos - 4);
			return;
		}
		if (!(r = new_rec(f, at, FIT_REC_END)))
			return;
		r->at = f->spos - 4;
		f->root_done = --f->depth == 0;
		break;
	case FDT_PROP:
		if (!f->depth) {
			fail(f, at, "the FIT has a property outside the root node (struct offset %u)", f->spos - 4);
			return;
		}
		f->tok = TOK_PROPHDR;
		break;
	case FDT_NOP:
		break;
	case FDT_END:
		if (f->depth || !f->root_done) {
			fail(f, at, "the FIT's structure block ends inside a node (struct offset %u)", f->spos - 4);
			return;
		}
		f->tok = TOK_DONE;
		break;
	default:
		fail(f, at, "the FIT's structure block has an unknown token 0x%08x (struct offset %u)", t, f->spos - 4);
		break;
	}
}

static void value_end(struct fit_check *f)
{
	struct fit_rec *r = &f->rec[f->n_rec - 1];

	if (r->where == FIT_VAL_BIG)
		for (int a = 0; a < PAYLOAD_FIT_ALGOS; a++)
			fit_hashes_digest(&f->live, (enum payload_fit_algo)a, f->big[r->big][a]);
	f->left = (4 - f->spos % 4) % 4;
	f->tok = f->left ? TOK_PAD : TOK_TOKEN;
}

static void prop_header(struct fit_check *f, uint64_t at)
{
	uint32_t len = fwimage_get_be32(f->gather), nameoff = fwimage_get_be32(f->gather + 4);
	struct fit_rec *r;

	if (len > f->size_struct - f->spos) {
		fail(f, at, "a FIT property of %u bytes runs past the structure block (struct offset %u)", len, f->spos - 8);
		return;
	}
	if (!(r = new_rec(f, at, FIT_REC_PROP)))
		return;
	r->at = f->spos - 8;
	r->name = nameoff;
	r->len = len;
	r->val = f->arena_len;
	if (len <= FIT_INLINE_BYTES) {
		r->where = FIT_VAL_INLINE;
	} else if (in_image_node(f)) {
		if (f->n_big == FIT_MAX_BIG) {
			fail(f, at, "the FIT has more than %d large properties under /images", FIT_MAX_BIG);
			return;
		}
		r->where = FIT_VAL_BIG;
		r->big = (uint16_t)f->n_big++;
		fit_hashes_init(&f->live, (1u << PAYLOAD_FIT_ALGOS) - 1);
	} else {
		r->where = FIT_VAL_SKIPPED;
	}
	f->left = len;
	if (len)
		f->tok = TOK_VALUE;
	else
		value_end(f);
}

/* Structure-block bytes; `at` is the stream offset of p[0]. */
static void tokenize(struct fit_check *f, const uint8_t *p, size_t n, uint64_t at)
{
	while (n && f->state != FIT_ST_FAILED && f->tok != TOK_DONE) {
		size_t k = 1;

		switch (f->tok) {
		case TOK_TOKEN:
		case TOK_PROPHDR: {
			size_t want = f->tok == TOK_TOKEN ? 4 : 8;

			k = want - f->gather_len < n ? want - f->gather_len : n;
			memcpy(f->gather + f->gather_len, p, k);
			f->gather_len = (uint8_t)(f->gather_len + k);
			f->spos += (uint32_t)k;
			if (f->gather_len == want) {
				f->gather_len = 0;
				if (f->tok == TOK_TOKEN)
					token(f, at + k - 1);
				else
					prop_header(f, at + k - 1);
			}
			break;
		}
		case TOK_NAME: {
			struct fit_rec *r = &f->rec[f->n_rec - 1];
			const uint8_t *nul = memchr(p, 0, n);

			k = nul ? (size_t)(nul - p) + 1 : n;
			if (r->len < FIT_NAME_BYTES - 1) {
				size_t keep = (FIT_NAME_BYTES - 1 - r->len) < k - (nul ? 1 : 0) ?
					      FIT_NAME_BYTES - 1 - r->len : k - (nul ? 1 : 0);

				if (!arena_put(f, at + k - 1, p, keep))
					return;
			}
			r->len += (uint32_t)(k - (nul ? 1 : 0));
			f->spos += (uint32_t)k;
			if (nul) {
				if (!arena_put(f, at + k - 1, (const uint8_t *)"", 1))
					return;
				f->left = (4 - f->spos % 4) % 4;
				f->tok = f->left ? TOK_PAD : TOK_TOKEN;
			}
			break;
		}
		case TOK_VALUE: {
			struct fit_rec *r = &f->rec[f->n_rec - 1];

			k = f->left < n ? f->left : n;
			if (r->where == FIT_VAL_INLINE && !arena_put(f, at + k - 1, p, k))
				return;
			if (r->where == FIT_VAL_BIG)
				fit_hashes_update(&f->live, (1u << PAYLOAD_FIT_ALGOS) - 1, p, k);
			f->left -= (uint32_t)k;
			f->spos += (uint32_t)k;
			if (!f->left)
				value_end(f);
			break;
		}
		default:   /* TOK_PAD */
			k = f->left < n ? f->left : n;
			f->left -= (uint32_t)k;
			f->spos += (uint32_t)k;
			if (!f->left)
				f->tok = TOK_TOKEN;
			break;
		}
		p += k;
		n -= k;
		at += k;
	}
}

/* FDT bytes [pos, pos + n), all below totalsize: the structure and strings blocks' parts of them. */
static void body(struct fit_check *f, const uint8_t *p, size_t n)
{
	uint64_t pos = f->pos_bytes, s0, s1;

	s0 = pos > f->off_struct ? pos : f->off_struct;
	s1 = pos + n < (uint64_t)f->off_struct + f->size_struct ? pos + n : (uint64_t)f->off_struct + f->size_struct;
	if (s0 < s1)
		tokenize(f, p + (s0 - pos), (size_t)(s1 - s0), s0);
	s0 = pos > f->off_strings ? pos : f->off_strings;
	s1 = pos + n < (uint64_t)f->off_strings + f->size_strings ? pos + n : (uint64_t)f->off_strings + f->size_strings;
	if (s0 < s1) {
		memcpy(f->strings + (s0 - f->off_strings), p + (s0 - pos), (size_t)(s1 - s0));
		if (s1 - f->off_strings > f->strings_len)
			f->strings_len = (uint32_t)(s1 - f->off_strings);
	}
}

/* Bytes after the FDT: each image's external data into its hashes. */
static void external(struct fit_check *f, const uint8_t *p, size_t n)
{
	uint64_t pos = f->pos_bytes;

	for (unsigned i = 0; i < f->n_regions; i++) {
		struct fit_region *r = &f->regions[i];
		uint64_t s0 = pos > r->start_bytes ? pos : r->start_bytes;
		uint64_t s1 = pos + n < r->start_bytes + r->size_bytes ? pos + n : r->start_bytes + r->size_bytes;

		if (s0 < s1) {
			fit_hashes_update(&r->h, r->algos, p + (s0 - pos), (size_t)(s1 - s0));
			r->done_bytes += s1 - s0;
		}
	}
}

void fit_check_feed(struct fit_check *f, const uint8_t *p, size_t n)
{
	while (n && f->state != FIT_ST_FAILED) {
		size_t k;

		if (f->state == FIT_ST_HEADER) {
			k = sizeof(f->hdr) - f->pos_bytes < n ? sizeof(f->hdr) - (size_t)f->pos_bytes : n;
			memcpy(f->hdr + f->pos_bytes, p, k);
			f->pos_bytes += k;
			if (f->pos_bytes == sizeof(f->hdr))
				header(f);
		} else if (f->state == FIT_ST_BODY) {
			k = f->totalsize - f->pos_bytes < n ? (size_t)(f->totalsize - f->pos_bytes) : n;
			body(f, p, k);
			f->pos_bytes += k;
			if (f->state == FIT_ST_BODY && f->pos_bytes == f->totalsize) {
				if (f->tok != TOK_DONE)
					fail(f, f->pos_bytes - 1, "the FIT's structure block (%u bytes) ends without its end "
					     "token", f->size_struct);
				else
					fit_check_resolve(f);
				if (f->state != FIT_ST_FAILED)
					f->state = FIT_ST_DATA;
			}
		} else {
			k = n;
			external(f, p, k);
			f->pos_bytes += k;
		}
		p += k;
		n -= k;
	}
}
