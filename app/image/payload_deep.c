/* app/image/payload_deep.c — the deep check of a payload as it streams by: the gzip layer, the choice of walker, the verdict (pure) */
#include "payload_deep.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { K_UNDECIDED = 0, K_NONE, K_TAR, K_FIT, K_UBI };
enum { OUTER_UNDECIDED = 0, OUTER_PLAIN, OUTER_GZIP };

/* ---- the walker of one stream ---- */

static void walker_init(struct payload_walker *w)
{
	w->kind = K_UNDECIDED;
	w->lead_len = 0;
}

static void walk(struct payload_walker *w, const uint8_t *p, size_t n)
{
	switch (w->kind) {
	case K_TAR:
		tar_walk_feed(&w->w.tar, p, n);
		break;
	case K_FIT:
		fit_check_feed(&w->w.fit, p, n);
		break;
	case K_UBI:
		ubi_check_feed(&w->w.ubi, p, n);
		break;
	default:
		break;
	}
}

/* What the first bytes say, in payload_identify's order; K_UNDECIDED while they say nothing yet. */
static uint8_t decide(const uint8_t *p, size_t n)
{
	if (n >= 4) {
		if (!memcmp(p, "UBI#", 4))
			return K_UBI;
		if (!memcmp(p, "\xd0\x0d\xfe\xed", 4))
			return K_FIT;
		if (!memcmp(p, "\x31\x18\x10\x06", 4) || !memcmp(p, "hsqs", 4) || !memcmp(p, "\x27\x05\x19\x56", 4))
			return K_NONE;
	}
	if (n == TAR_BLOCK_BYTES)
		return tar_header_ok(p) ? K_TAR : K_NONE;
	return K_UNDECIDED;
}

static void walker_feed(struct payload_walker *w, const uint8_t *p, size_t n)
{
	if (w->kind == K_UNDECIDED) {
		size_t k = sizeof(w->lead) - w->lead_len < n ? sizeof(w->lead) - w->lead_len : n;

		memcpy(w->lead + w->lead_len, p, k);
		w->lead_len += k;
		p += k;
		n -= k;
		w->kind = decide(w->lead, w->lead_len);
		if (w->kind == K_UNDECIDED)
			return;
		if (w->kind == K_TAR)
			tar_walk_init(&w->w.tar);
		else if (w->kind == K_FIT)
			fit_check_init(&w->w.fit);
		else if (w->kind == K_UBI)
			ubi_check_init(&w->w.ubi);
		walk(w, w->lead, w->lead_len);
	}
	walk(w, p, n);
}

/* ---- the gzip layer: zlib's state in the arena ---- */

static voidpf arena_alloc(voidpf opaque, uInt items, uInt size)
{
	struct payload_gunzip *g = opaque;
	size_t n = ((size_t)items * size + 15) & ~(size_t)15;
	voidpf p;

	if (items && size > SIZE_MAX / items)
		return Z_NULL;
	if (n > sizeof(g->arena) - g->arena_used)
		return Z_NULL;
	p = g->arena + g->arena_used;
	g->arena_used += n;
	return p;
}

static void arena_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	(void)p;   /* the arena goes with the struct */
}

static void gz_start(struct payload_gunzip *g)
{
	g->started = true;
	g->arena_used = 0;
	memset(&g->z, 0, sizeof(g->z));
	g->z.zalloc = arena_alloc;
	g->z.zfree = arena_free;
	g->z.opaque = g;
	if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
		g->failed = true;
		g->no_memory = true;
	}
}

static void remember(struct payload_gunzip *g, const uint8_t *p, size_t n)
{
	if (n >= sizeof(g->last)) {
		memcpy(g->last, p + n - sizeof(g->last), sizeof(g->last));
	} else {
		memmove(g->last, g->last + n, sizeof(g->last) - n);
		memcpy(g->last + sizeof(g->last) - n, p, n);
	}
}

static void gz_feed(struct payload_gunzip *g, struct payload_walker *w, const uint8_t *p, size_t n)
{
	if (!g->started)
		gz_start(g);
	if (g->ended || g->failed) {
		g->in_bytes += n;
		return;
	}
	g->z.next_in = (Bytef *)(uintptr_t)p;
	g->z.avail_in = (uInt)n;
	for (;;) {
		size_t made;
		int rc;

		g->z.next_out = g->out;
		g->z.avail_out = sizeof(g->out);
		rc = inflate(&g->z, Z_NO_FLUSH);
		made = sizeof(g->out) - g->z.avail_out;
		if (made) {
			size_t keep = sizeof(g->head) - g->head_len < made ? sizeof(g->head) - g->head_len : made;

			memcpy(g->head + g->head_len, g->out, keep);
			g->head_len += keep;
			g->out_bytes += made;
			walker_feed(w, g->out, made);
		}
		if (rc == Z_STREAM_END) {
			g->ended = true;
			break;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			g->failed = true;
			g->no_memory = rc == Z_MEM_ERROR;
			snprintf(g->msg, sizeof(g->msg), "%s", g->z.msg ? g->z.msg : "zlib error");
			break;
		}
		if (rc == Z_BUF_ERROR || (!g->z.avail_in && g->z.avail_out))
			break;   /* all input taken and no output pending */
	}
	g->crc32 = (uint32_t)g->z.adler;   /* zlib's CRC-32 of what it inflated (a gzip stream's check) */
	remember(g, p, n - g->z.avail_in);
	if (g->ended || g->failed)
		g->end_in_bytes = g->in_bytes + (n - g->z.avail_in);
	g->in_bytes += n;
}

/* ---- the check ---- */

void payload_deep_init(struct payload_deep *d)
{
	d->fed_bytes = 0;
	d->outer = OUTER_UNDECIDED;
	memset(&d->gz, 0, offsetof(struct payload_gunzip, head));
	d->gz.head_len = 0;
	d->gz.arena_used = 0;
	walker_init(&d->in);
}

static void outer_feed(struct payload_deep *d, const uint8_t *p, size_t n)
{
	if (d->outer == OUTER_GZIP)
		gz_feed(&d->gz, &d->in, p, n);
	else
		walker_feed(&d->in, p, n);
}

void payload_deep_feed(struct payload_deep *d, const uint8_t *p, size_t n)
{
	while (n && d->outer == OUTER_UNDECIDED) {
		size_t have = (size_t)d->fed_bytes;   /* 0 or 1 */

		d->first[have] = *p++;
		n--;
		d->fed_bytes++;
		if (have == 0 && d->first[0] != 0x1f)
			d->outer = OUTER_PLAIN;
		else if (have == 1)
			d->outer = d->first[1] == 0x8b ? OUTER_GZIP : OUTER_PLAIN;
		if (d->outer != OUTER_UNDECIDED)
			outer_feed(d, d->first, have + 1);
	}
	while (n) {
		size_t k = n < (1u << 30) ? n : (1u << 30);   /* zlib counts in uInt */

		d->fed_bytes += k;
		outer_feed(d, p, k);
		p += k;
		n -= k;
	}
}

int payload_deep_join(struct payload_deep *dst, const struct payload_deep *src)
{
	/* Only src's allocator pointer is borrowed for the copy, and put back. */
	struct payload_gunzip *s = (struct payload_gunzip *)(uintptr_t)&src->gz;
	bool live = src->gz.started && !src->gz.ended && !src->gz.failed;
	int rc;

	memcpy(dst, src, offsetof(struct payload_deep, gz));
	memcpy(&dst->gz, &src->gz, offsetof(struct payload_gunzip, arena));
	memcpy(dst->gz.out, src->gz.out, sizeof(dst->gz.out));
	dst->in = src->in;
	dst->gz.arena_used = 0;
	if (!live)
		return 0;
	/* inflateCopy allocates through the source's allocator: point it at dst's arena for the copy. */
	s->z.opaque = &dst->gz;
	rc = inflateCopy(&dst->gz.z, &s->z);
	s->z.opaque = s;
	dst->gz.z.opaque = &dst->gz;
	return rc == Z_OK ? 0 : -ENOMEM;
}

static enum payload_deep_problem problem_of(uint8_t kind)
{
	return kind == K_TAR ? PAYLOAD_DEEP_BAD_TAR : kind == K_FIT ? PAYLOAD_DEEP_BAD_FIT : PAYLOAD_DEEP_BAD_UBI;
}

/* Does what the walker walked agree with the format payload_identify gave the same bytes? */
static bool agrees(uint8_t kind, enum payload_format f)
{
	return (kind == K_TAR && (f == PAYLOAD_TAR || f == PAYLOAD_SYSUPGRADE_TAR)) || (kind == K_FIT && f == PAYLOAD_FIT)
	       || (kind == K_UBI && f == PAYLOAD_UBI);
}

static enum payload_deep_problem walker_finish(const struct payload_walker *w, uint64_t end, struct payload_id *id,
					       char *why, size_t why_size)
{
	int rc;

	/* Undecided at the end: fewer bytes than a tar header and no magic, so nothing to walk. */
	if (w->kind == K_UNDECIDED || w->kind == K_NONE || !agrees(w->kind, id->format))
		return PAYLOAD_DEEP_OK;
	if (w->kind == K_TAR)
		rc = tar_walk_finish(&w->w.tar, end, id, why, why_size);
	else if (w->kind == K_FIT)
		rc = fit_check_finish(&w->w.fit, end, id, why, why_size);
	else
		rc = ubi_check_finish(&w->w.ubi, end, id, why, why_size);
	return rc ? problem_of(w->kind) : PAYLOAD_DEEP_OK;
}

static enum payload_deep_problem gzip_finish(const struct payload_deep *d, uint64_t payload_bytes,
					     struct payload_id *id, char *why, size_t why_size)
{
	const struct payload_gunzip *g = &d->gz;
	/* On a trailer fault zlib has just consumed the field at fault: the last 4 bytes it took. */
	uint32_t stored = (uint32_t)g->last[4] | (uint32_t)g->last[5] << 8 | (uint32_t)g->last[6] << 16 |
			  (uint32_t)g->last[7] << 24;
	uint8_t kind = d->in.kind;

	id->gzip = true;
	if (g->no_memory) {
		snprintf(why, why_size, "the gzip stream could not be inflated: out of memory");
		return PAYLOAD_DEEP_NO_MEMORY;
	}
	if (g->failed && !strcmp(g->msg, "incorrect data check")) {
		snprintf(why, why_size, "gzip CRC-32 mismatch: the trailer says 0x%08x, the %llu inflated bytes have 0x%08x",
			 stored, (unsigned long long)g->out_bytes, g->crc32);
		return PAYLOAD_DEEP_BAD_GZIP;
	}
	if (g->failed && !strcmp(g->msg, "incorrect length check")) {
		snprintf(why, why_size, "gzip length mismatch: the trailer says %u bytes (ISIZE), the stream inflates to "
			 "%llu", stored, (unsigned long long)g->out_bytes);
		return PAYLOAD_DEEP_BAD_GZIP;
	}
	if (g->failed) {
		snprintf(why, why_size, "the gzip stream is damaged or cut short after %llu inflated bytes (%s)",
			 (unsigned long long)g->out_bytes, g->msg);
		return PAYLOAD_DEEP_BAD_GZIP;
	}
	if (!g->ended || g->end_in_bytes > payload_bytes) {
		snprintf(why, why_size, "the gzip stream is cut short: it does not end within the payload's %llu bytes",
			 (unsigned long long)payload_bytes);
		return PAYLOAD_DEEP_BAD_GZIP;
	}
	id->gzip_bytes = g->end_in_bytes;
	id->uncompressed_bytes = g->out_bytes;
	payload_identify_plain(g->head, g->head_len, id);
	id->gzip = true;
	if (kind == K_UNDECIDED || kind == K_NONE || !agrees(kind, id->format)) {
		id->own_bytes = g->out_bytes;
		id->walked = true;
		return PAYLOAD_DEEP_OK;
	}
	return walker_finish(&d->in, g->out_bytes, id, why, why_size);
}

enum payload_deep_problem payload_deep_finish(const struct payload_deep *d, uint64_t payload_bytes,
					      struct payload_id *id, char *why, size_t why_size)
{
	why[0] = '\0';
	if (d->fed_bytes < payload_bytes || !payload_bytes)
		return PAYLOAD_DEEP_OK;
	if (d->outer == OUTER_GZIP)
		return gzip_finish(d, payload_bytes, id, why, why_size);
	id->uncompressed_bytes = payload_bytes;
	return walker_finish(&d->in, payload_bytes, id, why, why_size);
}
