/* test_rtnl_msg.c - cmocka tests for the rtnetlink builders and parser */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strnlen, IFF_* */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if.h>	/* after net/if.h: IFF_LOWER_UP, IF_OPER_* */
#include <net/if_arp.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>

#include "rtnl_msg.h"

#define BUF_WORDS	2048	/* 8 KiB, 4-byte aligned */
#define MY_PORTID	1234u

static uint32_t g_buf[BUF_WORDS];

/* ---- attribute table helpers ---- */

#define TB_MAX	64

struct tb {
	const struct nlattr *a[TB_MAX];
	int count;
};

static int tb_cb(const struct nlattr *attr, void *data)
{
	struct tb *tb = data;
	int type = mnl_attr_get_type(attr);

	assert_true(type < TB_MAX);
	assert_null(tb->a[type]);	/* no duplicates */
	tb->a[type] = attr;
	tb->count++;
	return MNL_CB_OK;
}

static void tb_parse(const struct nlmsghdr *nlh, size_t hdr, struct tb *tb)
{
	memset(tb, 0, sizeof(*tb));
	assert_int_equal(mnl_attr_parse(nlh, (unsigned int)hdr, tb_cb, tb),
			 MNL_CB_OK);
}

static void tb_parse_nested(const struct nlattr *nest, struct tb *tb)
{
	memset(tb, 0, sizeof(*tb));
	assert_int_equal(mnl_attr_parse_nested(nest, tb_cb, tb), MNL_CB_OK);
}

/* ---- builders ---- */

static int b_getlink(void *buf, size_t size, uint32_t seq)
{
	return rtnl_msg_build_getlink(buf, size, seq, "eth0");
}

static int b_setlink_up(void *buf, size_t size, uint32_t seq)
{
	return rtnl_msg_build_setlink_up(buf, size, seq, 7, true);
}

static int b_setlink_down(void *buf, size_t size, uint32_t seq)
{
	return rtnl_msg_build_setlink_up(buf, size, seq, 7, false);
}

static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static int b_newaddr(void *buf, size_t size, uint32_t seq)
{
	return rtnl_msg_build_newaddr4(buf, size, seq, 3,
				       ip4("192.168.1.1"), 24);
}

static int b_deladdr(void *buf, size_t size, uint32_t seq)
{
	return rtnl_msg_build_deladdr4(buf, size, seq, 3,
				       ip4("192.168.1.1"), 24);
}

static int b_newaddr32(void *buf, size_t size, uint32_t seq)
{
	return rtnl_msg_build_newaddr4(buf, size, seq, 3, ip4("10.0.0.5"), 32);
}

static int b_newvlan(void *buf, size_t size, uint32_t seq)
{
	return rtnl_msg_build_newvlan(buf, size, seq, "eth0.1", 2, 1);
}

static int b_newbridge(void *buf, size_t size, uint32_t seq)
{
	return rtnl_msg_build_newbridge(buf, size, seq, "br-lan");
}

static int b_setmaster(void *buf, size_t size, uint32_t seq)
{
	return rtnl_msg_build_setmaster(buf, size, seq, 4, 7);
}

static int b_nomaster(void *buf, size_t size, uint32_t seq)
{
	return rtnl_msg_build_setmaster(buf, size, seq, 4, 0);
}

static int b_dellink(void *buf, size_t size, uint32_t seq)
{
	return rtnl_msg_build_dellink(buf, size, seq, 9);
}

static void c_getlink(const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct tb tb;

	assert_int_equal(ifi->ifi_family, AF_UNSPEC);
	assert_int_equal(ifi->ifi_index, 0);
	tb_parse(nlh, sizeof(*ifi), &tb);
	assert_non_null(tb.a[IFLA_IFNAME]);
	assert_int_equal(mnl_attr_validate(tb.a[IFLA_IFNAME],
					   MNL_TYPE_NUL_STRING), 0);
	assert_string_equal(mnl_attr_get_str(tb.a[IFLA_IFNAME]), "eth0");
	assert_non_null(tb.a[IFLA_EXT_MASK]);
	assert_int_equal(mnl_attr_get_u32(tb.a[IFLA_EXT_MASK]),
			 RTEXT_FILTER_SKIP_STATS);
	assert_int_equal(tb.count, 2);
}

static void c_setlink(const struct nlmsghdr *nlh, unsigned int flags)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	assert_int_equal(mnl_nlmsg_get_payload_len(nlh), sizeof(*ifi));
	assert_int_equal(ifi->ifi_index, 7);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	assert_int_equal(ifi->ifi_flags, flags);
}

static void c_setlink_up(const struct nlmsghdr *nlh)
{
	c_setlink(nlh, IFF_UP);
}

static void c_setlink_down(const struct nlmsghdr *nlh)
{
	c_setlink(nlh, 0);
}

static void c_addr(const struct nlmsghdr *nlh, const char *local,
		   unsigned int plen, const char *bcast)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct in_addr a;
	struct tb tb;

	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, plen);
	assert_int_equal(ifa->ifa_index, 3);
	assert_int_equal(ifa->ifa_scope, RT_SCOPE_UNIVERSE);
	tb_parse(nlh, sizeof(*ifa), &tb);
	assert_int_equal(tb.count, bcast ? 3 : 2);
	assert_int_equal(mnl_attr_get_payload_len(tb.a[IFA_LOCAL]), 4);
	assert_int_equal(mnl_attr_get_payload_len(tb.a[IFA_ADDRESS]), 4);
	memcpy(&a, mnl_attr_get_payload(tb.a[IFA_LOCAL]), 4);
	assert_int_equal(a.s_addr, ip4(local).s_addr);
	memcpy(&a, mnl_attr_get_payload(tb.a[IFA_ADDRESS]), 4);
	assert_int_equal(a.s_addr, ip4(local).s_addr);
	if (bcast) {
		memcpy(&a, mnl_attr_get_payload(tb.a[IFA_BROADCAST]), 4);
		assert_int_equal(a.s_addr, ip4(bcast).s_addr);
	} else {
		assert_null(tb.a[IFA_BROADCAST]);
	}
}

static void c_newaddr(const struct nlmsghdr *nlh)
{
	c_addr(nlh, "192.168.1.1", 24, "192.168.1.255");
}

static void c_newaddr32(const struct nlmsghdr *nlh)
{
	c_addr(nlh, "10.0.0.5", 32, NULL);
}

static void c_newvlan(const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct tb tb, li, data;

	assert_int_equal(ifi->ifi_index, 0);
	tb_parse(nlh, sizeof(*ifi), &tb);
	assert_int_equal(tb.count, 3);
	assert_string_equal(mnl_attr_get_str(tb.a[IFLA_IFNAME]), "eth0.1");
	assert_int_equal(mnl_attr_get_u32(tb.a[IFLA_LINK]), 2);
	assert_int_equal(mnl_attr_validate(tb.a[IFLA_LINKINFO],
					   MNL_TYPE_NESTED), 0);
	tb_parse_nested(tb.a[IFLA_LINKINFO], &li);
	assert_int_equal(li.count, 2);
	assert_int_equal(mnl_attr_validate(li.a[IFLA_INFO_KIND],
					   MNL_TYPE_NUL_STRING), 0);
	assert_string_equal(mnl_attr_get_str(li.a[IFLA_INFO_KIND]), "vlan");
	tb_parse_nested(li.a[IFLA_INFO_DATA], &data);
	assert_int_equal(data.count, 1);
	assert_int_equal(mnl_attr_validate(data.a[IFLA_VLAN_ID], MNL_TYPE_U16),
			 0);
	assert_int_equal(mnl_attr_get_u16(data.a[IFLA_VLAN_ID]), 1);
}

static void c_newbridge(const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct tb tb, li;

	assert_int_equal(ifi->ifi_index, 0);
	tb_parse(nlh, sizeof(*ifi), &tb);
	assert_int_equal(tb.count, 2);
	assert_string_equal(mnl_attr_get_str(tb.a[IFLA_IFNAME]), "br-lan");
	tb_parse_nested(tb.a[IFLA_LINKINFO], &li);
	assert_int_equal(li.count, 1);
	assert_string_equal(mnl_attr_get_str(li.a[IFLA_INFO_KIND]), "bridge");
}

static void c_master(const struct nlmsghdr *nlh, uint32_t master)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct tb tb;

	assert_int_equal(ifi->ifi_index, 4);
	assert_int_equal(ifi->ifi_change, 0);
	tb_parse(nlh, sizeof(*ifi), &tb);
	assert_int_equal(tb.count, 1);
	assert_int_equal(mnl_attr_get_u32(tb.a[IFLA_MASTER]), master);
}

static void c_setmaster(const struct nlmsghdr *nlh)
{
	c_master(nlh, 7);
}

static void c_nomaster(const struct nlmsghdr *nlh)
{
	c_master(nlh, 0);
}

static void c_dellink(const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	assert_int_equal(mnl_nlmsg_get_payload_len(nlh), sizeof(*ifi));
	assert_int_equal(ifi->ifi_index, 9);
}

struct build_case {
	const char *name;
	int (*build)(void *buf, size_t size, uint32_t seq);
	uint16_t type;
	uint16_t flags;
	void (*check)(const struct nlmsghdr *nlh);
};

#define RA (NLM_F_REQUEST | NLM_F_ACK)
#define CE (NLM_F_CREATE | NLM_F_EXCL)

static const struct build_case build_cases[] = {
	{ "getlink", b_getlink, RTM_GETLINK, RA, c_getlink },
	{ "setlink up", b_setlink_up, RTM_NEWLINK, RA, c_setlink_up },
	{ "setlink down", b_setlink_down, RTM_NEWLINK, RA, c_setlink_down },
	{ "newaddr /24", b_newaddr, RTM_NEWADDR, RA | CE, c_newaddr },
	{ "newaddr /32", b_newaddr32, RTM_NEWADDR, RA | CE, c_newaddr32 },
	{ "deladdr", b_deladdr, RTM_DELADDR, RA, c_newaddr },
	{ "newvlan", b_newvlan, RTM_NEWLINK, RA | CE, c_newvlan },
	{ "newbridge", b_newbridge, RTM_NEWLINK, RA | CE, c_newbridge },
	{ "setmaster", b_setmaster, RTM_NEWLINK, RA, c_setmaster },
	{ "nomaster", b_nomaster, RTM_NEWLINK, RA, c_nomaster },
	{ "dellink", b_dellink, RTM_DELLINK, RA, c_dellink },
};

static void test_builders(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(build_cases) / sizeof(build_cases[0]); i++) {
		const struct build_case *c = &build_cases[i];
		const struct nlmsghdr *nlh = (const void *)g_buf;
		uint32_t seq = 0x10000u + (uint32_t)i;
		int len;

		memset(g_buf, 0xa5, sizeof(g_buf));
		len = c->build(g_buf, sizeof(g_buf), seq);
		if (len <= 0)
			fail_msg("case '%s': build returned %d", c->name, len);
		assert_true(len <= RTNL_MSG_MIN_BUF_BYTES);
		assert_int_equal(nlh->nlmsg_len, (uint32_t)len);
		assert_int_equal(nlh->nlmsg_type, c->type);
		assert_int_equal(nlh->nlmsg_flags, c->flags);
		assert_int_equal(nlh->nlmsg_seq, seq);
		assert_int_equal(nlh->nlmsg_pid, 0);
		assert_true(mnl_nlmsg_ok(nlh, len));
		c->check(nlh);

		/* exactly the minimum buffer is enough, one less is not */
		len = c->build(g_buf, RTNL_MSG_MIN_BUF_BYTES, seq);
		assert_true(len > 0);
		assert_int_equal(c->build(g_buf, RTNL_MSG_MIN_BUF_BYTES - 1,
					  seq), -EMSGSIZE);
		assert_int_equal(c->build(NULL, sizeof(g_buf), seq), -EINVAL);
		assert_int_equal(c->build((char *)g_buf + 1,
					  sizeof(g_buf) - 1, seq), -EINVAL);
	}
}

static void test_builder_args(void **state)
{
	char long16[] = "abcdefghijklmnop";
	const struct in_addr a = { htonl(0x0a000001) };
	void *b = g_buf;
	size_t s = sizeof(g_buf);
	const struct {
		const char *name;
		int got;
		int want;
	} cases[] = {
		{ "getlink NULL", rtnl_msg_build_getlink(b, s, 1, NULL),
		  -EINVAL },
		{ "getlink empty", rtnl_msg_build_getlink(b, s, 1, ""),
		  -EINVAL },
		{ "getlink 16", rtnl_msg_build_getlink(b, s, 1, long16),
		  -EINVAL },
		{ "getlink 15", rtnl_msg_build_getlink(b, s, 1, long16 + 1) > 0,
		  1 },
		{ "getlink slash", rtnl_msg_build_getlink(b, s, 1, "a/b"),
		  -EINVAL },
		{ "getlink colon", rtnl_msg_build_getlink(b, s, 1, "eth0:1"),
		  -EINVAL },
		{ "getlink space", rtnl_msg_build_getlink(b, s, 1, "a b"),
		  -EINVAL },
		{ "getlink dot", rtnl_msg_build_getlink(b, s, 1, "."),
		  -EINVAL },
		{ "getlink dotdot", rtnl_msg_build_getlink(b, s, 1, ".."),
		  -EINVAL },
		{ "setlink 0", rtnl_msg_build_setlink_up(b, s, 1, 0, true),
		  -EINVAL },
		{ "setlink -1", rtnl_msg_build_setlink_up(b, s, 1, -1, true),
		  -EINVAL },
		{ "newaddr idx", rtnl_msg_build_newaddr4(b, s, 1, 0, a, 24),
		  -EINVAL },
		{ "newaddr /0", rtnl_msg_build_newaddr4(b, s, 1, 1, a, 0),
		  -EINVAL },
		{ "newaddr /33", rtnl_msg_build_newaddr4(b, s, 1, 1, a, 33),
		  -EINVAL },
		{ "deladdr /33", rtnl_msg_build_deladdr4(b, s, 1, 1, a, 33),
		  -EINVAL },
		{ "vlan id 0", rtnl_msg_build_newvlan(b, s, 1, "e.0", 2, 0),
		  -EINVAL },
		{ "vlan id 4095", rtnl_msg_build_newvlan(b, s, 1, "e.1", 2,
							 4095), -EINVAL },
		{ "vlan id 4094", rtnl_msg_build_newvlan(b, s, 1, "e.1", 2,
							 4094) > 0, 1 },
		{ "vlan parent", rtnl_msg_build_newvlan(b, s, 1, "e.1", 0, 1),
		  -EINVAL },
		{ "vlan name", rtnl_msg_build_newvlan(b, s, 1, long16, 2, 1),
		  -EINVAL },
		{ "dellink 0", rtnl_msg_build_dellink(b, s, 1, 0), -EINVAL },
		{ "bridge name", rtnl_msg_build_newbridge(b, s, 1, long16), -EINVAL },
		{ "master port 0", rtnl_msg_build_setmaster(b, s, 1, 0, 3), -EINVAL },
		{ "master -1", rtnl_msg_build_setmaster(b, s, 1, 3, -1), -EINVAL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cases[i].got != cases[i].want)
			fail_msg("case '%s': got %d want %d", cases[i].name,
				 cases[i].got, cases[i].want);
}

static void test_broadcast(void **state)
{
	static const struct {
		const char *addr;
		unsigned int plen;
		const char *bcast;	/* NULL: no IFA_BROADCAST */
	} cases[] = {
		{ "192.168.1.1", 24, "192.168.1.255" },
		{ "10.1.2.3", 8, "10.255.255.255" },
		{ "172.16.5.4", 12, "172.31.255.255" },
		{ "192.168.1.1", 30, "192.168.1.3" },
		{ "192.168.1.1", 1, "255.255.255.255" },
		{ "192.168.1.0", 31, NULL },
		{ "192.168.1.1", 32, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct nlmsghdr *nlh = (const void *)g_buf;
		struct tb tb;
		struct in_addr got;

		assert_true(rtnl_msg_build_newaddr4(g_buf, sizeof(g_buf), 1, 1,
						    ip4(cases[i].addr),
						    cases[i].plen) > 0);
		tb_parse(nlh, sizeof(struct ifaddrmsg), &tb);
		if (!cases[i].bcast) {
			assert_null(tb.a[IFA_BROADCAST]);
			continue;
		}
		assert_non_null(tb.a[IFA_BROADCAST]);
		memcpy(&got, mnl_attr_get_payload(tb.a[IFA_BROADCAST]), 4);
		assert_int_equal(got.s_addr, ip4(cases[i].bcast).s_addr);
	}
}

/* ---- crafted kernel messages ---- */

static size_t put_ack(void *p, uint32_t seq, uint32_t pid, int error,
		      const struct nlmsghdr *orig, const char *ext_msg)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(p);
	struct nlmsgerr *e;
	size_t orig_len = orig ? orig->nlmsg_len : sizeof(struct nlmsghdr);

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	if (!orig)
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(int) + orig_len);
	e->error = error;
	if (orig) {
		memcpy(&e->msg, orig, orig_len);
	} else {
		e->msg.nlmsg_len = 64;	/* what the request's length was */
		e->msg.nlmsg_seq = seq;
	}
	if (ext_msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, ext_msg);
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	}
	return nlh->nlmsg_len;
}

struct link_spec {
	uint16_t type;
	uint32_t seq, pid;
	int ifindex;
	unsigned int flags;
	const char *name;
	const uint8_t *mac;
	size_t mac_len;
	int operstate;		/* < 0: absent */
	int carrier;		/* < 0: absent */
	uint8_t family;		/* ifi_family: AF_UNSPEC, AF_BRIDGE (a bridge's notice about a port) */
};

static size_t put_link(void *p, const struct link_spec *s)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(p);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = s->type;
	nlh->nlmsg_seq = s->seq;
	nlh->nlmsg_pid = s->pid;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = s->family;
	ifi->ifi_index = s->ifindex;
	ifi->ifi_flags = s->flags;
	ifi->ifi_type = ARPHRD_ETHER;
	if (s->name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, s->name);
	mnl_attr_put_u32(nlh, IFLA_TXQLEN, 1000);
	if (s->operstate >= 0)
		mnl_attr_put_u8(nlh, IFLA_OPERSTATE, (uint8_t)s->operstate);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	if (s->carrier >= 0)
		mnl_attr_put_u8(nlh, IFLA_CARRIER, (uint8_t)s->carrier);
	if (s->mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, s->mac_len, s->mac);
	return nlh->nlmsg_len;
}

static size_t put_done(void *p, uint32_t seq, uint32_t pid, int err)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(p);
	int *e;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	*e = err;
	return nlh->nlmsg_len;
}

static size_t put_newaddr(void *p, uint32_t seq, uint32_t pid)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(p);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(0x0a000001));
	return nlh->nlmsg_len;
}

static const uint8_t mac1[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

static const struct link_spec eth0_up = {
	RTM_NEWLINK, 5, MY_PORTID, 2, IFF_UP | IFF_LOWER_UP | IFF_RUNNING,
	"eth0", mac1, 6, IF_OPER_UP, 1, AF_UNSPEC,
};

/* ---- collector ---- */

#define MAX_EV 16

struct collect {
	int n;
	struct rtnl_msg_event ev[MAX_EV];
	char ext[MAX_EV][128];
	int stop_at;		/* return -ECANCELED at this index, or -1 */
};

static int collect_cb(const struct rtnl_msg_event *ev, void *arg)
{
	struct collect *c = arg;

	assert_true(c->n < MAX_EV);
	if (c->n == c->stop_at)
		return -ECANCELED;
	c->ev[c->n] = *ev;
	if (ev->kind == RTNL_MSG_ACK && ev->ack.ext_msg) {
		snprintf(c->ext[c->n], sizeof(c->ext[0]), "%s",
			 ev->ack.ext_msg);
		c->ev[c->n].ack.ext_msg = c->ext[c->n];
	}
	c->n++;
	return 0;
}

static int parse(const void *buf, size_t len, uint32_t portid,
		 struct collect *c)
{
	memset(c, 0, sizeof(*c));
	c->stop_at = -1;
	return rtnl_msg_parse(buf, len, portid, collect_cb, c);
}

/* ---- parser tests ---- */

static void test_parse_acks(void **state)
{
	struct collect c;
	char *p = (char *)g_buf;
	uint32_t req[64];
	int reqlen;
	size_t n;

	(void)state;
	/* success */
	n = put_ack(p, 42, MY_PORTID, 0, NULL, NULL);
	assert_int_equal(parse(p, n, MY_PORTID, &c), 1);
	assert_int_equal(c.ev[0].kind, RTNL_MSG_ACK);
	assert_int_equal(c.ev[0].seq, 42);
	assert_int_equal(c.ev[0].portid, MY_PORTID);
	assert_int_equal(c.ev[0].origin, RTNL_MSG_ORIGIN_SELF);
	assert_int_equal(c.ev[0].ack.error, 0);
	assert_null(c.ev[0].ack.ext_msg);

	/* -EEXIST echoing the full request, with an extended ack */
	reqlen = rtnl_msg_build_newvlan(req, sizeof(req), 43, "eth0.1", 2, 1);
	assert_true(reqlen > 0);
	n = put_ack(p, 43, MY_PORTID, -EEXIST, (const void *)req, "exists!");
	assert_int_equal(parse(p, n, MY_PORTID, &c), 1);
	assert_int_equal(c.ev[0].seq, 43);
	assert_int_equal(c.ev[0].ack.error, -EEXIST);
	assert_string_equal(c.ev[0].ack.ext_msg, "exists!");

	/* capped error with an extended ack */
	n = put_ack(p, 44, MY_PORTID, -ERANGE, NULL, "VLAN id out of range");
	assert_int_equal(parse(p, n, MY_PORTID, &c), 1);
	assert_int_equal(c.ev[0].ack.error, -ERANGE);
	assert_string_equal(c.ev[0].ack.ext_msg, "VLAN id out of range");

	/* -EEXIST without extended ack */
	n = put_ack(p, 45, MY_PORTID, -EEXIST, (const void *)req, NULL);
	assert_int_equal(parse(p, n, MY_PORTID, &c), 1);
	assert_int_equal(c.ev[0].ack.error, -EEXIST);
	assert_null(c.ev[0].ack.ext_msg);
}

static void test_parse_link(void **state)
{
	static const uint8_t ipip_addr[4] = { 1, 2, 3, 4 };
	struct link_spec s = eth0_up;
	struct collect c;
	char *p = (char *)g_buf;
	size_t n;

	(void)state;
	n = put_link(p, &s);
	assert_int_equal(parse(p, n, MY_PORTID, &c), 1);
	assert_int_equal(c.ev[0].kind, RTNL_MSG_LINK);
	assert_int_equal(c.ev[0].seq, 5);
	assert_int_equal(c.ev[0].link.ifindex, 2);
	assert_string_equal(c.ev[0].link.ifname, "eth0");
	assert_true(c.ev[0].link.flags & IFF_UP);
	assert_true(c.ev[0].link.flags & IFF_LOWER_UP);
	assert_int_equal(c.ev[0].link.type, ARPHRD_ETHER);
	assert_false(c.ev[0].link.deleted);
	assert_false(c.ev[0].link.bridge_port);
	assert_true(c.ev[0].link.has_operstate);
	assert_int_equal(c.ev[0].link.operstate, IF_OPER_UP);
	assert_true(c.ev[0].link.has_carrier);
	assert_int_equal(c.ev[0].link.carrier, 1);
	assert_true(c.ev[0].link.has_mtu);
	assert_int_equal(c.ev[0].link.mtu, 1500);
	assert_true(c.ev[0].link.has_mac);
	assert_memory_equal(c.ev[0].link.mac, mac1, 6);

	/* deleted, down, no operstate/carrier, 4-byte address: no mac */
	s.type = RTM_DELLINK;
	s.flags = 0;
	s.operstate = -1;
	s.carrier = -1;
	s.mac = ipip_addr;
	s.mac_len = sizeof(ipip_addr);
	s.name = "tun0";
	n = put_link(p, &s);
	assert_int_equal(parse(p, n, MY_PORTID, &c), 1);
	assert_true(c.ev[0].link.deleted);
	assert_string_equal(c.ev[0].link.ifname, "tun0");
	assert_int_equal(c.ev[0].link.flags, 0);
	assert_false(c.ev[0].link.has_operstate);
	assert_false(c.ev[0].link.has_carrier);
	assert_false(c.ev[0].link.has_mac);

	/* a bridge's notice that lan1 left it: RTM_DELLINK of family AF_BRIDGE, the link itself still there */
	s = eth0_up;
	s.type = RTM_DELLINK;
	s.family = AF_BRIDGE;
	s.name = "lan1";
	n = put_link(p, &s);
	assert_int_equal(parse(p, n, MY_PORTID, &c), 1);
	assert_true(c.ev[0].link.deleted);
	assert_true(c.ev[0].link.bridge_port);
	assert_string_equal(c.ev[0].link.ifname, "lan1");
	s.type = RTM_NEWLINK;
	s.family = AF_UNSPEC;

	/* no name at all; 15-char name */
	s.name = NULL;
	n = put_link(p, &s);
	assert_int_equal(parse(p, n, MY_PORTID, &c), 1);
	assert_string_equal(c.ev[0].link.ifname, "");
	s.name = "abcdefghijklmno";
	n = put_link(p, &s);
	assert_int_equal(parse(p, n, MY_PORTID, &c), 1);
	assert_string_equal(c.ev[0].link.ifname, "abcdefghijklmno");
}

/* Datagram: link, newaddr (ignored), ack, done; returns boundaries. */
static size_t build_multi(char *p, size_t bounds[5])
{
	size_t off = 0;

	bounds[0] = 0;
	off += put_link(p + off, &eth0_up);
	bounds[1] = off;
	off += put_newaddr(p + off, 5, MY_PORTID);
	bounds[2] = off;
	off += put_ack(p + off, 5, MY_PORTID, 0, NULL, NULL);
	bounds[3] = off;
	off += put_done(p + off, 6, MY_PORTID, 0);
	bounds[4] = off;
	return off;
}

static void test_parse_multi(void **state)
{
	struct collect c;
	char *p = (char *)g_buf;
	size_t bounds[5], n;

	(void)state;
	n = build_multi(p, bounds);
	assert_int_equal(parse(p, n, MY_PORTID, &c), 3);
	assert_int_equal(c.ev[0].kind, RTNL_MSG_LINK);
	assert_string_equal(c.ev[0].link.ifname, "eth0");
	assert_int_equal(c.ev[1].kind, RTNL_MSG_ACK);
	assert_int_equal(c.ev[1].seq, 5);
	assert_int_equal(c.ev[2].kind, RTNL_MSG_DONE);
	assert_int_equal(c.ev[2].seq, 6);
	assert_true(c.ev[2].multi);
	assert_int_equal(c.ev[2].done.error, 0);

	/* callback abort stops the walk and is propagated */
	memset(&c, 0, sizeof(c));
	c.stop_at = 1;
	assert_int_equal(rtnl_msg_parse(p, n, MY_PORTID, collect_cb, &c),
			 -ECANCELED);
	assert_int_equal(c.n, 1);

	/* DONE carrying an error */
	n = put_done(p, 7, MY_PORTID, -EINTR);
	assert_int_equal(parse(p, n, MY_PORTID, &c), 1);
	assert_int_equal(c.ev[0].done.error, -EINTR);
}

static void test_parse_truncated(void **state)
{
	char *full = (char *)g_buf;
	size_t bounds[5], total, len;
	static const int want_at[5] = { -EBADMSG, 1, 1, 2, 3 };

	(void)state;
	total = build_multi(full, bounds);
	for (len = 0; len <= total; len++) {
		/* exact-size heap copy: ASan flags any overread */
		void *p = malloc(len ? len : 1);
		struct collect c;
		int want = -EBADMSG, ret;
		size_t k;

		assert_non_null(p);
		memcpy(p, full, len);
		for (k = 0; k < 5; k++)
			if (len == bounds[k])
				want = want_at[k];
		ret = parse(p, len, MY_PORTID, &c);
		if (ret != want)
			fail_msg("len %zu: got %d want %d", len, ret, want);
		if (ret < 0)
			assert_int_equal(c.n, 0);	/* all or nothing */
		free(p);
	}
}

static void test_parse_unaligned_tail(void **state)
{
	struct nlmsghdr *nlh;
	struct collect c;
	size_t len, n;

	(void)state;
	/* IFLA_IFNAME "abc\0" then a u8 IFLA_OPERSTATE without padding */
	memset(g_buf, 0, sizeof(g_buf));
	nlh = mnl_nlmsg_put_header(g_buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "abc");
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, 2);
	nlh->nlmsg_len -= 3;	/* drop the u8's padding */
	len = nlh->nlmsg_len;
	assert_int_equal(parse(g_buf, len, MY_PORTID, &c), 1);
	assert_int_equal(c.ev[0].link.operstate, 2);
	assert_string_equal(c.ev[0].link.ifname, "abc");
	/* with (partial) padding in the datagram */
	assert_int_equal(parse(g_buf, len + 1, MY_PORTID, &c), 1);
	assert_int_equal(parse(g_buf, len + 3, MY_PORTID, &c), 1);
	/* a following message starts at the aligned offset */
	n = put_ack((char *)g_buf + len + 3, 9, MY_PORTID, 0, NULL, NULL);
	assert_int_equal(parse(g_buf, len + 3 + n, MY_PORTID, &c), 2);
	assert_int_equal(c.ev[1].kind, RTNL_MSG_ACK);
	assert_int_equal(c.ev[1].seq, 9);
	/* but not a partial one */
	assert_int_equal(parse(g_buf, len + 3 + n - 1, MY_PORTID, &c),
			 -EBADMSG);
}

static void test_parse_portid(void **state)
{
	struct link_spec s = eth0_up;
	struct collect c;
	char *p = (char *)g_buf;
	size_t n = 0;

	(void)state;
	n += put_ack(p + n, 1, 999, 0, NULL, NULL);		/* dropped */
	n += put_done(p + n, 2, 999, 0);			/* dropped */
	s.pid = 999;
	n += put_link(p + n, &s);				/* OTHER */
	s.pid = 0;
	n += put_link(p + n, &s);				/* KERNEL */
	n += put_ack(p + n, 3, MY_PORTID, -EEXIST, NULL, NULL);	/* SELF */
	n += put_ack(p + n, 4, 0, 0, NULL, NULL);		/* dropped */

	assert_int_equal(parse(p, n, MY_PORTID, &c), 3);
	assert_int_equal(c.ev[0].kind, RTNL_MSG_LINK);
	assert_int_equal(c.ev[0].origin, RTNL_MSG_ORIGIN_OTHER);
	assert_int_equal(c.ev[0].portid, 999);
	assert_int_equal(c.ev[1].kind, RTNL_MSG_LINK);
	assert_int_equal(c.ev[1].origin, RTNL_MSG_ORIGIN_KERNEL);
	assert_int_equal(c.ev[2].kind, RTNL_MSG_ACK);
	assert_int_equal(c.ev[2].origin, RTNL_MSG_ORIGIN_SELF);
	assert_int_equal(c.ev[2].seq, 3);

	/* filtering disabled */
	assert_int_equal(parse(p, n, 0, &c), 6);
	assert_int_equal(c.ev[0].kind, RTNL_MSG_ACK);
	assert_int_equal(c.ev[0].origin, RTNL_MSG_ORIGIN_OTHER);
}

/* Malformed single messages: each mutator breaks a valid one. */
static size_t m_short_ifinfo(struct nlmsghdr *nlh)
{
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 8;
	return nlh->nlmsg_len;
}

static size_t m_short_nlmsgerr(struct nlmsghdr *nlh)
{
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 16;
	return nlh->nlmsg_len;
}

static size_t m_hdr_len_small(struct nlmsghdr *nlh)
{
	nlh->nlmsg_len = 8;
	return 64;
}

static size_t m_hdr_len_big(struct nlmsghdr *nlh)
{
	size_t n = nlh->nlmsg_len;

	nlh->nlmsg_len = (uint32_t)n + 4;
	return n;
}

/* libmnl's mnl_nlmsg_ok() alone accepts these (signed compare) */
static size_t m_hdr_len_2g(struct nlmsghdr *nlh)
{
	size_t n = nlh->nlmsg_len;

	nlh->nlmsg_len = 0x80000000u;
	return n;
}

static size_t m_hdr_len_max(struct nlmsghdr *nlh)
{
	size_t n = nlh->nlmsg_len;

	nlh->nlmsg_len = 0xffffffffu;
	return n;
}

static size_t m_trailing(struct nlmsghdr *nlh)
{
	memset((char *)nlh + nlh->nlmsg_len, 0, 4);
	return nlh->nlmsg_len + 4;
}

static struct nlattr *first_attr(struct nlmsghdr *nlh)
{
	return (struct nlattr *)((char *)nlh + MNL_NLMSG_HDRLEN +
				 sizeof(struct ifinfomsg));
}

static size_t m_attr_len_small(struct nlmsghdr *nlh)
{
	first_attr(nlh)->nla_len = 2;
	return nlh->nlmsg_len;
}

static size_t m_attr_len_big(struct nlmsghdr *nlh)
{
	first_attr(nlh)->nla_len = 0x7ff0;
	return nlh->nlmsg_len;
}

static size_t m_attr_tail_garbage(struct nlmsghdr *nlh)
{
	/* 4 bytes of junk that do not form an attribute */
	uint8_t *t = (uint8_t *)nlh + nlh->nlmsg_len;

	t[0] = 2;	/* nla_len 2 < 4 */
	t[1] = 0;
	t[2] = 1;
	t[3] = 0;
	nlh->nlmsg_len += 4;
	return nlh->nlmsg_len;
}

static size_t m_ifname_unterminated(struct nlmsghdr *nlh)
{
	struct nlattr *a = first_attr(nlh);	/* IFLA_IFNAME "eth0\0" */

	((char *)mnl_attr_get_payload(a))[4] = 'x';
	return nlh->nlmsg_len;
}

static size_t m_ifname_too_long(struct nlmsghdr *nlh)
{
	struct link_spec s = eth0_up;

	s.name = "abcdefghijklmnop";	/* 16 + NUL */
	return put_link(nlh, &s);
}

static size_t m_operstate_u16(struct nlmsghdr *nlh)
{
	nlh = mnl_nlmsg_put_header(nlh);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_u16(nlh, IFLA_OPERSTATE, 6);
	return nlh->nlmsg_len;
}

static size_t m_mtu_u8(struct nlmsghdr *nlh)
{
	nlh = mnl_nlmsg_put_header(nlh);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_u8(nlh, IFLA_MTU, 6);
	return nlh->nlmsg_len;
}

static size_t m_err_positive(struct nlmsghdr *nlh)
{
	return put_ack(nlh, 1, MY_PORTID, EEXIST, NULL, NULL);
}

static size_t m_err_huge(struct nlmsghdr *nlh)
{
	return put_ack(nlh, 1, MY_PORTID, -5000, NULL, NULL);
}

static size_t m_ext_unterminated(struct nlmsghdr *nlh)
{
	size_t n = put_ack(nlh, 1, MY_PORTID, -EINVAL, NULL, "abc");
	struct nlattr *a = (struct nlattr *)((char *)nlh + MNL_NLMSG_HDRLEN +
					     sizeof(struct nlmsgerr));

	((char *)mnl_attr_get_payload(a))[3] = 'd';
	return n;
}

static size_t m_echo_len_big(struct nlmsghdr *nlh)
{
	uint32_t req[64];
	struct nlmsgerr *e;
	size_t n;

	assert_true(rtnl_msg_build_dellink(req, sizeof(req), 1, 3) > 0);
	n = put_ack(nlh, 1, MY_PORTID, -EINVAL, (const void *)req, "x");
	e = mnl_nlmsg_get_payload(nlh);
	e->msg.nlmsg_len = 4096;
	return n;
}

static size_t m_echo_len_small(struct nlmsghdr *nlh)
{
	uint32_t req[64];
	struct nlmsgerr *e;
	size_t n;

	assert_true(rtnl_msg_build_dellink(req, sizeof(req), 1, 3) > 0);
	n = put_ack(nlh, 1, MY_PORTID, -EINVAL, (const void *)req, "x");
	e = mnl_nlmsg_get_payload(nlh);
	e->msg.nlmsg_len = 4;
	return n;
}

static size_t m_done_err_positive(struct nlmsghdr *nlh)
{
	return put_done(nlh, 1, MY_PORTID, 1);
}

static const struct {
	const char *name;
	size_t (*mutate)(struct nlmsghdr *nlh);
} bad_cases[] = {
	{ "short ifinfomsg", m_short_ifinfo },
	{ "short nlmsgerr", m_short_nlmsgerr },
	{ "nlmsg_len < header", m_hdr_len_small },
	{ "nlmsg_len > datagram", m_hdr_len_big },
	{ "nlmsg_len 2^31", m_hdr_len_2g },
	{ "nlmsg_len 2^32-1", m_hdr_len_max },
	{ "trailing bytes", m_trailing },
	{ "nla_len < 4", m_attr_len_small },
	{ "nla_len > message", m_attr_len_big },
	{ "attr tail garbage", m_attr_tail_garbage },
	{ "ifname unterminated", m_ifname_unterminated },
	{ "ifname 16 chars", m_ifname_too_long },
	{ "operstate u16", m_operstate_u16 },
	{ "mtu u8", m_mtu_u8 },
	{ "error > 0", m_err_positive },
	{ "error < -4095", m_err_huge },
	{ "ext msg unterminated", m_ext_unterminated },
	{ "echo len > message", m_echo_len_big },
	{ "echo len < header", m_echo_len_small },
	{ "done error > 0", m_done_err_positive },
};

static void test_parse_malformed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct nlmsghdr *nlh = (void *)g_buf;
		struct collect c;
		size_t n, off;
		int ret;

		memset(g_buf, 0, sizeof(g_buf));
		put_link(g_buf, &eth0_up);
		n = bad_cases[i].mutate(nlh);
		ret = parse(g_buf, n, MY_PORTID, &c);
		if (ret != -EBADMSG)
			fail_msg("case '%s': got %d", bad_cases[i].name, ret);
		assert_int_equal(c.n, 0);

		/* same after a valid message: still nothing delivered */
		memset(g_buf, 0, sizeof(g_buf));
		off = put_ack(g_buf, 1, MY_PORTID, 0, NULL, NULL);
		nlh = (void *)((char *)g_buf + off);
		put_link(nlh, &eth0_up);
		n = bad_cases[i].mutate(nlh);
		assert_int_equal(parse(g_buf, off + n, MY_PORTID, &c),
				 -EBADMSG);
		assert_int_equal(c.n, 0);
	}
}

static void test_parse_args(void **state)
{
	struct collect c;
	size_t n;

	(void)state;
	n = put_ack(g_buf, 1, MY_PORTID, 0, NULL, NULL);
	assert_int_equal(rtnl_msg_parse(g_buf, n, MY_PORTID, NULL, &c),
			 -EINVAL);
	assert_int_equal(rtnl_msg_parse(NULL, n, MY_PORTID, collect_cb, &c),
			 -EINVAL);
	assert_int_equal(rtnl_msg_parse((char *)g_buf + 2, n, MY_PORTID,
					collect_cb, &c), -EINVAL);
	assert_int_equal(rtnl_msg_parse(g_buf, (size_t)INT32_MAX + 1,
					MY_PORTID, collect_cb, &c), -EINVAL);
	assert_int_equal(parse(g_buf, 0, MY_PORTID, &c), -EBADMSG);
}

static void test_parse_ignored_only(void **state)
{
	struct nlmsghdr *nlh;
	struct collect c;
	size_t n = 0;

	(void)state;
	n += put_newaddr((char *)g_buf, 1, 0);
	nlh = mnl_nlmsg_put_header((char *)g_buf + n);
	nlh->nlmsg_type = NLMSG_NOOP;
	n += nlh->nlmsg_len;
	assert_int_equal(parse(g_buf, n, MY_PORTID, &c), 0);
	assert_int_equal(c.n, 0);
}

static void test_strerror(void **state)
{
	static const struct {
		int err;
		const char *want;
	} cases[] = {
		{ -EEXIST, "EEXIST (File exists)" },
		{ EEXIST, "EEXIST (File exists)" },
		{ -ENODEV, "ENODEV (No such device)" },
		{ -EOPNOTSUPP, "EOPNOTSUPP (Operation not supported)" },
		{ -EADDRNOTAVAIL,
		  "EADDRNOTAVAIL (Cannot assign requested address)" },
		{ 0, "0 (Success)" },
		{ -4000, "errno 4000" },
		{ INT32_MIN, "errno 2147483648" },
	};
	char buf[RTNL_MSG_STRERROR_BYTES];
	char small[7];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(rtnl_msg_strerror(cases[i].err, buf,
						      sizeof(buf)),
				    cases[i].want);
	assert_string_equal(rtnl_msg_strerror(-EEXIST, small, sizeof(small)),
			    "EEXIST");
	assert_null(rtnl_msg_strerror(-EEXIST, NULL, 10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builders),
		cmocka_unit_test(test_builder_args),
		cmocka_unit_test(test_broadcast),
		cmocka_unit_test(test_parse_acks),
		cmocka_unit_test(test_parse_link),
		cmocka_unit_test(test_parse_multi),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_unaligned_tail),
		cmocka_unit_test(test_parse_portid),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_args),
		cmocka_unit_test(test_parse_ignored_only),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
