/* drivers/rtnl_msg.c — rtnetlink request builders and reply parser on plain buffers (libmnl) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strnlen, IFF_* */
#endif
#include "rtnl_msg.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <net/if.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>

/* Largest errno the kernel puts in an nlmsgerr (MAX_ERRNO). */
#define RTNL_MSG_MAX_ERRNO	4095

_Static_assert(RTNL_MSG_IFNAME_BYTES == IFNAMSIZ, "IFNAMSIZ mismatch");

static bool aligned4(const void *p)
{
	return ((uintptr_t)p & (MNL_ALIGNTO - 1)) == 0;
}

/* ---- builders ---- */

bool rtnl_msg_ifname_valid(const char *ifname)
{
	size_t i, len;

	if (!ifname)
		return false;
	len = strnlen(ifname, RTNL_MSG_IFNAME_BYTES);
	if (len == 0 || len >= RTNL_MSG_IFNAME_BYTES)
		return false;
	if (!strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return false;
	for (i = 0; i < len; i++) {
		char c = ifname[i];

		if (c == '/' || c == ':' || c == ' ' || c == '\t' ||
		    c == '\n' || c == '\v' || c == '\f' || c == '\r')
			return false;
	}
	return true;
}

static int check_buf(const void *buf, size_t size)
{
	if (!buf || !aligned4(buf))
		return -EINVAL;
	if (size < RTNL_MSG_MIN_BUF_BYTES)
		return -EMSGSIZE;
	return 0;
}

static struct nlmsghdr *put_header(void *buf, uint16_t type, uint16_t flags,
				   uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	return nlh;
}

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh, int ifindex)
{
	struct ifinfomsg *ifi;

	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return ifi;
}

int rtnl_msg_build_getlink(void *buf, size_t size, uint32_t seq,
			   const char *ifname)
{
	struct nlmsghdr *nlh;
	int ret = check_buf(buf, size);

	if (ret)
		return ret;
	if (!rtnl_msg_ifname_valid(ifname))
		return -EINVAL;
	nlh = put_header(buf, RTM_GETLINK, 0, seq);
	put_ifinfo(nlh, 0);
	if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, ifname))
		return -EMSGSIZE;
#ifdef RTEXT_FILTER_SKIP_STATS
	if (!mnl_attr_put_u32_check(nlh, size, IFLA_EXT_MASK,
				    RTEXT_FILTER_SKIP_STATS))
		return -EMSGSIZE;
#endif
	return (int)nlh->nlmsg_len;
}

int rtnl_msg_build_setlink_up(void *buf, size_t size, uint32_t seq,
			      int ifindex, bool up)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int ret = check_buf(buf, size);

	if (ret)
		return ret;
	if (ifindex <= 0)
		return -EINVAL;
	nlh = put_header(buf, RTM_NEWLINK, 0, seq);
	ifi = put_ifinfo(nlh, ifindex);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return (int)nlh->nlmsg_len;
}

static int build_addr4(void *buf, size_t size, uint16_t type, uint16_t flags,
		       uint32_t seq, int ifindex, struct in_addr addr,
		       unsigned int prefix_len)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int ret = check_buf(buf, size);

	if (ret)
		return ret;
	if (ifindex <= 0 || prefix_len < 1 || prefix_len > 32)
		return -EINVAL;
	nlh = put_header(buf, type, flags, seq);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)prefix_len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	if (!mnl_attr_put_check(nlh, size, IFA_LOCAL, sizeof(addr), &addr) ||
	    !mnl_attr_put_check(nlh, size, IFA_ADDRESS, sizeof(addr), &addr))
		return -EMSGSIZE;
	if (prefix_len <= 30) {
		struct in_addr bcast;
		uint32_t host = 0xffffffffu >> prefix_len;

		bcast.s_addr = addr.s_addr | htonl(host);
		if (!mnl_attr_put_check(nlh, size, IFA_BROADCAST,
					sizeof(bcast), &bcast))
			return -EMSGSIZE;
	}
	return (int)nlh->nlmsg_len;
}

int rtnl_msg_build_newaddr4(void *buf, size_t size, uint32_t seq, int ifindex,
			    struct in_addr addr, unsigned int prefix_len)
{
	return build_addr4(buf, size, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
			   seq, ifindex, addr, prefix_len);
}

int rtnl_msg_build_deladdr4(void *buf, size_t size, uint32_t seq, int ifindex,
			    struct in_addr addr, unsigned int prefix_len)
{
	return build_addr4(buf, size, RTM_DELADDR, 0, seq, ifindex, addr,
			   prefix_len);
}

int rtnl_msg_build_newbridge(void *buf, size_t size, uint32_t seq, const char *ifname)
{
	struct nlmsghdr *nlh;
	struct nlattr *linkinfo;
	int ret = check_buf(buf, size);

	if (ret)
		return ret;
	if (!rtnl_msg_ifname_valid(ifname))
		return -EINVAL;
	nlh = put_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, seq);
	put_ifinfo(nlh, 0);
	if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, ifname))
		return -EMSGSIZE;
	linkinfo = mnl_attr_nest_start_check(nlh, size, IFLA_LINKINFO);
	if (!linkinfo || !mnl_attr_put_strz_check(nlh, size, IFLA_INFO_KIND, "bridge"))
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, linkinfo);
	return (int)nlh->nlmsg_len;
}

int rtnl_msg_build_setmaster(void *buf, size_t size, uint32_t seq, int ifindex, int master_ifindex)
{
	struct nlmsghdr *nlh;
	int ret = check_buf(buf, size);

	if (ret)
		return ret;
	if (ifindex <= 0 || master_ifindex < 0)
		return -EINVAL;
	nlh = put_header(buf, RTM_NEWLINK, 0, seq);
	put_ifinfo(nlh, ifindex);
	if (!mnl_attr_put_u32_check(nlh, size, IFLA_MASTER, (uint32_t)master_ifindex))
		return -EMSGSIZE;
	return (int)nlh->nlmsg_len;
}

int rtnl_msg_build_newvlan(void *buf, size_t size, uint32_t seq,
			   const char *ifname, int parent_ifindex,
			   uint16_t vlan_id)
{
	struct nlmsghdr *nlh;
	struct nlattr *linkinfo, *data;
	int ret = check_buf(buf, size);

	if (ret)
		return ret;
	if (!rtnl_msg_ifname_valid(ifname) || parent_ifindex <= 0 ||
	    vlan_id < 1 || vlan_id > 4094)
		return -EINVAL;
	nlh = put_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, seq);
	put_ifinfo(nlh, 0);
	if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, ifname) ||
	    !mnl_attr_put_u32_check(nlh, size, IFLA_LINK,
				    (uint32_t)parent_ifindex))
		return -EMSGSIZE;
	linkinfo = mnl_attr_nest_start_check(nlh, size, IFLA_LINKINFO);
	if (!linkinfo ||
	    !mnl_attr_put_strz_check(nlh, size, IFLA_INFO_KIND, "vlan"))
		return -EMSGSIZE;
	data = mnl_attr_nest_start_check(nlh, size, IFLA_INFO_DATA);
	if (!data || !mnl_attr_put_u16_check(nlh, size, IFLA_VLAN_ID, vlan_id))
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return (int)nlh->nlmsg_len;
}

int rtnl_msg_build_dellink(void *buf, size_t size, uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh;
	int ret = check_buf(buf, size);

	if (ret)
		return ret;
	if (ifindex <= 0)
		return -EINVAL;
	nlh = put_header(buf, RTM_DELLINK, 0, seq);
	put_ifinfo(nlh, ifindex);
	return (int)nlh->nlmsg_len;
}

/* ---- parser ---- */

typedef int (*attr_cb)(const struct nlattr *attr, void *data);

/*
 * Walk the attributes in [@offset, nlmsg_len) of @nlh, whose nlmsg_len has
 * been checked against the buffer.  Every TLV must fit; only the padding
 * of the last one may be missing.
 */
static int walk_attrs(const struct nlmsghdr *nlh, size_t offset, attr_cb fn,
		      void *data)
{
	const char *p = (const char *)nlh + offset;
	size_t rem;

	if (offset > nlh->nlmsg_len || offset % MNL_ALIGNTO)
		return -EBADMSG;
	rem = nlh->nlmsg_len - offset;
	while (rem > 0) {
		const struct nlattr *attr = (const struct nlattr *)p;
		size_t step;
		int ret;

		if (!mnl_attr_ok(attr, (int)rem))
			return -EBADMSG;
		ret = fn(attr, data);
		if (ret)
			return ret;
		step = MNL_ALIGN((size_t)attr->nla_len);
		if (step >= rem)
			break;
		p += step;
		rem -= step;
	}
	return 0;
}

static int link_attr(const struct nlattr *attr, void *data)
{
	struct rtnl_msg_link *link = data;
	uint16_t plen = mnl_attr_get_payload_len(attr);

	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME: {
		const char *name;

		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return -EBADMSG;
		name = mnl_attr_get_str(attr);
		if (strnlen(name, plen) >= sizeof(link->ifname))
			return -EBADMSG;
		strcpy(link->ifname, name);
		break;
	}
	case IFLA_ADDRESS:
		if (plen == RTNL_MSG_MAC_BYTES) {
			memcpy(link->mac, mnl_attr_get_payload(attr),
			       RTNL_MSG_MAC_BYTES);
			link->has_mac = true;
		}
		break;
	case IFLA_OPERSTATE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return -EBADMSG;
		link->operstate = mnl_attr_get_u8(attr);
		link->has_operstate = true;
		break;
	case IFLA_CARRIER:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return -EBADMSG;
		link->carrier = mnl_attr_get_u8(attr);
		link->has_carrier = true;
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return -EBADMSG;
		link->mtu = mnl_attr_get_u32(attr);
		link->has_mtu = true;
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return -EBADMSG;
		link->master = mnl_attr_get_u32(attr);
		break;
	default:
		break;
	}
	return 0;
}

static int parse_link(const struct nlmsghdr *nlh, struct rtnl_msg_event *ev)
{
	const struct ifinfomsg *ifi;
	struct rtnl_msg_link *link = &ev->link;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	ev->kind = RTNL_MSG_LINK;
	link->ifindex = ifi->ifi_index;
	link->flags = ifi->ifi_flags;
	link->type = ifi->ifi_type;
	link->deleted = nlh->nlmsg_type == RTM_DELLINK;
	link->bridge_port = ifi->ifi_family == AF_BRIDGE;
	return walk_attrs(nlh, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifi)),
			  link_attr, link);
}

static int ack_attr(const struct nlattr *attr, void *data)
{
	struct rtnl_msg_ack *ack = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG) {
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return -EBADMSG;
		ack->ext_msg = mnl_attr_get_str(attr);
	}
	return 0;
}

static int parse_ack(const struct nlmsghdr *nlh, struct rtnl_msg_event *ev)
{
	const struct nlmsgerr *err;
	size_t off;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
		return -EBADMSG;
	err = mnl_nlmsg_get_payload(nlh);
	if (err->error > 0 || err->error < -RTNL_MSG_MAX_ERRNO)
		return -EBADMSG;
	ev->kind = RTNL_MSG_ACK;
	ev->ack.error = err->error;
	ev->ack.ext_msg = NULL;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;

	/* TLVs follow the (possibly capped) echo of our request. */
	off = MNL_NLMSG_HDRLEN + sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < MNL_NLMSG_HDRLEN ||
		    err->msg.nlmsg_len > nlh->nlmsg_len)
			return -EBADMSG;
		off += err->msg.nlmsg_len - MNL_NLMSG_HDRLEN;
	}
	off = MNL_ALIGN(off);
	return walk_attrs(nlh, off, ack_attr, &ev->ack);
}

static int parse_done(const struct nlmsghdr *nlh, struct rtnl_msg_event *ev)
{
	ev->kind = RTNL_MSG_DONE;
	ev->done.error = 0;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		const int *perr = mnl_nlmsg_get_payload(nlh);

		if (*perr > 0 || *perr < -RTNL_MSG_MAX_ERRNO)
			return -EBADMSG;
		ev->done.error = *perr;
	}
	return 0;
}

/* Returns 1 if @ev was filled, 0 to skip the message, or -EBADMSG. */
static int parse_one(const struct nlmsghdr *nlh, uint32_t portid_expected,
		     struct rtnl_msg_event *ev)
{
	bool mine = portid_expected == 0 || nlh->nlmsg_pid == portid_expected;
	int ret;

	memset(ev, 0, sizeof(*ev));
	ev->seq = nlh->nlmsg_seq;
	ev->portid = nlh->nlmsg_pid;
	ev->multi = !!(nlh->nlmsg_flags & NLM_F_MULTI);
	if (nlh->nlmsg_pid == 0)
		ev->origin = RTNL_MSG_ORIGIN_KERNEL;
	else if (nlh->nlmsg_pid == portid_expected)
		ev->origin = RTNL_MSG_ORIGIN_SELF;
	else
		ev->origin = RTNL_MSG_ORIGIN_OTHER;

	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		ret = parse_ack(nlh, ev);
		break;
	case NLMSG_DONE:
		ret = parse_done(nlh, ev);
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		ret = parse_link(nlh, ev);
		/* notifications are reported whoever caused them */
		mine = true;
		break;
	default:
		return 0;
	}
	if (ret < 0)
		return ret;
	return mine ? 1 : 0;
}

/*
 * libmnl 1.0.4's mnl_nlmsg_ok() compares (int)nlmsg_len <= len, so an
 * nlmsg_len >= 2^31 passes it; check the length as unsigned as well.
 */
static bool nlmsg_fits(const struct nlmsghdr *nlh, size_t rem)
{
	return mnl_nlmsg_ok(nlh, (int)rem) && nlh->nlmsg_len <= rem;
}

static int walk_msgs(const void *buf, size_t len, uint32_t portid_expected,
		     rtnl_msg_cb cb, void *arg)
{
	const char *p = buf;
	size_t rem = len;
	int count = 0;

	while (rem > 0) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;
		struct rtnl_msg_event ev;
		size_t step;
		int ret;

		if (!nlmsg_fits(nlh, rem))
			return -EBADMSG;
		ret = parse_one(nlh, portid_expected, &ev);
		if (ret < 0)
			return ret;
		if (ret > 0) {
			count++;
			if (cb) {
				ret = cb(&ev, arg);
				if (ret < 0)
					return ret;
			}
		}
		/* only the last message may lack (some of) its padding */
		step = MNL_ALIGN((size_t)nlh->nlmsg_len);
		if (step >= rem)
			break;
		p += step;
		rem -= step;
	}
	return count;
}

int rtnl_msg_parse(const void *buf, size_t len, uint32_t portid_expected,
		   rtnl_msg_cb cb, void *arg)
{
	int ret;

	if (!cb || !buf || !aligned4(buf) || len > INT_MAX)
		return -EINVAL;
	if (len == 0)
		return -EBADMSG;
	/* validate everything first so that @cb sees all or nothing */
	ret = walk_msgs(buf, len, portid_expected, NULL, NULL);
	if (ret < 0)
		return ret;
	return walk_msgs(buf, len, portid_expected, cb, arg);
}

/* ---- errors ---- */

struct errno_name {
	int err;
	const char *text;
};

#define E(name, desc) { name, #name " (" desc ")" }

static const struct errno_name errno_names[] = {
	E(EPERM, "Operation not permitted"),
	E(ENOENT, "No such file or directory"),
	E(ESRCH, "No such process"),
	E(EINTR, "Interrupted system call"),
	E(EIO, "Input/output error"),
	E(ENXIO, "No such device or address"),
	E(E2BIG, "Argument list too long"),
	E(EBADF, "Bad file descriptor"),
	E(EAGAIN, "Resource temporarily unavailable"),
	E(ENOMEM, "Cannot allocate memory"),
	E(EACCES, "Permission denied"),
	E(EFAULT, "Bad address"),
	E(EBUSY, "Device or resource busy"),
	E(EEXIST, "File exists"),
	E(ENODEV, "No such device"),
	E(EINVAL, "Invalid argument"),
	E(ENOSPC, "No space left on device"),
	E(ERANGE, "Numerical result out of range"),
	E(ENAMETOOLONG, "File name too long"),
	E(ENOSYS, "Function not implemented"),
	E(ENOMSG, "No message of desired type"),
	E(ENODATA, "No data available"),
	E(EPROTO, "Protocol error"),
	E(EBADMSG, "Bad message"),
	E(EOVERFLOW, "Value too large for defined data type"),
	E(ENOTSOCK, "Socket operation on non-socket"),
	E(EMSGSIZE, "Message too long"),
	E(EPROTONOSUPPORT, "Protocol not supported"),
	E(EOPNOTSUPP, "Operation not supported"),
	E(EAFNOSUPPORT, "Address family not supported by protocol"),
	E(EADDRINUSE, "Address already in use"),
	E(EADDRNOTAVAIL, "Cannot assign requested address"),
	E(ENETDOWN, "Network is down"),
	E(ENETUNREACH, "Network is unreachable"),
	E(ENOBUFS, "No buffer space available"),
	E(ENOTCONN, "Transport endpoint is not connected"),
	E(ETIMEDOUT, "Connection timed out"),
	E(ECONNREFUSED, "Connection refused"),
	E(EHOSTUNREACH, "No route to host"),
	E(EALREADY, "Operation already in progress"),
	E(EINPROGRESS, "Operation now in progress"),
	E(EDQUOT, "Disk quota exceeded"),
};

#undef E

const char *rtnl_msg_strerror(int err, char *buf, size_t size)
{
	long long e = err < 0 ? -(long long)err : (long long)err;
	size_t i;

	if (!buf || size == 0)
		return buf;
	if (e == 0) {
		snprintf(buf, size, "0 (Success)");
		return buf;
	}
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++) {
		if (errno_names[i].err == e) {
			snprintf(buf, size, "%s", errno_names[i].text);
			return buf;
		}
	}
	snprintf(buf, size, "errno %lld", e);
	return buf;
}
