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

enum link_id { LINK_CONDUIT = 0, LINK_PARENT, LINK_PORT, LINK_COUNT };
static const char *const link_roles[LINK_COUNT] = { "conduit", "VLAN parent", "port" };

enum req_kind {
	REQ_NONE = 0, REQ_GET, REQ_UP, REQ_DOWN, REQ_NEWVLAN, REQ_DELLINK, REQ_ADDADDR, REQ_DELADDR, REQ_KIND_COUNT
};

struct link {
	const char *name;        /* NULL: not part of this board's setup */
	bool known;              /* ifindex and flags read */
	bool waiting;            /* missing: wait for its RTM_NEWLINK */
	bool create_tried;       /* VLAN port: creation asked once */
	int ifindex;
	unsigned flags;
	bool we_up;              /* failsafed set IFF_UP: set it back down on undo */
	bool we_created;         /* failsafed created it (VLAN): delete on undo */
	bool we_deleted;         /* failsafed asked to delete it: its RTM_DELLINK is expected */
	bool up_asked;           /* REQ_UP or REQ_NEWVLAN in flight: journaled before it is sent */
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

/* The journal as the flags are now, written whole (rename); no file when nothing is ours to undo. */
static void journal_save(struct eth_rtnl *e)
{
	char text[ETH_JOURNAL_BYTES] = "", tmp[sizeof(e->journal_path) + 4];
	int fd, rc = 0;

	if (!e->journal_path[0])
		return;
	/* A change is journaled before it is asked for: killed between the kernel's change and its ACK, the next
	 * run still knows. It adopts only what it finds (a link up, an address there), so an intent that never
	 * took effect costs nothing. */
	for (enum link_id id = 0; id < LINK_COUNT; id++) {
		const struct link *l = &e->links[id];

		if (l->we_created || (l->up_asked && e->pending == REQ_NEWVLAN && e->pending_link == id))
			rc |= eth_journal_add(text, sizeof(text), "created", l->name);
		if (l->we_up || (l->up_asked && e->pending != REQ_NEWVLAN))
			rc |= eth_journal_add(text, sizeof(text), "up", l->name);
	}
	if (e->addr_added || e->addr_asked)
		rc |= eth_journal_add_addr(text, sizeof(text), e->links[LINK_PORT].name, e->cfg.addr, e->cfg.prefix_len);
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

	/* Once configured, what the user does to the port (ip link set down) is theirs to do. */
	if (e->configured)
		return;

	for (enum link_id id = 0; id < LINK_COUNT; id++) {
		struct link *l = &e->links[id];

		if (!l->name)
			continue;
		if (!l->known) {
			if (l->waiting)
				return;
			rc = request(e, REQ_GET, id);
			snprintf(what, sizeof(what), "asking for %s %s", link_roles[id], l->name);
			goto sent;
		}
		if (!(l->flags & IFF_UP)) {
			l->up_asked = true;
			e->pending = REQ_UP; /* for the journal: what is about to be asked */
			e->pending_link = id;
			journal_save(e);
			rc = request(e, REQ_UP, id);
			snprintf(what, sizeof(what), "setting %s %s up", link_roles[id], l->name);
			goto sent;
		}
	}
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
			e->links[id].up_asked = false;
		e->addr_asked = false;
		fail(e, what, rc);
		journal_save(e);
	}
}

/* Undo in reverse: the address, then each link failsafed created or brought up. */
static void next_undo(struct eth_rtnl *e)
{
	int rc;

	if (e->addr_added) {
		e->addr_added = false;
		rc = request(e, REQ_DELADDR, LINK_PORT);
		if (rc == 0)
			return;
		log_warn("netlink: removing the address from %s: %s", e->links[LINK_PORT].name, strerror(-rc));
	}
	for (int id = LINK_COUNT - 1; id >= 0; id--) {
		struct link *l = &e->links[id];

		if (l->we_created) {
			l->we_created = l->we_up = false;
			l->we_deleted = true;
			if ((rc = request(e, REQ_DELLINK, (enum link_id)id)) == 0)
				return;
			l->we_deleted = false;
			log_warn("netlink: deleting %s %s: %s", link_roles[id], l->name, strerror(-rc));
		}
		if (l->we_up) {
			l->we_up = false;
			if ((rc = request(e, REQ_DOWN, (enum link_id)id)) == 0)
				return;
			log_warn("netlink: setting %s %s down: %s", link_roles[id], l->name, strerror(-rc));
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
	case REQ_DOWN:
	case REQ_DELLINK:
		if (error)
			log_warn("netlink: undoing on %s %s: %s", link_roles[e->pending_link], l->name, strerror(-error));
		break;
	case REQ_GET:
		if (e->undoing)
			break;
		if (error == -ENODEV && e->pending_link == LINK_PORT && e->cfg.vlan_id && !l->create_tried) {
			int rc;

			l->create_tried = true;
			l->up_asked = true;
			e->pending = REQ_NEWVLAN; /* for the journal: what is about to be asked */
			e->pending_link = LINK_PORT;
			journal_save(e);
			if ((rc = request(e, REQ_NEWVLAN, LINK_PORT)) < 0) {
				l->up_asked = false;
				fail(e, "creating the VLAN link", rc);
				journal_save(e);
			}
		} else if (error == -ENODEV) {
			l->waiting = true;
			snprintf(what, sizeof(what), "%s %s does not exist yet", link_roles[e->pending_link], l->name);
			emit(e, ETH_EV_WAITING, what);
		} else if (error) {
			snprintf(what, sizeof(what), "asking for %s %s", link_roles[e->pending_link], l->name);
			fail(e, what, error);
		}
		break;
	case REQ_NEWVLAN:
		l->up_asked = false;
		if (error) {
			snprintf(what, sizeof(what), "creating VLAN %u %s", e->cfg.vlan_id, l->name);
			fail(e, what, error);
		} else {
			l->we_created = true;
		}
		journal_save(e);
		break;
	case REQ_UP:
		l->up_asked = false;
		if (error) {
			snprintf(what, sizeof(what), "setting %s %s up", link_roles[e->pending_link], l->name);
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
			journal_save(e);
		} else {
			e->addr_done = true;
			/* An address that was already there is not ours to remove, unless a failsafed put it there. */
			e->addr_added = !error || adopt(e, eth_journal_has_addr(e->journal, l->name, e->cfg.addr,
										 e->cfg.prefix_len), "the address");
			journal_save(e);
		}
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
				log_warn("netlink: %s %s disappeared", link_roles[id], l->name);
			l->known = l->waiting = false;
			if (id == LINK_PORT)
				e->addr_done = e->configured = false;
			continue;
		}
		if (!reply && !l->known && !l->waiting)
			continue; /* a notification before our own question: the reply will tell */
		if (reply && !l->known && e->journal[0] && !e->undoing) {
			char what[64];

			snprintf(what, sizeof(what), "%s created", l->name);
			if (!l->we_created && adopt(e, eth_journal_has(e->journal, "created", l->name), what))
				l->we_created = true;
			snprintf(what, sizeof(what), "%s set up", l->name);
			if (!l->we_up && !l->we_created && (m->flags & IFF_UP) &&
			    adopt(e, eth_journal_has(e->journal, "up", l->name), what))
				l->we_up = true;
			journal_save(e);
		}
		l->known = true;
		l->waiting = false;
		l->ifindex = m->ifindex;
		l->flags = m->flags;
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
