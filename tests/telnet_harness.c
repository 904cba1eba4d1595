/* tests/telnet_harness.c — test-only main: runs the telnet server alone on a loop, options from argv */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "telnet_server.h"

static struct telnet_server server;
static struct loop_signal sig_term, sig_int, sig_usr1;
static char *default_shell[] = { "/bin/sh", "-l", NULL };

static void print_stats(void)
{
	struct telnet_server_stats st;

	telnet_server_get_stats(&server, &st);
	printf("stats active=%u live=%u accepted=%llu refused_subnet=%llu refused_full=%llu evicted=%llu "
	       "handshake_timeouts=%llu\n", st.active, st.live,
	       (unsigned long long)st.accepted, (unsigned long long)st.refused_subnet,
	       (unsigned long long)st.refused_full, (unsigned long long)st.evicted,
	       (unsigned long long)st.handshake_timeouts);
	fflush(stdout);
}

static void on_usr1(struct loop_signal *s)
{
	(void)s;
	print_stats();
}

static void on_term(struct loop_signal *s)
{
	(void)s;
	telnet_server_stop(&server);
	print_stats();
	loop_stop();
}

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--bind ADDR] [--port N] [--subnet A.B.C.D/N] [--max-sessions N]\n"
		"       [--idle-timeout-ms N] [--banner TEXT] [-v] [-- SHELL ARGS...]\n"
		"  defaults: 127.0.0.1, port 2323 (0 = any), 127.0.0.0/8, 8 sessions, no idle timeout,\n"
		"  /bin/sh -l. Prints \"port N\" once listening; SIGUSR1 prints counters, SIGTERM stops.\n",
		argv0);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "subnet", required_argument, NULL, 's' },
		{ "max-sessions", required_argument, NULL, 'm' },
		{ "idle-timeout-ms", required_argument, NULL, 'i' },
		{ "banner", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct telnet_server_config cfg = {
		.port = 2323,
		.shell_argv = default_shell,
		.banner = "failsafed telnet harness\n",
	};
	char *slash;
	int opt, rc;

	inet_pton(AF_INET, "127.0.0.1", &cfg.bind_addr);
	inet_pton(AF_INET, "127.0.0.0", &cfg.subnet);
	cfg.prefix_len = 8;
	log_set_ident("telnet_harness");
	while ((opt = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			if (inet_pton(AF_INET, optarg, &cfg.bind_addr) != 1)
				return usage(argv[0]);
			break;
		case 'p':
			cfg.port = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 's':
			slash = strchr(optarg, '/');
			if (!slash)
				return usage(argv[0]);
			*slash = '\0';
			if (inet_pton(AF_INET, optarg, &cfg.subnet) != 1)
				return usage(argv[0]);
			cfg.prefix_len = (uint8_t)strtoul(slash + 1, NULL, 10);
			break;
		case 'm':
			cfg.max_sessions = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			cfg.idle_timeout_ms = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'B':
			cfg.banner = optarg;
			break;
		case 'v':
			log_set_level(LOG_LVL_DEBUG);
			break;
		default:
			return usage(argv[0]);
		}
	}
	if (optind < argc)
		cfg.shell_argv = &argv[optind];

	if (loop_init() < 0)
		return 1;
	rc = telnet_server_start(&server, &cfg);
	if (rc < 0) {
		fprintf(stderr, "telnet_harness: start: %s\n", strerror(-rc));
		return 1;
	}
	loop_signal_watch(&sig_term, SIGTERM, on_term);
	loop_signal_watch(&sig_int, SIGINT, on_term);
	loop_signal_watch(&sig_usr1, SIGUSR1, on_usr1);
	printf("port %u\n", (unsigned)telnet_server_port(&server));
	fflush(stdout);
	loop_run();
	return 0;
}
