/* app/image/hash.h — SHA-256, SHA-1 and MD5 under one name: nettle's, or hash_own.c's where FAILSAFED_OWN_HASHES (pure) */
#ifndef APP_HASH_H
#define APP_HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * Every hash of failsafed goes through these (the image's SHA-256, the
 * read-back's, a FIT's sub-image hashes). They are nettle's, which uses the
 * CPU's SHA instructions where it has them (this host: sha_ni), except in the
 * static MIPS build, where CMake sets FAILSAFED_OWN_HASHES: nettle has no MIPS
 * code there, and hash_own.c's C makes the binary 8 KB smaller (docs/performance.md).
 * A digest writes the result and starts the context again: digest a copy to
 * go on hashing.
 */
enum { HASH_MD5_BYTES = 16, HASH_SHA1_BYTES = 20, HASH_SHA256_BYTES = 32 };

#if FAILSAFED_OWN_HASHES
#include "hash_own.h"
#else
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#endif

#if FAILSAFED_OWN_HASHES
struct hash_sha256 { struct own_sha256 c; };
struct hash_sha1 { struct own_sha1 c; };
struct hash_md5 { struct own_md5 c; };

static inline void hash_sha256_init(struct hash_sha256 *h) { own_sha256_init(&h->c); }
static inline void hash_sha256_update(struct hash_sha256 *h, const void *p, size_t n) { own_sha256_update(&h->c, p, n); }
static inline void hash_sha256_digest(struct hash_sha256 *h, uint8_t out[HASH_SHA256_BYTES]) { own_sha256_digest(&h->c, out); }
static inline void hash_sha1_init(struct hash_sha1 *h) { own_sha1_init(&h->c); }
static inline void hash_sha1_update(struct hash_sha1 *h, const void *p, size_t n) { own_sha1_update(&h->c, p, n); }
static inline void hash_sha1_digest(struct hash_sha1 *h, uint8_t out[HASH_SHA1_BYTES]) { own_sha1_digest(&h->c, out); }
static inline void hash_md5_init(struct hash_md5 *h) { own_md5_init(&h->c); }
static inline void hash_md5_update(struct hash_md5 *h, const void *p, size_t n) { own_md5_update(&h->c, p, n); }
static inline void hash_md5_digest(struct hash_md5 *h, uint8_t out[HASH_MD5_BYTES]) { own_md5_digest(&h->c, out); }
#else
struct hash_sha256 { struct sha256_ctx c; };
struct hash_sha1 { struct sha1_ctx c; };
struct hash_md5 { struct md5_ctx c; };

static inline void hash_sha256_init(struct hash_sha256 *h) { sha256_init(&h->c); }
static inline void hash_sha256_update(struct hash_sha256 *h, const void *p, size_t n) { sha256_update(&h->c, n, p); }
static inline void hash_sha256_digest(struct hash_sha256 *h, uint8_t out[HASH_SHA256_BYTES]) { sha256_digest(&h->c, HASH_SHA256_BYTES, out); }
static inline void hash_sha1_init(struct hash_sha1 *h) { sha1_init(&h->c); }
static inline void hash_sha1_update(struct hash_sha1 *h, const void *p, size_t n) { sha1_update(&h->c, n, p); }
static inline void hash_sha1_digest(struct hash_sha1 *h, uint8_t out[HASH_SHA1_BYTES]) { sha1_digest(&h->c, HASH_SHA1_BYTES, out); }
static inline void hash_md5_init(struct hash_md5 *h) { md5_init(&h->c); }
static inline void hash_md5_update(struct hash_md5 *h, const void *p, size_t n) { md5_update(&h->c, n, p); }
static inline void hash_md5_digest(struct hash_md5 *h, uint8_t out[HASH_MD5_BYTES]) { md5_digest(&h->c, HASH_MD5_BYTES, out); }
#endif

#endif
