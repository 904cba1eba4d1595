/* drivers/eth_journal.c — the port's change journal: lines built and looked up on plain buffers (pure) */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "eth_journal.h"

static int add_line(char *buf, size_t size, const char *line)
{
	size_t have = strnlen(buf, size), n = strlen(line);

	if (have + n + 2 > size)
		return -ENOSPC;
	memcpy(buf + have, line, n);
	buf[have + n] = '\n';
	buf[have + n + 1] = '\0';
	return 0;
}

static void addr_line(char *line, size_t size, const char *ifname, struct in_addr addr, uint8_t prefix_len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	snprintf(line, size, "addr %s %s/%u", ifname, a, (unsigned)prefix_len);
}

int eth_journal_add(char *buf, size_t size, const char *kind, const char *ifname)
{
	char line[64];

	snprintf(line, sizeof(line), "%s %s", kind, ifname);
	return add_line(buf, size, line);
}

int eth_journal_add_addr(char *buf, size_t size, const char *ifname, struct in_addr addr, uint8_t prefix_len)
{
	char line[96];

	addr_line(line, sizeof(line), ifname, addr, prefix_len);
	return add_line(buf, size, line);
}

static void port_line(char *line, size_t size, const char *ifname, const char *bridge)
{
	snprintf(line, size, "enslaved %s %s", ifname, bridge);
}

int eth_journal_add_port(char *buf, size_t size, const char *ifname, const char *bridge)
{
	char line[96];

	port_line(line, sizeof(line), ifname, bridge);
	return add_line(buf, size, line);
}

static bool has_line(const char *journal, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = journal; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, line, n) && p[n] == '\n')
			return true;
	return false;
}

bool eth_journal_has(const char *journal, const char *kind, const char *ifname)
{
	char line[64];

	snprintf(line, sizeof(line), "%s %s", kind, ifname);
	return has_line(journal, line);
}

bool eth_journal_has_addr(const char *journal, const char *ifname, struct in_addr addr, uint8_t prefix_len)
{
	char line[96];

	addr_line(line, sizeof(line), ifname, addr, prefix_len);
	return has_line(journal, line);
}

bool eth_journal_has_port(const char *journal, const char *ifname, const char *bridge)
{
	char line[96];

	port_line(line, sizeof(line), ifname, bridge);
	return has_line(journal, line);
}

bool eth_journal_mentions(const char *journal, const char *ifname)
{
	size_t n = strlen(ifname);

	for (const char *p = journal; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *end = strchr(p, '\n'), *word = strchr(p, ' ');

		if (!end)
			break;   /* a cut-off last line says nothing */
		if (word && word < end && !strncmp(word + 1, ifname, n) && (word[1 + n] == ' ' || word[1 + n] == '\n'))
			return true;
	}
	return false;
}
