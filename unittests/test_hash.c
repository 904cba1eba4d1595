/* unittests/test_hash.c — failsafed's own SHA-256, SHA-1 and MD5 (app/image/hash_own.c): the standards' vectors, every length and split against nettle */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "hash.h"
#include "hash_own.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* One message's three digests, in one call of each update. */
static void own_all(const uint8_t *p, size_t n, char md5[33], char sha1[41], char sha256[65])
{
	struct own_md5 m;
	struct own_sha1 s1;
	struct own_sha256 s2;
	uint8_t d[32];

	own_md5_init(&m);
	own_md5_update(&m, p, n);
	own_md5_digest(&m, d);
	hex(d, 16, md5);
	own_sha1_init(&s1);
	own_sha1_update(&s1, p, n);
	own_sha1_digest(&s1, d);
	hex(d, 20, sha1);
	own_sha256_init(&s2);
	own_sha256_update(&s2, p, n);
	own_sha256_digest(&s2, d);
	hex(d, 32, sha256);
}

/* RFC 1321's MD5 suite; FIPS 180-4's examples (abc, the 448-bit message) for SHA-1 and SHA-256; the rest by Python's hashlib. */
static void test_vectors(void **state)
{
	static const struct { const char *msg, *md5, *sha1, *sha256; } t[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72", "a9993e364706816aba3e25717850c26c9cd0d89d",
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0", "c12252ceda8be8994d5fa0290a47231c1d16aae3",
		  "f7846f55cf23e14eebeab5b4e1550cad5b509e3348fbc4efa3a1413d393cb650" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b", "32d10c7b8cf96570ca04ce37f2a19d84240d3a89",
		  "71c480df93d6ae2f1efad1447c66c9525e316218cf51fc8d9ed832f2daf18b73" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "8215ef0796a20bcaaae116d3876c664a",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a", "50abf5706a150990a08b2c5ea40fa0e585554732",
		  "f371bc4a311f2b009eef952dd83ca80e2b60026c8e935592d0f9c308453c813e" },
	};
	char md5[33], sha1[41], sha256[65];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		own_all((const uint8_t *)t[i].msg, strlen(t[i].msg), md5, sha1, sha256);
		assert_string_equal(md5, t[i].md5);
		assert_string_equal(sha1, t[i].sha1);
		assert_string_equal(sha256, t[i].sha256);
	}
}

/* A million 'a's, fed 1,000 at a time (FIPS 180-4's long example; RFC 1321's is not in it: hashlib's). */
static void test_million_a(void **state)
{
	struct own_md5 m;
	struct own_sha1 s1;
	struct own_sha256 s2;
	uint8_t a[1000], d[32];
	char h[65];

	(void)state;
	memset(a, 'a', sizeof(a));
	own_md5_init(&m);
	own_sha1_init(&s1);
	own_sha256_init(&s2);
	for (int i = 0; i < 1000; i++) {
		own_md5_update(&m, a, sizeof(a));
		own_sha1_update(&s1, a, sizeof(a));
		own_sha256_update(&s2, a, sizeof(a));
	}
	own_md5_digest(&m, d);
	hex(d, 16, h);
	assert_string_equal(h, "7707d6ae4e027c70eea2a935c2296f21");
	own_sha1_digest(&s1, d);
	hex(d, 20, h);
	assert_string_equal(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	own_sha256_digest(&s2, d);
	hex(d, 32, h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every length 0..300 (the padding's edges at 55, 56, 63, 64 and again a block on), cut into random pieces, equals
 * nettle's digest of the whole; seeded, so a failure repeats. */
static void test_against_nettle(void **state)
{
	uint8_t msg[301], own[32], ref[32];
	unsigned seed = 1;

	(void)state;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)rand_r(&seed);
	for (size_t n = 0; n <= 300; n++) {
		struct own_md5 m;
		struct own_sha1 s1;
		struct own_sha256 s2;
		struct md5_ctx nm;
		struct sha1_ctx ns1;
		struct sha256_ctx ns2;

		own_md5_init(&m);
		own_sha1_init(&s1);
		own_sha256_init(&s2);
		for (size_t at = 0; at < n;) {
			size_t k = (size_t)rand_r(&seed) % 130;

			if (k > n - at)
				k = n - at;
			own_md5_update(&m, msg + at, k);
			own_sha1_update(&s1, msg + at, k);
			own_sha256_update(&s2, msg + at, k);
			at += k;
		}
		md5_init(&nm);
		md5_update(&nm, n, msg);
		sha1_init(&ns1);
		sha1_update(&ns1, n, msg);
		sha256_init(&ns2);
		sha256_update(&ns2, n, msg);
		own_md5_digest(&m, own);
		md5_digest(&nm, MD5_DIGEST_SIZE, ref);
		assert_memory_equal(own, ref, 16);
		own_sha1_digest(&s1, own);
		sha1_digest(&ns1, SHA1_DIGEST_SIZE, ref);
		assert_memory_equal(own, ref, 20);
		own_sha256_digest(&s2, own);
		sha256_digest(&ns2, SHA256_DIGEST_SIZE, ref);
		assert_memory_equal(own, ref, 32);
	}
}

/* A digest starts the context again (as nettle's does: callers digest a copy to go on), through hash.h's names,
 * which are this build's choice of the two. */
static void test_digest_restarts(void **state)
{
	struct hash_sha256 s;
	struct hash_sha1 s1;
	struct hash_md5 m;
	uint8_t d[32];
	char h[65];

	(void)state;
	hash_sha256_init(&s);
	hash_sha256_update(&s, "abc", 3);
	hash_sha256_digest(&s, d);
	hex(d, 32, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hash_sha256_digest(&s, d);
	hex(d, 32, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hash_sha1_init(&s1);
	hash_sha1_update(&s1, "abc", 3);
	hash_sha1_digest(&s1, d);
	hash_sha1_digest(&s1, d);
	hex(d, 20, h);
	assert_string_equal(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	hash_md5_init(&m);
	hash_md5_update(&m, "abc", 3);
	hash_md5_digest(&m, d);
	hex(d, 16, h);
	assert_string_equal(h, "900150983cd24fb0d6963f7d28e17f72");
	hash_md5_digest(&m, d);
	hex(d, 16, h);
	assert_string_equal(h, "d41d8cd98f00b204e9800998ecf8427e");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_against_nettle),
		cmocka_unit_test(test_digest_restarts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
