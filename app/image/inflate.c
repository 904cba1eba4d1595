/* app/image/inflate.c — a byte range of a gzip'd payload, inflated from the stream's start (pure) */
#include "inflate.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

int inflate_range(const uint8_t *gz, uint64_t gz_bytes, uint64_t from, uint64_t len, uint8_t *out, char *why,
		  size_t why_size)
{
	uint8_t skip[65536];
	uint64_t pos = 0, done = 0;
	z_stream z;
	int rc = Z_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		snprintf(why, why_size, "inflate: out of memory");
		return -ENOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)gz;
	while (done < len && rc != Z_STREAM_END) {
		uint64_t in_left = gz_bytes - (uint64_t)(z.next_in - gz);
		/* Before the range, into the scratch buffer; inside it, straight into out. */
		bool before = pos < from;
		uint64_t want = before ? from - pos : len - done;
		uint8_t *dst = before ? skip : out + done;
		uInt room = (uInt)(want < (before ? sizeof(skip) : 0x40000000u) ? want :
				   (before ? sizeof(skip) : 0x40000000u));

		if (!z.avail_in)
			z.avail_in = (uInt)(in_left < 0x40000000u ? in_left : 0x40000000u);
		z.next_out = dst;
		z.avail_out = room;
		rc = inflate(&z, Z_NO_FLUSH);
		pos += room - z.avail_out;
		if (!before)
			done += room - z.avail_out;
		if (rc != Z_OK && rc != Z_STREAM_END) {
			snprintf(why, why_size, "the gzip stream is corrupt at inflated byte %llu (%s)",
				 (unsigned long long)pos, z.msg ? z.msg : "zlib error");
			inflateEnd(&z);
			return -EBADMSG;
		}
		if (rc == Z_OK && z.avail_out == room && !z.avail_in && (uint64_t)(z.next_in - gz) >= gz_bytes)
			break;   /* no progress and no input left: the stream is cut short */
	}
	inflateEnd(&z);
	if (done < len) {
		snprintf(why, why_size, "the gzip stream ends at inflated byte %llu, before %llu",
			 (unsigned long long)pos, (unsigned long long)(from + len));
		return -EBADMSG;
	}
	return 0;
}

int inflate_stream_bytes(const uint8_t *buf, size_t len, uint64_t *stream_bytes)
{
	uint8_t sink[65536];
	z_stream z;
	int rc = Z_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)buf;
	z.avail_in = (uInt)(len < 0x40000000u ? len : 0x40000000u);
	while (rc == Z_OK) {
		z.next_out = sink;
		z.avail_out = sizeof(sink);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_OK && !z.avail_in && z.avail_out)
			break;   /* all input taken, no end in sight */
	}
	*stream_bytes = z.total_in;
	inflateEnd(&z);
	if (rc == Z_STREAM_END)
		return 0;
	return rc == Z_OK || rc == Z_BUF_ERROR ? -ENODATA : -EBADMSG;
}
