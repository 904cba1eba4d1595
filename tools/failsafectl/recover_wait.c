/* tools/failsafectl/recover_wait.c — failsafectl recover: wait for a board the image is for, ring when to press its button, until it enters failsafe */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "board.h"
#include "clock.h"
#include "failsafectl.h"
#include "hostnet.h"
#include "imagefile.h"
#include "recover.h"

#define TICK_MS			100	/* status line redraw, and how soon Ctrl-C is noticed */
#define PLAIN_TICK_MS		250
#define COUNTDOWN_EVERY_MS	1000	/* "press the button now: N s left" lines off a terminal */
#define NET_RECHECK_MS		2000	/* the PC's interfaces are looked at again (an address set meanwhile) */
#define WINDOW_GONE_MS		1500	/* no beacon this long after its window's end: it closed */
#define DRAIN_BATCH		64
#define TEXT_BYTES		512
#define LABEL_BYTES		(LV_ADDR_MAX + BEACON_VALUE_MAX_BYTES + 16)	/* lv_label() */
#define WHO_BYTES		(LABEL_BYTES + LV_ADDR_MAX + 8)			/* who() */

/* What was said about one board address. */
struct heard {
	char addr[LV_ADDR_MAX];
	bool told_mismatch;
	uint64_t prompt_ms;		/* "press the button now" said for it */
};

struct waiter {
	const struct recover_opts *o;
	const struct fwimage_info *info;
	struct recover_out *out;
	struct recover_board *b;
	char ifname[IF_NAMESIZE];	/* --interface, or the one holding --bind; "" for all */
	char image_name[256];		/* IMAGE's file name, for messages */
	char list[TEXT_BYTES];		/* the image's board list */
	int fd;
	struct lv_boards boards;
	struct heard heard[LV_MAX_BOARDS];
	size_t n_heard;
	unsigned long beacons;
	bool fit_heard;			/* a board we would ring for was heard */
	char mismatch[TEXT_BYTES];	/* the last board named as not listed */
	char target[LV_ADDR_MAX];	/* rung for, its window open */
	uint64_t countdown_ms;
	struct hostnet net;
	char net_text[TEXT_BYTES];	/* the interfaces as last said */
	bool net_in_subnet;		/* one of them has an address in the failsafe subnet */
	bool net_link;			/* one of them has a link (carrier) */
	char net_example[IF_NAMESIZE];	/* the one to name in "set the address on" hints */
	uint64_t net_ms;
	bool done;
};

enum fit { FIT_LISTED, FIT_NOT_LISTED, FIT_UNKNOWN };

const char *recover_iface(const struct recover_opts *o, char *buf, size_t size)
{
	if (o->ifname)
		snprintf(buf, size, "if!%s", o->ifname);
	else if (o->bind)
		snprintf(buf, size, "host!%s", o->bind);
	else
		return NULL;
	return buf;
}

static struct heard *heard_of(struct waiter *w, const char *addr)
{
	for (size_t i = 0; i < w->n_heard; i++)
		if (!strcmp(w->heard[i].addr, addr))
			return &w->heard[i];
	if (w->n_heard == LV_MAX_BOARDS)
		return NULL;
	memset(&w->heard[w->n_heard], 0, sizeof(w->heard[0]));
	snprintf(w->heard[w->n_heard].addr, LV_ADDR_MAX, "%s", addr);
	return &w->heard[w->n_heard++];
}

static struct lv_board *board_at(struct waiter *w, const char *addr)
{
	for (size_t i = 0; i < w->boards.n; i++)
		if (!strcmp(w->boards.board[i].addr, addr))
			return &w->boards.board[i];
	return NULL;
}

/* "sim at 192.168.1.1", or "the board at 192.168.1.1" for a beacon without a board name. */
static void who(char *out, size_t size, const struct lv_board *bd)
{
	char label[LABEL_BYTES];

	lv_label(label, sizeof(label), bd);
	snprintf(out, size, strstr(label, bd->addr) ? "%s" : "%s at %s", label, bd->addr);
}

/* Is the board a beacon names one the image lists? Only the list: compat_version is the installed firmware's. */
static enum fit fit_of(const struct waiter *w, const struct beacon *bc, const struct board **known)
{
	*known = bc->present & BEACON_HAS_BOARD ? mkimage_find_board(bc->board) : NULL;
	if (!*known || !w->info->has_metadata)
		return FIT_UNKNOWN;
	return imagefile_lists(w->info, (*known)->compatible, (*known)->name) ? FIT_LISTED : FIT_NOT_LISTED;
}

/* ---- this PC's interfaces ---- */

/* Say which interfaces this PC has and whether one is in the failsafe subnet, when that changed. -1: bad --interface. */
static int net_hint(struct waiter *w, bool first)
{
	struct in_addr subnet;
	const struct hostnet_if *in_net = NULL, *example = NULL, *any = NULL;
	char text[TEXT_BYTES] = "", one[128];
	size_t used = 0;
	bool link = false;

	inet_pton(AF_INET, RECOVER_SUBNET, &subnet);
	if (hostnet_read(&w->net) < 0)
		return 0;
	if (w->ifname[0] && !hostnet_find(&w->net, w->ifname)) {
		for (size_t i = 0; i < w->net.n && used < sizeof(text); i++)
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s", i ? ", " : "",
						 w->net.ifs[i].name);
		if (first) {
			rout_error(w->out, "--interface %s: this PC has no such interface (it has: %s)", w->ifname, text);
			return -1;
		}
		snprintf(text, sizeof(text), "%s is gone", w->ifname);
	}
	for (size_t i = 0; i < w->net.n; i++) {
		const struct hostnet_if *hi = &w->net.ifs[i];

		if (hi->loopback || (w->ifname[0] && strcmp(hi->name, w->ifname)))
			continue;
		hostnet_if_text(hi, one, sizeof(one));
		if (used < sizeof(text))
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s", used ? "; " : "", one);
		if (!in_net && hostnet_if_has_net(hi, subnet, RECOVER_PREFIX))
			in_net = hi;
		if (!example && hi->up && hi->carrier && !hi->n_addrs)
			example = hi;	/* up, cabled and unconfigured: likely the one */
		if (!any)
			any = hi;
		link |= hi->up && hi->carrier;
	}
	if (!example)
		example = any;
	if (!text[0])
		snprintf(text, sizeof(text), "no network interface but loopback");
	w->net_in_subnet = in_net != NULL;
	w->net_link = link;
	snprintf(w->net_example, sizeof(w->net_example), "%s", example ? example->name : "eth0");
	if (!strcmp(text, w->net_text))
		return 0;
	snprintf(w->net_text, sizeof(w->net_text), "%s", text);
	if (in_net)
		rout_event(w->out, false, "this PC: %s: %s is in the failsafe subnet %s/%d, where the board is %s",
			   text, in_net->name, RECOVER_SUBNET, RECOVER_PREFIX, RECOVER_BOARD_ADDR);
	else
		rout_event(w->out, false, "no address of this PC is in %s/%d, the failsafe subnet (this PC: %s): set "
			   "%s on the interface cabled to the board, e.g.  sudo ip addr add %s dev %s",
			   RECOVER_SUBNET, RECOVER_PREFIX, text, RECOVER_PC_ADDR, RECOVER_PC_ADDR,
			   example ? example->name : "eth0");
	return 0;
}

/* --bind ADDR: the interface that has it. -1 after saying it is none of this PC's. */
static int bind_interface(struct waiter *w)
{
	struct in_addr a;
	const struct hostnet_if *hi;
	char addrs[TEXT_BYTES];

	if (w->o->ifname) {
		snprintf(w->ifname, sizeof(w->ifname), "%s", w->o->ifname);
		return 0;
	}
	if (!w->o->bind)
		return 0;
	if (inet_pton(AF_INET, w->o->bind, &a) != 1 || hostnet_read(&w->net) < 0
	    || !(hi = hostnet_holding(&w->net, a))) {
		hostnet_local_addrs(addrs, sizeof(addrs), NULL, 0);
		rout_error(w->out, "--bind %s: not an IPv4 address of this PC (it has: %s)", w->o->bind,
			   addrs[0] ? addrs : "none but loopback");
		return -1;
	}
	snprintf(w->ifname, sizeof(w->ifname), "%s", hi->name);
	return 0;
}

static int open_socket(struct waiter *w)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)w->o->beacon_port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		rout_error(w->out, "UDP socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0) {
		rout_error(w->out, "setsockopt SO_REUSEADDR/SO_BROADCAST: %s", strerror(errno));
		goto fail;
	}
	if (w->ifname[0] && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, w->ifname, (socklen_t)strlen(w->ifname)) < 0) {
		rout_error(w->out, "listening on %s only (SO_BINDTODEVICE): %s%s", w->ifname, strerror(errno),
			   errno == EPERM ? " (it needs root or CAP_NET_RAW; leave --interface/--bind out to listen on "
			   "every interface)" : "");
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int err = errno;

		if (err == EADDRINUSE)
			rout_error(w->out, "UDP port %u is in use by a program that does not share it (no "
				   "SO_REUSEADDR): stop that program", w->o->beacon_port);
		else
			rout_error(w->out, "bind UDP port %u: %s%s", w->o->beacon_port, strerror(err),
				   err == EACCES ? " (ports below 1024 need root)" : "");
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* ---- beacons ---- */

static void on_beacon(struct waiter *w, const struct beacon *bc, const char *from, uint64_t now)
{
	const struct board *known;
	struct lv_board *bd;
	struct heard *h;
	char label[WHO_BYTES];
	unsigned ev = lv_update(&w->boards, from, bc, now, &bd);
	enum fit fit;

	if (!bd || !(h = heard_of(w, from)))
		return;
	w->beacons++;
	fit = fit_of(w, bc, &known);
	who(label, sizeof(label), bd);
	if (fit == FIT_NOT_LISTED && !w->o->force) {
		snprintf(w->mismatch, sizeof(w->mismatch), "%s (%s)", label, known->compatible);
		if (!h->told_mismatch)
			rout_event(w->out, false, "heard %s, but %s is not for it: the image is for %s. Not ringing for "
				   "it; still waiting (--force flashes it anyway)", w->mismatch, w->image_name, w->list);
		h->told_mismatch = true;
		return;
	}
	w->fit_heard = true;
	if (ev & LV_EV_PROMPT) {
		int64_t left = lv_left_ms(bd, now);

		snprintf(w->target, sizeof(w->target), "%s", from);
		h->prompt_ms = now;
		w->countdown_ms = now;
		rout_event(w->out, true, "press the button now on %s: its window closes in %.1f s%s", label,
			   left > 0 ? (double)left / 1000 : 0.0,
			   fit == FIT_UNKNOWN && w->info->has_metadata ? " (a board this failsafectl does not know: its "
			   "recovery page will say whether the image is for it)" : "");
	}
	if (ev & LV_EV_FAILSAFE) {
		rout_event(w->out, false, "%s entered failsafe%s%s%s", label,
			   bc->present & BEACON_HAS_VIA ? " (via " : "", bc->present & BEACON_HAS_VIA ? bc->via : "",
			   bc->present & BEACON_HAS_VIA ? ")" : "");
		snprintf(w->b->addr, sizeof(w->b->addr), "%s", from);
		snprintf(w->b->name, sizeof(w->b->name), "%s", bc->present & BEACON_HAS_BOARD ? bc->board : "");
		w->b->known = known != NULL;
		snprintf(w->b->compatible, sizeof(w->b->compatible), "%s",
			 known && known->compatible ? known->compatible : "");
		w->b->prompt_ms = h->prompt_ms;
		w->b->failsafe_ms = now;
		w->done = true;
	}
}

static int drain(struct waiter *w)
{
	uint8_t buf[BEACON_LEN_BYTES + 1];

	for (int batch = 0; batch < DRAIN_BATCH && !w->done; batch++) {
		struct sockaddr_in sin;
		socklen_t slen = sizeof(sin);
		char from[LV_ADDR_MAX];
		struct beacon bc;
		ssize_t n = recvfrom(w->fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&sin, &slen);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			rout_error(w->out, "recvfrom: %s", strerror(errno));
			return -1;
		}
		/* not a beacon (or longer than one): someone else's datagram on this port */
		if (n > BEACON_LEN_BYTES || beacon_decode(buf, (size_t)n, &bc))
			continue;
		if (sin.sin_family != AF_INET || !inet_ntop(AF_INET, &sin.sin_addr, from, sizeof(from)))
			continue;
		on_beacon(w, &bc, from, hal_now_ms());
	}
	return 0;
}

/* ---- the loop ---- */

static void tick(struct waiter *w, uint64_t now, uint64_t start, uint64_t deadline)
{
	struct lv_board *bd = w->target[0] ? board_at(w, w->target) : NULL;
	char label[WHO_BYTES], gives_up[48] = "";

	if (now - w->net_ms >= NET_RECHECK_MS) {
		w->net_ms = now;
		net_hint(w, false);
	}
	if (bd && bd->kind == LV_KIND_WINDOW) {
		int64_t left = lv_left_ms(bd, now);

		lv_label(label, sizeof(label), bd);
		/* a beacon without remaining_ms (OpenWrt's own): open while it keeps announcing */
		if (left > 0 || (left < 0 && now - bd->rx_ms < WINDOW_GONE_MS)) {
			if (left > 0)
				rout_status(w->out, "press the button now on %s: %.1f s left", label, (double)left / 1000);
			else
				rout_status(w->out, "press the button now on %s: its window is open", label);
			if (left > 0 && !w->out->tty && now - w->countdown_ms >= COUNTDOWN_EVERY_MS) {
				w->countdown_ms = now;
				rout_event(w->out, false, "press the button now: %.0f s left", (double)left / 1000);
			}
			return;
		}
		if (now - bd->rx_ms < WINDOW_GONE_MS)
			return;
	}
	if (bd && bd->kind != LV_KIND_FAILSAFE) {
		who(label, sizeof(label), bd);
		rout_event(w->out, false, "the window of %s closed without failsafe (the button was not pressed in "
			   "time?): power the board off and on, and press the button when told", label);
		w->target[0] = '\0';
	}
	if (deadline)
		snprintf(gives_up, sizeof(gives_up), ", gives up in %llu s",
			 (unsigned long long)((deadline > now ? deadline - now : 0) + 999) / 1000);
	rout_status(w->out, "waiting for a board: %llu s%s, Ctrl-C quits (this PC: %s)",
		    (unsigned long long)(now - start) / 1000, gives_up, w->net_text);
}

static int timed_out(struct waiter *w)
{
	double secs = w->o->timeout_ms / 1000.0;
	char why[TEXT_BYTES];

	if (!w->beacons) {
		if (!w->net_in_subnet)
			snprintf(why, sizeof(why), "No address of this PC is in %s/%d, so the board's beacons are not "
				 "received: set %s on the interface cabled to the board, e.g.  sudo ip addr add %s dev %s",
				 RECOVER_SUBNET, RECOVER_PREFIX, RECOVER_PC_ADDR, RECOVER_PC_ADDR, w->net_example);
		else if (!w->net_link)
			snprintf(why, sizeof(why), "No interface has a link (no cable, or the board is off): plug the cable "
				 "into the board's LAN port and power the board on while this waits");
		else
			snprintf(why, sizeof(why), "Check that the board is cabled to %s, that you power it on while this "
				 "waits (it announces during its boot window), and that no firewall on this PC drops UDP "
				 "port %u", w->ifname[0] ? w->ifname : "this PC", w->o->beacon_port);
		rout_error(w->out, "no board announced itself on UDP %u within %g s (this PC: %s). %s. A board already "
			   "in failsafe announces only as it enters: give its address with --address %s",
			   w->o->beacon_port, secs, w->net_text, why, RECOVER_BOARD_ADDR);
	} else if (!w->fit_heard) {
		rout_error(w->out, "no board this image is for announced itself within %g s: heard %s; %s is for %s. "
			   "Is it the right image? (--force flashes it anyway)", secs, w->mismatch, w->image_name,
			   w->list);
	} else {
		rout_error(w->out, "no board entered failsafe within %g s: press its button while its window is open "
			   "(power it off and on to open the window again)", secs);
	}
	return RECOVER_NO_BOARD;
}

int recover_wait(const struct recover_opts *o, const struct fwimage_info *info, struct recover_out *out,
		 volatile sig_atomic_t *stop, struct recover_board *b)
{
	struct waiter *w = calloc(1, sizeof(*w));
	char path[4096];
	uint64_t start, deadline;
	int rc = RECOVER_ERROR;

	if (!w) {
		rout_error(out, "out of memory");
		return RECOVER_ERROR;
	}
	w->o = o;
	w->info = info;
	w->out = out;
	w->b = b;
	w->fd = -1;
	lv_boards_init(&w->boards);
	snprintf(path, sizeof(path), "%s", o->image);
	snprintf(w->image_name, sizeof(w->image_name), "%s", basename(path));
	imagefile_boards_text(info, w->list, sizeof(w->list));
	if (bind_interface(w) < 0 || net_hint(w, true) < 0) {
		rc = RECOVER_USAGE;
		goto out;
	}
	if ((w->fd = open_socket(w)) < 0)
		goto out;
	rout_event(out, false, "listening for boards on UDP %u%s%s: power the board on (or off and on) now",
		   o->beacon_port, w->ifname[0] ? " on " : "", w->ifname);
	start = w->net_ms = hal_now_ms();
	deadline = o->timeout_ms >= 0 ? start + (uint64_t)o->timeout_ms : 0;
	for (;;) {
		uint64_t now = hal_now_ms();
		struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
		int wait = out->tty ? TICK_MS : PLAIN_TICK_MS;

		if (w->done) {
			rc = RECOVER_OK;
			break;
		}
		if (*stop) {
			rout_error(out, "interrupted while waiting for a board; nothing was sent");
			break;
		}
		if (deadline && now >= deadline) {
			rc = timed_out(w);
			break;
		}
		tick(w, now, start, deadline);
		if (deadline && deadline - now < (uint64_t)wait)
			wait = (int)(deadline - now);
		if (poll(&pfd, 1, wait) > 0 && drain(w) < 0)
			break;
	}
out:
	rout_clear(out);
	if (w->fd >= 0)
		close(w->fd);
	free(w);
	return rc;
}
