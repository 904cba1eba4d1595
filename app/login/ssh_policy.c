/* app/login/ssh_policy.c — the SSH service's decisions (pure): fingerprints, dropbear's argv, failures, back-off */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "ssh_policy.h"

static const char *const key_names[SSH_KEY_COUNT] = {
	[SSH_KEY_ED25519] = "ed25519",
	[SSH_KEY_RSA] = "rsa",
};

static const char *const key_labels[SSH_KEY_COUNT] = {
	[SSH_KEY_ED25519] = "ED25519",
	[SSH_KEY_RSA] = "RSA",
};

const char *ssh_key_name(enum ssh_key_type t)
{
	return (unsigned)t < SSH_KEY_COUNT ? key_names[t] : NULL;
}

const char *ssh_key_label(enum ssh_key_type t)
{
	return (unsigned)t < SSH_KEY_COUNT ? key_labels[t] : NULL;
}

/* ---- fingerprints ---- */

#define FP_TAG "Fingerprint: "

/* Old dropbears name the hash in lower case and apart: "md5 ab:..", "sha1!! ab:..". */
static const struct {
	const char *word;
	const char *prefix;
} old_forms[] = {
	{ "md5 ", "MD5:" },
	{ "sha1!! ", "SHA1:" },
};

/* The line that starts with FP_TAG: its value's start and length (up to the line's end). */
static const char *find_value(const char *text, size_t len, size_t *value_len)
{
	size_t tag_len = strlen(FP_TAG);

	for (size_t at = 0; at < len;) {
		const char *line = text + at;
		const char *nl = memchr(line, '\n', len - at);
		size_t line_len = nl ? (size_t)(nl - line) : len - at;

		if (line_len && line[line_len - 1] == '\r')
			line_len--;
		if (line_len >= tag_len && !memcmp(line, FP_TAG, tag_len)) {
			*value_len = line_len - tag_len;
			return line + tag_len;
		}
		at += (nl ? (size_t)(nl - line) + 1 : len - at);
	}
	return NULL;
}

int ssh_fingerprint_parse(const char *text, size_t len, char *out, size_t size)
{
	const char *v, *prefix = "";
	size_t n, prefix_len, i;

	if (!text || !out || !size)
		return -EINVAL;
	out[0] = '\0';
	v = find_value(text, len, &n);
	if (!v)
		return -ENOENT;
	for (i = 0; i < sizeof(old_forms) / sizeof(old_forms[0]); i++) {
		size_t w = strlen(old_forms[i].word);

		if (n > w && !memcmp(v, old_forms[i].word, w)) {
			prefix = old_forms[i].prefix;
			v += w;
			n -= w;
			break;
		}
	}
	while (n && v[n - 1] == '=')
		n--; /* base64 padding: OpenSSH shows none */
	if (!n)
		return -EBADMSG;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f || v[i] == '=')
			return -EBADMSG;
	prefix_len = strlen(prefix);
	if (prefix_len + n > SSH_FP_MAX_BYTES || prefix_len + n >= size)
		return -EMSGSIZE;
	memcpy(out, prefix, prefix_len);
	memcpy(out + prefix_len, v, n);
	out[prefix_len + n] = '\0';
	return 0;
}

/* ---- the forced command ---- */

struct text {
	char *buf;
	size_t size, len;
	bool overflow;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->overflow || n >= t->size - t->len) {
		t->overflow = true;
		return;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void put_str(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

/* A word for sh: in single quotes, a quote inside as '\'' */
static void put_quoted(struct text *t, const char *w)
{
	put(t, "'", 1);
	for (const char *q; (q = strchr(w, '\'')); w = q + 1) {
		put(t, w, (size_t)(q - w));
		put_str(t, "'\\''");
	}
	put_str(t, w);
	put(t, "'", 1);
}

int ssh_forced_command(char *const *shell_argv, char *out, size_t size)
{
	struct text t = { .buf = out, .size = size };

	if (!shell_argv || !shell_argv[0] || !out || !size)
		return -EINVAL;
	out[0] = '\0';
	put_str(&t, "PATH=${FAILSAFED_PATH:-$PATH}; export PATH; unset FAILSAFED_PATH; "
		    "if [ -n \"$SSH_ORIGINAL_COMMAND\" ]; then eval \"$SSH_ORIGINAL_COMMAND\"; else exec");
	for (char *const *w = shell_argv; *w; w++) {
		put(&t, " ", 1);
		put_quoted(&t, *w);
	}
	put_str(&t, "; fi");
	if (t.overflow) {
		out[0] = '\0';
		return -EMSGSIZE;
	}
	return 0;
}

/* ---- dropbear's command line ---- */

#define MODE_WORDS_MAX 3

static const struct {
	const char *name;
	const char *words[MODE_WORDS_MAX + 1];
} modes[SSH_MODE_COUNT] = {
	[SSH_MODE_INETD] = { "-i -E", { "-i", "-E" } },
	[SSH_MODE_REEXEC] = { "-E -2", { "-E", "-2", "3" } },
	[SSH_MODE_SYSLOG] = { "-i", { "-i" } },
};

const char *ssh_mode_name(enum ssh_dropbear_mode m)
{
	return (unsigned)m < SSH_MODE_COUNT ? modes[m].name : NULL;
}

/* "2022.83" at p: a four-digit year, a dot, a release number; false if not. */
static bool parse_version(const char *p, const char *end, unsigned *year, unsigned *rel, size_t *used)
{
	const char *q = p, *dot;
	unsigned y = 0, r = 0;

	while (q < end && q - p < 5 && *q >= '0' && *q <= '9')
		y = y * 10 + (unsigned)(*q++ - '0');
	if (q - p != 4 || q >= end || *q != '.')
		return false;
	dot = q++;
	while (q < end && q - dot < 5 && *q >= '0' && *q <= '9')
		r = r * 10 + (unsigned)(*q++ - '0');
	if (q == dot + 1)
		return false;
	*year = y;
	*rel = r;
	*used = (size_t)(q - p);
	return true;
}

int ssh_dropbear_mode(const char *text, size_t len, char *version, size_t version_size)
{
	static const char tag[] = "Dropbear v";
	const char *end;
	unsigned year, rel;
	size_t used;

	if (!text || !version || !version_size)
		return -EINVAL;
	end = text + len;
	snprintf(version, version_size, "unknown");
	for (const char *p = text; p + sizeof(tag) - 1 <= end; p++) {
		if (memcmp(p, tag, sizeof(tag) - 1) || !parse_version(p + sizeof(tag) - 1, end, &year, &rel, &used))
			continue;
		snprintf(version, version_size, "%.*s", (int)used, p + sizeof(tag) - 1);
		if (year > 2024 || (year == 2024 && rel >= 84))
			return SSH_MODE_INETD;
		if (year > 2022 || (year == 2022 && rel >= 82))
			return SSH_MODE_REEXEC;
		return -ENOTSUP;
	}
	return SSH_MODE_INETD;
}

enum ssh_dropbear_mode ssh_mode_after_failure(enum ssh_dropbear_mode m)
{
	return m == SSH_MODE_REEXEC ? SSH_MODE_SYSLOG : m;
}

int ssh_dropbear_argv(const struct ssh_dropbear_args *a, const char *argv[SSH_ARGV_MAX])
{
	static const char *const fixed[] = { "-B", "-j", "-k", "-m", "-e" };
	int n = 0;
	bool any_key = false;

	if (!a || !argv || !a->dropbear || !a->forced_command || (unsigned)a->mode >= SSH_MODE_COUNT)
		return -EINVAL;
	argv[n++] = a->dropbear;
	for (const char *const *w = modes[a->mode].words; *w; w++)
		argv[n++] = *w;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		argv[n++] = fixed[i];
	argv[n++] = "-c";
	argv[n++] = a->forced_command;
	if (a->banner_path) {
		argv[n++] = "-b";
		argv[n++] = a->banner_path;
	}
	for (unsigned k = 0; k < SSH_KEY_COUNT; k++) {
		if (!a->key_path[k])
			continue;
		argv[n++] = "-r";
		argv[n++] = a->key_path[k];
		any_key = true;
	}
	argv[n] = NULL;
	return any_key ? n : -EINVAL;
}

/* ---- dropbear's log lines ---- */

/* "Nov 30 05:26:22 " at p (dropbear's "%b %d %H:%M:%S "): its length, or 0. */
static size_t date_len(const char *p)
{
	static const char shape[] = "Aaa 00 00:00:00 ";

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		char c = p[i], want = shape[i];

		if (!c)
			return 0;
		if ((want == 'A' && !(c >= 'A' && c <= 'Z')) || (want == 'a' && !(c >= 'a' && c <= 'z')) ||
		    (want == '0' && !(c >= '0' && c <= '9') && !(c == ' ' && i == 4)) ||
		    ((want == ' ' || want == ':') && c != want))
			return 0;
	}
	return sizeof(shape) - 1;
}

const char *ssh_log_text(const char *line, bool *routine)
{
	const char *p = line;

	*routine = false;
	if (*p == '[') {
		const char *q = p + 1;

		while (*q >= '0' && *q <= '9')
			q++;
		if (q > p + 1 && q[0] == ']' && q[1] == ' ')
			p = q + 2;
	}
	p += date_len(p);
	*routine = !strncmp(p, "Forced command set to ", 22);
	return p;
}

/* ---- start failures and back-off ---- */

bool ssh_start_failed(int wait_status, int server_spoke, bool peer_open)
{
	if (WIFEXITED(wait_status) && (WEXITSTATUS(wait_status) == 126 || WEXITSTATUS(wait_status) == 127))
		return true; /* the exec failed: no dropbear ran at all */
	if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)
		return false;
	return server_spoke == 0 && peer_open;
}

bool ssh_backoff_note(struct ssh_backoff *b, bool failed, uint64_t now_ms)
{
	if (!failed) {
		b->failures = 0;
		b->step_ms = 0;
		b->until_ms = 0;
		return false;
	}
	if (ssh_backoff_active(b, now_ms))
		return false;
	b->failures++;
	b->step_ms = b->failures > 7 ? SSH_BACKOFF_MAX_MS : SSH_BACKOFF_FIRST_MS << (b->failures - 1);
	if (b->step_ms > SSH_BACKOFF_MAX_MS)
		b->step_ms = SSH_BACKOFF_MAX_MS;
	b->until_ms = now_ms + b->step_ms;
	return true;
}

bool ssh_backoff_active(const struct ssh_backoff *b, uint64_t now_ms)
{
	return now_ms < b->until_ms;
}
