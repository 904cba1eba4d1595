/* unittests/test_ssh_policy.c — SSH decisions: fingerprints, dropbear's argv and mode, failures, back-off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <sys/wait.h>

#include "banner.h"
#include "beacon.h"
#include "options.h"
#include "ssh_policy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What Debian's dropbearkey 2022.83 printed making an ed25519 key, and for -y on an RSA key. */
#define GEN_ED25519 \
	"Generating 256 bit ed25519 key, this may take a while...\n" \
	"Public key portion is:\n" \
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC+KLH78dbtwEmXtDsCJUJovYzBHVrvrl+ppkegijvDT root@vm\n" \
	"Fingerprint: SHA256:TZtMDjRH3D3qzgxAUCiZkl6tGtxeRzs+lKbNTsKzdRc\n"
#define Y_RSA \
	"Public key portion is:\n" \
	"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC45Sf1igEYQENTey9U1P0i/+DxBaOBzYJpExlcsBMLTAvMW root@vm\n" \
	"Fingerprint: SHA256:c3AUxapA8lz6zxdrPfXkOXPOIZy9RAoI8rvGf1b+TkI\n"

static void fingerprints(void **state)
{
	static const struct {
		const char *text;
		int rc;
		const char *fp;
	} cases[] = {
		{ GEN_ED25519, 0, "SHA256:TZtMDjRH3D3qzgxAUCiZkl6tGtxeRzs+lKbNTsKzdRc" },
		{ Y_RSA, 0, "SHA256:c3AUxapA8lz6zxdrPfXkOXPOIZy9RAoI8rvGf1b+TkI" },
		{ "Fingerprint: SHA256:abc\r\n", 0, "SHA256:abc" },                 /* CR LF */
		{ "Fingerprint: SHA256:abc", 0, "SHA256:abc" },                     /* no newline at the end */
		{ "Fingerprint: SHA256:abc=\n", 0, "SHA256:abc" },                  /* padding: OpenSSH shows none */
		{ "x\nFingerprint: md5 0b:6f:aa\n", 0, "MD5:0b:6f:aa" },            /* dropbear 2019 */
		{ "Fingerprint: sha1!! 0b:6f:aa\n", 0, "SHA1:0b:6f:aa" },           /* dropbear 2015 */
		{ "Fingerprint: first\nFingerprint: second\n", 0, "first" },
		{ "Public key portion is:\nssh-ed25519 AAAA root@vm\n", -ENOENT, "" },
		{ "", -ENOENT, "" },
		{ " Fingerprint: SHA256:abc\n", -ENOENT, "" },                      /* only at a line's start */
		{ "fingerprint: SHA256:abc\n", -ENOENT, "" },
		{ "Fingerprint: \n", -EBADMSG, "" },
		{ "Fingerprint: ==\n", -EBADMSG, "" },
		{ "Fingerprint: SHA256:a b\n", -EBADMSG, "" },
		{ "Fingerprint: SHA256:a=b\n", -EBADMSG, "" },                      /* '=' would break the beacon */
		{ "Fingerprint: SHA256:a\tb\n", -EBADMSG, "" },
		{ "Fingerprint: SHA256:\xc3\xa9\n", -EBADMSG, "" },
		{ "Fingerprint: md5 \n", -EBADMSG, "" },
		{ "Fingerprint: SHA256:123456789012345678901234567890123456789012345678901234567\n", -EMSGSIZE, "" },
		{ "Fingerprint: SHA256:12345678901234567890123456789012345678901234567890123456\n", 0,
		  "SHA256:12345678901234567890123456789012345678901234567890123456" }, /* 63: a beacon value's limit */
	};
	char out[SSH_FP_MAX_BYTES + 1];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int rc = ssh_fingerprint_parse(cases[i].text, strlen(cases[i].text), out, sizeof(out));

		if (rc != cases[i].rc || strcmp(out, cases[i].fp))
			fail_msg("case %zu: rc %d out '%s', want %d '%s'", i, rc, out, cases[i].rc, cases[i].fp);
	}
}

static void fingerprint_bounds(void **state)
{
	char out[16], big[SSH_FP_MAX_BYTES + 1];
	const char *t = GEN_ED25519;

	(void)state;
	/* len is honoured: the line is past it */
	assert_int_equal(ssh_fingerprint_parse(t, strlen(t) - 60, big, sizeof(big)), -ENOENT);
	/* a small buffer is never overrun */
	assert_int_equal(ssh_fingerprint_parse(t, strlen(t), out, sizeof(out)), -EMSGSIZE);
	assert_string_equal(out, "");
	assert_int_equal(ssh_fingerprint_parse(NULL, 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(ssh_fingerprint_parse(t, strlen(t), NULL, 8), -EINVAL);
	assert_int_equal(ssh_fingerprint_parse(t, strlen(t), out, 0), -EINVAL);
}

static void key_names(void **state)
{
	(void)state;
	assert_string_equal(ssh_key_name(SSH_KEY_ED25519), "ed25519");
	assert_string_equal(ssh_key_name(SSH_KEY_RSA), "rsa");
	assert_string_equal(ssh_key_label(SSH_KEY_ED25519), "ED25519");
	assert_string_equal(ssh_key_label(SSH_KEY_RSA), "RSA");
	assert_null(ssh_key_name(SSH_KEY_COUNT));
	assert_null(ssh_key_label((enum ssh_key_type)-1));
}

#define CMD_HEAD "PATH=${FAILSAFED_PATH:-$PATH}; export PATH; unset FAILSAFED_PATH; " \
		 "if [ -n \"$SSH_ORIGINAL_COMMAND\" ]; then eval \"$SSH_ORIGINAL_COMMAND\"; else exec"

static void forced_command(void **state)
{
	char *login[] = { "/bin/sh", "-l", NULL };
	char *quote[] = { "/bin/echo", "it's", "a b", NULL };
	char *none[] = { NULL };
	char out[512], tiny[64];

	(void)state;
	assert_int_equal(ssh_forced_command(login, out, sizeof(out)), 0);
	assert_string_equal(out, CMD_HEAD " '/bin/sh' '-l'; fi");
	assert_int_equal(ssh_forced_command(quote, out, sizeof(out)), 0);
	assert_string_equal(out, CMD_HEAD " '/bin/echo' 'it'\\''s' 'a b'; fi");
	assert_int_equal(ssh_forced_command(none, out, sizeof(out)), -EINVAL);
	assert_int_equal(ssh_forced_command(NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(ssh_forced_command(login, tiny, sizeof(tiny)), -EMSGSIZE);
	assert_string_equal(tiny, "");
	/* exactly as long as needed, and one byte short */
	assert_int_equal(ssh_forced_command(login, out, strlen(CMD_HEAD " '/bin/sh' '-l'; fi") + 1), 0);
	assert_int_equal(ssh_forced_command(login, out, strlen(CMD_HEAD " '/bin/sh' '-l'; fi")), -EMSGSIZE);
}

/*
 * The command as dropbear's "$SHELL -c" runs it, with $ORIG as the client's
 * command: the quoting holds, PATH comes back, the client's command runs.
 */
static void run_forced(char **argv, const char *orig, const char *want, int want_status)
{
	char cmd[512], got[256] = "";
	size_t n;
	FILE *f;
	int status;

	assert_int_equal(ssh_forced_command(argv, cmd, sizeof(cmd)), 0);
	setenv("FORCED", cmd, 1);
	setenv("ORIG", orig, 1);
	f = popen("env -i FAILSAFED_PATH=/nowhere:/usr/bin:/bin SSH_ORIGINAL_COMMAND=\"$ORIG\" /bin/sh -c \"$FORCED\"",
		  "r");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	status = pclose(f);
	unsetenv("FORCED");
	unsetenv("ORIG");
	assert_string_equal(got, want);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), want_status); /* the client sees its command's exit status */
}

static void forced_command_runs(void **state)
{
	char *quote[] = { "/bin/echo", "it's", "a b", NULL };

	(void)state;
	run_forced(quote, "", "it's a b\n", 0);
	run_forced(quote, "echo \"$PATH\"; echo $FAILSAFED_PATH-gone", "/nowhere:/usr/bin:/bin\n-gone\n", 0);
	run_forced(quote, "echo out; exit 7", "out\n", 7);
}

static void argv_join(const char *const *argv, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (; *argv; argv++)
		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? " " : "", *argv);
}

static void dropbear_argv(void **state)
{
	static const struct {
		enum ssh_dropbear_mode mode;
		const char *ed25519, *rsa, *banner;
		int n;
		const char *want;
	} cases[] = {
		{ SSH_MODE_INETD, "/s/ed", "/s/rsa", "/s/banner", 16,
		  "/usr/sbin/dropbear -i -E -B -j -k -m -e -c CMD -b /s/banner -r /s/ed -r /s/rsa" },
		{ SSH_MODE_REEXEC, "/s/ed", "/s/rsa", "/s/banner", 17,
		  "/usr/sbin/dropbear -E -2 3 -B -j -k -m -e -c CMD -b /s/banner -r /s/ed -r /s/rsa" },
		{ SSH_MODE_SYSLOG, "/s/ed", NULL, NULL, 11, "/usr/sbin/dropbear -i -B -j -k -m -e -c CMD -r /s/ed" },
		{ SSH_MODE_INETD, NULL, "/s/rsa", NULL, 12, "/usr/sbin/dropbear -i -E -B -j -k -m -e -c CMD -r /s/rsa" },
		{ SSH_MODE_INETD, NULL, NULL, "/s/banner", -EINVAL, "" },          /* no key: nothing to serve with */
		{ SSH_MODE_COUNT, "/s/ed", NULL, NULL, -EINVAL, "" },
	};
	const char *argv[SSH_ARGV_MAX];
	char joined[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ssh_dropbear_args a = { .mode = cases[i].mode, .dropbear = "/usr/sbin/dropbear",
					       .key_path = { cases[i].ed25519, cases[i].rsa },
					       .banner_path = cases[i].banner, .forced_command = "CMD" };
		int n = ssh_dropbear_argv(&a, argv);

		assert_int_equal(n, cases[i].n);
		if (n < 0)
			continue;
		assert_null(argv[n]);
		argv_join(argv, joined, sizeof(joined));
		assert_string_equal(joined, cases[i].want);
	}
	assert_int_equal(ssh_dropbear_argv(&(struct ssh_dropbear_args){ .forced_command = "x", .key_path = { "k" } },
					   argv), -EINVAL);
	assert_int_equal(ssh_dropbear_argv(&(struct ssh_dropbear_args){ .dropbear = "d", .key_path = { "k" } }, argv),
			 -EINVAL);
	assert_int_equal(ssh_dropbear_argv(NULL, argv), -EINVAL);
}

static void dropbear_mode(void **state)
{
	static const struct {
		const char *text;
		int mode;
		const char *version;
	} cases[] = {
		{ "Dropbear v2022.83\n", SSH_MODE_REEXEC, "2022.83" },         /* Debian 12: refuses -i with -E */
		{ "Dropbear v2022.82\n", SSH_MODE_REEXEC, "2022.82" },         /* the first with -e and re-exec */
		{ "Dropbear v2022.81\n", -ENOTSUP, "2022.81" },
		{ "Dropbear v2020.81\n", -ENOTSUP, "2020.81" },
		{ "Dropbear v2023.99\n", SSH_MODE_REEXEC, "2023.99" },
		{ "Dropbear v2024.83\n", SSH_MODE_REEXEC, "2024.83" },
		{ "Dropbear v2024.84\n", SSH_MODE_INETD, "2024.84" },          /* "Allow inetd with non-syslog" */
		{ "Dropbear v2024.86\n", SSH_MODE_INETD, "2024.86" },          /* OpenWrt 24.10 */
		{ "Dropbear v2025.88", SSH_MODE_INETD, "2025.88" },
		{ "Dropbear v2030.1\n", SSH_MODE_INETD, "2030.1" },
		{ "warning: x\nDropbear v2022.83\n", SSH_MODE_REEXEC, "2022.83" },
		{ "Dropbear v22.83\nDropbear v2022.83\n", SSH_MODE_REEXEC, "2022.83" },
		{ "Dropbear vXXXX.83\n", SSH_MODE_INETD, "unknown" },          /* no version: take it for a new one */
		{ "Dropbear v2022.\n", SSH_MODE_INETD, "unknown" },
		{ "Dropbear v20222.83\n", SSH_MODE_INETD, "unknown" },
		{ "", SSH_MODE_INETD, "unknown" },
	};
	char version[16];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int mode = ssh_dropbear_mode(cases[i].text, strlen(cases[i].text), version, sizeof(version));

		if (mode != cases[i].mode || strcmp(version, cases[i].version))
			fail_msg("case %zu: %d '%s', want %d '%s'", i, mode, version, cases[i].mode, cases[i].version);
	}
	/* len is honoured */
	assert_int_equal(ssh_dropbear_mode("Dropbear v2022.83", 12, version, sizeof(version)), SSH_MODE_INETD);
	assert_int_equal(ssh_dropbear_mode("Dropbear v2022.83", 16, version, sizeof(version)), -ENOTSUP);
	assert_string_equal(version, "2022.8");
	assert_int_equal(ssh_dropbear_mode(NULL, 0, version, sizeof(version)), -EINVAL);
	assert_int_equal(ssh_mode_after_failure(SSH_MODE_REEXEC), SSH_MODE_SYSLOG);
	assert_int_equal(ssh_mode_after_failure(SSH_MODE_INETD), SSH_MODE_INETD);
	assert_int_equal(ssh_mode_after_failure(SSH_MODE_SYSLOG), SSH_MODE_SYSLOG);
	assert_string_equal(ssh_mode_name(SSH_MODE_REEXEC), "-E -2");
	assert_null(ssh_mode_name(SSH_MODE_COUNT));
}

#define EXITED(code) ((code) << 8)
#define KILLED(sig) (sig)

static void start_failures(void **state)
{
	static const struct {
		int status, spoke;
		bool peer_open, failed;
		const char *why;
	} cases[] = {
		{ EXITED(127), 0, true, true, "exec failed: no dropbear at all" },
		{ EXITED(127), 1, false, true, "exec failed, whatever the socket says" },
		{ EXITED(126), -1, true, true, "not executable" },
		{ EXITED(0), 0, true, false, "a clean end is never a failure" },
		{ EXITED(1), 0, true, true, "nothing said to a client still there: no hostkeys, bad option" },
		{ EXITED(1), 1, true, false, "it spoke: a session that ended badly" },
		{ EXITED(1), 0, false, false, "the client left first (reset, port scan)" },
		{ EXITED(1), -1, true, false, "unknown: not held against dropbear" },
		{ KILLED(11), 0, true, true, "crashed before a word" },
		{ KILLED(9), 1, true, false, "killed mid-session" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (ssh_start_failed(cases[i].status, cases[i].spoke, cases[i].peer_open) != cases[i].failed)
			fail_msg("case %zu (%s)", i, cases[i].why);
}

static void backoff_timeline(void **state)
{
	static const struct {
		uint64_t now_ms;
		bool failed;
		bool new_step;          /* ssh_backoff_note's answer: log now */
		uint32_t step_ms;
		uint64_t active_until;  /* refusing before this; 0: not refusing */
	} steps[] = {
		{ 1000, false, false, 0, 0 },
		{ 2000, true, true, 1000, 3000 },       /* the first failure: 1 s */
		{ 2500, true, false, 1000, 3000 },      /* accepted before the pause: nothing new */
		{ 3000, true, true, 2000, 5000 },       /* the pause is over: the next doubles */
		{ 5000, true, true, 4000, 9000 },
		{ 9000, true, true, 8000, 17000 },
		{ 17000, true, true, 16000, 33000 },
		{ 33000, true, true, 32000, 65000 },
		{ 65000, true, true, 60000, 125000 },   /* capped */
		{ 125000, true, true, 60000, 185000 },
		{ 185000, true, true, 60000, 245000 },
		{ 200000, false, false, 0, 0 },         /* a session that worked ends the pause and the count */
		{ 200001, true, true, 1000, 201001 },
	};
	struct ssh_backoff b = { 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		bool new_step = ssh_backoff_note(&b, steps[i].failed, steps[i].now_ms);

		if (new_step != steps[i].new_step || b.step_ms != steps[i].step_ms)
			fail_msg("step %zu: new %d step %u", i, new_step, b.step_ms);
		if (steps[i].active_until) {
			assert_true(ssh_backoff_active(&b, steps[i].now_ms));
			assert_true(ssh_backoff_active(&b, steps[i].active_until - 1));
			assert_false(ssh_backoff_active(&b, steps[i].active_until));
		} else {
			assert_false(ssh_backoff_active(&b, steps[i].now_ms));
		}
	}
	/* many failures never overflow the step */
	for (unsigned i = 0; i < 100; i++)
		ssh_backoff_note(&b, true, b.until_ms);
	assert_int_equal(b.step_ms, SSH_BACKOFF_MAX_MS);
}

static void log_lines(void **state)
{
	static const struct {
		const char *line, *text;
		bool routine;
	} cases[] = {
		{ "[2496] Nov 30 05:26:22 Auth succeeded with blank password for 'root' from 192.168.1.2:56694",
		  "Auth succeeded with blank password for 'root' from 192.168.1.2:56694", false },
		{ "[2496] Nov 30 05:26:22 Forced command set to 'PATH=...'", "Forced command set to 'PATH=...'", true },
		{ "[1] Jan  3 00:00:00 Early exit: x", "Early exit: x", false },
		{ "Nov 30 05:26:22 no pid", "no pid", false },
		{ "[2496] Exit before auth", "Exit before auth", false },
		{ "failsafed: /usr/sbin/db: No such file or directory", "failsafed: /usr/sbin/db: No such file or directory", false },
		{ "[] Nov 30 05:26:22 x", "[] Nov 30 05:26:22 x", false },
		{ "[12]Nov 30 05:26:22 x", "[12]Nov 30 05:26:22 x", false },
		{ "[12] Nov 30 05:26", "Nov 30 05:26", false },
		{ "", "", false },
	};
	bool routine;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_string_equal(ssh_log_text(cases[i].line, &routine), cases[i].text);
		assert_int_equal(routine, cases[i].routine);
	}
}

/* The console line names the key as OpenSSH's prompt does, so people can compare the two. */
static void console_line(void **state)
{
	char out[160];

	(void)state;
	banner_ssh_key("192.168.1.1", ssh_key_label(SSH_KEY_ED25519), "SHA256:TZtMDjRH3D3qzgxAUCiZkl6tGtxeRzs+lKbNTsKzdRc",
		       out, sizeof(out));
	assert_string_equal(out, "- ssh root@192.168.1.1: ED25519 key fingerprint is "
			    "SHA256:TZtMDjRH3D3qzgxAUCiZkl6tGtxeRzs+lKbNTsKzdRc -\n");
	banner_ssh_key("10.0.0.1", "RSA", "SHA256:x", out, 20);
	assert_int_equal(strlen(out), 19);
}

/* The daemon's SSH options: defaults, values, and out-of-range values refused with the option's name. */
static void options(void **state)
{
	static const struct {
		const char *args[3];
		int rc;
		uint16_t port;
		unsigned max;
		bool no_ssh;
		const char *dropbear;
	} cases[] = {
		{ { NULL }, 0, 22, 8, false, NULL },
		{ { "--ssh-port", "2222" }, 0, 2222, 8, false, NULL },
		{ { "--ssh-max-sessions", "32" }, 0, 22, 32, false, NULL },
		{ { "--no-ssh" }, 0, 22, 8, true, NULL },
		{ { "--dropbear", "/opt/db" }, 0, 22, 8, false, "/opt/db" },
		{ { "--ssh-port", "0" }, -EINVAL, 0, 0, false, NULL },
		{ { "--ssh-port", "65536" }, -EINVAL, 0, 0, false, NULL },
		{ { "--ssh-max-sessions", "0" }, -EINVAL, 0, 0, false, NULL },
		{ { "--ssh-max-sessions", "33" }, -EINVAL, 0, 0, false, NULL },
		{ { "--dropbear" }, -EINVAL, 0, 0, false, NULL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *argv[4] = { "failsafed" }, err[256] = "";
		struct options o;
		int argc = 1;

		for (size_t k = 0; k < 2 && cases[i].args[k]; k++)
			argv[argc++] = (char *)cases[i].args[k];
		assert_int_equal(options_parse(&o, NULL, argc, argv, err, sizeof(err)), cases[i].rc);
		if (cases[i].rc) {
			assert_non_null(strstr(err, cases[i].args[0]));
			continue;
		}
		assert_int_equal(o.ssh_port, cases[i].port);
		assert_int_equal(o.ssh_max_sessions, cases[i].max);
		assert_int_equal(o.no_ssh, cases[i].no_ssh);
		if (cases[i].dropbear)
			assert_string_equal(o.dropbear, cases[i].dropbear);
		else
			assert_null(o.dropbear);
	}
	assert_non_null(strstr(options_usage(NULL), "--ssh-port N"));
	assert_non_null(strstr(options_usage(NULL), "--no-ssh"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fingerprints),
		cmocka_unit_test(fingerprint_bounds),
		cmocka_unit_test(key_names),
		cmocka_unit_test(forced_command),
		cmocka_unit_test(forced_command_runs),
		cmocka_unit_test(dropbear_argv),
		cmocka_unit_test(dropbear_mode),
		cmocka_unit_test(start_failures),
		cmocka_unit_test(backoff_timeline),
		cmocka_unit_test(log_lines),
		cmocka_unit_test(console_line),
		cmocka_unit_test(options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
