/* app/login/ssh_keys.c — SSH host keys: dropbearkey as a loop child (make or check, one at a time), fingerprints */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "ssh_keys.h"

#define TMP_SUFFIX ".new"

bool ssh_keys_ready(const struct ssh_keys *k, enum ssh_key_type t)
{
	return (unsigned)t < SSH_KEY_COUNT && k->fp[t][0];
}

bool ssh_keys_busy(const struct ssh_keys *k)
{
	return k->job_key >= 0;
}

static void tmp_path(const struct ssh_keys *k, enum ssh_key_type t, char *out, size_t size)
{
	snprintf(out, size, "%s" TMP_SUFFIX, k->path[t]);
}

static void on_job(struct ssh_job *j, int status);

/* dropbearkey for key t: make it (into <path>.new, renamed once done) or check it (-y). 0 or -errno. */
static int job_start(struct ssh_keys *k, enum ssh_key_type t, bool generate)
{
	char tmp[PATH_MAX + sizeof(TMP_SUFFIX)];
	const char *argv[8] = { k->dropbearkey };
	int rc;

	tmp_path(k, t, tmp, sizeof(tmp));
	if (generate) {
		unlink(tmp); /* dropbearkey refuses to overwrite a file */
		argv[1] = "-t", argv[2] = ssh_key_name(t), argv[3] = "-f", argv[4] = tmp;
	} else {
		argv[1] = "-y", argv[2] = "-f", argv[3] = k->path[t];
	}
	if ((rc = ssh_job_run(&k->job, argv, generate ? SSH_KEYS_NICE : 0, SSH_KEYGEN_TIMEOUT_MS, on_job)) < 0)
		return rc;
	k->job_key = (int)t;
	k->generating = generate;
	log_debug("ssh: dropbearkey %s the %s host key (pid %d)", generate ? "makes" : "checks", ssh_key_label(t),
		  (int)k->job.child.pid);
	return 0;
}

/* The next key to work on, in order. Returns true if a key was marked failed on the way (a change). */
static bool next_job(struct ssh_keys *k)
{
	bool failed = false;

	if (k->job_key >= 0 || !k->running)
		return false;
	for (unsigned t = 0; t < SSH_KEY_COUNT; t++) {
		int rc;

		if (k->fp[t][0] || k->failed[t])
			continue;
		rc = job_start(k, (enum ssh_key_type)t, access(k->path[t], F_OK) < 0);
		if (rc == 0)
			return failed;
		log_warn("ssh: cannot run %s: %s", k->dropbearkey, strerror(-rc));
		k->failed[t] = true;
		failed = true;
	}
	return failed;
}

static void on_job(struct ssh_job *j, int status)
{
	struct ssh_keys *k = container_of(j, struct ssh_keys, job);
	enum ssh_key_type t = (enum ssh_key_type)k->job_key;
	char fp[SSH_FP_MAX_BYTES + 1], how[48], line[160], tmp[PATH_MAX + sizeof(TMP_SUFFIX)];
	uint32_t took_ms = (uint32_t)(loop_now_ms() - j->started_ms);
	bool ok, changed = false;

	k->job_key = -1;
	ssh_status_text(status, how, sizeof(how));
	if (j->timed_out)
		snprintf(how, sizeof(how), "killed after %u ms", SSH_KEYGEN_TIMEOUT_MS);
	ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && ssh_fingerprint_parse(j->out, j->out_len, fp, sizeof(fp)) == 0;
	tmp_path(k, t, tmp, sizeof(tmp));
	if (k->generating) {
		if (ok && rename(tmp, k->path[t]) < 0) {
			snprintf(how, sizeof(how), "rename: %s", strerror(errno));
			ok = false;
		}
		if (ok) {
			memcpy(k->fp[t], fp, sizeof(fp));
			k->made_ms[t] = took_ms;
			log_info("ssh: made the %s host key in %u ms: %s", ssh_key_label(t), took_ms, fp);
		} else {
			unlink(tmp);
			k->failed[t] = true;
			log_warn("ssh: dropbearkey -t %s failed (%s): %s", ssh_key_name(t), how,
				 ssh_job_last_line(j, line, sizeof(line)));
		}
		changed = true;
	} else if (ok) {
		memcpy(k->fp[t], fp, sizeof(fp));
		k->made_ms[t] = 0;
		log_info("ssh: %s host key %s: %s", ssh_key_label(t), k->path[t], fp);
		changed = true;
	} else {
		/* The next job makes it anew: a key dropbearkey cannot read is no key. */
		log_warn("ssh: host key %s unusable (%s: %s); making a new one", k->path[t], how,
			 ssh_job_last_line(j, line, sizeof(line)));
		if (unlink(k->path[t]) < 0 && errno != ENOENT) {
			log_warn("ssh: %s: %s", k->path[t], strerror(errno));
			k->failed[t] = true;
			changed = true;
		}
	}
	changed |= next_job(k);
	if (changed && k->changed)
		k->changed(k);
}

int ssh_keys_start(struct ssh_keys *k, const char *dropbearkey, const char *dir, ssh_keys_cb changed)
{
	if (k->running || !dropbearkey || !dir || strlen(dropbearkey) >= sizeof(k->dropbearkey) ||
	    strlen(dir) + 32 >= sizeof(k->path[0]))
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->job_key = -1;
	k->job.out_fd = -1;
	k->changed = changed;
	snprintf(k->dropbearkey, sizeof(k->dropbearkey), "%s", dropbearkey);
	for (unsigned t = 0; t < SSH_KEY_COUNT; t++)
		snprintf(k->path[t], sizeof(k->path[t]), "%s/dropbear_%s_host_key", dir, ssh_key_name(t));
	k->running = true;
	next_job(k);
	return 0;
}

bool ssh_keys_check(struct ssh_keys *k)
{
	bool any = false, kick = false;

	if (!k->running)
		return false;
	for (unsigned t = 0; t < SSH_KEY_COUNT; t++) {
		if (k->fp[t][0] && access(k->path[t], R_OK) < 0) {
			log_warn("ssh: host key %s is gone (%s); making it again", k->path[t], strerror(errno));
			k->fp[t][0] = '\0';
			kick = true;
		}
		if (k->failed[t]) {
			k->failed[t] = false;
			kick = true;
		}
		any |= k->fp[t][0] != '\0';
	}
	if (kick)
		next_job(k);
	return any;
}

void ssh_keys_stop(struct ssh_keys *k)
{
	char tmp[PATH_MAX + sizeof(TMP_SUFFIX)];

	if (!k->running)
		return;
	if (ssh_job_running(&k->job)) {
		ssh_job_kill(&k->job);
		if (k->generating) {
			tmp_path(k, (enum ssh_key_type)k->job_key, tmp, sizeof(tmp));
			unlink(tmp);
		}
	}
	k->job_key = -1;
	k->running = false;
}
