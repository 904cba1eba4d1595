/* app/web/recovery_view.c — what the recovery page shows, as JSON for scripts and as one HTML page for browsers (pure) */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "recovery_view.h"

static const char *kind_name(enum fwimage_kind k)
{
	return k == FWIMAGE_ACCEPT ? "accept" : k == FWIMAGE_INVALID ? "invalid" : "broken";
}

/* "OpenWrt 23.05.3 r23809-234f1a2efa", from whatever fields the image has. */
static void image_version(const struct fwimage_info *i, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s%s", i->version.dist, i->version.dist[0] && i->version.version[0] ? " " : "",
		 i->version.version, i->version.revision[0] ? " " : "", i->version.revision);
}

static bool flashable(const struct recovery_view *v)
{
	return v->state->phase == RECOVERY_STAGED && v->state->staged_file;
}

/* ---- JSON ---- */

/* One word of s after blanks, at most size - 1 bytes, into out: what follows it, or NULL. */
static const char *lease_word(const char *s, char *out, size_t size)
{
	size_t n;

	s += strspn(s, " \t");
	n = strcspn(s, " \t\n");
	if (!n || n >= size)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\0';
	return s + n;
}

/* A lease line, "ADDRESS MAC NAME SECONDS_LEFT" (NAME "-" for none), into its fields; false if it is not one. No
 * sscanf: musl's scanf is 5 KB of a static failsafed (docs/performance.md). */
static bool lease_fields(const char *line, char addr[16], char mac[18], char name[40], unsigned long long *left)
{
	const char *s;

	if (!(s = lease_word(line, addr, 16)) || !(s = lease_word(s, mac, 18)) || !(s = lease_word(s, name, 40)))
		return false;
	s += strspn(s, " \t");
	if (!isdigit((unsigned char)*s))
		return false;
	*left = strtoull(s, NULL, 10);
	return true;
}

/* "dhcp": {"state": "...", "leases": [{"address", "mac", "name", "seconds_left"}], "leased": N} */
static void dhcp_json(const struct recovery_view *v, struct json_out *o)
{
	json_open(o, "dhcp", '{');
	json_put_str(o, "state", v->dhcp);
	json_open(o, "leases", '[');
	for (unsigned i = 0; i < v->n_leases; i++) {
		char addr[16], mac[18], name[40];
		unsigned long long left;

		if (!lease_fields(v->leases[i], addr, mac, name, &left))
			continue;
		json_open(o, NULL, '{');
		json_put_str(o, "address", addr);
		json_put_str(o, "mac", mac);
		json_put_str(o, "name", strcmp(name, "-") ? name : "");
		json_put_int(o, "seconds_left", (int64_t)left);
		json_close(o, '}');
	}
	json_close(o, ']');
	json_put_int(o, "leased", v->leases_total);
	json_close(o, '}');
}

static void image_json(const struct recovery_view *v, struct json_out *o)
{
	const struct fwimage_info *i = v->info;
	char hex[FWIMAGE_SHA256_HEX_BYTES], ver[3 * FWIMAGE_FIELD_BYTES];

	json_open(o, "image", '{');
	json_put_int(o, "bytes", (int64_t)i->total_bytes);
	json_put_int(o, "payload_bytes", (int64_t)i->payload_bytes);
	image_version(i, ver, sizeof(ver));
	json_put_str(o, "version", ver);
	json_put_str(o, "compat_version", i->has_metadata ? i->compat_version : "");
	json_open(o, "boards", '[');
	for (unsigned d = 0; d < i->n_devices; d++)
		json_put_str(o, NULL, i->devices[d]);
	json_close(o, ']');
	fwimage_sha256_hex(i->payload_sha256, hex);
	json_put_str(o, "sha256", hex);
	fwimage_sha256_hex(i->image_sha256, hex);
	json_put_str(o, "image_sha256", hex);
	json_put_bool(o, "has_metadata", i->has_metadata);
	json_put_str(o, "verdict", kind_name(v->verdict->kind));
	json_put_str(o, "reason", v->verdict->reason);
	json_open(o, "checks", '[');
	for (int c = 0; c < FWIMAGE_CHECKS; c++) {
		json_open(o, NULL, '{');
		json_put_str(o, "name", v->checks[c].name);
		json_put_str(o, "state", fwimage_check_state_name(v->checks[c].state));
		json_put_str(o, "detail", v->checks[c].detail);
		json_close(o, '}');
	}
	json_close(o, ']');
	json_put_bool(o, "flashable", flashable(v) && v->verdict->kind == FWIMAGE_ACCEPT);
	json_put_bool(o, "needs_force", flashable(v) && v->verdict->kind == FWIMAGE_INVALID);
	json_close(o, '}');
}

char *recovery_view_json(const struct recovery_view *v)
{
	struct json_out o = { 0 };

	json_open(&o, NULL, '{');
	json_open(&o, "board", '{');
	json_put_str(&o, "name", v->board);
	json_put_str(&o, "model", v->model);
	json_put_str(&o, "compatible", v->compatible);
	json_close(&o, '}');
	json_put_str(&o, "failsafed", v->failsafed_version);
	json_put_str(&o, "firmware", v->firmware);
	json_put_str(&o, "rootfs_data", v->rootfs_data);
	if (v->dhcp)
		dhcp_json(v, &o);
	json_put_str(&o, "phase", recovery_phase_name(v->state->phase));
	json_open(&o, "upload", '{');
	json_put_int(&o, "received", (int64_t)v->received_bytes);
	json_put_int(&o, "expected", (int64_t)v->expected_bytes);
	json_put_int(&o, "cap", (int64_t)v->cap_bytes);
	json_close(&o, '}');
	if (v->info)
		image_json(v, &o);
	else
		json_put_null(&o, "image");
	if (v->step) {
		json_open(&o, "step", '{');
		json_put_str(&o, "name", v->step);
		json_put_int(&o, "done", (int64_t)v->step_done);
		json_put_int(&o, "total", (int64_t)v->step_total);
		json_close(&o, '}');
	} else {
		json_put_null(&o, "step");
	}
	json_open(&o, "log", '[');
	for (const char *line = v->log; line && *line;) {
		size_t n = strcspn(line, "\n");

		json_put_strn(&o, NULL, line, n);
		line += n + (line[n] == '\n');
	}
	json_close(&o, ']');
	json_put_int(&o, "exit_code", v->state->last_exit_code);
	json_put_str(&o, "message", v->message);
	json_close(&o, '}');
	return json_out_take(&o, NULL);
}

/* ---- HTML ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put_n(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (b->len + n + 1 > cap)
			cap *= 2;
		if (!(p = realloc(b->p, cap))) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void put(struct sbuf *b, const char *s)
{
	put_n(b, s, strlen(s));
}

static void putf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put_n(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Text from outside (metadata, logs) as HTML text or attribute value. */
static void put_esc(struct sbuf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': put(b, "&amp;"); break;
		case '<': put(b, "&lt;"); break;
		case '>': put(b, "&gt;"); break;
		case '"': put(b, "&quot;"); break;
		case '\'': put(b, "&#39;"); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				put(b, "?");
			else
				put_n(b, s, 1);
		}
	}
}

/* Rows of the board table: what DHCP does, and who has an address from it (escaped: names come from clients). */
static void dhcp_rows(struct sbuf *b, const struct recovery_view *v)
{
	put(b, "<tr><th>Addresses (DHCP)</th><td id=\"dhcp\">");
	put_esc(b, v->dhcp);
	put(b, "</td></tr>\n");
	if (!v->leases_total)
		return;
	put(b, "<tr><th>Computers here</th><td><table id=\"leases\">");
	for (unsigned i = 0; i < v->n_leases; i++) {
		char addr[16], mac[18], name[40];
		unsigned long long left;

		if (!lease_fields(v->leases[i], addr, mac, name, &left))
			continue;
		put(b, "<tr><td>");
		put_esc(b, addr);
		put(b, "</td><td>");
		put_esc(b, strcmp(name, "-") ? name : "");
		put(b, "</td><td>");
		put_esc(b, mac);
		putf(b, "</td><td class=\"note\">%llu s left</td></tr>", left);
	}
	put(b, "</table>");
	if (v->leases_total > v->n_leases)
		putf(b, "and %u more", v->leases_total - v->n_leases);
	put(b, "</td></tr>\n");
}

static void mib(char *buf, size_t n, uint64_t bytes)
{
	snprintf(buf, n, "%.1f MiB", (double)bytes / 1048576.0);
}

static void progress_bar(struct sbuf *b, const char *id, const char *label, uint64_t done, uint64_t total)
{
	char d[32], t[32];

	mib(d, sizeof(d), done);
	mib(t, sizeof(t), total);
	putf(b, "<p>%s: <progress id=\"%s\" max=\"%llu\" value=\"%llu\"></progress> <span id=\"%s-text\">%s of %s"
	     "</span></p>\n", label, id, (unsigned long long)(total ? total : 1), (unsigned long long)done, id, d, t);
}

static void image_section(struct sbuf *b, const struct recovery_view *v)
{
	const struct fwimage_info *i = v->info;
	char hex[FWIMAGE_SHA256_HEX_BYTES], ver[3 * FWIMAGE_FIELD_BYTES], size[32];

	image_version(i, ver, sizeof(ver));
	mib(size, sizeof(size), i->total_bytes);
	put(b, "<h2>The uploaded image</h2>\n<table id=\"image\">\n");
	putf(b, "<tr><th>Size</th><td>%llu bytes (%s)</td></tr>\n", (unsigned long long)i->total_bytes, size);
	put(b, "<tr><th>Version</th><td>");
	put_esc(b, ver[0] ? ver : "(not given)");
	put(b, "</td></tr>\n<tr><th>Boards</th><td>");
	for (unsigned d = 0; d < i->n_devices; d++) {
		put(b, d ? ", " : "");
		put_esc(b, i->devices[d]);
	}
	if (!i->n_devices)
		put(b, "(none listed)");
	fwimage_sha256_hex(i->payload_sha256, hex);
	putf(b, "</td></tr>\n<tr><th>SHA-256</th><td><code id=\"sha256\">%s</code></td></tr>\n</table>\n", hex);
	put(b, "<table id=\"checks\">\n<tr><th>Check</th><th>Result</th><th>Detail</th></tr>\n");
	for (int c = 0; c < FWIMAGE_CHECKS; c++) {
		putf(b, "<tr class=\"%s\"><td>%s</td><td>%s</td><td>", v->checks[c].state == FWIMAGE_CHECK_FAILED ?
		     "bad" : v->checks[c].state == FWIMAGE_CHECK_OK ? "good" : "other", v->checks[c].name,
		     fwimage_check_state_name(v->checks[c].state));
		put_esc(b, v->checks[c].detail);
		put(b, "</td></tr>\n");
	}
	put(b, "</table>\n<p id=\"verdict\" class=\"");
	put(b, v->verdict->kind == FWIMAGE_ACCEPT ? "good\">Verdict: the image is good for this board." :
	       v->verdict->kind == FWIMAGE_INVALID ? "bad\">Verdict: refused, but forceable: " :
	       "bad\">Verdict: refused: ");
	if (v->verdict->kind != FWIMAGE_ACCEPT)
		put_esc(b, v->verdict->reason);
	put(b, "</p>\n");
}

static void forms(struct sbuf *b, const struct recovery_view *v)
{
	enum recovery_phase p = v->state->phase;
	bool idle = p == RECOVERY_IDLE || p == RECOVERY_STAGED || p == RECOVERY_DONE || p == RECOVERY_FAILED;

	if (flashable(v) && v->verdict) {
		put(b, "<form id=\"flash\" method=\"post\" action=\"/flash\">\n<h2>Step 2: flash it</h2>\n"
		       "<p><input type=\"hidden\" name=\"keep\" value=\"0\"><label><input type=\"checkbox\" name=\"keep\" "
		       "value=\"1\" checked> keep the settings</label></p>\n");
		if (v->verdict->kind == FWIMAGE_INVALID) {
			put(b, "<p><label><input type=\"checkbox\" name=\"force\" value=\"1\"> force: flash although it is "
			       "not made for this board</label></p>\n");
			if (!v->info->has_metadata)
				put(b, "<p><label>its SHA-256 (required to force an image without metadata): <input "
				       "name=\"sha256\" size=\"64\"></label></p>\n");
		}
		put(b, "<p><button type=\"submit\" id=\"flash-button\">Flash this image</button> "
		       "<button type=\"submit\" formaction=\"/discard\">Discard it</button></p>\n</form>\n");
	}
	if (idle) {
		putf(b, "<form id=\"upload\" method=\"post\" action=\"/upload\" enctype=\"multipart/form-data\">\n"
		     "<h2>%s: upload the firmware</h2>\n<p><input type=\"file\" name=\"firmware\" id=\"file\" required> "
		     "<button type=\"submit\" id=\"upload-button\">Upload and check</button></p>\n"
		     "<p class=\"note\">Nothing is written yet: the image is held in RAM and checked first "
		     "(at most %llu bytes).</p>\n</form>\n",
		     flashable(v) ? "Or" : "Step 1", (unsigned long long)v->cap_bytes);
		put(b, "<h2>Other</h2>\n<p><a href=\"/config.tgz\" id=\"config\">Download the settings (config "
		       "archive)</a></p>\n<form method=\"post\" action=\"/firstboot\" onsubmit=\"return confirm('Erase all "
		       "settings and installed packages?')\"><button type=\"submit\" id=\"firstboot\">Factory reset "
		       "(firstboot)</button></form>\n<form method=\"post\" action=\"/reboot\"><button type=\"submit\" "
		       "id=\"reboot\">Reboot</button></form>\n");
	}
}

char *recovery_view_html(const struct recovery_view *v, const char *script_url)
{
	static const char *const heading[] = {
		[RECOVERY_IDLE] = "Waiting for a firmware image",
		[RECOVERY_RECEIVING] = "Receiving an image",
		[RECOVERY_STAGED] = "Image received and checked",
		[RECOVERY_WRITING] = "Writing the firmware: do not power off",
		[RECOVERY_DONE] = "Upgrade completed",
		[RECOVERY_FAILED] = "The upgrade failed",
		[RECOVERY_RESETTING] = "Factory reset running",
		[RECOVERY_REBOOTING] = "Rebooting",
	};
	enum recovery_phase p = v->state->phase;
	bool running = p == RECOVERY_RECEIVING || p == RECOVERY_WRITING || p == RECOVERY_RESETTING;
	struct sbuf b = { 0 };

	put(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
	if (running)
		put(&b, "<meta http-equiv=\"refresh\" content=\"2;url=/\">\n");
	put(&b, "<meta name=\"viewport\" content=\"width=device-width\">\n<link rel=\"icon\" href=\"data:,\">\n"
		"<title>Failsafe recovery: ");
	put_esc(&b, v->board);
	put(&b, "</title>\n<style>body{font-family:sans-serif;max-width:52em;margin:1em auto;padding:0 1em}"
		"th{text-align:left;padding-right:1em}td{padding-right:1em}#checks td:nth-child(2){white-space:nowrap}.good{color:#060}.bad{color:#a00}"
		".other{color:#555}.note{color:#555}progress{width:60%}pre{background:#eee;padding:.5em;"
		"white-space:pre-wrap}</style>\n</head><body>\n<h1>Failsafe recovery</h1>\n<table id=\"board\">\n");
	put(&b, "<tr><th>Board</th><td>");
	put_esc(&b, v->model);
	put(&b, " (");
	put_esc(&b, v->board);
	put(&b, ", ");
	put_esc(&b, v->compatible);
	put(&b, ")</td></tr>\n<tr><th>State</th><td>failsafe</td></tr>\n<tr><th>Firmware</th><td>");
	put_esc(&b, v->firmware && v->firmware[0] ? v->firmware : "(unknown)");
	put(&b, "</td></tr>\n<tr><th>Settings (rootfs_data)</th><td>");
	put_esc(&b, v->rootfs_data);
	put(&b, "</td></tr>\n");
	if (v->dhcp)
		dhcp_rows(&b, v);
	put(&b, "</table>\n");
	putf(&b, "<h2 id=\"phase\" data-phase=\"%s\">%s</h2>\n", recovery_phase_name(p),
	     p == RECOVERY_STAGED && !v->state->staged_file ? "Image refused" :
	     (unsigned)p < RECOVERY_PHASE_COUNT ? heading[p] : "?");
	if (v->message && v->message[0]) {
		put(&b, "<p id=\"message\">");
		put_esc(&b, v->message);
		put(&b, "</p>\n");
	}
	if (p == RECOVERY_RECEIVING)
		progress_bar(&b, "upload-progress", "Received", v->received_bytes, v->expected_bytes);
	if (v->step && (p == RECOVERY_WRITING || p == RECOVERY_DONE || p == RECOVERY_FAILED))
		progress_bar(&b, "step-progress", v->step, v->step_done, v->step_total);
	else if (p == RECOVERY_WRITING && v->info)
		progress_bar(&b, "step-progress", "starting", 0, v->info->payload_bytes);
	if (p == RECOVERY_DONE)
		put(&b, "<p class=\"good\" id=\"result\">The new firmware is written and verified. Reboot to start it.</p>\n");
	if (p == RECOVERY_FAILED)
		putf(&b, "<p class=\"bad\" id=\"result\">sysupgrade ended with exit code %d; see its output below.</p>\n",
		     v->state->last_exit_code);
	if (v->info && v->verdict && v->checks)
		image_section(&b, v);
	forms(&b, v);
	if (v->log && v->log[0]) {
		put(&b, "<h2>Output</h2>\n<pre id=\"log\">");
		put_esc(&b, v->log);
		put(&b, "</pre>\n");
	}
	putf(&b, "<p class=\"note\">failsafed %s. The same from a script: <code>curl -T fw.bin http://ADDRESS/upload</code>"
	     ", then <code>curl -X POST http://ADDRESS/flash</code> (<code>-d keep=0</code>: reset the settings); <code>-H 'Accept: application/json'</code> "
	     "for JSON.</p>\n", v->failsafed_version ? v->failsafed_version : "");
	if (script_url)
		putf(&b, "<script src=\"%s\"></script>\n", script_url);
	put(&b, "</body></html>\n");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
