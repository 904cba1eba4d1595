/* app/login/ssh_server.c — failsafe SSH: accept on our listener, a dropbear per connection as a loop child, back-off */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "shell_exec.h"
#include "ssh_server.h"
#include "statefiles.h"

#define TCP_STATE_ESTABLISHED 1        /* the kernel's TCP_ESTABLISHED (linux/tcp.h does not name it) */
#define DEFAULT_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

struct ssh_session {
	struct ssh_server *srv;
	unsigned slot;
	int sock_fd;                     /* our copy of the client's socket: probed when dropbear ends, shut at stop */
	int err_fd;                      /* dropbear's stderr, read into the log; -1 once closed */
	struct loop_fd err;
	struct loop_child child;         /* dropbear; not active while waiting for a key */
	char peer[LISTENER_PEER_BYTES];
	char line[SSH_LOG_LINE_BYTES];   /* a partial line of dropbear's stderr */
	size_t line_len;
	uint64_t started_ms;             /* dropbear started */
	enum ssh_dropbear_mode mode;     /* how it was started */
};

/* ---- dropbear's stderr into the log ---- */

static void log_line(struct ssh_session *ss)
{
	const char *text;
	bool routine;

	for (size_t i = 0; i < ss->line_len; i++)
		if ((unsigned char)ss->line[i] < 0x20 || (unsigned char)ss->line[i] == 0x7f)
			ss->line[i] = '?';
	ss->line[ss->line_len] = '\0';
	text = ssh_log_text(ss->line, &routine);
	if (*text)
		log_msg(routine ? LOG_LVL_DEBUG : LOG_LVL_INFO, "ssh %s: %s", ss->peer, text);
	ss->line_len = 0;
}

static void close_err(struct ssh_session *ss)
{
	if (ss->err_fd < 0)
		return;
	loop_fd_del(&ss->err);
	close(ss->err_fd);
	ss->err_fd = -1;
	log_line(ss);
}

/* Read what dropbear wrote; false at end of file or on an error (then closed). */
static bool read_err(struct ssh_session *ss)
{
	char buf[512];
	ssize_t n = read(ss->err_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n <= 0) {
		close_err(ss);
		return false;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n' || buf[i] == '\r') {
			log_line(ss);
			continue;
		}
		if (ss->line_len < sizeof(ss->line) - 1)
			ss->line[ss->line_len++] = buf[i];
	}
	return true;
}

static void on_err(struct loop_fd *f, unsigned events)
{
	(void)events;
	read_err(container_of(f, struct ssh_session, err));
}

/* ---- sessions ---- */

static void sess_free(struct ssh_session *ss)
{
	struct ssh_server *s = ss->srv;

	loop_child_cancel(&ss->child);
	close_err(ss);
	if (ss->sock_fd >= 0)
		close(ss->sock_fd);
	s->sessions[ss->slot] = NULL;
	s->stats.live--;
	free(ss);
}

/* Whether dropbear said anything to the client, and whether the client is still there. */
static void probe_socket(int fd, int *spoke, bool *peer_open)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int queued = 0;

	*spoke = -1;
	*peer_open = true;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return;
	*peer_open = ti.tcpi_state == TCP_STATE_ESTABLISHED;
	if (ioctl(fd, SIOCOUTQ, &queued) == 0 && queued > 0)
		*spoke = 1;
	else if (len >= offsetof(struct tcp_info, tcpi_bytes_sent) + sizeof(ti.tcpi_bytes_sent))
		*spoke = ti.tcpi_bytes_sent > 0;     /* Linux 4.19 */
	else if (len >= offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked))
		*spoke = ti.tcpi_bytes_acked > 0;    /* Linux 4.1: with nothing queued, sent is acked */
}

static int sess_run(struct ssh_session *ss);

static void on_child(struct loop_child *c, int status)
{
	struct ssh_session *ss = container_of(c, struct ssh_session, child);
	struct ssh_server *s = ss->srv;
	uint64_t now_ms = loop_now_ms();
	char how[32], line[160];
	bool peer_open;
	int spoke;

	while (ss->err_fd >= 0 && read_err(ss))
		;
	close_err(ss);
	ssh_status_text(status, how, sizeof(how));
	probe_socket(ss->sock_fd, &spoke, &peer_open);
	if (!ssh_start_failed(status, spoke, peer_open)) {
		ssh_backoff_note(&s->backoff, false, now_ms);
		log_debug("ssh %s: dropbear %d ended (%s) after %llu ms", ss->peer, (int)c->pid, how,
			  (unsigned long long)(now_ms - ss->started_ms));
		sess_free(ss);
		return;
	}
	s->stats.start_failures++;
	if (ssh_mode_after_failure(ss->mode) != ss->mode) {
		if (s->mode == ss->mode) {
			s->mode = ssh_mode_after_failure(ss->mode);
			log_warn("ssh: dropbear %s did not start as %s (built without re-exec?); now %s: its messages go "
				 "to syslog", s->version, ssh_mode_name(ss->mode), ssh_mode_name(s->mode));
		}
		/* Nothing was said to the client yet: it gets dropbear the other way, unaware. */
		if (peer_open && sess_run(ss) == 0)
			return;
	} else if (ssh_backoff_note(&s->backoff, true, now_ms)) {
		log_warn("ssh: dropbear failed to start (%s, %s); refusing SSH for %u s (failure %u in a row)",
			 s->dropbear, how, s->backoff.step_ms / 1000, s->backoff.failures);
	}
	if (peer_open) {
		snprintf(line, sizeof(line), "failsafed: SSH failed to start (%s); try again later, or telnet\r\n", how);
		listener_refuse(ss->sock_fd, line);
		ss->sock_fd = -1;
	}
	sess_free(ss);
}

/* dropbear for a waiting connection, with the keys ready now. 0 or -errno (the caller refuses the peer). */
static int sess_run(struct ssh_session *ss)
{
	struct ssh_server *s = ss->srv;
	struct ssh_dropbear_args a = { .mode = s->mode, .dropbear = s->dropbear, .forced_command = s->forced_command,
				       .banner_path = s->banner_path[0] ? s->banner_path : NULL };
	const char *env[] = { s->env_path, NULL };
	const char *argv[SSH_ARGV_MAX];
	int p[2], n;
	pid_t pid;

	for (unsigned k = 0; k < SSH_KEY_COUNT; k++)
		a.key_path[k] = ssh_keys_ready(&s->keys, (enum ssh_key_type)k) ? s->keys.path[k] : NULL;
	if ((n = ssh_dropbear_argv(&a, argv)) < 0)
		return n;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	pid = ssh_spawn(argv, ss->sock_fd, ss->sock_fd, p[1], s->mode == SSH_MODE_REEXEC ? SSH_SPAWN_NULL : -1, env, 0);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return (int)pid;
	}
	ss->err_fd = p[0];
	ss->mode = s->mode;
	ss->started_ms = loop_now_ms();
	loop_fd_set(&ss->err, ss->err_fd, LOOP_READ, on_err);
	loop_child_watch(&ss->child, pid, on_child);
	log_debug("ssh %s: dropbear pid %d", ss->peer, (int)pid);
	return 0;
}

static void sess_refuse(struct ssh_session *ss, const char *line)
{
	listener_refuse(ss->sock_fd, line);
	ss->sock_fd = -1;
	sess_free(ss);
}

static void start_or_refuse(struct ssh_session *ss)
{
	char line[128];
	int rc = sess_run(ss);

	if (rc == 0)
		return;
	log_warn("ssh %s: cannot start dropbear: %s", ss->peer, strerror(-rc));
	snprintf(line, sizeof(line), "failsafed: cannot start SSH: %s\r\n", strerror(-rc));
	ss->srv->stats.start_failures++;
	sess_refuse(ss, line);
}

/* Keys or the version became known (or were checked): waiting connections go on or are refused; fingerprints told. */
static void update(struct ssh_server *s)
{
	const char *fp[SSH_KEY_COUNT];
	bool any = false, changed = false;

	for (unsigned k = 0; k < SSH_KEY_COUNT; k++) {
		fp[k] = s->keys.fp[k];
		any |= s->keys.fp[k][0] != '\0';
		if (strcmp(s->announced[k], s->keys.fp[k])) {
			snprintf(s->announced[k], sizeof(s->announced[k]), "%s", s->keys.fp[k]);
			changed = true;
		}
	}
	if (changed && s->cfg.keys_changed)
		s->cfg.keys_changed(s->cfg.ctx, fp);
	if (!any && !ssh_keys_busy(&s->keys) && ssh_backoff_note(&s->backoff, true, loop_now_ms())) {
		s->stats.start_failures++;
		log_warn("ssh: no host key could be made; refusing SSH for %u s (failure %u in a row)",
			 s->backoff.step_ms / 1000, s->backoff.failures);
	}
	for (unsigned i = 0; i < SSH_SESSIONS_MAX; i++) {
		struct ssh_session *ss = s->sessions[i];

		if (!ss || ss->child.active)
			continue;
		if (any && s->mode_known)
			start_or_refuse(ss);
		else if (!any && !ssh_keys_busy(&s->keys))
			sess_refuse(ss, "failsafed: SSH has no host key (dropbearkey failed); try again later, or telnet\r\n");
		/* else it waits: for a key being made, or for dropbear's version */
	}
}

static void on_keys(struct ssh_keys *k)
{
	update(container_of(k, struct ssh_server, keys));
}

static void on_probe(struct ssh_job *j, int status)
{
	struct ssh_server *s = container_of(j, struct ssh_server, probe);
	char how[32], line[160];
	int mode = ssh_dropbear_mode(j->out, j->out_len, s->version, sizeof(s->version));

	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ssh_status_text(status, how, sizeof(how));
		log_warn("ssh: %s -V failed (%s: %s); trying it as dropbear 2024.84 or later", s->dropbear, how,
			 ssh_job_last_line(j, line, sizeof(line)));
		mode = SSH_MODE_INETD;
	} else if (mode < 0) {
		log_warn("ssh: dropbear %s is older than 2022.82 (no -e, no log per connection); SSH is not offered, "
			 "telnet is", s->version);
		listener_stop(&s->listener);
		for (unsigned i = 0; i < SSH_SESSIONS_MAX; i++)
			if (s->sessions[i])
				sess_refuse(s->sessions[i], "failsafed: this dropbear is too old for SSH in failsafe; use telnet\r\n");
		return;
	}
	s->mode = (enum ssh_dropbear_mode)mode;
	s->mode_known = true;
	log_info("ssh: dropbear %s, run per connection as dropbear %s", s->version, ssh_mode_name(s->mode));
	update(s);
}

static void on_accept(struct listener *l, int fd, const char *peer)
{
	struct ssh_server *s = container_of(l, struct ssh_server, listener);
	uint64_t now_ms = loop_now_ms();
	struct ssh_session *ss;
	char line[160];
	unsigned slot;

	if (ssh_backoff_active(&s->backoff, now_ms)) {
		listener_log_refusal("ssh", peer, "paused after dropbear failed");
		snprintf(line, sizeof(line), "failsafed: SSH is paused for %llu s after dropbear failed; "
			 "try again later, or telnet\r\n", (unsigned long long)((s->backoff.until_ms - now_ms + 999) / 1000));
		listener_refuse(fd, line);
		s->stats.refused_paused++;
		return;
	}
	for (slot = 0; slot < SSH_SESSIONS_MAX && s->sessions[slot]; slot++)
		;
	if (s->stats.live >= s->cfg.max_sessions || slot == SSH_SESSIONS_MAX || !(ss = calloc(1, sizeof(*ss)))) {
		snprintf(line, sizeof(line), "all %u SSH sessions in use", s->stats.live);
		listener_log_refusal("ssh", peer, line);
		snprintf(line, sizeof(line), "failsafed: all %u SSH sessions are in use; try again later\r\n",
			 s->cfg.max_sessions);
		listener_refuse(fd, line);
		s->stats.refused_full++;
		return;
	}
	listener_keepalive(fd);
	ss->srv = s;
	ss->slot = slot;
	ss->sock_fd = fd;
	ss->err_fd = -1;
	snprintf(ss->peer, sizeof(ss->peer), "%s", peer);
	s->sessions[slot] = ss;
	s->stats.live++;
	s->stats.accepted++;
	if (ssh_keys_check(&s->keys) && s->mode_known) {
		start_or_refuse(ss);
		return;
	}
	log_info("ssh %s: waiting for a host key and dropbear's version", peer);
	update(s); /* a key that went missing is being made; if none can be, the peer hears so */
}

/* ---- start and stop ---- */

/* An executable regular file: name as is if it has a slash, else in dir first (if given), then in PATH. */
static int find_program(const char *name, const char *dir, char *out, size_t size)
{
	const char *path = getenv("PATH");
	struct stat st;

	if (strchr(name, '/')) {
		snprintf(out, size, "%s", name);
		if (stat(out, &st) < 0 || access(out, X_OK) < 0)
			return -errno;
		return S_ISREG(st.st_mode) ? 0 : -EACCES;
	}
	if (dir) {
		snprintf(out, size, "%s/%s", dir, name);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
	}
	for (const char *p = path ? path : DEFAULT_PATH;; p++) {
		const char *end = strchr(p, ':');
		int len = end ? (int)(end - p) : (int)strlen(p);

		snprintf(out, size, "%.*s/%s", len ? len : 1, len ? p : ".", name);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
		if (!end)
			break;
		p = end;
	}
	out[0] = '\0';
	return -ENOENT;
}

/* The password field of root's line in a passwd-format FILE into HASH: 1 found, 0 no root line, -errno. Read by
 * hand: getpwnam() and getspnam() brought musl's passwd, shadow and nscd code (2.5 KB static) for one warning. */
static int root_password_field(const char *file, char *hash, size_t size)
{
	char line[512];
	bool line_start = true;
	int found = 0;
	FILE *f = fopen(file, "re");

	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		if (line_start && strncmp(line, "root:", 5) == 0) {
			snprintf(hash, size, "%.*s", (int)strcspn(line + 5, ":\n"), line + 5);
			found = 1;
		}
		line_start = len && line[len - 1] == '\n';
	}
	fclose(f);
	return found;
}

/* dropbear -B lets root in only if root's password is empty, as on OpenWrt's read-only root: say when it is not. */
static void check_root_password(void)
{
	char hash[256] = "", shadow[256];

	if (root_password_field("/etc/passwd", hash, sizeof(hash)) <= 0) {
		log_warn("ssh: no user root in /etc/passwd: SSH logins will fail (telnet and the console work)");
		return;
	}
	if (root_password_field("/etc/shadow", shadow, sizeof(shadow)) > 0)
		snprintf(hash, sizeof(hash), "%s", shadow);
	if (hash[0])
		log_warn("ssh: root has a password (or is locked) on this root filesystem: SSH asks for it, "
			 "telnet and the console do not");
}

int ssh_server_start(struct ssh_server *s, const struct ssh_server_config *cfg)
{
	struct listener_config lc = { .name = "ssh", .bind_addr = cfg->bind_addr, .port = cfg->port,
				      .subnet = cfg->subnet, .prefix_len = cfg->prefix_len };
	const char *name = cfg->dropbear ? cfg->dropbear : "dropbear";
	char keygen[PATH_MAX], dir[PATH_MAX], addr[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN];
	const char *path = getenv("PATH"), *probe_argv[] = { NULL, "-V", NULL };
	int rc;

	if (s->running || !cfg->state_dir || !cfg->shell_argv || !cfg->shell_argv[0] || cfg->prefix_len > 32 ||
	    cfg->max_sessions > SSH_SESSIONS_MAX)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	if (!s->cfg.max_sessions)
		s->cfg.max_sessions = SSH_SESSIONS_DEFAULT;
	if ((rc = find_program(name, NULL, s->dropbear, sizeof(s->dropbear))) < 0) {
		if (strchr(name, '/'))
			log_warn("ssh: no dropbear at %s (%s); SSH is not offered, telnet is", name, strerror(-rc));
		else
			log_warn("ssh: no %s in PATH; SSH is not offered, telnet is", name);
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%s", s->dropbear);
	*strrchr(dir, '/') = '\0';
	if (find_program("dropbearkey", dir, keygen, sizeof(keygen)) < 0) {
		log_warn("ssh: no dropbearkey beside %s or in PATH; SSH is not offered, telnet is", s->dropbear);
		return -ENOENT;
	}
	if (ssh_forced_command(cfg->shell_argv, s->forced_command, sizeof(s->forced_command)) < 0) {
		log_err("ssh: the shell command is too long for dropbear; SSH is not offered");
		return -EINVAL;
	}
	if (snprintf(s->dir, sizeof(s->dir), "%s/%s", cfg->state_dir, SSH_DIR_NAME) >= (int)sizeof(s->dir) - 32) {
		log_err("ssh: state directory %s: name too long; SSH is not offered", cfg->state_dir);
		return -ENAMETOOLONG;
	}
	if (mkdir(s->dir, SSH_DIR_MODE) < 0 && errno != EEXIST) {
		rc = -errno;
		log_err("ssh: %s: %s; SSH is not offered", s->dir, strerror(-rc));
		return rc;
	}
	chmod(s->dir, SSH_DIR_MODE); /* host keys are secrets: a directory left from before is tightened */
	if (cfg->banner && statefile_write(s->dir, "banner", cfg->banner) == 0)
		snprintf(s->banner_path, sizeof(s->banner_path), "%s/banner", s->dir);
	snprintf(s->env_path, sizeof(s->env_path), "FAILSAFED_PATH=%s", path ? path : DEFAULT_PATH);
	if ((rc = listener_start(&s->listener, &lc, on_accept)) < 0)
		return rc;
	probe_argv[0] = s->dropbear;
	if ((rc = ssh_job_run(&s->probe, probe_argv, 0, SSH_PROBE_TIMEOUT_MS, on_probe)) < 0 ||
	    (rc = ssh_keys_start(&s->keys, keygen, s->dir, on_keys)) < 0) {
		log_err("ssh: cannot run %s: %s; SSH is not offered", s->dropbear, strerror(-rc));
		ssh_job_kill(&s->probe);
		listener_stop(&s->listener);
		return rc;
	}
	s->running = true;
	inet_ntop(AF_INET, &cfg->bind_addr, addr, sizeof(addr));
	inet_ntop(AF_INET, &cfg->subnet, net, sizeof(net));
	log_info("ssh: listening on %s:%u for %s/%u, at most %u sessions (%s, keys in %s)", addr,
		 (unsigned)listener_port(&s->listener), net, (unsigned)cfg->prefix_len, s->cfg.max_sessions,
		 s->dropbear, s->dir);
	check_root_password();
	update(s);
	return 0;
}

int ssh_server_listen6(struct ssh_server *s, const char *ifname)
{
	return s->listener.running ? listener_add_v6(&s->listener, ifname) : -ENOTCONN;
}

void ssh_server_set_banner(struct ssh_server *s, const char *banner)
{
	/* each connection's dropbear reads the file when it starts: new logins see the new text */
	if (s->banner_path[0] && statefile_write(s->dir, "banner", banner) < 0)
		log_warn("ssh: %s/banner: cannot rewrite it; new SSH logins show the old banner", s->dir);
}

void ssh_server_stop(struct ssh_server *s)
{
	uint64_t deadline_ms = loop_now_ms() + SSH_STOP_GRACE_MS;

	if (!s->running)
		return;
	listener_stop(&s->listener);
	ssh_job_kill(&s->probe);
	ssh_keys_stop(&s->keys);
	for (unsigned i = 0; i < SSH_SESSIONS_MAX; i++) {
		struct ssh_session *ss = s->sessions[i];

		if (!ss || !ss->child.active)
			continue;
		shutdown(ss->sock_fd, SHUT_RDWR);
		shell_hangup(ss->child.pid, SIGTERM);
	}
	for (unsigned i = 0; i < SSH_SESSIONS_MAX; i++) {
		struct ssh_session *ss = s->sessions[i];

		if (!ss)
			continue;
		if (ss->child.active) {
			pid_t pid = ss->child.pid;

			loop_child_cancel(&ss->child);
			shell_reap(pid, deadline_ms);
		}
		while (ss->err_fd >= 0 && read_err(ss))
			;
		log_debug("ssh %s: session closed (server stopped)", ss->peer);
		sess_free(ss);
	}
	s->running = false;
	log_debug("ssh: %llu connections taken; refused: %llu outside the subnet, %llu over the limit, %llu during a "
		  "back-off; %llu start failures", (unsigned long long)s->stats.accepted,
		  (unsigned long long)s->listener.refused_subnet, (unsigned long long)s->stats.refused_full,
		  (unsigned long long)s->stats.refused_paused, (unsigned long long)s->stats.start_failures);
}
