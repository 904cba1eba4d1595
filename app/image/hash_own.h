/* app/image/hash_own.h — SHA-256 (FIPS 180-4), SHA-1 and MD5 (RFC 1321) in plain C: failsafed's own, for builds without nettle (pure) */
#ifndef APP_HASH_OWN_H
#define APP_HASH_OWN_H

#include <stddef.h>
#include <stdint.h>

/*
 * The static MIPS build hashes with these instead of nettle (app/image/hash.h,
 * FAILSAFED_OWN_HASHES): nettle has no MIPS assembler, so its portable C is all
 * it would bring there, and it makes the binary 8 KB larger than these do
 * (docs/performance.md). Each runs a few rounds a time with the working
 * variables' roles turning (SHA-256 eight, SHA-1 five, MD5 four), not
 * nettle's fully unrolled rounds: about 4.5 KB of MIPS16e code for all three.
 * unittests/test_hash.c checks every function against nettle and the standards'
 * vectors. A digest writes the result and starts the context again (as nettle's).
 */

struct own_sha256 {
	uint32_t h[8];
	uint64_t bytes;           /* hashed so far */
	uint8_t block[64];        /* the part of a block not yet compressed */
};

struct own_sha1 {
	uint32_t h[5];
	uint64_t bytes;
	uint8_t block[64];
};

struct own_md5 {
	uint32_t h[4];
	uint64_t bytes;
	uint8_t block[64];
};

void own_sha256_init(struct own_sha256 *c);
void own_sha256_update(struct own_sha256 *c, const uint8_t *p, size_t n);
void own_sha256_digest(struct own_sha256 *c, uint8_t out[32]);

void own_sha1_init(struct own_sha1 *c);
void own_sha1_update(struct own_sha1 *c, const uint8_t *p, size_t n);
void own_sha1_digest(struct own_sha1 *c, uint8_t out[20]);

void own_md5_init(struct own_md5 *c);
void own_md5_update(struct own_md5 *c, const uint8_t *p, size_t n);
void own_md5_digest(struct own_md5 *c, uint8_t out[16]);

#endif
