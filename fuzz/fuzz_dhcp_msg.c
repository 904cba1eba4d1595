/* fuzz/fuzz_dhcp_msg.c — libFuzzer target for the DHCP server: the codec and the decisions, fed as the sockets feed them */
/*
 * Input: records of [flags][len_hi][len_lo][len bytes]; flags bit 0: the
 * client port (68) instead of the server port (67); flags >> 1: seconds
 * that pass before it. Each record goes through exactly what dhcpd.c calls
 * (dhcp_serve_request / dhcp_serve_client_port) on one server with a pool
 * of 4, so the lease table's states are reached too. Checked after each:
 * a reply is at most 548 bytes, parses back as OFFER/ACK/NAK from the
 * board to the same xid, an OFFER or a lease names a pool address, and no
 * client holds two slots.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_table(const struct dhcp_serve *s, uint64_t now_ms)
{
	for (unsigned i = 0; i < s->pool.size; i++) {
		enum dhcp_lease_state a = dhcp_lease_state_at(&s->pool.l[i], now_ms);

		if (a != DHCP_LEASE_OFFERED && a != DHCP_LEASE_BOUND)
			continue;
		for (unsigned j = i + 1; j < s->pool.size; j++) {
			enum dhcp_lease_state b = dhcp_lease_state_at(&s->pool.l[j], now_ms);

			if ((b == DHCP_LEASE_OFFERED || b == DHCP_LEASE_BOUND) &&
			    dhcp_client_id_equal(&s->pool.l[i].id, &s->pool.l[j].id))
				abort();
		}
	}
}

static void check_reply(const struct dhcp_serve *s, const uint8_t *req, size_t req_len, const uint8_t *out,
			const struct dhcp_serve_result *r)
{
	struct dhcp_msg m, q;

	if (r->dst == DHCP_DST_NONE)
		return;
	if (r->reply_len <= 0 || r->reply_len > DHCP_REPLY_MAX_BYTES || r->dst >= DHCP_DST_COUNT)
		abort();
	if (dhcp_msg_parse(out, (size_t)r->reply_len, &m, NULL, 0) != 0 || m.op != DHCP_BOOTREPLY)
		abort();
	if (m.type != DHCP_OFFER && m.type != DHCP_ACK && m.type != DHCP_NAK)
		abort();
	if (!m.has_server_id || m.server_id.s_addr != s->cfg.server.s_addr)
		abort();
	if (dhcp_msg_parse(req, req_len, &q, NULL, 0) != 0 || q.xid != m.xid)
		abort();
	if (m.type == DHCP_OFFER && dhcp_pool_index(&s->pool, m.yiaddr) < 0)
		abort();
	if (m.type == DHCP_ACK && m.yiaddr.s_addr && dhcp_pool_index(&s->pool, m.yiaddr) < 0)
		abort();
	if (m.type == DHCP_NAK && (m.yiaddr.s_addr || r->dst != DHCP_DST_BROADCAST))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_serve s;
	static uint8_t out[DHCP_REPLY_MAX_BYTES];
	struct in_addr server = { .s_addr = htonl(0xc0a80101) }, first = { .s_addr = htonl(0xc0a80164) };
	uint64_t now_ms = 1000;

	dhcp_serve_init(&s, &(struct dhcp_serve_config){ .server = server, .prefix_len = 24, .pool_first = first,
							  .pool_size = 4, .lease_s = 60 });
	while (size >= 3) {
		uint8_t flags = data[0];
		size_t len = (size_t)data[1] << 8 | data[2];
		struct dhcp_serve_result r;
		struct in_addr src = { .s_addr = htonl(0xc0a80100u | (flags & 0xfe)) };

		data += 3, size -= 3;
		if (len > size)
			len = size;
		now_ms += (uint64_t)(flags >> 1) * 1000u;
		if (flags & 1) {
			dhcp_serve_client_port(&s, data, len, src, now_ms, &r);
			if (r.dst != DHCP_DST_NONE)
				abort();
		} else {
			memset(out, 0, sizeof(out));
			dhcp_serve_request(&s, data, len, src, now_ms, out, sizeof(out), &r);
			check_reply(&s, data, len, out, &r);
		}
		if (memchr(r.line, 0, sizeof(r.line)) == NULL)
			abort();
		check_table(&s, now_ms);
		data += len, size -= len;
	}
	return 0;
}
