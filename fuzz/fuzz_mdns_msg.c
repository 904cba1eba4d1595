/* fuzz/fuzz_mdns_msg.c — libFuzzer target for the mDNS responder: exactly what net/mdns.c calls, mdns_handle() */
/*
 * Input: 2 bytes of source port (big endian; 5353 is a multicast querier, anything else a one-shot resolver),
 * 1 byte of milliseconds that pass, then the datagram. Checked: a reply fits the buffer, is a response
 * (QR, AA), and only ever goes somewhere when it has answers; a malformed datagram says why.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mdns_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mdns m;
	static uint64_t now_ms = 1;
	uint8_t out[MDNS_REPLY_BYTES];
	struct in_addr v4 = { .s_addr = htonl(0xc0a80101) };
	struct in6_addr v6 = { .s6_addr = { 0xfe, 0x80, [15] = 1 } };
	struct mdns_result r;
	uint16_t port;

	if (size < 3)
		return 0;
	if (now_ms == 1) {
		mdns_init(&m, "sim-dsa", v4);
		mdns_set_v6(&m, &v6);
	}
	port = (uint16_t)(data[0] << 8 | data[1]);
	now_ms += data[2] * 10u;
	memset(out, 0xa5, sizeof(out));
	mdns_handle(&m, data + 3, size - 3, port, now_ms, out, sizeof(out), &r);
	if (r.to >= MDNS_TO_COUNT || !memchr(r.why, 0, sizeof(r.why)))
		abort();
	if (r.malformed && (r.to != MDNS_TO_NONE || !r.why[0]))
		abort();
	if (r.to != MDNS_TO_NONE) {
		if (r.len < 12 || r.len > (int)sizeof(out))
			abort();
		if ((out[2] & 0x84) != 0x84 || (out[6] << 8 | out[7]) == 0)
			abort();
		if (port == MDNS_PORT && (out[0] || out[1]))
			abort();   /* a multicast querier's answer carries ID 0 */
	}
	return 0;
}
