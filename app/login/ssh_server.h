/* app/login/ssh_server.h — failsafe SSH: our listener on the failsafe address, one dropbear per connection */
#ifndef APP_SSH_SERVER_H
#define APP_SSH_SERVER_H

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "listener.h"
#include "loop.h"
#include "ssh_job.h"
#include "ssh_keys.h"
#include "ssh_policy.h"

#define SSH_PORT_DEFAULT 22
#define SSH_SESSIONS_DEFAULT 8
#define SSH_SESSIONS_MAX 32
#define SSH_STOP_GRACE_MS 200         /* stop: dropbear gets SIGTERM, SIGKILL after this */
#define SSH_LOG_LINE_BYTES 256        /* a line of dropbear's stderr in the log; longer is cut */
#define SSH_PROBE_TIMEOUT_MS 10000u   /* dropbear -V answers at once; a hung one is killed */
#define SSH_DIR_NAME "ssh"           /* host keys and the banner: <state-dir>/ssh, on tmpfs */
#define SSH_DIR_MODE 0700

struct ssh_server_config {
	struct in_addr bind_addr;        /* listen here only (IP_FREEBIND) */
	uint16_t port;                   /* host order; 0 lets the kernel pick */
	struct in_addr subnet;           /* peers outside subnet/prefix_len get one line and are closed */
	uint8_t prefix_len;
	unsigned max_sessions;           /* 0 = SSH_SESSIONS_DEFAULT; at most SSH_SESSIONS_MAX */
	const char *dropbear;            /* a path, or a name looked up in PATH; NULL: "dropbear" */
	const char *state_dir;           /* tmpfs: host keys and the banner go to <state_dir>/ssh, made 0700 */
	const char *banner;              /* shown before login (dropbear -b); NULL: none */
	char *const *shell_argv;         /* the login shell telnet sessions get; must outlive the server */
	/* Fingerprints changed ("" for a key not ready): for the console and the beacon. */
	void (*keys_changed)(void *ctx, const char *const fp[SSH_KEY_COUNT]);
	void *ctx;
};

struct ssh_server_stats {
	unsigned live;                   /* connections holding a slot: waiting for a key, or dropbear running */
	uint64_t accepted;               /* connections taken (subnet peers with a free slot) */
	uint64_t refused_full;           /* peers over max_sessions (or out of memory, pipes, processes) */
	uint64_t refused_paused;         /* peers during a back-off pause */
	uint64_t start_failures;         /* dropbear runs that failed to start, and key rounds that made no key */
};

struct ssh_session;

/* Caller-owned, zeroed (static storage) or stopped before start; every field is private. */
struct ssh_server {
	struct listener listener;
	struct ssh_keys keys;
	struct ssh_job probe;            /* dropbear -V: which mode this dropbear needs */
	bool mode_known;
	enum ssh_dropbear_mode mode;
	char version[16];                /* dropbear's, for logs */
	struct ssh_backoff backoff;
	struct ssh_server_config cfg;
	struct ssh_session *sessions[SSH_SESSIONS_MAX]; /* malloc'ed at accept, freed once dropbear is reaped */
	struct ssh_server_stats stats;
	char announced[SSH_KEY_COUNT][SSH_FP_MAX_BYTES + 1]; /* the fingerprints keys_changed last saw */
	char dir[PATH_MAX];              /* <state_dir>/ssh */
	char dropbear[PATH_MAX];
	char banner_path[PATH_MAX + 8];  /* <dir>/banner */
	char forced_command[1024];
	char env_path[PATH_MAX + 32];    /* "FAILSAFED_PATH=<the daemon's PATH>" for the forced command */
	bool running;
};

/*
 * Offer SSH: find dropbear and dropbearkey (beside dropbear, else in
 * PATH), make <state_dir>/ssh, write the banner there, ask dropbear its
 * version (ssh_dropbear_mode), start making the host keys (ssh_keys) and
 * listen. Each connection from the subnet gets its own dropbear
 * (ssh_dropbear_argv) with the socket as stdin and stdout and its stderr
 * read into the daemon's log, reaped through the loop; a connection that
 * comes before a key and the version are known waits for them (the
 * client sees a slow greeting). When dropbear fails to start
 * (ssh_start_failed), or no key can be made, new connections are refused
 * with one line for a doubling pause (ssh_backoff), logged once per step.
 * A key file that goes missing is made again before the next connection.
 *
 * Returns 0; -ENOENT when dropbear or dropbearkey is missing (one log line
 * says so: SSH is not offered, telnet is); -EINVAL (bad config, already
 * running); or the -errno of making the directory or listening (logged).
 */
int ssh_server_start(struct ssh_server *s, const struct ssh_server_config *cfg);

/*
 * Close the listener, kill a key job, and end every session: its socket
 * shut down, SIGTERM to dropbear and its process group, reaped (SIGKILL
 * after SSH_STOP_GRACE_MS). Blocks at most about that long. Safe on a
 * server that is not running.
 */
/* Also serve IPv6 link-local peers on ifname, the failsafe interface, once it exists. 0 or -errno (logged). */
int ssh_server_listen6(struct ssh_server *s, const char *ifname);
/* The banner changed (the DHCP leases): logins from now on show banner. */
void ssh_server_set_banner(struct ssh_server *s, const char *banner);
void ssh_server_stop(struct ssh_server *s);

#endif /* APP_SSH_SERVER_H */
