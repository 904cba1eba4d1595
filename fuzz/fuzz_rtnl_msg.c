/* fuzz_rtnl_msg.c - libFuzzer target for the rtnetlink parser and builders */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strnlen, IFF_* */
#endif
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtnl_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	const uint8_t *buf;
	size_t len;
	int events;
	int links;
	char first_ifname[RTNL_MSG_IFNAME_BYTES];
};

static int check_event(const struct rtnl_msg_event *ev, void *arg)
{
	struct ctx *c = arg;

	switch (ev->kind) {
	case RTNL_MSG_ACK:
		if (ev->ack.error > 0 || ev->ack.error < -4095)
			abort();
		if (ev->ack.ext_msg) {
			const uint8_t *p = (const uint8_t *)ev->ack.ext_msg;

			if (p < c->buf || p >= c->buf + c->len)
				abort();
			if (!memchr(p, 0, (size_t)(c->buf + c->len - p)))
				abort();
		}
		break;
	case RTNL_MSG_LINK:
		if (strnlen(ev->link.ifname, sizeof(ev->link.ifname)) >=
		    sizeof(ev->link.ifname))
			abort();
		if (c->links++ == 0)
			memcpy(c->first_ifname, ev->link.ifname,
			       sizeof(c->first_ifname));
		break;
	case RTNL_MSG_DONE:
		if (ev->done.error > 0 || ev->done.error < -4095)
			abort();
		break;
	default:
		abort();
	}
	if (ev->origin < RTNL_MSG_ORIGIN_SELF ||
	    ev->origin > RTNL_MSG_ORIGIN_OTHER)
		abort();
	c->events++;
	return 0;
}

/* Built requests must parse back: NEWLINK/DELLINK ones as link events. */
static void check_builders(const uint8_t *data, size_t size)
{
	uint32_t buf[RTNL_MSG_MIN_BUF_BYTES / 4];
	char name[RTNL_MSG_IFNAME_BYTES + 4];
	struct ctx c;
	uint32_t v = 0;
	size_t n = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	int len, ret;

	memcpy(name, data, n);
	name[n] = '\0';
	if (size >= n + 4)
		memcpy(&v, data + n, 4);

	len = rtnl_msg_build_newvlan(buf, sizeof(buf), v, name,
				     (int)(v & 0xffff) + 1,
				     (uint16_t)(v >> 16));
	if (len == -EINVAL)
		goto getlink;
	if (len <= 0 || len > (int)sizeof(buf))
		abort();
	memset(&c, 0, sizeof(c));
	c.buf = (const uint8_t *)buf;
	c.len = (size_t)len;
	ret = rtnl_msg_parse(buf, (size_t)len, 0, check_event, &c);
	if (ret != 1 || c.links != 1 || strcmp(c.first_ifname, name))
		abort();

getlink:
	len = rtnl_msg_build_getlink(buf, sizeof(buf), v, name);
	if (len != -EINVAL && (len <= 0 || len > (int)sizeof(buf)))
		abort();
	if ((len > 0) != rtnl_msg_ifname_valid(name))
		abort();
	len = rtnl_msg_build_setlink_up(buf, sizeof(buf), v, (int)v, v & 1);
	if (len > 0) {
		memset(&c, 0, sizeof(c));
		c.buf = (const uint8_t *)buf;
		c.len = (size_t)len;
		if (rtnl_msg_parse(buf, (size_t)len, 0, check_event, &c) != 1)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	struct ctx c;
	uint32_t portid = 0;
	int ret;

	if (size >= 4)
		memcpy(&portid, data, 4);

	/* exact-size aligned copy: ASan catches overreads */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	memset(&c, 0, sizeof(c));
	c.buf = copy;
	c.len = size;
	ret = rtnl_msg_parse(copy, size, portid & 3 ? portid : 0, check_event,
			     &c);
	if (ret >= 0) {
		if (ret != c.events)
			abort();
	} else if (ret != -EBADMSG || c.events != 0) {
		abort();	/* malformed: no callback at all */
	}
	free(copy);

	check_builders(data, size);
	return 0;
}
