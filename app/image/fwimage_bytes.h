/* app/image/fwimage_bytes.h — byte order and CRC helpers shared by the fwimage reader and writer (internal) */
#ifndef APP_FWIMAGE_BYTES_H
#define APP_FWIMAGE_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

static inline uint32_t fwimage_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void fwimage_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* zlib's crc32 chains like fwtool's register, inverted: fwtool = zlib ^ ~0. */
static inline uint32_t fwimage_crc_update(uint32_t zcrc, const uint8_t *p, size_t n)
{
	return n ? (uint32_t)crc32_z(zcrc, p, n) : zcrc;
}

#endif /* APP_FWIMAGE_BYTES_H */
