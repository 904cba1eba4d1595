/* tools/failsafectl/failsafectl.h — the host-side command's subcommands */
#ifndef TOOLS_FAILSAFECTL_H
#define TOOLS_FAILSAFECTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Each returns the process exit status: 0 ok, 1 failure, 2 usage error. argv[0] is the subcommand. */
int sim_main(int argc, char **argv);
int listen_main(int argc, char **argv);
int telnet_main(int argc, char **argv);
int mkimage_main(int argc, char **argv);
int serve_main(int argc, char **argv);
int recover_main(int argc, char **argv);

/* mkimage.c's helpers, shared with serve and recover. */
struct fwimage_info;
/* "812 B", "1.5 KiB", "64.0 MiB": one decimal, binary units. */
void mkimage_size_text(char *out, size_t size, uint64_t bytes);
/* What an image holds, as indented lines: boards, version, size, payload and image SHA-256. */
void mkimage_print_info(FILE *f, const struct fwimage_info *info);
struct board;
/* The board of this tree called NAME: its name (mercusys-mr85x), file name (mercusys_mr85x) or compatible; NULL. */
const struct board *mkimage_find_board(const char *name);

/* listen.c's engine, shared with telnet. */
struct listen_opts {
	const char *prog;	/* message prefix, e.g. "failsafectl listen" */
	unsigned int port;	/* UDP port to listen on */
	int timeout_ms;		/* give up after this long; < 0: never */
	bool once;		/* return at the first board that enters failsafe */
	bool json;		/* one JSON object per beacon on stdout */
	bool plain;		/* plain lines even on a terminal */
	const char *ifname;	/* --interface: the port to the board, for an address (listen) */
	bool no_address;	/* --no-address: never change this PC's addresses */
};

/*
 * listen_run - listen and show beacons until Ctrl-C, the timeout or (with
 * @o->once) a board entering failsafe, whose address is then copied to
 * @addr.  Returns the exit status: 1 on error, on the timeout when nothing
 * (with @o->once: no failsafe) arrived, and on Ctrl-C with @o->once;
 * otherwise 0.
 */
int listen_run(const struct listen_opts *o, char *addr, size_t addr_size);

/*
 * listen_opt - parse --port PORT / --timeout SECONDS at argv[*i] into @o (shared by
 * listen and telnet). Returns 1 when consumed (*i advanced), 0 when argv[*i] is
 * another option, -1 after printing an error naming the option.
 */
int listen_opt(struct listen_opts *o, int argc, char **argv, int *i);

#endif /* TOOLS_FAILSAFECTL_H */
