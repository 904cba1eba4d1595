/* app/login/ssh_policy.h — the SSH service's decisions (pure): fingerprints, dropbear's argv and mode, back-off */
#ifndef APP_SSH_POLICY_H
#define APP_SSH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SSH_FP_MAX_BYTES 63          /* a fingerprint, without NUL: fits a beacon value */
#define SSH_ARGV_MAX 24              /* dropbear's argv, NULL included */
#define SSH_BACKOFF_FIRST_MS 1000u   /* the first pause after dropbear failed to start */
#define SSH_BACKOFF_MAX_MS 60000u    /* pauses double up to this */

/* Host key types, in the order they are made: ed25519 first (fast), RSA for old clients. */
enum ssh_key_type {
	SSH_KEY_ED25519 = 0,
	SSH_KEY_RSA,
	SSH_KEY_COUNT
};

/* dropbearkey's -t name: "ed25519", "rsa"; NULL if invalid. */
const char *ssh_key_name(enum ssh_key_type t);
/* As OpenSSH names the key in its prompts: "ED25519", "RSA"; NULL if invalid. */
const char *ssh_key_label(enum ssh_key_type t);

/*
 * The fingerprint from dropbearkey's output (generating a key, or -y):
 * the value of its "Fingerprint: " line in OpenSSH's form, e.g.
 * "SHA256:TZtMDjRH3D3qzgxAUCiZkl6tGtxeRzs+lKbNTsKzdRc" (base64 padding
 * dropped as OpenSSH does). Older dropbears' "md5 ab:cd:.." and
 * "sha1!! ab:cd:.." become "MD5:ab:cd:.." and "SHA1:ab:cd:..". Reads at
 * most len bytes of text (no NUL needed). Returns 0, -EINVAL (NULL
 * argument), -ENOENT (no such line), -EBADMSG (empty, or a byte that is
 * not printable ASCII, a space or '=' inside the value), -EMSGSIZE
 * (longer than size - 1 or SSH_FP_MAX_BYTES); out is "" on error.
 */
int ssh_fingerprint_parse(const char *text, size_t len, char *out, size_t size);

/*
 * The command dropbear runs for every session (-c), through root's shell
 * from /etc/passwd: PATH back to the daemon's (dropbear resets it; the
 * daemon hands it over as FAILSAFED_PATH), then the client's command if it
 * sent one (SSH_ORIGINAL_COMMAND, evaluated as sshd runs "$SHELL -c"),
 * else exec shell_argv: the login shell telnet sessions get. Each word of
 * shell_argv is single-quoted. Returns 0, -EINVAL (no shell), -EMSGSIZE.
 */
int ssh_forced_command(char *const *shell_argv, char *out, size_t size);

/* How dropbear serves one connection handed to it on stdin. */
enum ssh_dropbear_mode {
	SSH_MODE_INETD = 0,     /* -i -E: 2024.84 and later */
	SSH_MODE_REEXEC,        /* -E -2 3: 2022.82 to 2023.x refuse -i with -E; this is how their own listener runs one */
	SSH_MODE_SYSLOG,        /* -i: the fallback when REEXEC does not start (a build without re-exec); log to syslog */
	SSH_MODE_COUNT
};

/* Its options in words, for logs: "-i -E", "-E -2", "-i"; NULL if invalid. */
const char *ssh_mode_name(enum ssh_dropbear_mode m);

/*
 * The mode for the dropbear whose `dropbear -V` printed text ("Dropbear
 * v2022.83"): INETD from 2024.84 on, REEXEC for 2022.82 to 2023.x; an
 * output without a version is taken for a newer dropbear (INETD). The
 * version ("2022.83", or "unknown") goes to version. Returns the mode, or
 * -ENOTSUP for versions before 2022.82 (no -e: sessions would lose the
 * daemon's environment), -EINVAL for NULL arguments.
 */
int ssh_dropbear_mode(const char *text, size_t len, char *version, size_t version_size);

/* The mode to try after dropbear failed to start in mode m: REEXEC falls back to SYSLOG, the others stay. */
enum ssh_dropbear_mode ssh_mode_after_failure(enum ssh_dropbear_mode m);

struct ssh_dropbear_args {
	enum ssh_dropbear_mode mode;
	const char *dropbear;                    /* the binary */
	const char *key_path[SSH_KEY_COUNT];     /* NULL: that key is not ready */
	const char *banner_path;                 /* NULL: no banner */
	const char *forced_command;              /* from ssh_forced_command() */
};

/*
 * dropbear's argv for one connection on its stdin: the mode's options
 * (ssh_mode_name; -E logs to stderr; REEXEC wants fd 3 open, dropbear
 * closes it once the client logged in), -B (root's blank password), -j -k
 * (no forwarding), -m (no motd), -e (the daemon's environment, as telnet
 * shells get it), -c forced command, -b banner, -r for each ready key.
 * Pointers into a. Returns the number of words (argv[n] is NULL), or
 * -EINVAL (invalid mode, no binary, no command, no key ready).
 */
int ssh_dropbear_argv(const struct ssh_dropbear_args *a, const char *argv[SSH_ARGV_MAX]);

/*
 * Did dropbear fail to start (missing or broken binary, unusable keys),
 * rather than serve a client? wait_status as from waitpid. server_spoke:
 * 1 if the socket carried bytes from the server (dropbear sends its
 * version first thing), 0 if not, -1 unknown. peer_open: the client had
 * not closed or reset the connection when dropbear ended. An exec failure
 * (exit 126, 127) always counts; so does an unexplained early end: nothing
 * sent to a client still there, and not a clean exit 0.
 */
bool ssh_start_failed(int wait_status, int server_spoke, bool peer_open);

/*
 * A line dropbear wrote to its stderr (-E), for the daemon's log: without
 * its "[pid] Nov 30 05:26:22 " prefix (the daemon's log says when, and
 * which connection). *routine is set for lines every connection repeats
 * (the forced command it was given): log those at debug level only.
 */
const char *ssh_log_text(const char *line, bool *routine);

/* Refusing new connections for a while after dropbear failed to start. Zeroed: no pause. */
struct ssh_backoff {
	unsigned failures;                       /* start failures in a row */
	uint32_t step_ms;                        /* the current pause; 0 when none began yet */
	uint64_t until_ms;                       /* refuse new connections before this */
};

/*
 * A run of dropbear (or of dropbearkey) ended at now_ms: failed or not.
 * A success ends any pause and the count. A failure outside a pause begins
 * the next one (SSH_BACKOFF_FIRST_MS, doubling up to SSH_BACKOFF_MAX_MS)
 * and returns true: log it, once per step. A failure inside a pause (a
 * connection accepted before it began) changes nothing.
 */
bool ssh_backoff_note(struct ssh_backoff *b, bool failed, uint64_t now_ms);
/* True while new connections are refused. */
bool ssh_backoff_active(const struct ssh_backoff *b, uint64_t now_ms);

#endif /* APP_SSH_POLICY_H */
