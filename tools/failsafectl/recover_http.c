/* tools/failsafectl/recover_http.c — failsafectl recover's HTTP client (libcurl): the recovery page's JSON API */
#include "recover_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#define CONNECT_TIMEOUT_MS	5000

struct body {
	char *p;
	size_t len, cap;
};

struct upload {
	int fd;
	off_t off;
	uint64_t size;
	int read_errno;
	rhttp_progress_fn fn;
	void *ctx;
	volatile int *stop;
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct body *b = ctx;
	size_t len = size * n, take = len;

	if (b->len + take > RHTTP_BODY_MAX_BYTES)
		take = RHTTP_BODY_MAX_BYTES - b->len;
	if (b->len + take + 1 > b->cap) {
		size_t cap = (b->len + take + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p)
			return 0;	/* curl fails the transfer: CURLE_WRITE_ERROR */
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, take);
	b->len += take;
	b->p[b->len] = '\0';
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *ctx)
{
	struct upload *u = ctx;
	size_t want = size * n;
	ssize_t got;

	if ((uint64_t)u->off >= u->size)
		return 0;
	if ((uint64_t)u->off + want > u->size)
		want = (size_t)(u->size - (uint64_t)u->off);
	do
		got = pread(u->fd, buf, want, u->off);
	while (got < 0 && errno == EINTR);
	if (got <= 0) {
		u->read_errno = got < 0 ? errno : ENODATA;	/* the file shrank since it was checked */
		return CURL_READFUNC_ABORT;
	}
	u->off += got;
	return (size_t)got;
}

static int on_xfer(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct upload *u = ctx;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	if (u->stop && *u->stop)
		return 1;
	return u->fn ? u->fn(u->ctx, (uint64_t)ulnow, u->size) : 0;
}

int rhttp_init(struct rhttp *h, const char *addr, unsigned port, const char *iface)
{
	memset(h, 0, sizeof(*h));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(h->curl = curl_easy_init())) {
		snprintf(h->error, sizeof(h->error), "cannot start libcurl (out of memory?)");
		return -ENOMEM;
	}
	snprintf(h->base, sizeof(h->base), "http://%s:%u", addr, port);
	snprintf(h->iface, sizeof(h->iface), "%s", iface ? iface : "");
	return 0;
}

void rhttp_free(struct rhttp *h)
{
	if (h->curl) {
		curl_easy_cleanup(h->curl);
		curl_global_cleanup();
	}
	h->curl = NULL;
}

void rhttp_reply_free(struct rhttp_reply *r)
{
	if (r->json)
		json_free(r->json);
	free(r->json);
	r->json = NULL;
}

/* The options every request has; @hdrs is freed by the caller. */
static void common(struct rhttp *h, const char *path, char *errbuf, struct body *b, struct curl_slist **hdrs)
{
	char url[sizeof(h->base) + 64];
	CURL *c = h->curl;

	curl_easy_reset(c);
	snprintf(url, sizeof(url), "%s%s", h->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");		/* a board on the cable is never behind a proxy */
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	if (h->iface[0])
		curl_easy_setopt(c, CURLOPT_INTERFACE, h->iface);
	*hdrs = curl_slist_append(NULL, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
}

static int finish(struct rhttp *h, CURLcode res, const char *errbuf, struct body *b, struct rhttp_reply *r)
{
	int rc = 0;

	r->status = 0;
	r->json = NULL;
	r->text[0] = '\0';
	if (res != CURLE_OK) {
		snprintf(h->error, sizeof(h->error), "%s", errbuf[0] ? errbuf : curl_easy_strerror(res));
		h->error[strcspn(h->error, "\n")] = '\0';
		rc = res == CURLE_COULDNT_CONNECT ? -ECONNREFUSED : res == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT :
		     res == CURLE_ABORTED_BY_CALLBACK ? -EINTR : -EIO;
	} else {
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
		if (b->p) {
			size_t i = 0;

			while (b->p[i] == ' ' || b->p[i] == '\n' || b->p[i] == '\r')
				i++;
			if (b->p[i] == '{' && (r->json = malloc(sizeof(*r->json)))
			    && (json_parse(r->json, b->p + i, b->len - i) || json_type(r->json, 0) != JSON_OBJECT)) {
				json_free(r->json);
				free(r->json);
				r->json = NULL;
			}
			snprintf(r->text, sizeof(r->text), "%s", b->p + i);
			for (char *p = r->text; *p; p++)
				if (*p == '\n' || *p == '\r' || *p == '\t')
					*p = ' ';
		}
		h->error[0] = '\0';
	}
	free(b->p);
	return rc;
}

int rhttp_request(struct rhttp *h, const char *method, const char *path, const char *form, long timeout_ms,
		  volatile int *stop, struct rhttp_reply *r)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct body b = { 0 };
	struct upload u = { .stop = stop };
	struct curl_slist *hdrs = NULL;
	CURLcode res;

	common(h, path, errbuf, &b, &hdrs);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	if (!strcmp(method, "POST")) {
		curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, form ? form : "");
	} else {
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION, on_xfer);
	curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, &u);
	res = curl_easy_perform(h->curl);
	curl_slist_free_all(hdrs);
	return finish(h, res, errbuf, &b, r);
}

int rhttp_upload(struct rhttp *h, const char *path, int fd, uint64_t size, long stall_s, rhttp_progress_fn fn,
		 void *ctx, struct rhttp_reply *r)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct body b = { 0 };
	struct upload u = { .fd = fd, .size = size, .fn = fn, .ctx = ctx };
	struct curl_slist *hdrs = NULL;
	CURLcode res;
	int rc;

	common(h, path, errbuf, &b, &hdrs);
	curl_easy_setopt(h->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
	curl_easy_setopt(h->curl, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(h->curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION, on_xfer);
	curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, &u);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_TIME, stall_s);
	res = curl_easy_perform(h->curl);
	curl_slist_free_all(hdrs);
	rc = finish(h, res, errbuf, &b, r);
	if (rc && u.read_errno) {
		snprintf(h->error, sizeof(h->error), "reading the image at byte %lld: %s", (long long)u.off,
			 u.read_errno == ENODATA ? "the file is shorter than when it was checked" :
			 strerror(u.read_errno));
		rc = -EIO;	/* not the caller's stop */
	}
	return rc;
}

struct rjv rhttp_root(const struct rhttp_reply *r)
{
	return (struct rjv){ r->json, r->json ? 0 : -1 };
}

struct rjv rhttp_get(struct rjv o, const char *path)
{
	char key[64];

	while (o.doc && o.v >= 0 && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key))
			return (struct rjv){ NULL, -1 };
		memcpy(key, path, n);
		key[n] = '\0';
		o.v = json_get(o.doc, o.v, key);
		path += n + (path[n] == '.');
	}
	return o.doc && o.v >= 0 ? o : (struct rjv){ NULL, -1 };
}

const char *rhttp_str(struct rjv o, const char *path, const char *def)
{
	struct rjv v = rhttp_get(o, path);

	return v.doc ? json_str_or(v.doc, v.v, def) : def;
}

int64_t rhttp_int(struct rjv o, const char *path, int64_t def)
{
	struct rjv v = rhttp_get(o, path);
	int64_t n;

	return v.doc && json_int(v.doc, v.v, &n) ? n : def;
}

bool rhttp_bool(struct rjv o, const char *path, bool def)
{
	struct rjv v = rhttp_get(o, path);
	bool b;

	return v.doc && json_bool(v.doc, v.v, &b) ? b : def;
}
