/* fuzz_beacon.c - libFuzzer target for the UDP 4919 beacon codec */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strnlen() */
#endif
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "beacon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_terminated(const char *s, size_t size)
{
	if (strnlen(s, size) >= size)
		abort();
}

static void check_valid(const struct beacon *b)
{
	check_terminated(b->text, sizeof(b->text));
	check_terminated(b->board, sizeof(b->board));
	check_terminated(b->version, sizeof(b->version));
	check_terminated(b->via, sizeof(b->via));
	check_terminated(b->ssh_ed25519, sizeof(b->ssh_ed25519));
	check_terminated(b->ssh_rsa, sizeof(b->ssh_rsa));
	if (b->present & ~BEACON_HAS_ALL)
		abort();
	if ((b->present & BEACON_HAS_STATE) && !beacon_state_name(b->state))
		abort();
}

static void check_equal(const struct beacon *a, const struct beacon *b)
{
	if (strcmp(a->text, b->text) || a->present != b->present)
		abort();
	if ((a->present & BEACON_HAS_BOARD) && strcmp(a->board, b->board))
		abort();
	if ((a->present & BEACON_HAS_STATE) && a->state != b->state)
		abort();
	if ((a->present & BEACON_HAS_REMAINING_MS) &&
	    a->remaining_ms != b->remaining_ms)
		abort();
	if ((a->present & BEACON_HAS_SEQ) && a->seq != b->seq)
		abort();
	if ((a->present & BEACON_HAS_MAC) &&
	    memcmp(a->mac, b->mac, BEACON_MAC_BYTES))
		abort();
	if ((a->present & BEACON_HAS_VERSION) && strcmp(a->version, b->version))
		abort();
	if ((a->present & BEACON_HAS_VIA) && strcmp(a->via, b->via))
		abort();
	if ((a->present & BEACON_HAS_SSH_ED25519) && strcmp(a->ssh_ed25519, b->ssh_ed25519))
		abort();
	if ((a->present & BEACON_HAS_SSH_RSA) && strcmp(a->ssh_rsa, b->ssh_rsa))
		abort();
}

/* encode must either fail cleanly or produce a datagram that decodes back */
static void check_encode(const struct beacon *in)
{
	uint8_t out[BEACON_LEN_BYTES];
	struct beacon back;
	int ret;

	ret = beacon_encode(in, out);
	if (ret == -EINVAL || ret == -EMSGSIZE)
		return;
	if (ret != 0)
		abort();
	if (out[0] != BEACON_MAGIC_0 || out[1] != BEACON_MAGIC_1 ||
	    out[BEACON_LEN_BYTES - 1] != 0)
		abort();
	if (beacon_decode(out, sizeof(out), &back) != 0)
		abort();
	check_valid(&back);
	check_equal(in, &back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct beacon b;
	int ret;

	/* 1) arbitrary datagram */
	ret = beacon_decode(data, size, &b);
	if (ret == 0) {
		check_valid(&b);
		/* a decoded beacon always re-encodes (and round-trips) */
		if (beacon_encode(&b, (uint8_t[BEACON_LEN_BYTES]){ 0 }) != 0)
			abort();
		check_encode(&b);
	} else if (ret != -ENOMSG && ret != -EBADMSG && ret != -EMSGSIZE) {
		abort();
	} else if (b.present || b.text[0]) {
		abort();	/* errors leave the struct zeroed */
	}

	/* 2) arbitrary struct contents */
	memset(&b, 0, sizeof(b));
	memcpy(&b, data, size < sizeof(b) ? size : sizeof(b));
	check_encode(&b);
	return 0;
}
