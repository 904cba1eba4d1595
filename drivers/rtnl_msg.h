/* drivers/rtnl_msg.h — rtnetlink request builders and reply parser (libmnl) */
#ifndef DRIVERS_RTNL_MSG_H
#define DRIVERS_RTNL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/*
 * Pure message code: no sockets.  The caller owns the netlink socket, sends
 * what the builders produce and feeds received datagrams to rtnl_msg_parse().
 *
 * All buffers handed to this module must be 4-byte aligned (netlink
 * alignment); malloc()ed, MNL_SOCKET_BUFFER_SIZE arrays of uint32_t or
 * _Alignas(4) char arrays are.
 */

/* Every builder's message fits in this many bytes. */
#define RTNL_MSG_MIN_BUF_BYTES	256
/* Interface name including NUL (== IFNAMSIZ). */
#define RTNL_MSG_IFNAME_BYTES	16
#define RTNL_MSG_MAC_BYTES	6
/* Suggested buffer for rtnl_msg_strerror(). */
#define RTNL_MSG_STRERROR_BYTES	64

/*
 * Builders.  Each writes exactly one request into @buf (4-byte aligned,
 * @size >= RTNL_MSG_MIN_BUF_BYTES), with nlmsg_seq = @seq, nlmsg_pid = 0
 * (the kernel fills in the sender) and NLM_F_REQUEST | NLM_F_ACK (plus the
 * flags noted below).  They return the message length in bytes (> 0), or
 *   -EINVAL   NULL/misaligned @buf, invalid ifname (see
 *             rtnl_msg_ifname_valid()), ifindex <= 0 or other bad argument;
 *   -EMSGSIZE @size < RTNL_MSG_MIN_BUF_BYTES.
 */

/* RTM_GETLINK for @ifname (IFLA_IFNAME; IFLA_EXT_MASK skips stats).  The
 * kernel answers with one RTM_NEWLINK (ifindex, flags, mac, carrier...)
 * followed by an ACK, or with an error. */
int rtnl_msg_build_getlink(void *buf, size_t size, uint32_t seq,
			   const char *ifname);

/* RTM_NEWLINK on @ifindex with ifi_change = IFF_UP and
 * ifi_flags = @up ? IFF_UP : 0. */
int rtnl_msg_build_setlink_up(void *buf, size_t size, uint32_t seq,
			      int ifindex, bool up);

/* RTM_NEWADDR (+ NLM_F_CREATE | NLM_F_EXCL) of IPv4 @addr/@prefix_len
 * (1..32) on @ifindex: IFA_LOCAL = IFA_ADDRESS = @addr and, for prefixes
 * up to /30, IFA_BROADCAST = @addr | ~netmask.  @addr is in network byte
 * order.  Scope universe. */
int rtnl_msg_build_newaddr4(void *buf, size_t size, uint32_t seq, int ifindex,
			    struct in_addr addr, unsigned int prefix_len);

/* RTM_DELADDR with the same header and attributes as the above (no
 * create flags). */
int rtnl_msg_build_deladdr4(void *buf, size_t size, uint32_t seq, int ifindex,
			    struct in_addr addr, unsigned int prefix_len);

/* RTM_NEWLINK (+ NLM_F_CREATE | NLM_F_EXCL) creating 802.1Q VLAN @ifname
 * (e.g. "eth0.1") on parent @parent_ifindex with @vlan_id (1..4094):
 * IFLA_IFNAME, IFLA_LINK, IFLA_LINKINFO{IFLA_INFO_KIND "vlan",
 * IFLA_INFO_DATA{IFLA_VLAN_ID}}. */
int rtnl_msg_build_newvlan(void *buf, size_t size, uint32_t seq,
			   const char *ifname, int parent_ifindex,
			   uint16_t vlan_id);

/* RTM_NEWLINK (+ NLM_F_CREATE | NLM_F_EXCL) creating bridge @ifname:
 * IFLA_IFNAME, IFLA_LINKINFO{IFLA_INFO_KIND "bridge"} (the kernel's
 * defaults: no STP, so a port forwards as soon as it is up). */
int rtnl_msg_build_newbridge(void *buf, size_t size, uint32_t seq, const char *ifname);

/* RTM_NEWLINK on @ifindex with IFLA_MASTER = @master_ifindex (0: no master,
 * the link leaves its bridge). */
int rtnl_msg_build_setmaster(void *buf, size_t size, uint32_t seq, int ifindex, int master_ifindex);

/* RTM_DELLINK of @ifindex. */
int rtnl_msg_build_dellink(void *buf, size_t size, uint32_t seq, int ifindex);

/* Kernel dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or
 * whitespace. */
bool rtnl_msg_ifname_valid(const char *ifname);

/* ---- parser ---- */

enum rtnl_msg_kind {
	RTNL_MSG_ACK = 1,	/* NLMSG_ERROR: ack (error 0) or failure */
	RTNL_MSG_LINK,		/* RTM_NEWLINK / RTM_DELLINK */
	RTNL_MSG_DONE,		/* NLMSG_DONE (end of a dump) */
	RTNL_MSG_KIND_COUNT
};

/* Who caused the message, from nlmsg_pid. */
enum rtnl_msg_origin {
	RTNL_MSG_ORIGIN_SELF = 1,	/* nlmsg_pid == portid_expected != 0 */
	RTNL_MSG_ORIGIN_KERNEL,		/* nlmsg_pid == 0 */
	RTNL_MSG_ORIGIN_OTHER,		/* another process's request */
	RTNL_MSG_ORIGIN_COUNT
};

struct rtnl_msg_ack {
	int error;		/* 0 or negative errno (-4095..-1) */
	/* Extended-ack text (NLMSGERR_ATTR_MSG) or NULL; points into the
	 * parsed buffer, valid only during the callback. */
	const char *ext_msg;
};

struct rtnl_msg_link {
	int ifindex;
	char ifname[RTNL_MSG_IFNAME_BYTES];	/* "" if IFLA_IFNAME absent */
	unsigned int flags;	/* ifi_flags: IFF_UP, IFF_LOWER_UP, ... */
	uint16_t type;		/* ifi_type: ARPHRD_* */
	bool deleted;		/* RTM_DELLINK */
	bool bridge_port;	/* ifi_family AF_BRIDGE: a bridge's notice about one of its ports (its
				 * RTM_DELLINK means the port left the bridge, not that the link is gone) */
	bool has_operstate;
	uint8_t operstate;	/* IF_OPER_* from IFLA_OPERSTATE */
	bool has_carrier;
	uint8_t carrier;	/* IFLA_CARRIER */
	bool has_mtu;
	uint32_t mtu;		/* IFLA_MTU */
	uint32_t master;	/* IFLA_MASTER: the bridge it is a port of, 0: none */
	bool has_mac;		/* IFLA_ADDRESS present and 6 bytes long */
	uint8_t mac[RTNL_MSG_MAC_BYTES];
};

struct rtnl_msg_done {
	int error;		/* 0 or negative errno carried by the DONE */
};

struct rtnl_msg_event {
	enum rtnl_msg_kind kind;
	uint32_t seq;		/* nlmsg_seq */
	uint32_t portid;	/* nlmsg_pid */
	enum rtnl_msg_origin origin;
	bool multi;		/* NLM_F_MULTI */
	union {
		struct rtnl_msg_ack ack;
		struct rtnl_msg_link link;
		struct rtnl_msg_done done;
	};
};

/* Return 0 to continue, a negative errno to stop parsing (returned by
 * rtnl_msg_parse()). */
typedef int (*rtnl_msg_cb)(const struct rtnl_msg_event *ev, void *arg);

/*
 * rtnl_msg_parse - walk every netlink message in the datagram @buf/@len
 * and call @cb for each ACK/error, link and DONE message, in order.
 * Other message types (NOOP, OVERRUN, addresses, routes...) are skipped.
 *
 * The whole datagram is validated first (mnl_nlmsg_ok framing, header
 * payload sizes, attribute TLVs of the messages reported, error range,
 * NUL-terminated strings, no trailing bytes), so @cb is called only if
 * it is entirely well formed; nothing is read outside @buf[0..@len).
 *
 * Port id: with @portid_expected != 0 (our socket's mnl_socket_get_portid()),
 * ACK and DONE messages whose nlmsg_pid differs are dropped silently (they
 * cannot answer our requests); link messages are always reported, with
 * ev->origin telling ours (SELF), kernel (pid 0) or other process (OTHER).
 * @portid_expected == 0 disables the dropping.  The caller must still check
 * that the datagram came from the kernel (sockaddr_nl.nl_pid == 0) and
 * match ev->seq against its outstanding requests.
 *
 * Returns the number of events reported (>= 0), or
 *   -EINVAL   @cb NULL, @buf NULL/misaligned, or @len > INT_MAX;
 *   -EBADMSG  truncated or malformed datagram (no callback was made);
 *   the negative value returned by @cb, which stops the walk.
 */
int rtnl_msg_parse(const void *buf, size_t len, uint32_t portid_expected,
		   rtnl_msg_cb cb, void *arg);

/*
 * rtnl_msg_strerror - format kernel error @err (negative or positive
 * errno) for logs as "EEXIST (File exists)", "0 (Success)" for 0 or
 * "errno 1234" if unknown, into @buf of @size bytes (truncated, always
 * NUL-terminated if @size > 0).  Thread-safe, libc-independent.  Returns @buf.
 */
const char *rtnl_msg_strerror(int err, char *buf, size_t size);

#endif /* DRIVERS_RTNL_MSG_H */
