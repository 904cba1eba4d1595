/* drivers/eth_rtnl.c — the failsafe port over rtnetlink: one request in flight, each ACK checked, undo on demand */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eth_journal.h"
#include "eth_rtnl.h"
#include "io.h"
#include "log.h"
#include "rtnl_msg.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000 /* linux/if.h; glibc's net/if.h lacks it */
#endif

#define RX_BUF_BYTES 32768

/* The port is the bridge when the board lists LAN ports: they follow it as LINK_MEMBER + i. */
enum link_id { LINK_CONDUIT = 0, LINK_PARENT, LINK_PORT, LINK_MEMBER, LINK_COUNT = LINK_MEMBER + BOARD_MAX_LAN_PORTS };

/* Each link has at most a "created" or "up" line and an "enslaved" line; then the address. */
_Static_assert((2 * LINK_COUNT + 1) * ETH_JOURNAL_LINE_BYTES <= ETH_JOURNAL_BYTES, "eth_rtnl: journal too small");

static const char *link_role(enum link_id id)
{
	static const char *const roles[LINK_MEMBER] = { "conduit", "VLAN parent", "port" };

	return id < LINK_MEMBER ? roles[id] : "LAN port";
}

enum req_kind {
	REQ_NONE = 0, REQ_GET, REQ_UP, REQ_DOWN, REQ_NEWVLAN, REQ_NEWBRIDGE, REQ_SETMASTER, REQ_NOMASTER, REQ_DELLINK,
	REQ_ADDADDR, REQ_DELADDR, REQ_KIND_COUNT
};

struct link {
	const char *name;        /* NULL: not part of this board's setup */
	bool known;              /* ifindex and flags read */
	bool waiting;            /* missing: wait for its RTM_NEWLINK */
	bool create_tried;       /* VLAN port: creation asked once */
	int ifindex;
	unsigned flags;
	bool we_up;              /* failsafed set IFF_UP: set it back down on undo */
	bool we_created;         /* failsafed created it (VLAN, bridge): delete on undo */
	bool we_deleted;         /* failsafed asked to delete it: its RTM_DELLINK is expected */
	bool we_enslaved;        /* failsafed made it a port of the bridge: released on undo */
	bool left_out;           /* a LAN port found in another bridge, or that could not join: left alone */
	uint32_t master;         /* IFLA_MASTER as last seen */
	enum req_kind asked;     /* REQ_UP, REQ_NEWVLAN, REQ_NEWBRIDGE or REQ_SETMASTER in flight: journaled before sent */
	bool seen;               /* looked at in this run: what a killed run's journal says of it adopted or dropped */
	bool has_mac;
	uint8_t mac[6];
};

struct eth_rtnl {
	bool host_netns_ok;
	char journal_path[256];  /* what failsafed did to the port, for a failsafed that restarts; "" for none */
	char journal[ETH_JOURNAL_BYTES]; /* a previous run's, read at start: what may be adopted */
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	struct eth_config cfg;
	struct link links[LINK_COUNT];
	bool addr_added;         /* failsafed added the address: remove it on undo */
	bool addr_asked;         /* REQ_ADDADDR in flight: journaled before it is sent */
	bool addr_done;
	bool addr_probed;        /* undo: a killed run's address removed (if there) before this run added its own */
	bool addr_probing;       /* that REQ_DELADDR in flight: the address not being there is no error */
	bool configured;
	bool failed;
	bool undoing;
	bool restored;           /* undone: nothing more to do */
	bool (*enobufs)(void *ctx); /* the simulated board's fault knob, or NULL */
	void *enobufs_ctx;
	enum req_kind pending;   /* request in flight */
	enum link_id pending_link;
	uint32_t pending_seq;
	eth_event_cb cb;
	void *ctx;
	_Alignas(4) uint8_t tx[RTNL_MSG_MIN_BUF_BYTES * 2];
	_Alignas(4) uint8_t rx[RX_BUF_BYTES];
};

static void next(struct eth_rtnl *e);

int eth_rtnl_new(struct eth_rtnl **out, bool host_netns_ok, const char *state_dir)
{
	struct eth_rtnl *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->host_netns_ok = host_netns_ok;
	if (state_dir)
		snprintf(e->journal_path, sizeof(e->journal_path), "%s/%s", state_dir, ETH_JOURNAL_FILE);
	*out = e;
	return 0;
}

/* A previous run's line about a link this run has not looked at yet is kept: killed now, this run loses nothing. */
static bool carried(const struct eth_rtnl *e, const struct link *l)
{
	return e->journal[0] && !l->seen && !e->restored;
}

/* The journal as the flags are now, written whole (rename); no file when nothing is ours to undo. */
static void journal_save(struct eth_rtnl *e)
{
	char text[ETH_JOURNAL_BYTES] = "", tmp[sizeof(e->journal_path) + 4];
	const char *port = e->links[LINK_PORT].name;   /* the bridge, when the board lists LAN ports */
	int fd, rc = 0;

	if (!e->journal_path[0])
		return;
	/* A change is journaled before it is asked for: killed between the kernel's change and its ACK, the next
	 * run still knows. It adopts only what it finds (a link up, a port in the bridge, an address there), so an
	 * intent that never took effect costs nothing. */
	for (enum link_id id = 0; id < LINK_COUNT; id++) {
		const struct link *l = &e->links[id];
		bool carry = carried(e, l);

		if (!l->name)
			continue;
		if (l->we_created || l->asked == REQ_NEWVLAN || l->asked == REQ_NEWBRIDGE ||
		    (carry && eth_journal_has(e->journal, "created", l->name)))
			rc |= eth_journal_add(text, sizeof(text), "created", l->name);
		if (l->we_up || l->asked == REQ_UP || (carry && eth_journal_has(e->journal, "up", l->name)))
			rc |= eth_journal_add(text, sizeof(text), "up", l->name);
		if (id >= LINK_MEMBER && (l->we_enslaved || l->asked == REQ_SETMASTER ||
					  (carry && eth_journal_has_port(e->journal, l->name, port))))
			rc |= eth_journal_add_port(text, sizeof(text), l->name, port);
	}
	if (e->addr_added || e->addr_asked ||
	    (e->journal[0] && !e->addr_done && !e->addr_probed && !e->restored &&
	     eth_journal_has_addr(e->journal, port, e->cfg.addr, e->cfg.prefix_len)))
		rc |= eth_journal_add_addr(text, sizeof(text), port, e->cfg.addr, e->cfg.prefix_len);
	if (!text[0]) {
		unlink(e->journal_path);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", e->journal_path);
	if (rc || (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		rc = rc ? -ENOSPC : -errno;
	} else {
		rc = io_write_all(fd, text, strlen(text));
		if (close(fd) < 0 && !rc)
			rc = -errno;
		if (!rc && rename(tmp, e->journal_path) < 0)
			rc = -errno;
		if (rc)
			unlink(tmp);
	}
	if (rc)
		log_warn("netlink: %s: %s; a failsafed restarted after a crash would not undo this run's changes",
			 e->journal_path, strerror(-rc));
}

/* A change a previous failsafed made and never undid, still there: this run undoes it as its own. */
static bool adopt(struct eth_rtnl *e, bool found, const char *what)
{
	if (found)
		log_info("netlink: %s: left by a failsafed that did not finish (%s); undone with this run's changes",
			 what, e->journal_path);
	return found;
}

/*
 * The first sight of a link in this run: what a killed run's journal says it did to it, and is still so (the
 * link it created, up, in this run's bridge), becomes this run's to undo; the rest of its lines are dropped.
 */
static void adopt_link(struct eth_rtnl *e, enum link_id id, const struct rtnl_msg_link *m)
{
	struct link *l = &e->links[id];
	const struct link *bridge = &e->links[LINK_PORT];
	/* the bridge is known before its ports are asked for */
	bool in_bridge = id >= LINK_MEMBER && bridge->known && m->master && m->master == (uint32_t)bridge->ifindex;
	char what[96];

	l->seen = true;
	if (!e->journal[0])
		return;
	snprintf(what, sizeof(what), "%s created", l->name);
	if (!l->we_created && adopt(e, eth_journal_has(e->journal, "created", l->name), what))
		l->we_created = true;
	snprintf(what, sizeof(what), "%s set up", l->name);
	if (!l->we_up && !l->we_created && (m->flags & IFF_UP) &&
	    adopt(e, eth_journal_has(e->journal, "up", l->name), what))
		l->we_up = true;
	/* Only a port failsafed put there: one the board had in its own bridge stays in it. */
	snprintf(what, sizeof(what), "%s in %s", l->name, bridge->name);
	if (in_bridge && !l->we_enslaved && adopt(e, eth_journal_has_port(e->journal, l->name, bridge->name), what))
		l->we_enslaved = true;
	journal_save(e);
}

/*
 * The simulator's port may only be configured in a namespace that was made
 * for it: one named by "ip netns add" (/run/netns), or one that provably is
 * not PID 1's. Anything unreadable counts as the host's: the safe answer.
 */
static bool in_host_netns(void)
{
	struct stat self, other;
	struct dirent *de;
	bool named = false;
	DIR *dir;

	if (stat("/proc/self/ns/net", &self) < 0)
		return true;
	if (stat("/proc/1/ns/net", &other) == 0)
		return self.st_ino == other.st_ino && self.st_dev == other.st_dev;
	dir = opendir("/run/netns");
	if (!dir)
		return true;
	while (!named && (de = readdir(dir))) {
		char path[300];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		named = stat(path, &other) == 0 && self.st_ino == other.st_ino && self.st_dev == other.st_dev;
	}
	closedir(dir);
	return !named;
}

static void info_of(const struct eth_rtnl *e, struct eth_port_info *info)
{
	const struct link *p = &e->links[LINK_PORT];

	memset(info, 0, sizeof(*info));
	snprintf(info->ifname, sizeof(info->ifname), "%s", p->name);
	info->ifindex = p->ifindex;
	info->has_mac = p->has_mac;
	memcpy(info->mac, p->mac, sizeof(info->mac));
	info->carrier = p->flags & IFF_LOWER_UP;
}

static void emit(struct eth_rtnl *e, enum eth_event ev, const char *detail)
{
	struct eth_port_info info;

	info_of(e, &info);
	e->cb(e->ctx, ev, &info, detail);
}

static int send_req(struct eth_rtnl *e, enum req_kind kind, enum link_id id, int len)
{
	if (len < 0)
		return len;
	if (mnl_socket_sendto(e->nl, e->tx, (size_t)len) < 0)
		return -errno;
	e->pending = kind;
	e->pending_link = id;
	e->pending_seq = e->seq;
	return 0;
}

static int request(struct eth_rtnl *e, enum req_kind kind, enum link_id id)
{
	struct link *l = &e->links[id];
	size_t size = sizeof(e->tx);
	uint32_t seq = ++e->seq;

	switch (kind) {
	case REQ_GET:
		return send_req(e, kind, id, rtnl_msg_build_getlink(e->tx, size, seq, l->name));
	case REQ_UP:
	case REQ_DOWN:
		return send_req(e, kind, id, rtnl_msg_build_setlink_up(e->tx, size, seq, l->ifindex, kind == REQ_UP));
	case REQ_NEWVLAN:
		return send_req(e, kind, id, rtnl_msg_build_newvlan(e->tx, size, seq, l->name,
								    e->links[LINK_PARENT].ifindex, e->cfg.vlan_id));
	case REQ_NEWBRIDGE:
		return send_req(e, kind, id, rtnl_msg_build_newbridge(e->tx, size, seq, l->name));
	case REQ_SETMASTER:
	case REQ_NOMASTER:
		return send_req(e, kind, id, rtnl_msg_build_setmaster(e->tx, size, seq, l->ifindex,
								      kind == REQ_SETMASTER ? e->links[LINK_PORT].ifindex : 0));
	case REQ_DELLINK:
		return send_req(e, kind, id, rtnl_msg_build_dellink(e->tx, size, seq, l->ifindex));
	case REQ_ADDADDR:
		return send_req(e, kind, id, rtnl_msg_build_newaddr4(e->tx, size, seq, l->ifindex,
								     e->cfg.addr, e->cfg.prefix_len));
	case REQ_DELADDR:
		return send_req(e, kind, id, rtnl_msg_build_deladdr4(e->tx, size, seq, l->ifindex,
								     e->cfg.addr, e->cfg.prefix_len));
	default:
		return -EINVAL;
	}
}

static void fail(struct eth_rtnl *e, const char *what, int err)
{
	char name[RTNL_MSG_STRERROR_BYTES], detail[160];

	snprintf(detail, sizeof(detail), "%s: %s", what, rtnl_msg_strerror(err, name, sizeof(name)));
	e->failed = true;
	e->pending = REQ_NONE;
	if (e->undoing)
		log_warn("netlink: %s", detail);
	else
		emit(e, ETH_EV_FAILED, detail);
}

/* Configure: make each link known and up, in order, then add the address. */
static void next_configure(struct eth_rtnl *e)
{
	char what[96];
	int rc = 0;

	for (enum link_id id = 0; id < LINK_COUNT; id++) {
		struct link *l = &e->links[id];
		bool member = id >= LINK_MEMBER;

		/* Once configured, what the user does to the port (ip link set down) is theirs to do; a LAN
		 * port that appears late still joins the bridge. */
		if (!l->name || (e->configured && !member) || l->left_out)
			continue;
		if (!l->known) {
			if (l->waiting) {
				if (member)
					continue;   /* one missing LAN port costs only that port */
				return;
			}
			rc = request(e, REQ_GET, id);
			snprintf(what, sizeof(what), "asking for %s %s", link_role(id), l->name);
			goto sent;
		}
		if (member && l->master && l->master != (uint32_t)e->links[LINK_PORT].ifindex) {
			l->left_out = true;
			log_warn("netlink: LAN port %s is a port of another bridge (ifindex %u); left as it is", l->name,
				 l->master);
			continue;
		}
		if (!(l->flags & IFF_UP)) {
			l->asked = REQ_UP;
			journal_save(e);
			rc = request(e, REQ_UP, id);
			snprintf(what, sizeof(what), "setting %s %s up", link_role(id), l->name);
			goto sent;
		}
		if (member && !l->master) {
			l->asked = REQ_SETMASTER;
			journal_save(e);
			rc = request(e, REQ_SETMASTER, id);
			snprintf(what, sizeof(what), "adding LAN port %s to %s", l->name, e->links[LINK_PORT].name);
			goto sent;
		}
	}
	if (e->configured)
		return;
	if (!e->addr_done) {
		e->addr_asked = true;
		journal_save(e);
		rc = request(e, REQ_ADDADDR, LINK_PORT);
		snprintf(what, sizeof(what), "adding the address to %s", e->links[LINK_PORT].name);
		goto sent;
	}
	if (!e->configured) {
		e->configured = true;
		emit(e, ETH_EV_CONFIGURED, NULL);
	}
	return;
sent:
	if (rc < 0) {
		for (enum link_id id = 0; id < LINK_COUNT; id++)
			e->links[id].asked = REQ_NONE;
		e->addr_asked = false;
		fail(e, what, rc);
		journal_save(e);
	}
}

/*
 * Undo in reverse: the address, then each link failsafed created, brought up or put in the bridge. First, when
 * the window ended before this run looked at every link a killed run's journal names (or at its address), it
 * looks now, so what that run left is undone as well.
 */
static void next_undo(struct eth_rtnl *e)
{
	const struct link *port = &e->links[LINK_PORT];
	int rc;

	for (enum link_id id = 0; e->journal[0] && id < LINK_COUNT; id++) {
		struct link *l = &e->links[id];

		if (!l->name || l->seen || l->waiting || !eth_journal_mentions(e->journal, l->name))
			continue;
		if ((rc = request(e, REQ_GET, id)) == 0)
			return;
		l->seen = true;
		log_warn("netlink: asking for %s %s: %s", link_role(id), l->name, strerror(-rc));
	}
	if (e->journal[0] && !e->addr_done && !e->addr_probed && port->known &&
	    eth_journal_has_addr(e->journal, port->name, e->cfg.addr, e->cfg.prefix_len)) {
		e->addr_probed = e->addr_probing = true;
		if ((rc = request(e, REQ_DELADDR, LINK_PORT)) == 0)
			return;
		e->addr_probing = false;
		log_warn("netlink: removing the address from %s: %s", port->name, strerror(-rc));
	}
	if (e->addr_added) {
		e->addr_added = false;
		rc = request(e, REQ_DELADDR, LINK_PORT);
		if (rc == 0)
			return;
		log_warn("netlink: removing the address from %s: %s", e->links[LINK_PORT].name, strerror(-rc));
	}
	for (int id = LINK_COUNT - 1; id >= 0; id--) {
		struct link *l = &e->links[id];

		if (l->we_enslaved) {
			l->we_enslaved = false;
			if ((rc = request(e, REQ_NOMASTER, (enum link_id)id)) == 0)
				return;
			log_warn("netlink: taking %s out of the bridge: %s", l->name, strerror(-rc));
		}
		if (l->we_created) {
			l->we_created = l->we_up = false;
			l->we_deleted = true;
			if ((rc = request(e, REQ_DELLINK, (enum link_id)id)) == 0)
				return;
			l->we_deleted = false;
			log_warn("netlink: deleting %s %s: %s", link_role(id), l->name, strerror(-rc));
		}
		if (l->we_up) {
			l->we_up = false;
			if ((rc = request(e, REQ_DOWN, (enum link_id)id)) == 0)
				return;
			log_warn("netlink: setting %s %s down: %s", link_role(id), l->name, strerror(-rc));
		}
	}
	e->undoing = false;
	e->restored = true;
	e->pending = REQ_NONE;
	journal_save(e); /* nothing left: the file goes */
	emit(e, ETH_EV_RESTORED, NULL);
}

static void next(struct eth_rtnl *e)
{
	if (e->pending != REQ_NONE || e->restored)
		return;
	if (e->undoing)
		next_undo(e);
	else if (!e->failed)
		next_configure(e);
}

static void on_ack(struct eth_rtnl *e, int error)
{
	struct link *l = &e->links[e->pending_link];
	enum req_kind kind = e->pending;
	char what[96];

	e->pending = REQ_NONE;
	switch (kind) {
	case REQ_DELADDR:
		if (e->addr_probing) {
			e->addr_probing = false;
			if (!error)
				adopt(e, true, "the address");
			else if (error != -EADDRNOTAVAIL)
				log_warn("netlink: removing the address from %s: %s", l->name, strerror(-error));
			break;
		}
		/* fall through */
	case REQ_DOWN:
	case REQ_DELLINK:
	case REQ_NOMASTER:
		if (error)
			log_warn("netlink: undoing on %s %s: %s", link_role(e->pending_link), l->name, strerror(-error));
		break;
	case REQ_GET:
		if (e->undoing) {
			if (error)
				l->seen = true; /* not there: nothing of a killed run's to undo on it */
			break;
		}
		if (error == -ENODEV && e->pending_link == LINK_PORT && (e->cfg.vlan_id || e->cfg.n_lan_ports) &&
		    !l->create_tried) {
			enum req_kind create = e->cfg.vlan_id ? REQ_NEWVLAN : REQ_NEWBRIDGE;
			int rc;

			l->create_tried = true;
			l->asked = create;
			journal_save(e);
			if ((rc = request(e, create, LINK_PORT)) < 0) {
				l->asked = REQ_NONE;
				fail(e, e->cfg.vlan_id ? "creating the VLAN link" : "creating the bridge", rc);
				journal_save(e);
			}
		} else if (error == -ENODEV) {
			l->waiting = true;
			snprintf(what, sizeof(what), "%s %s does not exist yet", link_role(e->pending_link), l->name);
			emit(e, ETH_EV_WAITING, what);
		} else if (error) {
			snprintf(what, sizeof(what), "asking for %s %s", link_role(e->pending_link), l->name);
			fail(e, what, error);
		}
		break;
	case REQ_NEWVLAN:
	case REQ_NEWBRIDGE:
		l->asked = REQ_NONE;
		if (error) {
			if (kind == REQ_NEWVLAN)
				snprintf(what, sizeof(what), "creating VLAN %u %s", e->cfg.vlan_id, l->name);
			else
				snprintf(what, sizeof(what), "creating bridge %s", l->name);
			fail(e, what, error);
		} else {
			l->we_created = true;
		}
		journal_save(e);
		break;
	case REQ_SETMASTER:
		l->asked = REQ_NONE;
		if (error) {
			/* one LAN port that cannot join costs only that port */
			log_warn("netlink: adding LAN port %s to %s: %s; left out", l->name, e->links[LINK_PORT].name,
				 strerror(-error));
			l->left_out = true;
		} else {
			l->we_enslaved = true;
			l->master = (uint32_t)e->links[LINK_PORT].ifindex;
		}
		journal_save(e);
		break;
	case REQ_UP:
		l->asked = REQ_NONE;
		if (error && e->pending_link >= LINK_MEMBER) {
			log_warn("netlink: setting LAN port %s up: %s; left out", l->name, strerror(-error));
			l->left_out = true;
		} else if (error) {
			snprintf(what, sizeof(what), "setting %s %s up", link_role(e->pending_link), l->name);
			fail(e, what, error);
		} else {
			l->flags |= IFF_UP;
			l->we_up = !l->we_created;
		}
		journal_save(e);
		break;
	case REQ_ADDADDR:
		e->addr_asked = false;
		if (error && error != -EEXIST) {
			snprintf(what, sizeof(what), "adding the address to %s", l->name);
			fail(e, what, error);
		} else {
			e->addr_done = true;
			/* An address that was already there is not ours to remove, unless a failsafed put it there. */
			e->addr_added = !error || adopt(e, eth_journal_has_addr(e->journal, l->name, e->cfg.addr,
										 e->cfg.prefix_len), "the address");
		}
		journal_save(e);
		break;
	default:
		break;
	}
}

static void on_link(struct eth_rtnl *e, const struct rtnl_msg_link *m, bool reply)
{
	for (enum link_id id = 0; id < LINK_COUNT; id++) {
		struct link *l = &e->links[id];
		bool was_carrier = l->flags & IFF_LOWER_UP;

		if (!l->name || strcmp(l->name, m->ifname))
			continue;
		if (m->deleted) {
			if (l->known && !l->we_deleted)
				log_warn("netlink: %s %s disappeared", link_role(id), l->name);
			l->known = l->waiting = false;
			if (id == LINK_PORT)
				e->addr_done = e->configured = false;
			continue;
		}
		if (!reply && !l->known && !l->waiting)
			continue; /* a notification before our own question: the reply will tell */
		if (!l->seen)
			adopt_link(e, id, m);
		l->known = true;
		l->waiting = false;
		l->ifindex = m->ifindex;
		l->flags = m->flags;
		l->master = m->master;
		l->has_mac = m->has_mac;
		memcpy(l->mac, m->mac, sizeof(l->mac));
		if (id == LINK_PORT && e->configured && !e->undoing &&
		    was_carrier != (bool)(m->flags & IFF_LOWER_UP))
			emit(e, m->flags & IFF_LOWER_UP ? ETH_EV_CARRIER_UP : ETH_EV_CARRIER_DOWN, NULL);
	}
}

static int on_msg(const struct rtnl_msg_event *ev, void *arg)
{
	struct eth_rtnl *e = arg;

	switch (ev->kind) {
	case RTNL_MSG_ACK:
		if (e->pending != REQ_NONE && ev->seq == e->pending_seq && ev->origin == RTNL_MSG_ORIGIN_SELF)
			on_ack(e, ev->ack.error);
		else
			log_debug("netlink: stray ack seq %u (waiting for %u)", ev->seq, e->pending_seq);
		break;
	case RTNL_MSG_LINK:
		/* A bridge's own notices about its ports repeat what the link's own say, except that a port
		 * leaving the bridge comes as an RTM_DELLINK: the link is still there. */
		if (!ev->link.bridge_port)
			on_link(e, &ev->link, ev->origin == RTNL_MSG_ORIGIN_SELF && ev->seq == e->pending_seq &&
					      e->pending == REQ_GET);
		break;
	default:
		break;
	}
	return 0;
}

static void er_ready(void *drv)
{
	struct eth_rtnl *e = drv;

	for (;;) {
		ssize_t n;
		int rc;

		if (e->enobufs && e->enobufs(e->enobufs_ctx)) {
			n = -1;
			errno = ENOBUFS;
		} else {
			n = mnl_socket_recvfrom(e->nl, e->rx, sizeof(e->rx));
		}

		if (n < 0) {
			if (errno == ENOBUFS) { /* notifications overflowed: a GET re-reads the truth */
				log_warn("netlink: receive buffer overflowed; re-reading links");
				for (enum link_id id = 0; id < LINK_COUNT; id++)
					e->links[id].waiting = false;
				continue;
			}
			if (errno != EAGAIN && errno != EINTR)
				log_warn("netlink: receive: %s", strerror(errno));
			break;
		}
		rc = rtnl_msg_parse(e->rx, (size_t)n, e->portid, on_msg, e);
		if (rc < 0)
			log_warn("netlink: malformed message dropped (%s)", strerror(-rc));
	}
	next(e);
}

static int er_start(void *drv, const struct eth_config *cfg, eth_event_cb cb, void *ctx, char *why,
		    size_t why_size)
{
	struct eth_rtnl *e = drv;

	if (!e->host_netns_ok && in_host_netns()) {
		snprintf(why, why_size, "not touching this host's own network; run failsafed inside a network "
			 "namespace (ip netns exec) for the failsafe network");
		return -EPERM;
	}
	e->cfg = *cfg;
	e->cb = cb;
	e->ctx = ctx;
	if (e->journal_path[0] && io_read_file(e->journal_path, e->journal, sizeof(e->journal) - 1) > 0)
		strcat(e->journal, "\n"); /* io_read_file took the last line's newline */
	e->links[LINK_CONDUIT].name = cfg->conduit;
	e->links[LINK_PARENT].name = cfg->vlan_id ? cfg->vlan_parent : NULL;
	e->links[LINK_PORT].name = cfg->ifname;
	for (unsigned i = 0; i < cfg->n_lan_ports && i < BOARD_MAX_LAN_PORTS; i++)
		e->links[LINK_MEMBER + i].name = cfg->lan_ports[i];
	e->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!e->nl)
		return -errno;
	/* Link notifications: a port that appears late is configured the moment it does. */
	if (mnl_socket_bind(e->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		int rc = -errno;

		mnl_socket_close(e->nl);
		e->nl = NULL;
		return rc;
	}
	e->portid = mnl_socket_get_portid(e->nl);
	/* A fresh start sequence per run, so a reply to an earlier run is never taken for ours. */
	e->seq = (uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL);
	next(e);
	return 0;
}

static int er_fd(void *drv)
{
	struct eth_rtnl *e = drv;

	return e->nl ? mnl_socket_get_fd(e->nl) : -1;
}

static int er_restore(void *drv)
{
	struct eth_rtnl *e = drv;

	if (!e->nl)
		return -ENOTCONN;
	e->undoing = true;
	next(e);
	return 0;
}

static void er_stop(void *drv)
{
	struct eth_rtnl *e = drv;

	if (e->nl)
		mnl_socket_close(e->nl);
	e->nl = NULL;
}

void eth_rtnl_set_fault(struct eth_rtnl *e, bool (*enobufs)(void *ctx), void *ctx)
{
	e->enobufs = enobufs;
	e->enobufs_ctx = ctx;
}

void eth_rtnl_free(struct eth_rtnl *e)
{
	if (!e)
		return;
	er_stop(e);
	free(e);
}

const struct eth_ops eth_rtnl_ops = {
	.start = er_start,
	.fd = er_fd,
	.ready = er_ready,
	.restore = er_restore,
	.stop = er_stop,
};
