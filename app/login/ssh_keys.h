/* app/login/ssh_keys.h — SSH host keys: made or checked by dropbearkey as loop children, in tmpfs, fingerprinted */
#ifndef APP_SSH_KEYS_H
#define APP_SSH_KEYS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"
#include "ssh_job.h"
#include "ssh_policy.h"

#define SSH_KEYGEN_TIMEOUT_MS 120000u  /* RSA on a slow router takes seconds; a hung dropbearkey is killed */
#define SSH_KEYS_NICE 10               /* key making must not slow the shells down */

struct ssh_keys;
/* Something changed: a key became ready or went away, or a job failed. */
typedef void (*ssh_keys_cb)(struct ssh_keys *k);

/* Caller-owned, zeroed or stopped before start; read path[], fp[] and made_ms[], the rest is private. */
struct ssh_keys {
	char dropbearkey[PATH_MAX];
	char path[SSH_KEY_COUNT][PATH_MAX];          /* <dir>/dropbear_<type>_host_key */
	char fp[SSH_KEY_COUNT][SSH_FP_MAX_BYTES + 1];/* "" while not ready */
	bool failed[SSH_KEY_COUNT];                  /* the last try failed: tried again by ssh_keys_check() */
	uint32_t made_ms[SSH_KEY_COUNT];             /* how long making the key took; 0: found, not made */
	int job_key;                                 /* the key type worked on, -1 none */
	bool generating;                             /* the job makes a key (else -y checks an existing one) */
	struct ssh_job job;
	ssh_keys_cb changed;
	bool running;
};

/*
 * Start making the keys that dir lacks (ed25519 first, then RSA) and
 * checking those it has (dropbearkey -y: a broken one is made anew), one
 * dropbearkey at a time as a loop child, niced, never blocking. dir must
 * exist. changed() runs from the loop after each job that changed
 * something. 0 or -EINVAL.
 */
int ssh_keys_start(struct ssh_keys *k, const char *dropbearkey, const char *dir, ssh_keys_cb changed);

/* Whether key t is ready (made or checked, fingerprint known). */
bool ssh_keys_ready(const struct ssh_keys *k, enum ssh_key_type t);
/* A job is running: keys may still come. */
bool ssh_keys_busy(const struct ssh_keys *k);

/*
 * Before serving a connection: a ready key whose file is gone is made
 * again, and keys whose last try failed are tried again (the caller
 * reacts as to changed()). Returns true if some key is ready now.
 */
bool ssh_keys_check(struct ssh_keys *k);

/* Kill and reap a running job. Safe when not running. */
void ssh_keys_stop(struct ssh_keys *k);

#endif /* APP_SSH_KEYS_H */
