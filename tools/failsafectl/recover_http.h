/* tools/failsafectl/recover_http.h — failsafectl recover's HTTP client (libcurl): the recovery page's JSON API */
#ifndef TOOLS_FAILSAFECTL_RECOVER_HTTP_H
#define TOOLS_FAILSAFECTL_RECOVER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

#define RHTTP_ERROR_BYTES	256
#define RHTTP_BODY_MAX_BYTES	(1024 * 1024)	/* a longer answer is cut (the page's JSON is a few KiB) */

struct rhttp {
	void *curl;				/* CURL * */
	char base[96];				/* "http://192.168.1.1:80" */
	char iface[64];				/* CURLOPT_INTERFACE ("if!pc0", "host!192.168.1.2"), "" for none */
	char error[RHTTP_ERROR_BYTES];		/* why the last request failed, one line */
};

struct rhttp_reply {
	long status;				/* HTTP status; 0 when no answer arrived */
	struct json_doc *json;			/* the body when it is a JSON object, else NULL */
	char text[256];				/* the body's start on one line, for messages */
};

/* Called while uploading, at least once a second; non-zero stops the upload. */
typedef int (*rhttp_progress_fn)(void *ctx, uint64_t sent_bytes, uint64_t total_bytes);

/*
 * rhttp_init - a client for http://@addr:@port, its requests leaving
 * through @iface (CURLOPT_INTERFACE form, NULL: the routing table
 * decides). 0, or -ENOMEM with h->error set.
 */
int rhttp_init(struct rhttp *h, const char *addr, unsigned port, const char *iface);
void rhttp_free(struct rhttp *h);
void rhttp_reply_free(struct rhttp_reply *r);

/*
 * rhttp_request - @method ("GET", "POST") @path with @form as an
 * application/x-www-form-urlencoded body (NULL: none), Accept:
 * application/json, within @timeout_ms. 0 with *@r filled (any status),
 * or with h->error set: -ECONNREFUSED (nothing listens, or no route),
 * -ETIMEDOUT, -EINTR (@stop became non-zero), -EIO (anything else).
 */
int rhttp_request(struct rhttp *h, const char *method, const char *path, const char *form, long timeout_ms,
		  volatile int *stop, struct rhttp_reply *r);

/*
 * rhttp_upload - PUT @path with the @size bytes of @fd from offset 0 as the
 * body, read in steps as they are sent (never held whole). @fn (may be
 * NULL) follows the bytes sent and can stop it. Gives up when nothing
 * moves for @stall_s seconds. Returns as rhttp_request(); -EINTR when @fn
 * stopped it, -EIO when the file could not be read (h->error says so).
 */
int rhttp_upload(struct rhttp *h, const char *path, int fd, uint64_t size, long stall_s, rhttp_progress_fn fn,
		 void *ctx, struct rhttp_reply *r);

/* A value of a reply's JSON: its document and index there (json.h); .v -1 (or .doc NULL) is none. */
struct rjv {
	const struct json_doc *doc;
	int v;
};

/* The reply's JSON object, or none. */
struct rjv rhttp_root(const struct rhttp_reply *r);
/* A value in a JSON object by a dotted path ("board.compatible"), or none / the default. */
struct rjv rhttp_get(struct rjv o, const char *path);
const char *rhttp_str(struct rjv o, const char *path, const char *def);
int64_t rhttp_int(struct rjv o, const char *path, int64_t def);
bool rhttp_bool(struct rjv o, const char *path, bool def);

#endif /* TOOLS_FAILSAFECTL_RECOVER_HTTP_H */
