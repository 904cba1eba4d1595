/* app/web/recovery.c — the recovery page: HTTP on the failsafe address (libmicrohttpd inside the loop), upload, flash */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "fwimage.h"
#include "io.h"
#include "layout.h"
#include "listener.h"
#include "log.h"
#include "loop.h"
#include "recovery.h"
#include "recovery_assets.h"
#include "recovery_policy.h"
#include "recovery_view.h"
#include "rootfs.h"
#include "shell_exec.h"
#include "storage.h"

#define LISTEN_BACKLOG 16
#define MAX_CONNECTIONS 16
#define POST_BUFFER_BYTES 65536
#define LOG_BYTES 4096
#define LINE_BYTES 512
#define MULTIPART_SLACK_BYTES 65536     /* boundaries and part headers around the file in a form upload */
#define STOP_GRACE_MS 2000
#define BIND_RETRY_MS 250u

enum route {
	ROUTE_PAGE = 0, ROUTE_SCRIPT, ROUTE_STATUS, ROUTE_UPLOAD, ROUTE_FLASH, ROUTE_DISCARD, ROUTE_FIRSTBOOT,
	ROUTE_REBOOT, ROUTE_CONFIG, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD, ROUTE_FORBIDDEN,
};

enum child_kind { CHILD_NONE = 0, CHILD_FLASH, CHILD_FIRSTBOOT, CHILD_REBOOT, CHILD_BACKUP };

/* One request (MHD's per-connection-request pointer). */
struct req {
	enum route route;
	bool json;                      /* Accept: application/json */
	bool form_post;                 /* a browser's form (POST, not JSON): answered 303 to the page */
	bool started;                   /* the first call was seen */
	bool upload;                    /* this request owns the upload in progress */
	bool multipart;
	struct MHD_PostProcessor *pp;
	unsigned conn;
	int early_status;               /* a refusal decided before the body (sent once it is read) */
	char early_why[160];
	/* /flash and other forms */
	bool keep, force, has_sha256;
	char sha256[FWIMAGE_SHA256_HEX_BYTES];
	bool sha256_bad;                /* not exactly 64 characters (longer ones are cut in sha256) */
	bool waiting;                   /* /config.tgz: suspended until the archive is made */
};

static struct {
	bool running;
	struct recovery_config cfg;
	struct MHD_Daemon *d;
	int listen_fd;
	struct loop_fd fd;
	struct loop_fd fd6;             /* [::]:port on the failsafe interface: link-local peers, handed to MHD */
	char ifname6[16];
	struct loop_timer timer;
	struct recovery_state st;
	char dir[PATH_MAX], staged[PATH_MAX + 16], archive[PATH_MAX + 16], self[PATH_MAX];
	uint64_t cap_bytes;
	unsigned next_conn;
	/* the upload */
	int up_fd;
	bool up_too_large, up_no_room;
	uint64_t received, expected;
	struct fwimage_reader reader;
	bool have_image;
	struct fwimage_info info;
	struct fwimage_verdict verdict;
	struct fwimage_check_item checks[FWIMAGE_CHECKS];
	/* the applet running a step */
	enum child_kind child_kind;
	struct loop_child child;
	struct loop_fd child_out;
	char line[LINE_BYTES];
	size_t line_len;
	char log[LOG_BYTES];
	char step[32];
	uint64_t step_done, step_total;
	char message[256];
	struct MHD_Connection *backup_waiter;
	struct loop_timer bind_retry;    /* the port was in use at start: tried again */
	unsigned bind_retries;
	char want6[16];                  /* recovery_listen6 asked while bind_retry ran: listened on once up */
	bool backup_ok;
	/* what the page shows about the board */
	char firmware[160], rootfs_data[600];
} r;   /* all zero, so in .bss (with an initializer its ~90 KB of buffers were in the binary); fds set by start */

static void schedule(void);
static void run_mhd(void);

/* ---- the view ---- */

static void refresh_board_facts(void)
{
	char text[4096], *p, why[ROOTFS_WHY_BYTES], fstype[16];
	struct rootfs rf;
	struct rootfs_state st;
	struct storage_volume v;
	const char *root = getenv("FAILSAFED_ROOT");
	char path[PATH_MAX + 32];

	/* The firmware: OpenWrt's /etc/openwrt_release, else os-release, in the root the applets work on. */
	r.firmware[0] = '\0';
	snprintf(path, sizeof(path), "%s/etc/openwrt_release", root && strcmp(root, "/") ? root : "");
	if (io_read_file(path, text, sizeof(text)) >= 0 && (p = strstr(text, "DISTRIB_DESCRIPTION="))) {
		p += 20;
		p += *p == '\'' || *p == '"';
		snprintf(r.firmware, sizeof(r.firmware), "%.*s", (int)strcspn(p, "'\"\n"), p);
	} else {
		snprintf(path, sizeof(path), "%s/etc/os-release", root && strcmp(root, "/") ? root : "");
		if (io_read_file(path, text, sizeof(text)) >= 0 && (p = strstr(text, "PRETTY_NAME="))) {
			p += 12;
			p += *p == '"';
			snprintf(r.firmware, sizeof(r.firmware), "%.*s", (int)strcspn(p, "\"\n"), p);
		}
	}
	if (rootfs_setup(&rf, r.cfg.board, NULL, NULL, NULL, NULL, why) < 0) {
		snprintf(r.rootfs_data, sizeof(r.rootfs_data), "%.500s", why);
		return;
	}
	if (rootfs_state(&rf, &st) == 0 && st.data_mounted) {
		snprintf(r.rootfs_data, sizeof(r.rootfs_data), "mounted (%.300s)%s", st.data_source,
			 st.overlay ? ", overlay active" : "");
		return;
	}
	switch (rootfs_probe_data(&rf, &v, fstype, sizeof(fstype), false, why)) {
	case ROOTFS_EXIT_OK:
		snprintf(r.rootfs_data, sizeof(r.rootfs_data), "not mounted (%.15s on %.160s)", fstype, v.dev);
		break;
	default:
		snprintf(r.rootfs_data, sizeof(r.rootfs_data), "%.500s", why);
		break;
	}
}

#define PAGE_LEASES 32   /* leases listed on the page */

static void fill_view(struct recovery_view *v)
{
	static char dhcp[96], lease[PAGE_LEASES][72];
	static const char *leases[PAGE_LEASES];
	unsigned total = 0;

	*v = (struct recovery_view){
		.board = r.cfg.board->name, .model = r.cfg.board->model, .compatible = r.cfg.board->compatible,
		.failsafed_version = r.cfg.version, .firmware = r.firmware, .rootfs_data = r.rootfs_data,
		.state = &r.st, .received_bytes = r.received, .expected_bytes = r.expected, .cap_bytes = r.cap_bytes,
		.step = r.step[0] ? r.step : NULL, .step_done = r.step_done, .step_total = r.step_total,
		.log = r.log, .message = r.message,
	};
	if (r.cfg.dhcp) {
		total = r.cfg.dhcp(dhcp, sizeof(dhcp), lease, PAGE_LEASES);
		for (unsigned i = 0; i < PAGE_LEASES; i++)
			leases[i] = lease[i];
		v->dhcp = dhcp;
		v->leases = leases;
		v->n_leases = total < PAGE_LEASES ? total : PAGE_LEASES;
		v->leases_total = total;
	}
	if (r.have_image) {
		v->info = &r.info;
		v->verdict = &r.verdict;
		v->checks = r.checks;
	}
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r.message, sizeof(r.message), fmt, ap);
	va_end(ap);
	log_info("recovery: %s", r.message);
}

/* ---- responses ---- */

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *type, char *body)
{
	struct MHD_Response *res;
	enum MHD_Result ret;

	if (!body) {
		static const char oom[] = "out of memory\n";

		res = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		type = "text/plain";
	} else {
		res = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	}
	if (!res)
		return MHD_NO;
	MHD_add_response_header(res, "Content-Type", type);
	MHD_add_response_header(res, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, status, res);
	MHD_destroy_response(res);
	return ret;
}

/* The state as JSON, or the page; status is the HTTP status of this answer. */
static enum MHD_Result send_state(struct MHD_Connection *c, const struct req *q, unsigned status)
{
	struct recovery_view v;

	/* A form posted by a browser: the outcome is in the state, shown at "/"; reloading then re-posts nothing. */
	if (q->form_post) {
		static const char body[] = "See /\n";
		struct MHD_Response *res = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
									  MHD_RESPMEM_PERSISTENT);
		enum MHD_Result ret;

		if (!res)
			return MHD_NO;
		MHD_add_response_header(res, "Location", "/");
		MHD_add_response_header(res, "Content-Type", "text/plain");
		ret = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, res);
		MHD_destroy_response(res);
		return ret;
	}
	fill_view(&v);
	if (q->json)
		return send_text(c, status, "application/json", recovery_view_json(&v));
	return send_text(c, status, "text/html; charset=utf-8", recovery_view_html(&v, "/recovery.js"));
}

/* A refusal: the message in the page or the JSON, and the status. */
static enum MHD_Result refuse(struct MHD_Connection *c, const struct req *q, unsigned status, const char *why)
{
	say("%s", why);
	return send_state(c, q, status);
}

/* ---- the applets that run the long steps ---- */

static void append_log(const char *line)
{
	size_t n = strlen(line), have = strlen(r.log);

	if (n + 2 > sizeof(r.log))
		n = sizeof(r.log) - 2;
	/* Drop the oldest lines until this one fits. */
	while (have + n + 2 > sizeof(r.log)) {
		char *nl = strchr(r.log, '\n');
		size_t cut = nl ? (size_t)(nl - r.log) + 1 : have;

		memmove(r.log, r.log + cut, have - cut + 1);
		have -= cut;
	}
	memcpy(r.log + have, line, n);
	r.log[have + n] = '\n';
	r.log[have + n + 1] = '\0';
}

/* "progress STEP DONE TOTAL" (sysupgrade --progress) into r.step*: true; anything else: false. */
static bool progress_line(const char *line)
{
	unsigned long long done, total;
	const char *step = line + strlen("progress "), *mid;
	size_t len;
	char *end;

	if (strncmp(line, "progress ", strlen("progress ")))
		return false;
	len = strcspn(step, " \t\n");
	if (!len || len >= sizeof(r.step))
		return false;
	errno = 0;
	done = strtoull(step + len, &end, 10);
	if (end == step + len || errno)
		return false;
	total = strtoull(mid = end, &end, 10);
	if (end == mid || errno)
		return false;
	memcpy(r.step, step, len);
	r.step[len] = '\0';
	r.step_done = done;
	r.step_total = total;
	return true;
}

static void child_line(char *line)
{
	if (!progress_line(line))
		append_log(line);
}

static void on_child_out(struct loop_fd *f, unsigned events)
{
	char buf[1024];
	ssize_t n;

	(void)events;
	while ((n = read(f->fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' || buf[i] == '\r' || r.line_len + 1 >= sizeof(r.line)) {
				r.line[r.line_len] = '\0';
				if (r.line_len)
					child_line(r.line);
				r.line_len = 0;
				if (buf[i] == '\n' || buf[i] == '\r')
					continue;
			}
			r.line[r.line_len++] = buf[i];
		}
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		loop_fd_del(f);
		close(f->fd);
		f->fd = -1;
	}
}

static void remove_staged(void)
{
	if (r.up_fd >= 0) {
		close(r.up_fd);
		r.up_fd = -1;
	}
	unlink(r.staged);
}

static void apply(unsigned actions);

static void on_child_exit(struct loop_child *c, int status)
{
	enum child_kind kind = r.child_kind;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	struct recovery_decision dec;

	(void)c;
	if (r.child_out.fd >= 0)
		on_child_out(&r.child_out, LOOP_READ); /* what is left in the pipe */
	if (r.child_out.fd >= 0) {
		loop_fd_del(&r.child_out);
		close(r.child_out.fd);
		r.child_out.fd = -1;
	}
	r.child_kind = CHILD_NONE;
	if ((kind == CHILD_FLASH || kind == CHILD_FIRSTBOOT) && r.cfg.writing)
		r.cfg.writing(false);
	if (kind == CHILD_BACKUP) {
		r.backup_ok = code == 0;
		if (!r.backup_ok)
			say("saving the settings failed (exit code %d)", code);
		if (r.backup_waiter)
			MHD_resume_connection(r.backup_waiter);
		r.backup_waiter = NULL;
		run_mhd(); /* the resumed connection is answered from MHD_run() */
		return;
	}
	dec = recovery_step(&r.st, &(struct recovery_event){ .type = RECOVERY_EV_CHILD_EXIT, .exit_code = code });
	apply(dec.actions);
	if (kind == CHILD_FLASH)
		say(code == 0 ? "Upgrade completed: reboot to start the new firmware" :
		    "sysupgrade failed with exit code %d", code);
	else if (kind == CHILD_FIRSTBOOT)
		say(code == 0 ? "factory reset done" : "firstboot failed with exit code %d", code);
	else if (kind == CHILD_REBOOT && code != 0)
		say("reboot failed with exit code %d", code);
	refresh_board_facts();
	schedule();
}

/* Start argv (argv[0] NULL: this binary) with its output into the log. 0 or -errno. */
static int run_child(enum child_kind kind, char **argv)
{
	int p[2], null;
	pid_t pid;

	if (r.child_kind != CHILD_NONE)
		return -EBUSY;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(p[0]);
		close(p[1]);
		return -err;
	}
	if (pid == 0) {
		null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		fcntl(STDOUT_FILENO, F_SETFL, 0);
		if (!argv[0])
			argv[0] = r.self;
		shell_exec(argv, NULL); /* signals reset, new session, stderr to stdout, other fds closed */
	}
	close(p[1]);
	r.child_kind = kind;
	r.line_len = 0;
	r.step[0] = '\0';
	r.step_done = r.step_total = 0;
	loop_fd_set(&r.child_out, p[0], LOOP_READ, on_child_out);
	loop_child_watch(&r.child, pid, on_child_exit);
	if ((kind == CHILD_FLASH || kind == CHILD_FIRSTBOOT) && r.cfg.writing)
		r.cfg.writing(true);
	return 0;
}

static int start_flash(const struct req *q)
{
	char hex[FWIMAGE_SHA256_HEX_BYTES];
	char *argv[12];
	int n = 0, rc;

	argv[n++] = NULL;
	argv[n++] = "sysupgrade";
	argv[n++] = "--progress";
	if (!q->keep)
		argv[n++] = "-n";
	if (q->force)
		argv[n++] = "-F";
	/* The applet checks the file again: it must be the image checked here (a forced image without metadata:
	 * the SHA-256 the person gave, never one of ours). */
	if (q->has_sha256 || r.info.has_metadata) {
		if (q->has_sha256)
			snprintf(hex, sizeof(hex), "%s", q->sha256);
		else
			fwimage_sha256_hex(r.info.payload_sha256, hex);
		argv[n++] = "--sha256";
		argv[n++] = hex;
	}
	argv[n++] = "--tmp-dir";
	argv[n++] = r.dir;
	argv[n++] = r.staged;
	argv[n] = NULL;
	r.log[0] = '\0';
	rc = run_child(CHILD_FLASH, argv);
	if (rc == 0) {
		r.message[0] = '\0';
		log_info("recovery: writing the staged image (%s settings)", q->keep ? "keeping" : "resetting");
	}
	return rc;
}

static void apply(unsigned actions)
{
	if (actions & RECOVERY_DO_REMOVE_STAGED) {
		remove_staged();
		if (r.st.phase != RECOVERY_STAGED && r.st.phase != RECOVERY_DONE && r.st.phase != RECOVERY_FAILED)
			r.have_image = false;
	}
}

/* ---- the upload ---- */

static void upload_begin(struct req *q, struct MHD_Connection *c)
{
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	uint64_t declared = len ? strtoull(len, NULL, 10) : 0;
	struct recovery_decision dec;

	q->multipart = type && !strncasecmp(type, "multipart/form-data", 19);
	if (declared > r.cap_bytes + (q->multipart ? MULTIPART_SLACK_BYTES : 0)) {
		q->early_status = MHD_HTTP_CONTENT_TOO_LARGE;
		snprintf(q->early_why, sizeof(q->early_why), "the image (%llu bytes) is larger than the firmware "
			 "partition (%llu bytes): refused before it was sent", (unsigned long long)declared,
			 (unsigned long long)r.cap_bytes);
		return;
	}
	q->conn = ++r.next_conn;
	dec = recovery_step(&r.st, &(struct recovery_event){ .type = RECOVERY_EV_UPLOAD_BEGIN, .conn = q->conn });
	if (!(dec.actions & RECOVERY_DO_ACCEPT_UPLOAD)) {
		q->early_status = (int)dec.answer;
		snprintf(q->early_why, sizeof(q->early_why), "%s", dec.why);
		return;
	}
	apply(dec.actions);
	r.up_fd = open(r.staged, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (r.up_fd < 0) {
		q->early_status = MHD_HTTP_INSUFFICIENT_STORAGE;
		snprintf(q->early_why, sizeof(q->early_why), "%.100s: %.50s", r.staged, strerror(errno));
		recovery_step(&r.st, &(struct recovery_event){ .type = RECOVERY_EV_UPLOAD_ABORTED, .conn = q->conn });
		return;
	}
	q->upload = true;
	r.up_too_large = r.up_no_room = false;
	r.received = 0;
	r.expected = declared;
	r.have_image = false;
	r.message[0] = '\0';
	r.log[0] = '\0'; /* the last step's output belongs to the last image */
	r.step[0] = '\0';
	fwimage_reader_init(&r.reader);
	log_info("recovery: receiving an image%s%s", len ? " of " : "", len ? len : "");
}

static void upload_bytes(const char *p, size_t n)
{
	int rc;

	if (r.up_fd < 0 || !n)
		return;
	if (r.received + n > r.cap_bytes) {
		r.up_too_large = true;
		remove_staged();
		return;
	}
	if ((rc = io_write_all(r.up_fd, p, n)) < 0) {
		r.up_no_room = true;
		log_warn("recovery: %s: %s after %llu bytes", r.staged, strerror(-rc), (unsigned long long)r.received);
		remove_staged();
		return;
	}
	fwimage_reader_feed(&r.reader, p, n);
	r.received += n;
}

static enum MHD_Result on_form_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
				    const char *content_type, const char *encoding, const char *data, uint64_t off,
				    size_t size)
{
	struct req *q = cls;

	(void)kind;
	(void)filename;
	(void)content_type;
	(void)encoding;
	(void)off;
	if (q->route == ROUTE_UPLOAD) {
		if (!strcmp(key, "firmware"))
			upload_bytes(data, size);
		return MHD_YES;
	}
	/* /flash's fields (small: the first chunk is all of them) */
	if (!strcmp(key, "keep"))
		q->keep = size && data[0] == '1';
	else if (!strcmp(key, "force"))
		q->force = size && data[0] == '1';
	else if (!strcmp(key, "sha256") && size) {
		snprintf(q->sha256, sizeof(q->sha256), "%.*s", (int)(size < 64 ? size : 64), data);
		q->has_sha256 = true;
		q->sha256_bad = size != 64;
	}
	return MHD_YES;
}

static enum MHD_Result upload_end(struct req *q, struct MHD_Connection *c)
{
	struct fwimage_expect e = { .compatible = r.cfg.board->compatible, .board_name = r.cfg.board->name,
				    .keep_settings = true };
	char why[ROOTFS_WHY_BYTES], unfit[LAYOUT_WHY_BYTES], compat[FWIMAGE_COMPAT_BYTES], from[128];
	struct recovery_decision dec;
	struct rootfs rf;
	enum recovery_image img;
	char hex[FWIMAGE_SHA256_HEX_BYTES];

	q->upload = false;
	if (r.up_too_large || r.up_no_room) {
		recovery_step(&r.st, &(struct recovery_event){ .type = RECOVERY_EV_UPLOAD_ABORTED, .conn = q->conn });
		remove_staged();
		return refuse(c, q, r.up_too_large ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_INSUFFICIENT_STORAGE,
			      r.up_too_large ? "the image is larger than the firmware partition: nothing was kept" :
			      "not enough RAM to hold the image: nothing was kept");
	}
	if (r.up_fd >= 0) {
		close(r.up_fd);
		r.up_fd = -1;
	}
	fwimage_reader_finish(&r.reader, &r.info);
	/* What sysupgrade will check again before it writes: the payload's format against the firmware storage,
	 * and the device's compat_version (here as far as it is visible without mounting rootfs_data). */
	if (rootfs_setup(&rf, r.cfg.board, NULL, NULL, NULL, NULL, why) == 0) {
		if (rf.firmware.kind &&
		    layout_decide(&r.info.payload, r.cfg.board, &rf.firmware, unfit, sizeof(unfit)) == LAYOUT_REFUSED)
			e.unfit = unfit;
		rootfs_device_compat(&rf, false, compat, sizeof(compat), from, sizeof(from));
		e.compat_version = compat;
	}
	fwimage_check(&r.info, &e, &r.verdict);
	fwimage_check_list(&r.info, &e, r.checks);
	r.have_image = r.info.complete;
	img = !r.info.complete || r.verdict.kind == FWIMAGE_BROKEN ? RECOVERY_IMAGE_BROKEN :
	      r.verdict.kind == FWIMAGE_INVALID ? RECOVERY_IMAGE_FORCEABLE : RECOVERY_IMAGE_GOOD;
	dec = recovery_step(&r.st, &(struct recovery_event){ .type = RECOVERY_EV_UPLOAD_DONE, .conn = q->conn,
							       .image = img, .has_metadata = r.info.has_metadata });
	apply(dec.actions);
	fwimage_sha256_hex(r.info.payload_sha256, hex);
	if (img == RECOVERY_IMAGE_GOOD)
		say("received %llu bytes, SHA-256 %s: every check passed; confirm to flash",
		    (unsigned long long)r.received, hex);
	else
		say("received %llu bytes: %s", (unsigned long long)r.received, r.verdict.reason);
	return send_state(c, q, (unsigned)dec.answer);
}

/* ---- requests ---- */

static enum route route_of(const char *url, const char *method)
{
	static const struct {
		const char *url, *method;
		enum route route;
	} table[] = {
		{ "/", "GET", ROUTE_PAGE }, { "/recovery.js", "GET", ROUTE_SCRIPT }, { "/status", "GET", ROUTE_STATUS },
		{ "/upload", "PUT", ROUTE_UPLOAD }, { "/upload", "POST", ROUTE_UPLOAD }, { "/flash", "POST", ROUTE_FLASH },
		{ "/discard", "POST", ROUTE_DISCARD }, { "/firstboot", "POST", ROUTE_FIRSTBOOT },
		{ "/reboot", "POST", ROUTE_REBOOT }, { "/config.tgz", "GET", ROUTE_CONFIG },
	};
	bool known = false;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(url, table[i].url))
			continue;
		known = true;
		if (!strcmp(method, table[i].method) || (!strcmp(method, "HEAD") && !strcmp(table[i].method, "GET")))
			return table[i].route;
	}
	return known ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}

/* "[fe80::1%eth0]:port": an IPv6 peer as telnet's and SSH's listeners name it. */
static void peer6_text(char *buf, size_t size, const struct sockaddr_in6 *sin6)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
	snprintf(buf, size, "[%s%%%s]:%u", addr, r.ifname6, (unsigned)ntohs(sin6->sin6_port));
}

/* A host of the failsafe subnet or an IPv6 link-local peer; any other is refused (403) and logged like telnet's
 * and SSH's. */
static bool peer_allowed(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr_in *sin = ci ? (const struct sockaddr_in *)(const void *)ci->client_addr : NULL;
	const struct sockaddr_in6 *sin6 = ci ? (const struct sockaddr_in6 *)(const void *)ci->client_addr : NULL;
	char addr[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN], peer[LISTENER_PEER_BYTES], why[96];
	enum peer_verdict v;

	if (sin && sin->sin_family == AF_INET6) {
		/* on_fd6 refused the others already; this is the second line of defence */
		if (listener_peer6_allowed(&sin6->sin6_addr))
			return true;
		peer6_text(peer, sizeof(peer), sin6);
		listener_log_refusal("http", peer, LISTENER_REFUSAL_V6);
		return false;
	}
	if (!sin || sin->sin_family != AF_INET) {
		listener_log_refusal("http", "?", "not an IPv4 or IPv6 peer");
		return false;
	}
	v = peer_check_ipv4(sin->sin_addr, r.cfg.subnet, r.cfg.prefix_len);
	if (v == PEER_HOST)
		return true;
	inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
	inet_ntop(AF_INET, &r.cfg.subnet, net, sizeof(net));
	snprintf(peer, sizeof(peer), "%s:%u", addr, (unsigned)ntohs(sin->sin_port));
	snprintf(why, sizeof(why), "%s %s/%u", peer_verdict_text(v), net, (unsigned)r.cfg.prefix_len);
	listener_log_refusal("http", peer, why);
	return false;
}

static enum MHD_Result step_request(struct MHD_Connection *c, struct req *q, enum recovery_event_type type)
{
	struct recovery_decision dec;
	char *reboot_argv[] = { (char *)r.cfg.reboot_cmd, NULL };
	char *firstboot_argv[] = { NULL, "firstboot", "-y", NULL };
	int rc = 0;

	/* The settings archive (GET /config.tgz) runs outside the policy's phases: a step waits for it, and
	 * the staged image stays. */
	if (r.child_kind == CHILD_BACKUP && type != RECOVERY_EV_DISCARD)
		return refuse(c, q, MHD_HTTP_CONFLICT, "the settings archive is being made: try again when it is done");
	dec = recovery_step(&r.st, &(struct recovery_event){ .type = type, .force = q->force,
							      .has_sha256 = q->has_sha256 });
	if (dec.answer >= 400)
		return refuse(c, q, (unsigned)dec.answer, dec.why);
	apply(dec.actions);
	if (dec.actions & (RECOVERY_DO_RUN_FIRSTBOOT | RECOVERY_DO_RUN_REBOOT))
		r.log[0] = '\0';
	if (dec.actions & RECOVERY_DO_RUN_FLASH)
		rc = start_flash(q);
	else if (dec.actions & RECOVERY_DO_RUN_FIRSTBOOT)
		rc = run_child(CHILD_FIRSTBOOT, firstboot_argv);
	else if (dec.actions & RECOVERY_DO_RUN_REBOOT)
		rc = run_child(CHILD_REBOOT, reboot_argv);
	if (rc < 0) {
		dec = recovery_step(&r.st, &(struct recovery_event){ .type = RECOVERY_EV_CHILD_EXIT, .exit_code = -1 });
		apply(dec.actions);
		return refuse(c, q, MHD_HTTP_INTERNAL_SERVER_ERROR, rc == -EBUSY ? "another step is still running" :
			      "cannot start the step");
	}
	if (dec.actions & RECOVERY_DO_RUN_FIRSTBOOT)
		say("factory reset running");
	else if (dec.actions & RECOVERY_DO_RUN_REBOOT)
		say("rebooting");
	else if (type == RECOVERY_EV_DISCARD)
		say("image discarded");
	return send_state(c, q, (unsigned)dec.answer);
}

static enum MHD_Result config_download(struct MHD_Connection *c, struct req *q)
{
	char *argv[] = { NULL, "sysupgrade", "-b", r.archive, NULL };
	struct MHD_Response *res;
	enum MHD_Result ret;
	struct stat st;
	int fd;

	if (!q->waiting) {
		if (r.child_kind != CHILD_NONE || r.backup_waiter)
			return refuse(c, q, MHD_HTTP_CONFLICT, "another step is running: try again when it is done");
		unlink(r.archive);
		if (run_child(CHILD_BACKUP, argv) < 0)
			return refuse(c, q, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot start sysupgrade -b");
		q->waiting = true;
		r.backup_waiter = c;
		MHD_suspend_connection(c);
		return MHD_YES;
	}
	fd = r.backup_ok ? open(r.archive, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return refuse(c, q, MHD_HTTP_INTERNAL_SERVER_ERROR, "the settings archive could not be made");
	}
	unlink(r.archive); /* the open fd keeps it until sent */
	res = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!res) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(res, "Content-Type", "application/gzip");
	MHD_add_response_header(res, "Content-Disposition", "attachment; filename=\"config.tgz\"");
	ret = MHD_queue_response(c, MHD_HTTP_OK, res);
	MHD_destroy_response(res);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *data, size_t *data_size, void **con_cls)
{
	struct req *q = *con_cls;
	const char *accept;

	(void)cls;
	(void)version;
	if (!q) {
		if (!(q = calloc(1, sizeof(*q))))
			return MHD_NO;
		*con_cls = q;
		q->route = peer_allowed(c) ? route_of(url, method) : ROUTE_FORBIDDEN;
		accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
		q->json = accept && strstr(accept, "application/json");
		q->form_post = !q->json && !strcmp(method, "POST") && q->route != ROUTE_FORBIDDEN;
		q->keep = true; /* as sysupgrade: settings are kept unless keep=0 */
		if (q->route == ROUTE_UPLOAD) {
			upload_begin(q, c);
			if (q->upload && q->multipart &&
			    !(q->pp = MHD_create_post_processor(c, POST_BUFFER_BYTES, on_form_part, q)))
				q->early_status = MHD_HTTP_BAD_REQUEST;
		} else if (q->route == ROUTE_FLASH || q->route == ROUTE_DISCARD) {
			/* Form fields: urlencoded or multipart body, or the query string. */
			const char *v;

			q->pp = MHD_create_post_processor(c, 4096, on_form_part, q);
			if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "keep")))
				q->keep = v[0] == '1';
			if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "force")))
				q->force = v[0] == '1';
			if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sha256"))) {
				snprintf(q->sha256, sizeof(q->sha256), "%s", v);
				q->has_sha256 = true;
				q->sha256_bad = strlen(v) != 64;
			}
		}
		return MHD_YES;
	}
	if (*data_size) {
		if (q->route == ROUTE_UPLOAD && q->upload) {
			if (q->pp)
				MHD_post_process(q->pp, data, *data_size);
			else
				upload_bytes(data, *data_size);
		} else if (q->pp) {
			MHD_post_process(q->pp, data, *data_size);
		}
		*data_size = 0; /* a refused request's body is read and dropped */
		return MHD_YES;
	}
	switch (q->route) {
	case ROUTE_FORBIDDEN:
		return send_text(c, MHD_HTTP_FORBIDDEN, "text/plain",
				 strdup("failsafed: the recovery page answers the failsafe subnet only\n"));
	case ROUTE_NOT_FOUND:
		return send_text(c, MHD_HTTP_NOT_FOUND, "text/plain", strdup("not found: see /\n"));
	case ROUTE_BAD_METHOD:
		return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", strdup("method not allowed here\n"));
	case ROUTE_SCRIPT:
		return send_text(c, MHD_HTTP_OK, "text/javascript", strndup(recovery_js, recovery_js_bytes));
	case ROUTE_PAGE:
	case ROUTE_STATUS:
		if (q->route == ROUTE_STATUS)
			q->json = true;
		return send_state(c, q, MHD_HTTP_OK);
	case ROUTE_UPLOAD:
		if (q->early_status)
			return refuse(c, q, (unsigned)q->early_status, q->early_why[0] ? q->early_why : "bad upload");
		return upload_end(q, c);
	case ROUTE_FLASH:
		if (q->has_sha256 && (q->sha256_bad ||
				      fwimage_sha256_parse(q->sha256, (uint8_t[FWIMAGE_SHA256_BYTES]){ 0 }) < 0))
			return refuse(c, q, MHD_HTTP_BAD_REQUEST, "sha256: not 64 hex digits");
		return step_request(c, q, RECOVERY_EV_FLASH);
	case ROUTE_DISCARD:
		return step_request(c, q, RECOVERY_EV_DISCARD);
	case ROUTE_FIRSTBOOT:
		return step_request(c, q, RECOVERY_EV_FIRSTBOOT);
	case ROUTE_REBOOT:
		return step_request(c, q, RECOVERY_EV_REBOOT);
	case ROUTE_CONFIG:
		return config_download(c, q);
	}
	return MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct req *q = *con_cls;

	(void)cls;
	if (!q)
		return;
	if (q->upload) {
		/* The client went away or stalled before the end: nothing is kept. */
		struct recovery_decision dec = recovery_step(&r.st, &(struct recovery_event){
			.type = RECOVERY_EV_UPLOAD_ABORTED, .conn = q->conn });

		apply(dec.actions);
		remove_staged();
		say("the upload broke off after %llu bytes (%s): nothing was kept", (unsigned long long)r.received,
		    toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "the client stalled" : "the client went away");
	}
	if (r.backup_waiter == c)
		r.backup_waiter = NULL;
	if (q->pp)
		MHD_destroy_post_processor(q->pp);
	free(q);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_warn("recovery: %s", line);
}

/* ---- the loop ---- */

static void run_mhd(void)
{
	if (r.d)
		MHD_run(r.d);
	schedule();
}

static void on_timer(struct loop_timer *t)
{
	(void)t;
	run_mhd();
}

static void on_fd(struct loop_fd *f, unsigned events)
{
	(void)f;
	(void)events;
	run_mhd();
}

/* MHD's next timeout (stalled clients, resumed connections) as one loop timer. */
static void schedule(void)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (!r.d)
		return;
	if (MHD_get_timeout(r.d, &ms) == MHD_YES)
		loop_timer_at(&r.timer, loop_now_ms() + (uint64_t)ms, on_timer);
	else
		loop_timer_cancel(&r.timer);
}

/* IPv6 link-local peers: accepted here, served by MHD like the rest (its own socket takes IPv4 only). */
static void on_fd6(struct loop_fd *f, unsigned events)
{
	(void)events;
	for (int i = 0; i < MAX_CONNECTIONS; i++) {
		struct sockaddr_in6 sin6;
		socklen_t len = sizeof(sin6);
		int fd = accept4(f->fd, (struct sockaddr *)&sin6, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		char peer[LISTENER_PEER_BYTES];

		if (fd < 0)
			break;
		if (!listener_peer6_allowed(&sin6.sin6_addr)) {
			peer6_text(peer, sizeof(peer), &sin6);
			listener_log_refusal("http", peer, LISTENER_REFUSAL_V6);
			listener_refuse(fd, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
			continue;
		}
		if (MHD_add_connection(r.d, fd, (struct sockaddr *)&sin6, len) != MHD_YES)
			log_warn("recovery: an IPv6 connection could not be taken (MHD_add_connection)");   /* MHD closed it */
	}
	run_mhd();
}

int recovery_listen6(const char *ifname)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(recovery_port()) };
	int fd, on = 1, err;

	if (!r.running && r.bind_retry.pending && ifname && ifname[0]) {
		snprintf(r.want6, sizeof(r.want6), "%s", ifname);   /* the page is not up yet: once it is */
		return 0;
	}
	if (!r.running || r.ifname6[0] || !ifname)
		return -EINVAL;
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0 ||
	    bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		err = errno;
		log_warn("recovery: http [::]:%u on %s: %s; IPv4 only", (unsigned)ntohs(sin6.sin6_port), ifname,
			 strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	snprintf(r.ifname6, sizeof(r.ifname6), "%s", ifname);
	loop_fd_set(&r.fd6, fd, LOOP_READ, on_fd6);
	log_info("recovery: also on http://[fe80::...%%%s]:%u/ for IPv6 link-local", ifname,
		 (unsigned)ntohs(sin6.sin6_port));
	return 0;
}

static uint64_t firmware_cap(void)
{
	char why[ROOTFS_WHY_BYTES], err[STORAGE_WHY_BYTES];
	struct storage_volume fw;
	struct rootfs rf;

	if (rootfs_setup(&rf, r.cfg.board, NULL, NULL, NULL, NULL, why) < 0 || !rf.firmware.kind ||
	    hal_storage_find(&rf.firmware, rf.state_dir, &fw, err) < 0) {
		log_warn("recovery: no firmware partition found: uploads are refused");
		return 0;
	}
	return fw.size_bytes;
}

static void on_bind_retry(struct loop_timer *t)
{
	struct recovery_config c = r.cfg;

	(void)t;
	recovery_start(&c);
	if (r.running && r.bind_retries)
		log_info("recovery: port %u free again: the page is up", (unsigned)r.cfg.port);
	if (r.running && r.want6[0]) {
		char ifname[sizeof(r.want6)];

		snprintf(ifname, sizeof(ifname), "%s", r.want6);
		r.want6[0] = '\0';
		recovery_listen6(ifname);
	}
}

int recovery_start(const struct recovery_config *cfg)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(cfg->port), .sin_addr = cfg->bind_addr };
	char addr[INET_ADDRSTRLEN];
	const union MHD_DaemonInfo *di;
	int on = 1, err;
	ssize_t n;

	if (r.running)
		return 0;
	r.listen_fd = r.up_fd = -1;
	r.cfg = *cfg;
	recovery_init(&r.st);
	r.child_out.fd = -1;
	snprintf(r.dir, sizeof(r.dir), "%s/recovery", cfg->state_dir);
	snprintf(r.staged, sizeof(r.staged), "%s/upload.bin", r.dir);
	snprintf(r.archive, sizeof(r.archive), "%s/config.tgz", r.dir);
	if (mkdir(r.dir, 0700) < 0 && errno != EEXIST) {
		err = errno;
		log_err("recovery: %s: %s", r.dir, strerror(err));
		return -err;
	}
	unlink(r.staged);
	n = readlink("/proc/self/exe", r.self, sizeof(r.self) - 1);
	if (n <= 0) {
		err = n < 0 ? errno : EIO;
		log_err("recovery: /proc/self/exe: %s", strerror(err));
		return -err;
	}
	r.self[n] = '\0';
	r.cap_bytes = firmware_cap();
	inet_ntop(AF_INET, &cfg->bind_addr, addr, sizeof(addr));
	r.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r.listen_fd < 0 || setsockopt(r.listen_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(r.listen_fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on)) < 0 ||
	    bind(r.listen_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(r.listen_fd, LISTEN_BACKLOG) < 0) {
		err = errno;
		if (r.listen_fd >= 0)
			close(r.listen_fd);
		r.listen_fd = -1;
		if (err == EADDRINUSE && cfg->port) {
			/* Held for now (a failsafed killed a moment ago, its child not yet exec'd): again soon. */
			if (!r.bind_retries++)
				log_warn("recovery: http %s:%u: %s; trying again every %u ms", addr, (unsigned)cfg->port,
					 strerror(err), BIND_RETRY_MS);
			loop_timer_at(&r.bind_retry, loop_now_ms() + BIND_RETRY_MS, on_bind_retry);
			return 0;
		}
		log_err("recovery: http %s:%u: %s", addr, (unsigned)cfg->port, strerror(err));
		return -err;
	}
	r.d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			       on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
			       MHD_OPTION_LISTEN_SOCKET, r.listen_fd,
			       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)((cfg->stall_timeout_ms + 999) / 1000),
			       MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
			       MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	di = r.d ? MHD_get_daemon_info(r.d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!di) {
		log_err("recovery: libmicrohttpd did not start");
		if (r.d)
			MHD_stop_daemon(r.d);
		r.d = NULL;
		close(r.listen_fd);
		r.listen_fd = -1;
		return -EIO;
	}
	refresh_board_facts();
	loop_fd_set(&r.fd, di->epoll_fd, LOOP_READ, on_fd);
	schedule();
	r.running = true;
	log_info("recovery: page on http://%s:%u/ for the failsafe subnet; images up to %llu bytes", addr,
		 (unsigned)recovery_port(), (unsigned long long)r.cap_bytes);
	return 0;
}

uint16_t recovery_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (!r.running || r.listen_fd < 0 || getsockname(r.listen_fd, (struct sockaddr *)&sin, &len) < 0)
		return 0;
	return ntohs(sin.sin_port);
}

void recovery_stop(void)
{
	loop_timer_cancel(&r.bind_retry);
	r.want6[0] = '\0';
	if (!r.running)
		return;
	r.running = false;
	loop_timer_cancel(&r.timer);
	loop_fd_del(&r.fd);
	if (r.child_kind == CHILD_FLASH || r.child_kind == CHILD_FIRSTBOOT) {
		/* Never killed: a half-written partition is worse than an applet that outlives the daemon. The
		 * daemon waits for it before it stops (cfg.writing); this is only for a stop that could not. */
		log_err("recovery: stopping while %s (pid %d) writes: it is left to finish on its own",
			r.child_kind == CHILD_FLASH ? "sysupgrade" : "firstboot", (int)r.child.pid);
		loop_child_cancel(&r.child);
		r.child_kind = CHILD_NONE;
	} else if (r.child_kind != CHILD_NONE) {
		loop_child_cancel(&r.child);
		shell_hangup(r.child.pid, SIGTERM);
		shell_reap(r.child.pid, loop_now_ms() + STOP_GRACE_MS);
		r.child_kind = CHILD_NONE;
	}
	if (r.child_out.fd >= 0) {
		loop_fd_del(&r.child_out);
		close(r.child_out.fd);
		r.child_out.fd = -1;
	}
	if (r.ifname6[0]) {
		loop_fd_del(&r.fd6);
		close(r.fd6.fd);
		r.ifname6[0] = '\0';
	}
	MHD_stop_daemon(r.d);
	r.d = NULL;
	close(r.listen_fd);
	r.listen_fd = -1;
	remove_staged();
}
