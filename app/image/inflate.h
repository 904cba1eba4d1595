/* app/image/inflate.h — a byte range of a gzip'd payload, inflated from the stream's start (pure) */
#ifndef APP_INFLATE_H
#define APP_INFLATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Inflate the gzip stream at gz (gz_bytes, trailing bytes after the stream
 * are ignored) and copy its inflated bytes [from, from + len) to out. 0;
 * -EBADMSG with why (a corrupt stream, or one that ends before from + len);
 * -ENOMEM. Pure: zlib on buffers.
 */
int inflate_range(const uint8_t *gz, uint64_t gz_bytes, uint64_t from, uint64_t len, uint8_t *out, char *why,
		  size_t why_size);

/*
 * How long the gzip stream at the start of buf is (its compressed bytes, up
 * to and with its trailer), checked by inflating it (CRC and length). 0
 * with *stream_bytes; -EBADMSG (corrupt) or -ENODATA (it runs past len).
 */
int inflate_stream_bytes(const uint8_t *buf, size_t len, uint64_t *stream_bytes);

#endif /* APP_INFLATE_H */
