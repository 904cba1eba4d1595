/* app/applets/daemon_stage2.c — a flash of the storage the root runs from: the daemon moves into RAM, lets the root go, runs it */
#include "daemon_stage2.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inuse.h"
#include "io.h"
#include "log.h"
#include "loop.h"
#include "ramroot.h"
#if FAILSAFED_RECOVERY_PAGE
#include "recovery.h"
#endif
#include "scan.h"
#include "shell_exec.h"
#include "stage2_policy.h"
#include "stage2_req.h"

#define ROOT_DEVS_MAX 32
#define OPENWRT_LOCK "/tmp/.failsafe"           /* base-files' run_failsafe_hook waits on it */
#define OPENWRT_SYSUPGRADE "/tmp/sysupgrade"    /* procd's check_sysupgrade() reads it when preinit ends */
#define REBOOT_AFTER_MS 3000u                   /* the page and the console show "completed" before it goes */
#define LINE_BYTES 512

#if FAILSAFED_RECOVERY_PAGE
#define PAGE(call) call
#else
#define PAGE(call) ((void)0)
#endif

static struct {
	struct daemon_stage2_config cfg;
	struct stage2_policy policy;
	struct loop_timer timer;
	struct stage2_req req;
	struct ramroot root;
	char self[PATH_MAX];            /* this program's path: the same inside the RAM root */
	char root_dir[PATH_MAX];
	char req_path[PATH_MAX];
	dev_t devs[ROOT_DEVS_MAX];      /* the filesystems of the root being let go */
	unsigned n_devs;
	/* the successor's flash */
	bool resumed;
	struct loop_child child;
	struct loop_fd out;
	char line[LINE_BYTES];
	size_t line_len;
	char last_error[256];           /* the flash's last "sysupgrade: ..." line */
	struct loop_timer reboot;
	struct loop_child lock;         /* OpenWrt's `lock -u` */
	char status[400];
} s2;

static int fail(char *err, size_t n, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t n, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return rc;
}

void daemon_stage2_init(const struct daemon_stage2_config *c)
{
	s2.cfg = *c;
	stage2_init(&s2.policy);
	snprintf(s2.req_path, sizeof(s2.req_path), "%s/%s", c->state_dir, STAGE2_REQUEST);
	snprintf(s2.root_dir, sizeof(s2.root_dir), "%s/%s", c->state_dir, STAGE2_ROOT);
	s2.out.fd = -1;
}

void daemon_stage2_status(char *out, size_t size)
{
	snprintf(out, size, "%s", s2.status);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line on the consoles, in the log and in the status. */
static void say(const char *fmt, ...)
{
	char text[sizeof(s2.status) + 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s2.status, sizeof(s2.status), fmt, ap);
	va_end(ap);
	log_info("stage2: %s", s2.status);
	snprintf(text, sizeof(text), "- %s -\n", s2.status);
	if (s2.cfg.announce)
		s2.cfg.announce(text);
}

/* ---- processes ---- */

static bool numeric(const char *p)
{
	if (!*p)
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

/* The parent of pid from /proc/pid/stat, or 0. */
static pid_t parent_of(pid_t pid)
{
	char path[64], text[512], *p;
	unsigned long ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (io_read_file(path, text, sizeof(text)) < 0 || !(p = strrchr(text, ')')))
		return 0;
	/* ") S 1234 ...": the state, then the parent (no sscanf: app/common/scan.h) */
	p += 1 + strspn(p + 1, " ");
	if (!*p)
		return 0;
	p += 1 + strspn(p + 1, " ");
	return scan_unsigned(p, 10, &ppid, NULL) ? (pid_t)ppid : 0;
}

static bool descends_from_me(pid_t pid)
{
	pid_t me = getpid();

	for (int depth = 0; pid > 1 && depth < 64; depth++) {
		pid = parent_of(pid);
		if (pid == me)
			return true;
	}
	return false;
}

/* Call fn for every process but this one, PID 1 and the kernel's threads. */
static unsigned each_process(void (*fn)(pid_t pid, void *ctx), void *ctx)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	unsigned n = 0;

	while (d && (de = readdir(d))) {
		char path[64], exe[16];
		pid_t pid;

		if (!numeric(de->d_name) || (pid = atoi(de->d_name)) == getpid() || pid == 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		if (readlink(path, exe, sizeof(exe)) < 0 && errno == ENOENT)
			continue;   /* a kernel thread, or gone */
		fn(pid, ctx);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

struct holders {
	unsigned n;
	int sig;                        /* 0: count only */
};

static void holder(pid_t pid, void *ctx)
{
	struct holders *h = ctx;
	char what[PATH_MAX + 32], name[32];

	if (!inuse_process_uses(pid, s2.devs, s2.n_devs, what, sizeof(what)))
		return;
	h->n++;
	if (h->sig) {
		inuse_process_name(pid, name, sizeof(name));
		log_info("stage2: %s to pid %d (%s), which uses %s", h->sig == SIGKILL ? "SIGKILL" : "SIGTERM", (int)pid,
			 name, what);
		kill(pid, h->sig);
	}
}

static unsigned holders(int sig)
{
	struct holders h = { .sig = sig };

	each_process(holder, &h);
	return h.n;
}

static bool pid1_holds(void)
{
	char what[PATH_MAX + 32];

	return getpid() != 1 && inuse_process_uses(1, s2.devs, s2.n_devs, what, sizeof(what));
}

struct told {
	dev_t tty[32];
	unsigned n;
};

/* A line on the terminal of each of the daemon's shells (console, telnet, SSH): once per terminal. */
static void tell_one(pid_t pid, void *ctx)
{
	static const char line[] = "\r\nfailsafed: the storage is flashed from RAM now (stage2): this shell ends; "
				   "failsafe goes on from RAM (telnet in again, the console gets a new shell)\r\n";
	struct told *t = ctx;

	if (!descends_from_me(pid))
		return;
	for (int fd = 0; fd < 3; fd++) {
		char path[64];
		struct stat st;
		bool seen = false;
		int tty;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
		if (stat(path, &st) < 0 || !S_ISCHR(st.st_mode))
			continue;
		for (unsigned i = 0; i < t->n; i++)
			seen |= t->tty[i] == st.st_rdev;
		if (seen || t->n == sizeof(t->tty) / sizeof(t->tty[0]))
			continue;
		t->tty[t->n++] = st.st_rdev;
		if ((tty = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0)
			continue;
		if (isatty(tty) && write(tty, line, sizeof(line) - 1) < 0)
			log_debug("stage2: telling pid %d: %s", (int)pid, strerror(errno));
		close(tty);
	}
}

/* ---- the old daemon: the move ---- */

static void on_tick(struct loop_timer *t);

static void on_lock_done(struct loop_child *c, int status)
{
	(void)c;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		log_warn("stage2: `lock -u %s` exited with %d", OPENWRT_LOCK, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* OpenWrt's failsafe handover (base-files' sbin/sysupgrade): procd, as preinit ends, execs <root>/sbin/upgraded. */
static void hand_over_pid1(void)
{
	char text[PATH_MAX * 2 + 32];
	int n = stage2_openwrt_handover(s2.root_dir, s2.req.argv[s2.req.argc - 1], "failsafed", text, sizeof(text));
	char *argv[] = { "lock", "-u", OPENWRT_LOCK, NULL };
	int fd = open(OPENWRT_SYSUPGRADE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	pid_t pid;

	if (n < 0 || fd < 0 || io_write_all(fd, text, (size_t)n) < 0)
		log_err("stage2: %s: %s", OPENWRT_SYSUPGRADE, strerror(errno));
	if (fd >= 0)
		close(fd);
	say("PID 1 is asked to move into RAM (OpenWrt's %s; preinit's lock let go)", OPENWRT_SYSUPGRADE);
	if ((pid = fork()) == 0)
		shell_exec(argv, NULL);
	if (pid > 0)
		loop_child_watch(&s2.lock, pid, on_lock_done);
}

/* The daemon's argv for its successor: the same, less --decision-fd (told already), plus --stage2. */
static void successor_argv(char **out, size_t max)
{
	size_t n = 0;

	out[n++] = s2.self;
	for (int i = 1; i < s2.cfg.argc && n + 2 < max; i++) {
		if (!strcmp(s2.cfg.argv[i], "--decision-fd")) {
			i++;
			continue;
		}
		if (!strncmp(s2.cfg.argv[i], "--decision-fd=", 14) || !strcmp(s2.cfg.argv[i], "--stage2"))
			continue;
		if (!strcmp(s2.cfg.argv[i], "--then"))
			break;   /* the normal path's: there is none after failsafe */
		out[n++] = s2.cfg.argv[i];
	}
	out[n++] = "--stage2";
	out[n] = NULL;
}

static void exec_successor(const char *path)
{
	char *argv[96];
	sigset_t none;

	successor_argv(argv, sizeof(argv) / sizeof(argv[0]));
	log_flush();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(path, argv);
	log_err("stage2: exec %s: %s", path, strerror(errno));
}

/* path made (or emptied) with text in it, mode 0600. 0 or -errno. */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc;

	if (fd < 0)
		return -errno;
	rc = io_write_all(fd, text, strlen(text));
	if (close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}

static void write_request(void)
{
	char text[STAGE2_REQ_BYTES];
	int cause = 0;

	if (s2.cfg.cause)
		s2.cfg.cause(&cause, s2.req.button, sizeof(s2.req.button));
	snprintf(s2.req.cause, sizeof(s2.req.cause), "%d", cause);
	if (stage2_req_format(&s2.req, text, sizeof(text)) < 0 || write_file(s2.req_path, text) < 0)
		log_err("stage2: %s cannot be written", s2.req_path);
}

static void apply(const struct stage2_decision *d);

static void switch_to_ram(void)
{
	char why[RAMROOT_WHY_BYTES];
	struct stage2_decision d;

	write_request();
	if (ramroot_enter(s2.root_dir, STAGE2_OLD_ROOT, why) == 0) {
		log_info("stage2: in RAM (%s, %u files, %.1f MiB); the old root at %s; exec %s", s2.root_dir,
			 s2.root.files, (double)s2.root.bytes / 1048576.0, STAGE2_OLD_ROOT, s2.self);
		exec_successor(s2.self);
		snprintf(why, sizeof(why), "exec %.300s in RAM: %s", s2.self, strerror(errno));
	}
	log_err("stage2: %s", why);
	d = stage2_step(&s2.policy, &(struct stage2_event){ .type = STAGE2_EV_SWITCH_FAILED }, loop_now_ms());
	snprintf(s2.req.abandoned, sizeof(s2.req.abandoned), "%.120s: %.120s", d.why ? d.why : "", why);
	apply(&d);
}

static void apply(const struct stage2_decision *d)
{
	struct told told = { .n = 0 };

	if (d->actions & STAGE2_DO_TELL) {
		log_info("stage2: %s", s2.req.why);
		say("the storage holds the running root: flashing it from RAM (stage2); the shells end now");
		each_process(tell_one, &told);
	}
	if (d->actions & STAGE2_DO_HANDOVER)
		hand_over_pid1();
	if (d->actions & STAGE2_DO_STOP) {
		say("moving into RAM: services stop for a moment");
		s2.cfg.stop_services();
		if (s2.cfg.leds)
			s2.cfg.leds(LED_PHASE_UPGRADE);
	}
	if (d->actions & STAGE2_DO_TERM)
		holders(SIGTERM);
	if (d->actions & STAGE2_DO_KILL)
		holders(SIGKILL);
	if (d->actions & STAGE2_DO_ABANDON) {
		say("%s", d->why);
		ramroot_remove(s2.root_dir);
		PAGE(recovery_stage2_end(STAGE2_EXIT_IN_USE));   /* a write the page showed as handed over ends here */
	}
	if (d->actions & STAGE2_DO_RESTART) {
		/* the services are stopped: the daemon starts again where it is, and its successor says why */
		write_request();
		exec_successor("/proc/self/exe");
	}
	if (d->has_deadline)
		loop_timer_at(&s2.timer, d->deadline_ms, on_tick);
	if (d->actions & STAGE2_DO_SWITCH)
		switch_to_ram();
}

static void on_tick(struct loop_timer *t)
{
	struct stage2_event ev = { .type = STAGE2_EV_TICK };
	struct stage2_decision d;

	(void)t;
	if (s2.policy.phase == STAGE2_HANDOVER)
		ev.pid1_holds = pid1_holds();
	if (s2.policy.phase == STAGE2_STOPPING || s2.policy.phase == STAGE2_KILLING)
		ev.holders = holders(0);
	d = stage2_step(&s2.policy, &ev, loop_now_ms());
	apply(&d);
}

static bool in_path(const char *name)
{
	const char *env = getenv("PATH");
	char path[4096], file[PATH_MAX], *save = NULL;

	snprintf(path, sizeof(path), "%s", env ? env : "/usr/sbin:/usr/bin:/sbin:/bin");
	for (char *d = strtok_r(path, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(file, sizeof(file), "%.3000s/%s", d, name);
		if (access(file, X_OK) == 0)
			return true;
	}
	return false;
}

/* The RAM root: what the daemon needs to go on (its shell, BusyBox, reboot, dropbear) and what the plan runs. */
static int build(char *err, size_t err_size)
{
	static const char *const files[] = { "/etc/fw_env.config", "/etc/fw_sys.config", "/etc/passwd", "/etc/group",
					     "/etc/shadow", "/etc/ld.so.conf", NULL };
	const char *programs[8 + STAGE2_TOOLS_MAX + 1];
	char reboot[64], why[RAMROOT_WHY_BYTES];
	static struct inuse iu;
	size_t n = 0;
	ssize_t len;
	int rc;

	if ((len = readlink("/proc/self/exe", s2.self, sizeof(s2.self) - 1)) < 0)
		return fail(err, err_size, -errno, "/proc/self/exe: %s", strerror(errno));
	s2.self[len] = '\0';
	snprintf(reboot, sizeof(reboot), "%.*s", (int)strcspn(s2.cfg.reboot_cmd ? s2.cfg.reboot_cmd : "reboot", " \t"),
		 s2.cfg.reboot_cmd ? s2.cfg.reboot_cmd : "reboot");
	programs[n++] = "busybox";
	programs[n++] = reboot;
	programs[n++] = s2.cfg.dropbear ? s2.cfg.dropbear : "dropbear";
	programs[n++] = "dropbearkey";
	for (unsigned i = 0; i < s2.req.n_tools; i++)
		programs[n++] = s2.req.tool[i];
	programs[n] = NULL;
	if ((rc = ramroot_build(&s2.root, s2.root_dir, programs, s2.cfg.shell_argv[0], files, why)) < 0)
		return fail(err, err_size, rc, "the root in RAM: %s", why);
	if ((rc = inuse_load(&iu, why, sizeof(why))) < 0)
		return fail(err, err_size, rc, "%s", why);
	s2.n_devs = inuse_root_devs(&iu, s2.devs, ROOT_DEVS_MAX);
	log_info("stage2: the root in RAM has %u files (%.1f MiB)%s", s2.root.files, (double)s2.root.bytes / 1048576.0,
		 s2.root.busybox ? ", BusyBox and its links" : "");
	return 0;
}

int daemon_stage2_request(char *err, size_t err_size)
{
	static char text[STAGE2_REQ_BYTES];
	struct stage2_decision d;
	struct stage2_event built = { .type = STAGE2_EV_BUILT, .ok = true };
	char why[200];
	int rc = 0;

	d = stage2_step(&s2.policy, &(struct stage2_event){ .type = STAGE2_EV_REQUEST,
							     .failsafe = s2.cfg.in_failsafe() }, loop_now_ms());
	if (d.actions & STAGE2_DO_REFUSE)
		return fail(err, err_size, -EBUSY, "%s", d.why);
	if (io_read_file(s2.req_path, text, sizeof(text)) < 0)
		rc = fail(err, err_size, -ENOENT, "%s cannot be read", s2.req_path);
	else if (stage2_req_parse(text, &s2.req, why, sizeof(why)) < 0)
		rc = fail(err, err_size, -EINVAL, "%s: %s", s2.req_path, why);
	else
		rc = build(err, err_size);
	built.ok = rc == 0;
	if (built.ok) {
		built.pid1_holds = pid1_holds();
		built.handover = access(OPENWRT_LOCK, F_OK) == 0 && in_path("lock");
	}
	d = stage2_step(&s2.policy, &built, loop_now_ms());
	if (d.actions & STAGE2_DO_REFUSE) {
		if (built.ok)
			fail(err, err_size, -EBUSY, "%s", d.why);
		ramroot_remove(s2.root_dir);
		log_warn("stage2: refused: %s", err);
		return -EBUSY;
	}
	apply(&d);
	return 0;
}

/* ---- the successor in RAM: the flash ---- */

int daemon_stage2_resume(int *cause, char *button, size_t size)
{
	static char text[STAGE2_REQ_BYTES];
	char why[RAMROOT_WHY_BYTES];
	struct stat st;

	s2.resumed = true;
	if (stat(STAGE2_OLD_ROOT, &st) == 0) {
		if (ramroot_release(STAGE2_OLD_ROOT, why) < 0)
			log_err("stage2: %s", why);
		else
			log_info("stage2: running from RAM; the old root (%s) let go", STAGE2_OLD_ROOT);
	}
	if (io_read_file(s2.req_path, text, sizeof(text)) < 0 || stage2_req_parse(text, &s2.req, why, sizeof(why)) < 0) {
		log_err("stage2: --stage2 without a request in %s: failsafe goes on, with no flash to run", s2.req_path);
		snprintf(s2.req.abandoned, sizeof(s2.req.abandoned), "no request in %.200s", s2.req_path);
		return -ENOENT;
	}
	*cause = atoi(s2.req.cause);
	snprintf(button, size, "%s", s2.req.button);
	return 0;
}

static void flash_line(const char *line)
{
	char text[LINE_BYTES + 2];

	if (!strncmp(line, "sysupgrade: ", 12))
		snprintf(s2.last_error, sizeof(s2.last_error), "%.*s", (int)sizeof(s2.last_error) - 1, line + 12);
	PAGE(recovery_stage2_line(line));
	if (!strncmp(line, "progress ", 9))
		return;   /* for the page's bar; the console has the steps */
	if (!strncmp(line, "Step ", 5))
		snprintf(s2.status, sizeof(s2.status), "running from RAM: %.180s", line);
	snprintf(text, sizeof(text), "%s\n", line);
	if (s2.cfg.announce)
		s2.cfg.announce(text);
}

static void on_flash_out(struct loop_fd *f, unsigned events)
{
	char buf[1024];
	ssize_t n;

	(void)events;
	while ((n = read(f->fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' || buf[i] == '\r' || s2.line_len + 1 >= sizeof(s2.line)) {
				s2.line[s2.line_len] = '\0';
				if (s2.line_len)
					flash_line(s2.line);
				s2.line_len = 0;
				if (buf[i] == '\n' || buf[i] == '\r')
					continue;
			}
			s2.line[s2.line_len++] = buf[i];
		}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		loop_fd_del(f);
		close(f->fd);
		f->fd = -1;
	}
}

static void on_reboot(struct loop_timer *t)
{
	char *argv[] = { (char *)s2.cfg.reboot_cmd, NULL };
	pid_t pid;

	(void)t;
#if FAILSAFED_RECOVERY_PAGE
	if (recovery_reboot() == 0)
		return;   /* the page's own Reboot: it shows "rebooting" */
#endif
	log_info("stage2: %s", s2.cfg.reboot_cmd);
	if ((pid = fork()) == 0)
		shell_exec(argv, NULL);
}

static void on_flash_exit(struct loop_child *c, int status)
{
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	(void)c;
	if (s2.out.fd >= 0)
		on_flash_out(&s2.out, LOOP_READ);
	PAGE(recovery_stage2_end(code));
	if (code == 0) {
		say("flashed from RAM and read back: the new firmware starts now (%s in %u s)", s2.cfg.reboot_cmd,
		    REBOOT_AFTER_MS / 1000);
		snprintf(s2.status, sizeof(s2.status), "done: rebooting");
		loop_timer_at(&s2.reboot, loop_now_ms() + REBOOT_AFTER_MS, on_reboot);
		return;
	}
	if (s2.cfg.leds)
		s2.cfg.leds(LED_PHASE_FAILED);
	say("failed: the flash from RAM ended with exit code %d: %s; failsafe goes on from RAM: flash again", code,
	    s2.last_error[0] ? s2.last_error : "see the log above");
}

void daemon_stage2_start(void)
{
	char *argv[STAGE2_ARGS_MAX + 2];
	char self[PATH_MAX];
	int p[2], null;
	ssize_t len;
	pid_t pid;

	if (!s2.resumed)
		return;
	if (s2.req.abandoned[0]) {
		if (s2.cfg.leds)
			s2.cfg.leds(LED_PHASE_FAILED);
		say("failed: %s", s2.req.abandoned);
		return;
	}
	if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0 || pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		say("failed: the flash from RAM cannot be started: %s", strerror(errno));
		return;
	}
	self[len] = '\0';
	argv[0] = self;
	for (unsigned i = 0; i < s2.req.argc; i++)
		argv[i + 1] = s2.req.argv[i];
	argv[s2.req.argc + 1] = NULL;
	PAGE(recovery_stage2_begin());
	say("running from RAM: writing (%s)", s2.req.argv[s2.req.argc - 1]);
	if ((pid = fork()) == 0) {
		null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		fcntl(STDOUT_FILENO, F_SETFL, 0);
		shell_exec(argv, NULL);   /* stderr joins stdout */
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		say("failed: the flash from RAM cannot be started: %s", strerror(errno));
		PAGE(recovery_stage2_end(-1));
		return;
	}
	loop_fd_set(&s2.out, p[0], LOOP_READ, on_flash_out);
	loop_child_watch(&s2.child, pid, on_flash_exit);
}
