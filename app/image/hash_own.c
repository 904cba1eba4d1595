/* app/image/hash_own.c — SHA-256, SHA-1 and MD5 in plain C, for builds without nettle (pure) */
#include "hash_own.h"

#include <stdbool.h>
#include <string.h>

typedef void compress_fn(uint32_t *h, const uint8_t *block);

static uint32_t rol32(uint32_t x, unsigned n) { return x << n | x >> (32 - n); }
static uint32_t ror32(uint32_t x, unsigned n) { return x >> n | x << (32 - n); }

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Whole 64-byte blocks of p go to compress as they come; what is left of a block waits in block. */
static void blocks_update(uint32_t *h, uint64_t *bytes, uint8_t block[64], compress_fn *compress,
			  const uint8_t *p, size_t n)
{
	size_t used = (size_t)(*bytes % 64);

	*bytes += n;
	if (used) {
		size_t room = 64 - used;

		if (n < room) {
			memcpy(block + used, p, n);
			return;
		}
		memcpy(block + used, p, room);
		compress(h, block);
		p += room;
		n -= room;
	}
	for (; n >= 64; p += 64, n -= 64)
		compress(h, p);
	memcpy(block, p, n);
}

/* The padding all three share: 0x80, zeros, the length in bits in the last 8 bytes (big- or little-endian). */
static void blocks_final(uint32_t *h, uint64_t bytes, uint8_t block[64], compress_fn *compress, bool big_endian)
{
	size_t used = (size_t)(bytes % 64);
	uint64_t bits = bytes * 8;

	block[used++] = 0x80;
	if (used > 56) {
		memset(block + used, 0, 64 - used);
		compress(h, block);
		used = 0;
	}
	memset(block + used, 0, 56 - used);
	for (unsigned i = 0; i < 8; i++)
		block[56 + i] = (uint8_t)(bits >> (big_endian ? 56 - 8 * i : 8 * i));
	compress(h, block);
}

static void put_words(uint8_t *out, const uint32_t *h, unsigned words, bool big_endian)
{
	for (unsigned i = 0; i < words; i++)
		for (unsigned j = 0; j < 4; j++)
			out[4 * i + j] = (uint8_t)(h[i] >> (big_endian ? 24 - 8 * j : 8 * j));
}

/* ---- SHA-256 ---- */

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define SHA256_ROUND(a, b, c, d, e, f, g, h, i) do {                                                     \
		uint32_t t1_ = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + (g ^ (e & (f ^ g)))  \
			       + sha256_k[i] + w[i];                                                   \
		d += t1_;                                                                              \
		h = t1_ + (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) | (c & (a | b)));     \
	} while (0)

static void sha256_compress(uint32_t *s, const uint8_t *p)
{
	uint32_t w[64];
	uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
	unsigned i;

	for (i = 0; i < 16; i++)
		w[i] = get_be32(p + 4 * i);
	for (; i < 64; i++)
		w[i] = (ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ w[i - 2] >> 10) + w[i - 7]
		       + (ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ w[i - 15] >> 3) + w[i - 16];
	/* eight rounds a time, the variables' roles turning instead of eight moves a round */
	for (i = 0; i < 64; i += 8) {
		SHA256_ROUND(a, b, c, d, e, f, g, h, i);
		SHA256_ROUND(h, a, b, c, d, e, f, g, i + 1);
		SHA256_ROUND(g, h, a, b, c, d, e, f, i + 2);
		SHA256_ROUND(f, g, h, a, b, c, d, e, i + 3);
		SHA256_ROUND(e, f, g, h, a, b, c, d, i + 4);
		SHA256_ROUND(d, e, f, g, h, a, b, c, i + 5);
		SHA256_ROUND(c, d, e, f, g, h, a, b, i + 6);
		SHA256_ROUND(b, c, d, e, f, g, h, a, i + 7);
	}
	s[0] += a; s[1] += b; s[2] += c; s[3] += d; s[4] += e; s[5] += f; s[6] += g; s[7] += h;
}

void own_sha256_init(struct own_sha256 *c)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(c->h, h0, sizeof(h0));
	c->bytes = 0;
}

void own_sha256_update(struct own_sha256 *c, const uint8_t *p, size_t n)
{
	blocks_update(c->h, &c->bytes, c->block, sha256_compress, p, n);
}

void own_sha256_digest(struct own_sha256 *c, uint8_t out[32])
{
	blocks_final(c->h, c->bytes, c->block, sha256_compress, true);
	put_words(out, c->h, 8, true);
	own_sha256_init(c);
}

/* ---- SHA-1 ---- */

static void sha1_compress(uint32_t *s, const uint8_t *p)
{
	uint32_t w[80];
	uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4];
	unsigned i;

	for (i = 0; i < 16; i++)
		w[i] = get_be32(p + 4 * i);
	for (; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	/* five rounds a time in a loop per group of twenty: the roles turn, no moves, no test of the round */
#define SHA1_ROUND(a, b, c, d, e, f, k, i) do {                                   \
		e += rol32(a, 5) + f(b, c, d) + (k) + w[i];                       \
		b = rol32(b, 30);                                                 \
	} while (0)
#define SHA1_FIVE(f, k) do {                                                      \
		SHA1_ROUND(a, b, c, d, e, f, k, i);                               \
		SHA1_ROUND(e, a, b, c, d, f, k, i + 1);                           \
		SHA1_ROUND(d, e, a, b, c, f, k, i + 2);                           \
		SHA1_ROUND(c, d, e, a, b, f, k, i + 3);                           \
		SHA1_ROUND(b, c, d, e, a, f, k, i + 4);                           \
	} while (0)
#define SHA1_CH(x, y, z)  ((z) ^ ((x) & ((y) ^ (z))))
#define SHA1_PAR(x, y, z) ((x) ^ (y) ^ (z))
#define SHA1_MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))
	for (i = 0; i < 20; i += 5)
		SHA1_FIVE(SHA1_CH, 0x5a827999);
	for (; i < 40; i += 5)
		SHA1_FIVE(SHA1_PAR, 0x6ed9eba1);
	for (; i < 60; i += 5)
		SHA1_FIVE(SHA1_MAJ, 0x8f1bbcdc);
	for (; i < 80; i += 5)
		SHA1_FIVE(SHA1_PAR, 0xca62c1d6);
	s[0] += a; s[1] += b; s[2] += c; s[3] += d; s[4] += e;
}

void own_sha1_init(struct own_sha1 *c)
{
	static const uint32_t h0[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };

	memcpy(c->h, h0, sizeof(h0));
	c->bytes = 0;
}

void own_sha1_update(struct own_sha1 *c, const uint8_t *p, size_t n)
{
	blocks_update(c->h, &c->bytes, c->block, sha1_compress, p, n);
}

void own_sha1_digest(struct own_sha1 *c, uint8_t out[20])
{
	blocks_final(c->h, c->bytes, c->block, sha1_compress, true);
	put_words(out, c->h, 5, true);
	own_sha1_init(c);
}

/* ---- MD5 ---- */

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* each round's left rotation: four per group of sixteen rounds */
static const uint8_t md5_rot[16] = { 7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21 };

static void md5_compress(uint32_t *s, const uint8_t *p)
{
	uint32_t m[16];
	uint32_t a = s[0], b = s[1], c = s[2], d = s[3];
	unsigned i;

	for (i = 0; i < 16; i++)
		m[i] = get_le32(p + 4 * i);
	/* four rounds a time in a loop per group of sixteen: its function, its order of the words (g), its four
	 * rotations; the roles turn, no moves */
#define MD5_ROUND(a, b, c, d, f, g, j) do {                                                       \
		a = b + rol32(a + f(b, c, d) + md5_k[i + (j)] + m[(g) % 16], md5_rot[i / 16 * 4 + (j)]); \
	} while (0)
#define MD5_FOUR(f, g0, step) do {                                                                \
		MD5_ROUND(a, b, c, d, f, (g0), 0);                                                \
		MD5_ROUND(d, a, b, c, f, (g0) + (step), 1);                                       \
		MD5_ROUND(c, d, a, b, f, (g0) + 2 * (step), 2);                                   \
		MD5_ROUND(b, c, d, a, f, (g0) + 3 * (step), 3);                                   \
	} while (0)
#define MD5_F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MD5_G(x, y, z) ((y) ^ ((z) & ((x) ^ (y))))
#define MD5_H(x, y, z) ((x) ^ (y) ^ (z))
#define MD5_I(x, y, z) ((y) ^ ((x) | ~(z)))
	for (i = 0; i < 16; i += 4)
		MD5_FOUR(MD5_F, i, 1);
	for (; i < 32; i += 4)
		MD5_FOUR(MD5_G, 5 * i + 1, 5);
	for (; i < 48; i += 4)
		MD5_FOUR(MD5_H, 3 * i + 5, 3);
	for (; i < 64; i += 4)
		MD5_FOUR(MD5_I, 7 * i, 7);
	s[0] += a; s[1] += b; s[2] += c; s[3] += d;
}

void own_md5_init(struct own_md5 *c)
{
	static const uint32_t h0[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };

	memcpy(c->h, h0, sizeof(h0));
	c->bytes = 0;
}

void own_md5_update(struct own_md5 *c, const uint8_t *p, size_t n)
{
	blocks_update(c->h, &c->bytes, c->block, md5_compress, p, n);
}

void own_md5_digest(struct own_md5 *c, uint8_t out[16])
{
	blocks_final(c->h, c->bytes, c->block, md5_compress, false);
	put_words(out, c->h, 4, false);
	own_md5_init(c);
}
