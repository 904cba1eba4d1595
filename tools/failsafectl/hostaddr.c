/* tools/failsafectl/hostaddr.c — a lease from the board (the project's DHCP codec) or a temporary address, with ip(8); undone on exit */
#include "hostaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dhcp_msg.h"
#include "hostnet.h"
#include "recover.h"

extern char **environ;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ip addr add|del ADDR/24 dev IF; 0, or the exit status of ip (its message on standard error). */
static int ip_addr(const char *verb, struct in_addr a, const char *ifname)
{
	char cidr[INET_ADDRSTRLEN + 4];
	char *argv[] = { "ip", "addr", (char *)verb, cidr, "dev", (char *)ifname, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc;

	inet_ntop(AF_INET, &a, cidr, INET_ADDRSTRLEN);
	snprintf(cidr + strlen(cidr), sizeof(cidr) - strlen(cidr), "/%d", RECOVER_PREFIX);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, "ip", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -rc;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int mac_of(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr) < 0 ? -errno : 0;
	close(fd);
	if (!rc)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return rc;
}

/* The port to act on: the one named, or the only one that is up and has no IPv4 address (with or without a
 * cable: the board may still be off). */
static const struct hostnet_if *pick(const struct hostnet *net, const char *ifname, const char *prog)
{
	struct in_addr subnet;
	const struct hostnet_if *found = NULL;
	unsigned n = 0;

	inet_pton(AF_INET, RECOVER_SUBNET, &subnet);
	for (size_t i = 0; i < net->n; i++)
		if (hostnet_if_has_net(&net->ifs[i], subnet, RECOVER_PREFIX) &&
		    (!ifname || !strcmp(ifname, net->ifs[i].name)))
			return NULL; /* this PC is in the failsafe subnet already: nothing to do */
	if (ifname) {
		found = hostnet_find(net, ifname);
		if (!found || !found->up) {
			fprintf(stderr, "%s: %s is %s: no address added\n", prog, ifname,
				!found ? "not an interface of this PC" : "down");
			return NULL;
		}
		return found;
	}
	for (size_t i = 0; i < net->n; i++) {
		const struct hostnet_if *c = &net->ifs[i];

		if (c->up && !c->loopback && !c->n_addrs) {
			found = c;
			n++;
		}
	}
	if (n > 1)
		fprintf(stderr, "%s: more than one port is up without an address: give --interface to get an "
			"address in %s/%d on the one to the board\n", prog, RECOVER_SUBNET, RECOVER_PREFIX);
	return n == 1 ? found : NULL;
}

/* DISCOVER, the board's OFFER, REQUEST, its ACK: a lease from 192.168.1.1 within HOSTADDR_LEASE_WAIT_MS. */
static int take_lease(struct hostaddr *h)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT) },
			   to = { .sin_family = AF_INET, .sin_port = htons(DHCP_SERVER_PORT),
				  .sin_addr.s_addr = htonl(INADDR_BROADCAST) };
	struct in_addr board;
	uint8_t buf[1500];
	uint64_t end = mono_ms() + HOSTADDR_LEASE_WAIT_MS, resend = 0;
	enum dhcp_type want = DHCP_OFFER;
	int fd, on = 1, len = 0, rc = -ETIMEDOUT;

	inet_pton(AF_INET, RECOVER_BOARD_ADDR, &board);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, h->ifname, (socklen_t)strlen(h->ifname) + 1) < 0 ||
	    bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	for (uint64_t now = mono_ms(); now < end; now = mono_ms()) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct dhcp_msg m;
		ssize_t n;

		if (now >= resend) {
			len = want == DHCP_OFFER ? dhcp_msg_build_discover(h->xid, h->mac, buf, sizeof(buf)) :
			      dhcp_msg_build_client(&(struct dhcp_client_fields){ .type = DHCP_REQUEST, .xid = h->xid,
				      .mac = { h->mac[0], h->mac[1], h->mac[2], h->mac[3], h->mac[4], h->mac[5] },
				      .requested = h->addr, .server_id = h->server, .lease_s = HOSTADDR_LEASE_S,
				      .hostname = "failsafectl" }, buf, sizeof(buf));
			if (len < 0 || sendto(fd, buf, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
				break;
			resend = now + 500;
		}
		if (poll(&p, 1, (int)((resend < end ? resend : end) - now)) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0 || dhcp_msg_parse(buf, (size_t)n, &m, NULL, 0) < 0 || m.op != DHCP_BOOTREPLY ||
		    m.xid != h->xid || memcmp(m.chaddr, h->mac, 6) || !m.has_server_id ||
		    m.server_id.s_addr != board.s_addr)
			continue;   /* not the board's answer to us (another server's, another client's) */
		if (m.type == DHCP_NAK) {
			rc = -EAGAIN;
			break;
		}
		if (m.type != want)
			continue;
		if (want == DHCP_OFFER) {
			h->addr = m.yiaddr;
			h->server = m.server_id;
			want = DHCP_ACK;
			resend = 0;
			continue;
		}
		rc = 0;
		break;
	}
	close(fd);
	return rc;
}

static void release(struct hostaddr *h)
{
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_addr = h->addr },
			   to = { .sin_family = AF_INET, .sin_port = htons(DHCP_SERVER_PORT), .sin_addr = h->server };
	uint8_t buf[DHCP_REPLY_MAX_BYTES];
	int len = dhcp_msg_build_client(&(struct dhcp_client_fields){ .type = DHCP_RELEASE, .xid = h->xid + 1,
		.mac = { h->mac[0], h->mac[1], h->mac[2], h->mac[3], h->mac[4], h->mac[5] }, .ciaddr = h->addr,
		.server_id = h->server }, buf, sizeof(buf));
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	/* sent from the leased address itself: the board takes a RELEASE only from the address it names */
	if (fd >= 0 && len > 0 && bind(fd, (struct sockaddr *)&from, sizeof(from)) == 0)
		sendto(fd, buf, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to));
	if (fd >= 0)
		close(fd);
}

int hostaddr_setup(struct hostaddr *h, const char *prog, const char *ifname)
{
	struct hostnet net;
	const struct hostnet_if *i;
	char a[INET_ADDRSTRLEN];
	int rc;

	memset(h, 0, sizeof(*h));
	if (hostnet_read(&net) < 0 || !(i = pick(&net, ifname, prog)))
		return 0;
	snprintf(h->ifname, sizeof(h->ifname), "%s", i->name);
	if (mac_of(h->ifname, h->mac) < 0) {
		h->ifname[0] = '\0';
		return 0;
	}
	h->xid = (uint32_t)getpid() * 2654435761u ^ (uint32_t)mono_ms();
	if (geteuid() != 0) {
		fprintf(stderr, "%s: %s has no address in %s/%d and only root can give it one: run with sudo, or set %s "
			"on it by hand\n", prog, h->ifname, RECOVER_SUBNET, RECOVER_PREFIX, RECOVER_PC_ADDR);
		h->ifname[0] = '\0';
		return 0;
	}
	if (take_lease(h) == 0) {
		h->leased = true;
	} else {
		inet_pton(AF_INET, "192.168.1.0", &h->addr);
		h->addr.s_addr = htonl(ntohl(h->addr.s_addr) + HOSTADDR_TEMP_FIRST + h->mac[5] % HOSTADDR_TEMP_COUNT);
	}
	inet_ntop(AF_INET, &h->addr, a, sizeof(a));
	if ((rc = ip_addr("add", h->addr, h->ifname)) != 0) {
		fprintf(stderr, "%s: could not add %s/%d to %s (ip exit %d): set %s on it by hand\n", prog, a,
			RECOVER_PREFIX, h->ifname, rc, RECOVER_PC_ADDR);
		if (h->leased)
			release(h);
		h->ifname[0] = '\0';
		h->leased = false;
		return 0;
	}
	h->added = true;
	if (h->leased)
		fprintf(stderr, "%s: took %s/%d on %s, a lease from the board's DHCP (%s); given back and removed on "
			"exit\n", prog, a, RECOVER_PREFIX, h->ifname, RECOVER_BOARD_ADDR);
	else
		fprintf(stderr, "%s: added %s/%d to %s for the failsafe subnet (no DHCP answer: the board is not in "
			"failsafe yet); removed on exit\n", prog, a, RECOVER_PREFIX, h->ifname);
	return 1;
}

void hostaddr_undo(struct hostaddr *h, const char *prog)
{
	char a[INET_ADDRSTRLEN];

	if (!h->added)
		return;
	inet_ntop(AF_INET, &h->addr, a, sizeof(a));
	if (h->leased)
		release(h);
	if (ip_addr("del", h->addr, h->ifname) == 0)
		fprintf(stderr, "%s: %s/%d removed from %s%s\n", prog, a, RECOVER_PREFIX, h->ifname,
			h->leased ? " (the lease given back)" : "");
	else
		fprintf(stderr, "%s: could not remove %s/%d from %s: ip addr del %s/%d dev %s\n", prog, a, RECOVER_PREFIX,
			h->ifname, a, RECOVER_PREFIX, h->ifname);
	h->added = h->leased = false;
}
