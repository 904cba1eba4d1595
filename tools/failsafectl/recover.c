/* tools/failsafectl/recover.c — failsafectl recover: flash an image from this PC in one command (check, wait, ring, upload, confirm, write) */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "failsafectl.h"
#include "hostaddr.h"
#include "imagefile.h"
#include "listen_view.h"
#include "recover.h"

enum {
	OPT_HELP, OPT_YES, OPT_KEEP, OPT_RESET, OPT_FORCE, OPT_TIMEOUT, OPT_INTERFACE, OPT_BIND, OPT_ADDRESS, OPT_NO_ADDRESS,
	OPT_REBOOT, OPT_PLAIN, OPT_PORT, OPT_HTTP_PORT,
};

static const struct args_opt opts[] = {
	{ "--yes", 'y', NULL, "write without asking (the board still checks first)", OPT_YES },
	{ "--keep-settings", 0, NULL, "keep the board's settings (the default)", OPT_KEEP },
	{ "--reset-settings", 0, NULL, "start the new firmware with defaults (sysupgrade -n)", OPT_RESET },
	{ "--force", 0, NULL, "flash an image not for the board or invalid (-F)", OPT_FORCE },
	{ "--timeout", 0, "SECONDS", "give up after SECONDS without a board (default never)", OPT_TIMEOUT },
	{ "--interface", 'i', "IF", "boards on this interface only (beacons and HTTP)", OPT_INTERFACE },
	{ "--no-address", 0, NULL, "never change this PC's addresses (by default a port to the board without one gets "
	  "a lease from the board or a temporary 192.168.1.2xx/24, undone on exit)", OPT_NO_ADDRESS },
	{ "--bind", 0, "ADDR", "this PC's address toward the board (that interface)", OPT_BIND },
	{ "--address", 0, "ADDR", "a board in failsafe already, at ADDR: no waiting", OPT_ADDRESS },
	{ "--reboot", 0, NULL, "reboot the board once the firmware is written", OPT_REBOOT },
	{ "--plain", 0, NULL, "lines only, no redrawn countdown and bars", OPT_PLAIN },
	{ "--port", 0, "PORT", "UDP port of the beacons (default 4919)", OPT_PORT },
	{ "--http-port", 0, "PORT", "the recovery page's TCP port (default 80)", OPT_HTTP_PORT },
	{ "--help", 'h', NULL, "this text", OPT_HELP },
};

static const struct args_spec spec = {
	.usage = "Usage: failsafectl recover IMAGE [--yes] [--keep-settings | --reset-settings]\n"
		 "         [--force] [--timeout SECONDS] [--interface IF | --bind ADDR]\n"
		 "         [--address ADDR] [--reboot] [--plain]\n"
		 "Flash IMAGE (an OpenWrt sysupgrade image) onto a board from this PC, in one go:\n"
		 "  1. check IMAGE here (OpenWrt metadata: CRC, boards, version, SHA-256);\n"
		 "  2. wait for a board the image is for to announce its boot window (UDP\n"
		 "     4919): power it on now; the bell rings, \"press the button now\" counts down;\n"
		 "  3. once it is in failsafe, upload IMAGE to its recovery page\n"
		 "     (http://" RECOVER_BOARD_ADDR "/) with progress: held in its RAM, nothing written;\n"
		 "  4. show the board's own checks, ask for the go-ahead (not with --yes);\n"
		 "  5. follow the write and the read-back to \"Upgrade completed\"; say what next.\n",
	.opts = opts,
	.n_opts = sizeof(opts) / sizeof(opts[0]),
	.footer =
		"This PC needs an address in the failsafe subnet on the port cabled to the\n"
		"board; run as root with none, it takes a lease from the board or adds a\n"
		"temporary 192.168.1.2xx/24 (one line says which; undone on exit), else\n"
		"give one, e.g. " RECOVER_PC_ADDR " (it says so while it waits). A board the\n"
		"image does not list is named and waited past; one this failsafectl does not\n"
		"know is taken, and its recovery page says which board it is before anything\n"
		"is sent. Without --yes and without a terminal on standard input nothing is\n"
		"flashed (no one to ask). Ctrl-C stops; a write under way finishes on its own.\n"
		"Exit status:\n"
		"  0  written: Upgrade completed\n"
		"  1  an error: network, the board busy or gone, Ctrl-C\n"
		"  2  bad usage\n"
		"  3  IMAGE refused on this PC (broken, unreadable, no metadata without\n"
		"     --force): no board contacted\n"
		"  4  no board this image is for entered failsafe within --timeout\n"
		"  5  the board is not in the image's list, or its checks refused the image:\n"
		"     nothing written\n"
		"  6  not confirmed (no --yes and no terminal, or the answer was not y):\n"
		"     nothing written\n"
		"  7  writing failed on the board\n",
};

struct parsed {
	struct recover_opts o;
	bool keep_given, reset_given, help;
};

static volatile sig_atomic_t got_stop;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static int ipv4(const char *v, char *err, size_t err_size)
{
	struct in_addr a;

	if (inet_pton(AF_INET, v, &a) == 1)
		return 0;
	snprintf(err, err_size, "expects an IPv4 address such as " RECOVER_BOARD_ADDR ", not '%s'", v);
	return -EINVAL;
}

static int port(const char *v, unsigned *out, char *err, size_t err_size)
{
	long n;

	if (args_number(v, 1, 65535, &n, err, err_size))
		return -EINVAL;
	*out = (unsigned)n;
	return 0;
}

static int on_opt(void *ctx, int id, const char *v, char *err, size_t err_size)
{
	struct parsed *p = ctx;
	struct recover_opts *o = &p->o;

	switch (id) {
	case OPT_HELP:
		p->help = true;
		return ARGS_STOP;
	case OPT_YES:
		o->yes = true;
		return 0;
	case OPT_KEEP:
		p->keep_given = true;
		o->keep = true;
		return 0;
	case OPT_RESET:
		p->reset_given = true;
		o->keep = false;
		return 0;
	case OPT_FORCE:
		o->force = true;
		return 0;
	case OPT_TIMEOUT:
		if (!lv_parse_seconds(v, &o->timeout_ms)) {
			snprintf(err, err_size, "expects seconds (e.g. 60 or 0.5, at most 86400), not '%s'", v);
			return -EINVAL;
		}
		return 0;
	case OPT_NO_ADDRESS:
		p->o.no_address = true;
		return 0;
	case OPT_INTERFACE:
		if (!v[0] || strlen(v) >= 16 || strchr(v, '/')) {
			snprintf(err, err_size, "expects an interface name such as eth0, not '%s'", v);
			return -EINVAL;
		}
		o->ifname = v;
		return 0;
	case OPT_BIND:
		o->bind = v;
		return ipv4(v, err, err_size);
	case OPT_ADDRESS:
		o->address = v;
		return ipv4(v, err, err_size);
	case OPT_REBOOT:
		o->reboot = true;
		return 0;
	case OPT_PLAIN:
		o->plain = true;
		return 0;
	case OPT_PORT:
		return port(v, &o->beacon_port, err, err_size);
	case OPT_HTTP_PORT:
		return port(v, &o->http_port, err, err_size);
	case ARGS_OPERAND:
		if (o->image) {
			snprintf(err, err_size, "one IMAGE only (already have '%s')", o->image);
			return -EINVAL;
		}
		o->image = v;
		return 0;
	default:
		snprintf(err, err_size, "unexpected argument");
		return -EINVAL;
	}
}

static int usage(const struct parsed *p)
{
	char *help;

	if (p->help) {
		help = malloc(8192);
		if (!help)
			return RECOVER_ERROR;
		args_usage(&spec, help, 8192);
		fputs(help, stdout);
		free(help);
		return RECOVER_OK;
	}
	if (!p->o.image) {
		fprintf(stderr, "%s: no IMAGE given: the sysupgrade image to flash (see --help)\n", RECOVER_PROG);
		return RECOVER_USAGE;
	}
	if (p->keep_given && p->reset_given) {
		fprintf(stderr, "%s: --keep-settings and --reset-settings exclude each other\n", RECOVER_PROG);
		return RECOVER_USAGE;
	}
	return -1;
}

/* Everything after the arguments: the image, the board, the page. */
static int recover(const struct recover_opts *o, struct fwimage_info *info)
{
	struct recover_out out;
	struct recover_board b = { 0 };
	struct hostaddr h = { 0 };
	struct stat st;
	int fd, rc;

	rout_init(&out, o->plain);
	if (imagefile_check(RECOVER_PROG, o->image, "not sending it to any board", &got_stop, &fd, &st, info))
		return got_stop ? RECOVER_ERROR : RECOVER_BAD_IMAGE;
	imagefile_check_sum(RECOVER_PROG, o->image, info);
	if (!info->has_metadata && !o->force) {
		rout_error(&out, "%s has no OpenWrt metadata: no board list to check it against, and a board writes it "
			   "only when forced. If you are sure it is for your board: --force", o->image);
		rc = RECOVER_BAD_IMAGE;
		goto out;
	}
	if (!o->yes && !isatty(STDIN_FILENO)) {
		rout_error(&out, "not flashing: no --yes, and standard input is not a terminal to ask on. Add --yes to "
			   "write without asking (the board still checks the image before anything is written)");
		rc = RECOVER_NOT_CONFIRMED;
		goto out;
	}
	rout_event(&out, false, "%s: settings %s%s%s", RECOVER_PROG, o->keep ? "kept" : "reset (--reset-settings)",
		   o->force ? ", --force" : "", o->yes ? ", --yes: no question before writing" : "");
	if (!o->no_address && !o->bind)
		hostaddr_setup(&h, RECOVER_PROG, o->ifname);
	if (o->address) {
		snprintf(b.addr, sizeof(b.addr), "%s", o->address);
		rout_event(&out, false, "a board in failsafe at %s (--address): not waiting for a beacon", o->address);
	} else if ((rc = recover_wait(o, info, &out, &got_stop, &b))) {
		goto out;
	}
	rc = recover_flash(o, fd, &st, info, &out, &got_stop, &b);
out:
	rout_clear(&out);
	hostaddr_undo(&h, RECOVER_PROG);
	close(fd);
	return rc;
}

int recover_main(int argc, char **argv)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct parsed p = { .o = { .keep = true, .timeout_ms = -1, .beacon_port = BEACON_UDP_PORT, .http_port = 80 } };
	struct sigaction sa = { .sa_handler = on_stop }, ign = { .sa_handler = SIG_IGN };
	struct sigaction old[sizeof(sigs) / sizeof(sigs[0])], oldpipe;
	struct fwimage_info *info;
	char err[256];
	int rc;

	if (args_parse(&spec, argc, argv, on_opt, &p, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", RECOVER_PROG, err);
		return RECOVER_USAGE;
	}
	if ((rc = usage(&p)) >= 0)
		return rc;
	info = malloc(sizeof(*info));
	if (!info) {
		fprintf(stderr, "%s: out of memory\n", RECOVER_PROG);
		return RECOVER_ERROR;
	}
	got_stop = 0;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, &old[i]);	/* no SA_RESTART: waits end with EINTR */
	sigaction(SIGPIPE, &ign, &oldpipe);
	rc = recover(&p.o, info);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &old[i], NULL);
	sigaction(SIGPIPE, &oldpipe, NULL);
	free(info);
	return rc;
}
