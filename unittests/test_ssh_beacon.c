/* unittests/test_ssh_beacon.c — SSH host key fingerprints in the beacon: round trip, limits, still one datagram */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "beacon.h"
#include "ssh_policy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FP_ED "SHA256:TZtMDjRH3D3qzgxAUCiZkl6tGtxeRzs+lKbNTsKzdRc"
#define FP_RSA "SHA256:c3AUxapA8lz6zxdrPfXkOXPOIZy9RAoI8rvGf1b+TkI"

static void failsafe_beacon(struct beacon *b)
{
	assert_int_equal(beacon_init(b, BEACON_TEXT_FAILSAFE), 0);
	strcpy(b->board, "sim");
	b->state = BEACON_STATE_FAILSAFE;
	b->seq = 7;
	strcpy(b->version, "0.2.0");
	strcpy(b->via, "cmdline");
	b->present = BEACON_HAS_BOARD | BEACON_HAS_STATE | BEACON_HAS_SEQ | BEACON_HAS_VERSION | BEACON_HAS_VIA;
}

/* The fields line of a datagram: after the text's NUL. */
static const char *fields(const uint8_t *wire)
{
	return (const char *)wire + 2 + strlen((const char *)wire + 2) + 1;
}

static void round_trip(void **state)
{
	static const unsigned masks[] = { 0, BEACON_HAS_SSH_ED25519, BEACON_HAS_SSH_RSA,
					  BEACON_HAS_SSH_ED25519 | BEACON_HAS_SSH_RSA };
	static const char *const lines[] = {
		"board=sim state=failsafe seq=7 version=0.2.0 via=cmdline",
		"board=sim state=failsafe seq=7 version=0.2.0 via=cmdline ssh_ed25519=" FP_ED,
		"board=sim state=failsafe seq=7 version=0.2.0 via=cmdline ssh_rsa=" FP_RSA,
		"board=sim state=failsafe seq=7 version=0.2.0 via=cmdline ssh_ed25519=" FP_ED " ssh_rsa=" FP_RSA,
	};
	uint8_t wire[BEACON_LEN_BYTES];
	struct beacon in, out;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(masks); i++) {
		failsafe_beacon(&in);
		strcpy(in.ssh_ed25519, FP_ED);
		strcpy(in.ssh_rsa, FP_RSA);
		in.present |= masks[i];
		assert_int_equal(beacon_encode(&in, wire), 0);
		/* old listeners read the text up to its NUL: unchanged */
		assert_string_equal((const char *)wire + 2, BEACON_TEXT_FAILSAFE);
		assert_string_equal(fields(wire), lines[i]);
		assert_int_equal(beacon_decode(wire, sizeof(wire), &out), 0);
		assert_int_equal(out.present, in.present);
		assert_string_equal(out.ssh_ed25519, masks[i] & BEACON_HAS_SSH_ED25519 ? FP_ED : "");
		assert_string_equal(out.ssh_rsa, masks[i] & BEACON_HAS_SSH_RSA ? FP_RSA : "");
	}
}

/* What ssh_fingerprint_parse accepts, the beacon carries: the same limits. */
static void parsed_fingerprints_fit(void **state)
{
	static const char *const outputs[] = {
		"Fingerprint: " FP_ED "\n",
		"Fingerprint: md5 0b:6f:aa:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d\n",
		"Fingerprint: SHA256:12345678901234567890123456789012345678901234567890123456\n",
		"Fingerprint: SHA256:+/+/AAAA==\n",
	};
	uint8_t wire[BEACON_LEN_BYTES];
	struct beacon in, out;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(outputs); i++) {
		failsafe_beacon(&in);
		assert_int_equal(ssh_fingerprint_parse(outputs[i], strlen(outputs[i]), in.ssh_ed25519,
						       sizeof(in.ssh_ed25519)), 0);
		assert_int_equal(ssh_fingerprint_parse(outputs[i], strlen(outputs[i]), in.ssh_rsa, sizeof(in.ssh_rsa)), 0);
		in.present |= BEACON_HAS_SSH_ED25519 | BEACON_HAS_SSH_RSA;
		assert_int_equal(beacon_encode(&in, wire), 0);
		assert_int_equal(beacon_decode(wire, sizeof(wire), &out), 0);
		assert_string_equal(out.ssh_ed25519, in.ssh_ed25519);
		assert_string_equal(out.ssh_rsa, in.ssh_rsa);
	}
}

/* Every field at its longest, both fingerprints, the daemon's longest text: still one 1001-byte datagram. */
static void longest_fits(void **state)
{
	uint8_t wire[BEACON_LEN_BYTES];
	struct beacon in, out;
	size_t used;

	(void)state;
	assert_int_equal(beacon_init(&in, BEACON_TEXT_WINDOW), 0);
	in.present = BEACON_HAS_ALL;
	memset(in.board, 'b', BEACON_VALUE_MAX_BYTES);
	memset(in.version, 'v', BEACON_VALUE_MAX_BYTES);
	memset(in.via, 'w', BEACON_VALUE_MAX_BYTES);
	memset(in.ssh_ed25519, 'e', BEACON_VALUE_MAX_BYTES);
	memset(in.ssh_rsa, 'r', BEACON_VALUE_MAX_BYTES);
	in.remaining_ms = in.seq = 4294967295u;
	memset(in.mac, 0xff, sizeof(in.mac));
	assert_int_equal(beacon_encode(&in, wire), 0);
	used = 2 + strlen((const char *)wire + 2) + 1 + strlen(fields(wire)) + 1;
	assert_true(used <= BEACON_LEN_BYTES / 2); /* room to spare for fields to come */
	assert_int_equal(beacon_decode(wire, sizeof(wire), &out), 0);
	assert_int_equal(out.present, BEACON_HAS_ALL);
	assert_memory_equal(out.ssh_rsa, in.ssh_rsa, sizeof(in.ssh_rsa));
}

static void bad_values(void **state)
{
	static const struct {
		const char *line;
		int rc;
	} decode[] = {
		{ "ssh_ed25519=" FP_ED, 0 },
		{ "ssh_rsa=" FP_RSA " ssh_rsa=" FP_RSA, -EBADMSG },   /* duplicate */
		{ "ssh_rsa=SHA256:1234567890123456789012345678901234567890123456789012345678", -EBADMSG }, /* 64 */
		{ "ssh_rsa=", -EBADMSG },
		{ "ssh_rsa=SHA256:a=", -EBADMSG },
		{ "ssh_ecdsa=SHA256:abc", 0 },                          /* a key type to come: ignored */
	};
	uint8_t wire[BEACON_LEN_BYTES];
	struct beacon b;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(decode); i++) {
		memset(wire, 0, sizeof(wire));
		wire[0] = BEACON_MAGIC_0;
		wire[1] = BEACON_MAGIC_1;
		memcpy(wire + 3, decode[i].line, strlen(decode[i].line));
		assert_int_equal(beacon_decode(wire, sizeof(wire), &b), decode[i].rc);
	}
	failsafe_beacon(&b);
	b.present |= BEACON_HAS_SSH_RSA;
	strcpy(b.ssh_rsa, "SHA256:a=b");
	assert_int_equal(beacon_encode(&b, wire), -EINVAL);
	strcpy(b.ssh_rsa, "");
	assert_int_equal(beacon_encode(&b, wire), -EINVAL);
	memset(b.ssh_rsa, 'r', sizeof(b.ssh_rsa));
	assert_int_equal(beacon_encode(&b, wire), -EMSGSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(parsed_fingerprints_fit),
		cmocka_unit_test(longest_fits),
		cmocka_unit_test(bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
