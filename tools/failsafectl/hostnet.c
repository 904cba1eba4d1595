/* tools/failsafectl/hostnet.c — this PC's network interfaces and IPv4 addresses, for hints (serve, recover) */
#include "hostnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static struct hostnet_if *get_if(struct hostnet *h, const char *name)
{
	for (size_t k = 0; k < h->n; k++)
		if (!strcmp(h->ifs[k].name, name))
			return &h->ifs[k];
	if (h->n == HOSTNET_MAX_IFS || strlen(name) >= IF_NAMESIZE)
		return NULL;
	memset(&h->ifs[h->n], 0, sizeof(h->ifs[h->n]));
	snprintf(h->ifs[h->n].name, IF_NAMESIZE, "%s", name);
	return &h->ifs[h->n++];
}

static unsigned prefix_len(const struct sockaddr *mask)
{
	const struct sockaddr_in *m = (const struct sockaddr_in *)(const void *)mask;

	return m && m->sin_family == AF_INET ? (unsigned)__builtin_popcount(m->sin_addr.s_addr) : 32;
}

int hostnet_read(struct hostnet *h)
{
	struct ifaddrs *ifa, *i;

	h->n = 0;
	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		struct hostnet_if *hi = i->ifa_name ? get_if(h, i->ifa_name) : NULL;
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;

		if (!hi)
			continue;
		hi->up = i->ifa_flags & IFF_UP;
		hi->carrier = i->ifa_flags & IFF_RUNNING;
		hi->loopback = i->ifa_flags & IFF_LOOPBACK;
		if (sin && sin->sin_family == AF_INET && hi->n_addrs < HOSTNET_MAX_ADDRS) {
			hi->addr[hi->n_addrs] = sin->sin_addr;
			hi->prefix[hi->n_addrs++] = prefix_len(i->ifa_netmask);
		}
	}
	freeifaddrs(ifa);
	return 0;
}

const struct hostnet_if *hostnet_find(const struct hostnet *h, const char *name)
{
	for (size_t k = 0; k < h->n; k++)
		if (!strcmp(h->ifs[k].name, name))
			return &h->ifs[k];
	return NULL;
}

const struct hostnet_if *hostnet_holding(const struct hostnet *h, struct in_addr a)
{
	for (size_t k = 0; k < h->n; k++)
		for (unsigned j = 0; j < h->ifs[k].n_addrs; j++)
			if (h->ifs[k].addr[j].s_addr == a.s_addr)
				return &h->ifs[k];
	return NULL;
}

bool hostnet_in_net(struct in_addr a, struct in_addr net, unsigned prefix)
{
	uint32_t mask = prefix ? 0xffffffffu << (32 - (prefix > 32 ? 32 : prefix)) : 0;

	return (ntohl(a.s_addr) & mask) == (ntohl(net.s_addr) & mask);
}

const struct in_addr *hostnet_if_has_net(const struct hostnet_if *i, struct in_addr net, unsigned prefix)
{
	for (unsigned j = 0; j < i->n_addrs; j++)
		if (hostnet_in_net(i->addr[j], net, prefix))
			return &i->addr[j];
	return NULL;
}

void hostnet_if_text(const struct hostnet_if *i, char *out, size_t size)
{
	char a[INET_ADDRSTRLEN];
	const char *why[2];
	int n = 0;
	size_t used = (size_t)snprintf(out, size, "%s", i->name);

	for (unsigned j = 0; j < i->n_addrs && used < size; j++) {
		inet_ntop(AF_INET, &i->addr[j], a, sizeof(a));
		used += (size_t)snprintf(out + used, size - used, "%s%s/%u", j ? ", " : " ", a, i->prefix[j]);
	}
	if (!i->n_addrs)
		why[n++] = "no IPv4 address";
	if (!i->up)
		why[n++] = "down";
	else if (!i->carrier)
		why[n++] = "no cable";
	if (n && used < size)
		snprintf(out + used, size - used, " (%s%s%s)", why[0], n > 1 ? ", " : "", n > 1 ? why[1] : "");
}

void hostnet_local_addrs(char *out, size_t size, char *pick, size_t pick_size)
{
	struct ifaddrs *ifa, *i;
	size_t used = 0;
	bool have_pick = false;

	out[0] = '\0';
	if (getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i; i = i->ifa_next) {
		char a[INET_ADDRSTRLEN];
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;

		if (!sin || sin->sin_family != AF_INET || !inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)))
			continue;
		if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127)
			continue;
		if (used < size)
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? ", " : "", a);
		if (pick && !have_pick) {
			bool failsafe_subnet = (ntohl(sin->sin_addr.s_addr) & 0xffffff00u) == 0xc0a80100u;

			if (failsafe_subnet || !pick[0])
				snprintf(pick, pick_size, "%s", a);
			have_pick = failsafe_subnet;
		}
	}
	freeifaddrs(ifa);
}
