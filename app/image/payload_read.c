/* app/image/payload_read.c — the writer's side of a payload in RAM: a range or a sysupgrade tar member streamed out, inflated if need be, checked against the deep check (pure) */
#include "payload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

__attribute__((format(printf, 3, 4)))
static int refuse(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

struct range {
	uint64_t at, end;               /* the range in the uncompressed stream */
	uint64_t pos;                   /* uncompressed bytes passed */
	uint32_t crc32;                 /* of what was handed out */
	payload_sink sink;
	void *ctx;
};

/* Hand the part of [pos, pos + n) inside the range to the sink, in chunks. */
static int hand_out(struct range *r, const uint8_t *p, size_t n)
{
	uint64_t s0 = r->pos > r->at ? r->pos : r->at, s1 = r->pos + n < r->end ? r->pos + n : r->end;
	int rc = 0;

	for (uint64_t o = s0; o < s1 && !rc;) {
		size_t k = s1 - o < PAYLOAD_READ_CHUNK_BYTES ? (size_t)(s1 - o) : PAYLOAD_READ_CHUNK_BYTES;

		r->crc32 = (uint32_t)crc32_z(r->crc32, p + (o - r->pos), k);
		rc = r->sink(r->ctx, p + (o - r->pos), k);
		o += k;
	}
	r->pos += n;
	return rc < 0 ? rc : 0;
}

static int inflate_range(const uint8_t *payload, uint64_t payload_bytes, struct range *r, char *why, size_t why_size)
{
	z_stream z = { 0 };
	uint8_t *out = malloc(PAYLOAD_READ_CHUNK_BYTES);
	uint64_t in_off = 0;
	int rc = Z_OK, ret = 0;

	if (!out || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(out);
		snprintf(why, why_size, "cannot inflate the payload: out of memory");
		return -ENOMEM;
	}
	while (r->pos < r->end && rc != Z_STREAM_END) {
		if (!z.avail_in && in_off < payload_bytes) {
			uint64_t k = payload_bytes - in_off < (1u << 30) ? payload_bytes - in_off : (1u << 30);

			z.next_in = (Bytef *)(uintptr_t)(payload + in_off);
			z.avail_in = (uInt)k;
			in_off += k;
		}
		z.next_out = out;
		z.avail_out = PAYLOAD_READ_CHUNK_BYTES;
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END) {
			ret = refuse(why, why_size, "the gzip stream no longer inflates (%s) after %llu bytes of output: "
				     "not the image that was checked", z.msg ? z.msg : "it ends early",
				     (unsigned long long)z.total_out);
			break;
		}
		if ((ret = hand_out(r, out, PAYLOAD_READ_CHUNK_BYTES - z.avail_out)))
			break;
	}
	if (!ret && r->pos < r->end)
		ret = refuse(why, why_size, "the gzip stream ends after %llu bytes, before the end of the range at %llu: "
			     "not the image that was checked", (unsigned long long)r->pos, (unsigned long long)r->end);
	inflateEnd(&z);
	free(out);
	return ret;
}

static int read_range(const uint8_t *payload, uint64_t payload_bytes, const struct payload_id *p, struct range *r,
		      char *why, size_t why_size)
{
	uint64_t have = p->gzip ? p->uncompressed_bytes : payload_bytes;

	why[0] = '\0';
	if (r->end < r->at || r->end > have || (p->gzip && !p->walked)) {
		snprintf(why, why_size, "bytes %llu to %llu are not in the %s payload the check saw", (unsigned long long)r->at,
			 (unsigned long long)r->end, p->gzip ? "inflated" : "");
		return -EINVAL;
	}
	if (!p->gzip) {
		r->pos = 0;
		return hand_out(r, payload, (size_t)r->end);
	}
	return inflate_range(payload, payload_bytes, r, why, why_size);
}

int payload_read(const uint8_t *payload, uint64_t payload_bytes, const struct payload_id *p, uint64_t offset_bytes,
		 uint64_t size_bytes, payload_sink sink, void *ctx, char *why, size_t why_size)
{
	struct range r = { .at = offset_bytes, .end = offset_bytes + size_bytes, .sink = sink, .ctx = ctx };

	if (offset_bytes + size_bytes < offset_bytes)
		return -EINVAL;
	return read_range(payload, payload_bytes, p, &r, why, why_size);
}

int payload_member_read(const uint8_t *payload, uint64_t payload_bytes, const struct payload_id *p,
			enum payload_member_id m, int (*sink)(void *ctx, const void *buf, size_t len), void *ctx,
			char *why, size_t why_size)
{
	const struct payload_member *mb;
	struct range r = { .sink = sink, .ctx = ctx };
	int rc;

	why[0] = '\0';
	if ((unsigned)m >= PAYLOAD_MEMBER_COUNT || p->format != PAYLOAD_SYSUPGRADE_TAR || !p->walked ||
	    !p->member[m].present) {
		snprintf(why, why_size, "%s is not a member of this image", payload_member_name(m));
		return -EINVAL;
	}
	mb = &p->member[m];
	r.at = mb->offset_bytes;
	r.end = mb->offset_bytes + mb->size_bytes;
	if ((rc = read_range(payload, payload_bytes, p, &r, why, why_size)))
		return rc;
	if (r.crc32 != mb->crc32)
		return refuse(why, why_size, "%s/%s: CRC-32 0x%08x of the bytes handed out, 0x%08x when it was checked: not "
			      "the image that was checked", p->dir, payload_member_name(m), r.crc32, mb->crc32);
	return 0;
}
