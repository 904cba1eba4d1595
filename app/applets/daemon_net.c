/* app/applets/daemon_net.c — the failsafe network phase: port events drive the beacon; failsafe starts telnet, SSH and the page */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "banner.h"
#include "beacon_tx.h"
#include "dhcpd.h"
#include "mdns.h"
#include "log.h"
#include "loop.h"
#include "daemon_net.h"
#if FAILSAFED_RECOVERY_PAGE
#include "recovery.h"
#endif
#include "ssh_server.h"
#include "telnet_server.h"

#define RESTORE_WAIT_MS 2000u   /* the boot goes on even if the kernel never answers */

static struct {
	struct daemon_net_options opt;
	struct hal_eth eth;
	struct loop_fd fd;
	struct beacon_tx beacon;
	struct telnet_server telnet;
	struct ssh_server ssh;
	struct dhcpd dhcp;
	struct mdnsd mdns;
	int ifindex;
	bool v6_listening;              /* the services also listen on IPv6 link-local */
	char ssh_shown[SSH_KEY_COUNT][SSH_FP_MAX_BYTES + 1]; /* fingerprints already on the consoles */
	bool failsafe;                  /* entered: the services run */
	bool configured;                /* the port has its address */
	char ifname[16];                /* the port as configured */
	bool has_mac;
	uint8_t mac[6];
	char dhcp_off[64];              /* why there is no DHCP server, "" when there is one */
	const char *banner_base;        /* the banner of failsafe (the boot room's words) */
	char banner[BANNER_BYTES + 1024]; /* it with the DHCP lines: what telnet and SSH show */
	struct loop_timer restore_wait;
	void (*restored)(void);
	const struct board *board;
} n;

static void on_fd(struct loop_fd *f, unsigned events)
{
	(void)f;
	(void)events;
	hal_eth_ready(&n.eth);
}

static void finish_restore(void)
{
	void (*done)(void) = n.restored;

	n.restored = NULL;
	loop_timer_cancel(&n.restore_wait);
	if (done)
		done();
}


/* The banner of failsafe with what DHCP does inserted before its closing line. */
static void compose_banner(void)
{
	const char *base = n.banner_base ? n.banner_base : "";
	size_t len = strlen(base), head = len && base[len - 1] == '\n' ? len - 1 : len;
	char dhcp[1024] = "";

	/* the closing "=====" line is the last one: the DHCP lines go before it */
	while (head > 0 && base[head - 1] != '\n')
		head--;
	if (base[head] != '=')
		head = len;
	if (n.dhcp.running)
		dhcp_serve_banner(&n.dhcp.serve, loop_now_ms(), dhcp, sizeof(dhcp));
	else if (n.dhcp_off[0])
		snprintf(dhcp, sizeof(dhcp), "DHCP: off (%s): give the computer 192.168.1.2/24 by hand\n", n.dhcp_off);
	snprintf(n.banner, sizeof(n.banner), "%.*s%s%s", (int)head, base, dhcp, base + head);
}

static void on_dhcp_changed(struct dhcpd *d, const struct dhcp_serve_result *r)
{
	char text[DHCP_SERVE_LINE_BYTES + 8];

	(void)d;
	compose_banner();
	ssh_server_set_banner(&n.ssh, n.banner);
	/* Someone at the serial console sees a laptop get its address, and why it gets none. */
	if (n.opt.announce && !r->quiet && r->line[0] && (r->conflict_changed || r->leases_changed)) {
		snprintf(text, sizeof(text), "- %s -\n", r->line);
		n.opt.announce(text);
	}
}

/* Failsafe and the port configured: failsafe.local answers, and the DHCP server starts unless the options or the
 * board leave it out. */
static void start_lan_services(void)
{
	uint32_t first, last;
	int rc;

	if (!n.failsafe || !n.configured)
		return;
	/* IPv6 link-local: a laptop with no address at all reaches the logins and the page (once, when the
	 * interface exists: the listeners bind to it) */
	if (!n.v6_listening) {
		n.v6_listening = true;
		telnet_server_listen6(&n.telnet, n.ifname);
		ssh_server_listen6(&n.ssh, n.ifname);
#if FAILSAFED_RECOVERY_PAGE
		if (n.opt.http_port)
			recovery_listen6(n.ifname);
#endif
	}
	if (!n.opt.no_mdns && !n.mdns.running)
		mdnsd_start(&n.mdns, &(struct mdnsd_config){ .ifname = n.ifname, .ifindex = n.ifindex,
							     .board = n.board->name, .v4 = n.eth.cfg.addr });
	if (n.dhcp.running || n.dhcp_off[0])
		return;
	if (n.opt.no_dhcp) {
		snprintf(n.dhcp_off, sizeof(n.dhcp_off), "--no-dhcp");
	} else if (board_dhcp_pool(&n.board->net, &first, &last) < 0) {
		snprintf(n.dhcp_off, sizeof(n.dhcp_off), "board %s has none", n.board->name);
	} else {
		rc = dhcpd_start(&n.dhcp, &(struct dhcpd_config){
			.ifname = n.ifname,
			.serve = { .server = n.eth.cfg.addr, .prefix_len = n.eth.cfg.prefix_len,
				   .pool_first.s_addr = htonl(first), .pool_size = last - first + 1,
				   .lease_s = n.opt.dhcp_lease_s ? n.opt.dhcp_lease_s : DHCPD_DEFAULT_LEASE_S },
			.has_mac = n.has_mac, .mac = { n.mac[0], n.mac[1], n.mac[2], n.mac[3], n.mac[4], n.mac[5] },
			.server_port = 67, .client_port = 68, .changed = on_dhcp_changed });
		if (rc < 0)
			snprintf(n.dhcp_off, sizeof(n.dhcp_off), "ports 67/68: %s", strerror(-rc));
	}
	if (n.dhcp_off[0])
		log_info("DHCP: off (%s)", n.dhcp_off);
	compose_banner();
	ssh_server_set_banner(&n.ssh, n.banner);
}

static void on_event(void *ctx, enum eth_event ev, const struct eth_port_info *info, const char *detail)
{
	char addr[INET_ADDRSTRLEN];

	(void)ctx;
	inet_ntop(AF_INET, &n.eth.cfg.addr, addr, sizeof(addr));
	switch (ev) {
	case ETH_EV_WAITING:
		log_info("network: %s; waiting for it", detail);
		break;
	case ETH_EV_CONFIGURED:
		log_info("network: %s up at %s/%u%s", info->ifname, addr, n.eth.cfg.prefix_len,
			 info->carrier ? "" : " (no carrier yet)");
		n.configured = true;
		snprintf(n.ifname, sizeof(n.ifname), "%s", info->ifname);
		n.has_mac = info->has_mac;
		n.ifindex = info->ifindex;
		memcpy(n.mac, info->mac, sizeof(n.mac));
		beacon_tx_ready(&n.beacon, info->ifname, info->has_mac ? info->mac : NULL);
		start_lan_services();
		break;
	case ETH_EV_CARRIER_UP:
		log_info("network: carrier up on %s", info->ifname);
		beacon_tx_ready(&n.beacon, info->ifname, info->has_mac ? info->mac : NULL);
		dhcpd_carrier_up(&n.dhcp);
		mdnsd_carrier_up(&n.mdns);
		break;
	case ETH_EV_CARRIER_DOWN:
		log_info("network: carrier down on %s", info->ifname);
		break;
	case ETH_EV_FAILED:
		log_warn("network: %s; no failsafe network", detail);
		break;
	case ETH_EV_RESTORED:
		log_info("network: %s restored as found", n.eth.cfg.ifname);
		finish_restore();
		break;
	default:
		break;
	}
}

void daemon_net_start(const struct hal_drivers *d, const struct daemon_net_options *o)
{
	memset(&n, 0, sizeof(n));
	n.opt = *o;
	n.board = d->board;
	if (hal_eth_start(&n.eth, d, o->ifname, on_event, NULL) < 0)
		return;
	beacon_tx_init(&n.beacon, d->board->name, o->version, n.eth.cfg.broadcast, o->beacon_port);
	loop_fd_set(&n.fd, hal_eth_fd(&n.eth), LOOP_READ, on_fd);
}

void daemon_net_window(uint32_t (*remaining_ms)(void *ctx, uint64_t now_ms), void *ctx)
{
	if (n.eth.started)
		beacon_tx_window(&n.beacon, remaining_ms, ctx);
}

#if FAILSAFED_RECOVERY_PAGE
static unsigned page_dhcp(char *state, size_t size, char (*leases)[72], unsigned max)
{
	daemon_net_dhcp_state(state, size);
	return daemon_net_dhcp_leases(leases, max);
}
#endif

/* New host key fingerprints: a line on the consoles for each, and into the beacon. */
static void on_ssh_keys(void *ctx, const char *const fp[SSH_KEY_COUNT])
{
	char addr[INET_ADDRSTRLEN], text[160];

	(void)ctx;
	inet_ntop(AF_INET, &n.eth.cfg.addr, addr, sizeof(addr));
	for (unsigned k = 0; k < SSH_KEY_COUNT; k++) {
		if (fp[k][0] && strcmp(fp[k], n.ssh_shown[k]) && n.opt.announce) {
			banner_ssh_key(addr, ssh_key_label((enum ssh_key_type)k), fp[k], text, sizeof(text));
			n.opt.announce(text);
		}
		snprintf(n.ssh_shown[k], sizeof(n.ssh_shown[k]), "%s", fp[k]);
	}
	beacon_tx_ssh(&n.beacon, fp[SSH_KEY_ED25519], fp[SSH_KEY_RSA]);
}

static void start_ssh(const char *banner)
{
	struct ssh_server_config sc = {
		.bind_addr = n.eth.cfg.addr,
		.port = n.opt.ssh_port ? n.opt.ssh_port : SSH_PORT_DEFAULT,
		.subnet = n.eth.cfg.addr,
		.prefix_len = n.eth.cfg.prefix_len,
		.max_sessions = n.opt.ssh_max_sessions,
		.dropbear = n.opt.dropbear,
		.state_dir = n.opt.state_dir,
		.banner = banner,
		.shell_argv = n.opt.shell_argv,
		.keys_changed = on_ssh_keys,
	};

	ssh_server_start(&n.ssh, &sc); /* a failure is logged there; telnet and the console still work */
}

void daemon_net_failsafe(const char *via, const char *banner)
{
	struct telnet_server_config tc;

	if (!n.eth.started)
		return;
	n.failsafe = true;
	n.banner_base = banner;
	compose_banner();
	banner = n.banner;   /* telnet reads it at each login, SSH from a file rewritten when it changes */
	/* Bound to the failsafe address only (IP_FREEBIND: the port may still be coming up).
	 * Listening before "Entering Failsafe!" goes out: a host may telnet the moment it hears it. */
	tc = (struct telnet_server_config){
		.bind_addr = n.eth.cfg.addr,
		.port = n.opt.telnet_port,
		.subnet = n.eth.cfg.addr,
		.prefix_len = n.eth.cfg.prefix_len,
		.max_sessions = n.opt.telnet_max_sessions,
		.idle_timeout_ms = n.opt.telnet_idle_ms,
		.shell_argv = n.opt.shell_argv,
		.banner = banner,
	};
	telnet_server_start(&n.telnet, &tc); /* a failure is logged there; the console shell still works */
	if (!n.opt.no_ssh && n.opt.state_dir)
		start_ssh(banner);
#if FAILSAFED_RECOVERY_PAGE
	if (n.opt.http_port)
		recovery_start(&(struct recovery_config){
			.board = n.board, .bind_addr = n.eth.cfg.addr, .port = n.opt.http_port, .subnet = n.eth.cfg.addr,
			.prefix_len = n.eth.cfg.prefix_len, .state_dir = n.opt.state_dir,
			.stall_timeout_ms = n.opt.http_stall_ms, .version = n.opt.version,
			.reboot_cmd = n.opt.reboot_cmd, .dhcp = page_dhcp,
			.writing = n.opt.page_writing }); /* a failure is logged there */
#endif
	start_lan_services();   /* now, or when the port is configured */
	beacon_tx_failsafe(&n.beacon, via);
}

static void on_restore_wait(struct loop_timer *t)
{
	(void)t;
	log_warn("network: no answer from the kernel in %u ms; continuing the boot", RESTORE_WAIT_MS);
	finish_restore();
}

void daemon_net_restore(void (*done)(void))
{
	n.restored = done;
	if (!n.eth.started) {
		finish_restore();
		return;
	}
	beacon_tx_stop(&n.beacon);
	loop_timer_at(&n.restore_wait, loop_now_ms() + RESTORE_WAIT_MS, on_restore_wait);
	if (hal_eth_restore(&n.eth) < 0)
		finish_restore();
}

unsigned daemon_net_telnet_sessions(void)
{
	struct telnet_server_stats st;

	telnet_server_get_stats(&n.telnet, &st);
	return st.active;
}

void daemon_net_stop(void)
{
	if (!n.eth.started)
		return;
	beacon_tx_stop(&n.beacon);
	dhcpd_stop(&n.dhcp);
	mdnsd_stop(&n.mdns);
	telnet_server_stop(&n.telnet);
	ssh_server_stop(&n.ssh);
#if FAILSAFED_RECOVERY_PAGE
	recovery_stop();
#endif
	listener_log_refusals_flush();
	loop_timer_cancel(&n.restore_wait);
	loop_fd_del(&n.fd);
	hal_eth_stop(&n.eth);
}

void daemon_net_dhcp_state(char *out, size_t size)
{
	if (n.dhcp.running)
		dhcp_serve_state_text(&n.dhcp.serve, out, size);
	else if (n.dhcp_off[0])
		snprintf(out, size, "off (%s)", n.dhcp_off);
	else
		snprintf(out, size, "off (%s)", n.failsafe ? "waiting for the port" : "only in failsafe");
}

unsigned daemon_net_dhcp_leases(char (*lines)[72], unsigned max)
{
	unsigned idx[DHCP_LEASE_MAX];
	uint64_t now_ms = loop_now_ms();
	size_t total;

	if (!n.dhcp.running)
		return 0;
	total = dhcp_pool_bound(&n.dhcp.serve.pool, now_ms, idx, DHCP_LEASE_MAX);
	for (unsigned i = 0; i < total && i < max; i++)
		dhcp_serve_lease_text(&n.dhcp.serve, idx[i], now_ms, lines[i], sizeof(lines[i]));
	return (unsigned)total;
}
