/* app/image/fwimage.c — OpenWrt fwtool images: the problems, the check policy after OpenWrt's, SHA-256 text (pure) */
#include "fwimage.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"

static const struct {
	const char *name;
	int exit_code;
	enum fwimage_kind kind;
} problems[FWIMAGE_P_COUNT] = {
	[FWIMAGE_P_NONE]                     = { "ok", 0, FWIMAGE_ACCEPT },
	[FWIMAGE_P_EMPTY]                    = { "empty", 10, FWIMAGE_BROKEN },
	[FWIMAGE_P_TRUNCATED]                = { "truncated", 11, FWIMAGE_BROKEN },
	[FWIMAGE_P_BAD_MAGIC]                = { "bad-magic", 12, FWIMAGE_BROKEN },
	[FWIMAGE_P_BAD_CRC]                  = { "bad-crc", 13, FWIMAGE_BROKEN },
	[FWIMAGE_P_BAD_TRAILER]              = { "bad-trailer", 14, FWIMAGE_BROKEN },
	[FWIMAGE_P_BAD_SIZE]                 = { "bad-size", 15, FWIMAGE_BROKEN },
	[FWIMAGE_P_METADATA_TOO_LARGE]       = { "metadata-too-large", 16, FWIMAGE_BROKEN },
	[FWIMAGE_P_SIGNATURE_TOO_LARGE]      = { "signature-too-large", 17, FWIMAGE_BROKEN },
	[FWIMAGE_P_TOO_MANY_CHUNKS]          = { "too-many-chunks", 18, FWIMAGE_BROKEN },
	[FWIMAGE_P_ORPHAN_SIGNATURE]         = { "orphan-signature", 19, FWIMAGE_BROKEN },
	[FWIMAGE_P_BAD_HEADER]               = { "bad-header", 20, FWIMAGE_BROKEN },
	[FWIMAGE_P_BAD_JSON]                 = { "bad-json", 21, FWIMAGE_BROKEN },
	[FWIMAGE_P_BAD_DEVICES]              = { "bad-devices", 22, FWIMAGE_BROKEN },
	[FWIMAGE_P_BAD_KEY]                  = { "bad-key", 23, FWIMAGE_BROKEN },
	[FWIMAGE_P_SHA256_MISMATCH]          = { "sha256-mismatch", 24, FWIMAGE_BROKEN },
	[FWIMAGE_P_EXPECTED_SHA256_MISMATCH] = { "expected-sha256-mismatch", 25, FWIMAGE_BROKEN },
	[FWIMAGE_P_UNFIT]                    = { "unfit", 26, FWIMAGE_BROKEN },
	[FWIMAGE_P_NO_METADATA]              = { "no-metadata", 30, FWIMAGE_INVALID },
	[FWIMAGE_P_FORCE_NEEDS_SHA256]       = { "force-needs-sha256", 31, FWIMAGE_INVALID },
	[FWIMAGE_P_WRONG_BOARD]              = { "wrong-board", 32, FWIMAGE_INVALID },
	[FWIMAGE_P_COMPAT_MAJOR]             = { "compat-major", 33, FWIMAGE_INVALID },
	[FWIMAGE_P_COMPAT_MINOR]             = { "compat-minor", 34, FWIMAGE_INVALID },
	[FWIMAGE_P_BAD_TAR]                  = { "bad-tar", 27, FWIMAGE_BROKEN },
	[FWIMAGE_P_BAD_GZIP]                 = { "bad-gzip", 28, FWIMAGE_BROKEN },
	[FWIMAGE_P_BAD_FIT]                  = { "bad-fit", 29, FWIMAGE_BROKEN },
	[FWIMAGE_P_BAD_UBI]                  = { "bad-ubi", 50, FWIMAGE_BROKEN },
	[FWIMAGE_P_TAR_OTHER_BOARD]          = { "tar-other-board", 35, FWIMAGE_INVALID },
};

const char *fwimage_problem_name(enum fwimage_problem p)
{
	return (unsigned)p < FWIMAGE_P_COUNT ? problems[p].name : "?";
}

int fwimage_problem_exit_code(enum fwimage_problem p)
{
	return (unsigned)p < FWIMAGE_P_COUNT ? problems[p].exit_code : 1;
}

enum fwimage_kind fwimage_problem_kind(enum fwimage_problem p)
{
	return (unsigned)p < FWIMAGE_P_COUNT ? problems[p].kind : FWIMAGE_BROKEN;
}


static bool listed(const struct fwimage_info *info, const char *name)
{
	if (!name || !*name)
		return false;
	for (unsigned i = 0; i < info->n_devices; i++)
		if (!strcmp(info->devices[i], name))
			return true;
	return false;
}

/* As fwtool.sh's ${v%.*}: everything before the last dot, or all of it. */
static bool same_major(const char *a, const char *b)
{
	const char *da = strrchr(a, '.'), *db = strrchr(b, '.');
	size_t la = da ? (size_t)(da - a) : strlen(a), lb = db ? (size_t)(db - b) : strlen(b);

	return la == lb && !memcmp(a, b, la);
}

/* Metadata strings in a reason: control bytes become '?', so the reason stays one line. */
static const char *clean(char *buf, size_t n, const char *s)
{
	size_t i = 0;

	for (; s[i] && i + 1 < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

/* "a b c", cut to fit with "(+N more)" for names not shown or not kept. */
static void device_list(const struct fwimage_info *info, char *buf, size_t n)
{
	size_t used = 0, room = n - 20;   /* n > 20: "(+NNNN more)" always fits */
	unsigned shown = 0;
	char name[FWIMAGE_NAME_BYTES];

	buf[0] = '\0';
	for (; shown < info->n_devices; shown++) {
		if (used + strlen(info->devices[shown]) + 1 >= room)
			break;
		used += (size_t)snprintf(buf + used, n - used, "%s%s", shown ? " " : "",
					 clean(name, sizeof(name), info->devices[shown]));
	}
	if (!info->n_devices && !info->n_devices_skipped)
		snprintf(buf, n, "(none)");
	else if (shown < info->n_devices || info->n_devices_skipped)
		snprintf(buf + used, n - used, "%s(+%u more)", used ? " " : "",
			 info->n_devices - shown + info->n_devices_skipped);
}

static const char *device_compat(const struct fwimage_expect *e)
{
	return e->compat_version && *e->compat_version ? e->compat_version : "1.0";
}

/* A walked sysupgrade tar whose directory is neither name's, in either spelling (nand_do_platform_check). */
static bool tar_other_board(const struct fwimage_info *info, const struct fwimage_expect *e)
{
	return info->payload.format == PAYLOAD_SYSUPGRADE_TAR && info->payload.walked &&
	       !payload_dir_matches(info->payload.dir, e->compatible) &&
	       !payload_dir_matches(info->payload.dir, e->board_name);
}

/* The first problem, in the order of the policy (broken before forceable). */
static enum fwimage_problem decide(const struct fwimage_info *info, const struct fwimage_expect *e)
{
	const char *dev = device_compat(e);

	if (info->problem)
		return info->problem;
	if (info->has_meta_sha256 && memcmp(info->meta_sha256, info->payload_sha256, FWIMAGE_SHA256_BYTES))
		return FWIMAGE_P_SHA256_MISMATCH;
	if (e->has_sha256 && memcmp(e->sha256, info->payload_sha256, FWIMAGE_SHA256_BYTES)
	    && memcmp(e->sha256, info->image_sha256, FWIMAGE_SHA256_BYTES))
		return FWIMAGE_P_EXPECTED_SHA256_MISMATCH;
	if (e->unfit)
		return FWIMAGE_P_UNFIT;
	if (!info->has_metadata)
		return e->force && !e->has_sha256 ? FWIMAGE_P_FORCE_NEEDS_SHA256 : FWIMAGE_P_NO_METADATA;
	if (!listed(info, e->compatible) && !listed(info, e->board_name))
		return FWIMAGE_P_WRONG_BOARD;
	if (tar_other_board(info, e))
		return FWIMAGE_P_TAR_OTHER_BOARD;
	if (!same_major(dev, info->compat_version))
		return FWIMAGE_P_COMPAT_MAJOR;
	if (strcmp(dev, info->compat_version) && e->keep_settings)
		return FWIMAGE_P_COMPAT_MINOR;
	return FWIMAGE_P_NONE;
}

/* The one-line reason for p (the reader's own reason for its problems). */
static void describe(enum fwimage_problem p, const struct fwimage_info *info, const struct fwimage_expect *e,
		     char *buf, size_t n)
{
	char list[160], msg[96], a[FWIMAGE_SHA256_HEX_BYTES], b[FWIMAGE_SHA256_HEX_BYTES],
	     c[FWIMAGE_SHA256_HEX_BYTES], f1[32], f2[32];
	const char *sep;

	clean(msg, sizeof(msg), info->compat_message);
	sep = *msg ? ": " : "";
	fwimage_sha256_hex(info->payload_sha256, a);
	fwimage_sha256_hex(info->meta_sha256, b);
	fwimage_sha256_hex(info->image_sha256, c);
	switch (p) {
	case FWIMAGE_P_NONE:
		snprintf(buf, n, "%s %s %s for %s, payload %llu bytes, sha256 %s",
			 clean(f1, sizeof(f1), info->version.dist), clean(f2, sizeof(f2), info->version.version),
			 clean(list, 32, info->version.revision),
			 listed(info, e->compatible) ? e->compatible : e->board_name,
			 (unsigned long long)info->payload_bytes, a);
		break;
	case FWIMAGE_P_SHA256_MISMATCH:
		snprintf(buf, n, "payload sha256 %s differs from the metadata's %s", a, b);
		break;
	case FWIMAGE_P_EXPECTED_SHA256_MISMATCH:
		fwimage_sha256_hex(e->sha256, b);
		snprintf(buf, n, "sha256 is not the expected %s: payload %s, whole image %s", b, a, c);
		break;
	case FWIMAGE_P_UNFIT:
		snprintf(buf, n, "%s", e->unfit);
		break;
	case FWIMAGE_P_NO_METADATA:
		snprintf(buf, n, "no metadata at the end of the image (not an OpenWrt sysupgrade image?)%s",
			 e->force ? "; its sha256 is the expected one" : "; -F with --sha256 overrides");
		break;
	case FWIMAGE_P_FORCE_NEEDS_SHA256:
		snprintf(buf, n, "no metadata, so nothing vouches for the image: -F needs --sha256 too");
		break;
	case FWIMAGE_P_WRONG_BOARD:
		device_list(info, list, sizeof(list));
		snprintf(buf, n, "board %s (%s) is not supported by this image, which supports: %s",
			 e->board_name ? e->board_name : "?", e->compatible ? e->compatible : "?", list);
		break;
	case FWIMAGE_P_COMPAT_MAJOR:
		snprintf(buf, n, "image compat_version %s is incompatible with the device's %s%s%s",
			 info->compat_version, device_compat(e), sep, msg);
		break;
	case FWIMAGE_P_COMPAT_MINOR:
		snprintf(buf, n, "image compat_version %s differs from the device's %s: settings cannot be kept,"
			 " use -n%s%s", info->compat_version, device_compat(e), sep, msg);
		break;
	case FWIMAGE_P_TAR_OTHER_BOARD:
		snprintf(buf, n, "the tar's %s/ is for another board than %s (%s): OpenWrt takes the first "
			 "sysupgrade-*/ directory", info->payload.dir, e->board_name ? e->board_name : "?",
			 e->compatible ? e->compatible : "?");
		break;
	default:
		snprintf(buf, n, "%s", info->reason);
		break;
	}
}

int fwimage_check(const struct fwimage_info *info, const struct fwimage_expect *e,
		  struct fwimage_verdict *v)
{
	static const char forced[] = "forced: ";
	size_t off;

	memset(v, 0, sizeof(*v));
	if (!info->complete) {
		/* Never ACCEPT (zero) by omission: an image the reader did not finish is not written. */
		v->kind = FWIMAGE_BROKEN;
		v->problem = FWIMAGE_P_TRUNCATED;
		v->exit_code = fwimage_problem_exit_code(v->problem);
		snprintf(v->reason, sizeof(v->reason), "the image was not read to its end (out of memory?)");
		return -EINVAL;
	}
	v->problem = decide(info, e);
	v->kind = fwimage_problem_kind(v->problem);
	if (v->kind == FWIMAGE_INVALID && e->force && v->problem != FWIMAGE_P_FORCE_NEEDS_SHA256) {
		v->kind = FWIMAGE_ACCEPT;
		v->forced = true;
	}
	v->exit_code = v->kind == FWIMAGE_ACCEPT ? 0 : fwimage_problem_exit_code(v->problem);
	off = v->forced ? sizeof(forced) - 1 : 0;
	memcpy(v->reason, forced, off);
	describe(v->problem, info, e, v->reason + off, sizeof(v->reason) - off);
	return 0;
}

const char *fwimage_check_state_name(enum fwimage_check_state s)
{
	static const char *const names[] = { "ok", "failed", "not run", "absent" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void item(struct fwimage_check_item *it, const char *name, enum fwimage_check_state st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void item(struct fwimage_check_item *it, const char *name, enum fwimage_check_state st, const char *fmt, ...)
{
	va_list ap;

	it->name = name;
	it->state = st;
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	va_end(ap);
}

void fwimage_check_list(const struct fwimage_info *info, const struct fwimage_expect *e,
			struct fwimage_check_item items[FWIMAGE_CHECKS])
{
	char a[FWIMAGE_SHA256_HEX_BYTES], b[FWIMAGE_SHA256_HEX_BYTES], list[160];
	const char *dev = device_compat(e);
	bool broken = info->problem != FWIMAGE_P_NONE || !info->complete, tar_dir;
	bool meta_bad = info->has_meta_sha256 && memcmp(info->meta_sha256, info->payload_sha256, FWIMAGE_SHA256_BYTES);
	bool want_bad = e->has_sha256 && memcmp(e->sha256, info->payload_sha256, FWIMAGE_SHA256_BYTES) &&
			memcmp(e->sha256, info->image_sha256, FWIMAGE_SHA256_BYTES);

	if (broken)
		item(&items[FWIMAGE_CHECK_COMPLETE], "complete", FWIMAGE_CHECK_FAILED, "%s",
		     info->complete ? info->reason : "the image could not be read to the end");
	else
		item(&items[FWIMAGE_CHECK_COMPLETE], "complete", FWIMAGE_CHECK_OK, "%llu bytes, %u trailer%s, CRC-32 "
		     "0x%08x", (unsigned long long)info->total_bytes, info->n_chunks, info->n_chunks == 1 ? "" : "s",
		     info->crc_computed);
	fwimage_sha256_hex(info->payload_sha256, a);
	if (broken) {
		item(&items[FWIMAGE_CHECK_SHA256], "sha256", FWIMAGE_CHECK_NOT_RUN, "the image is incomplete");
	} else if (meta_bad) {
		fwimage_sha256_hex(info->meta_sha256, b);
		item(&items[FWIMAGE_CHECK_SHA256], "sha256", FWIMAGE_CHECK_FAILED, "payload %s, the metadata says %s",
		     a, b);
	} else if (want_bad) {
		fwimage_sha256_hex(e->sha256, b);
		item(&items[FWIMAGE_CHECK_SHA256], "sha256", FWIMAGE_CHECK_FAILED, "payload %s, expected %s", a, b);
	} else if (info->has_meta_sha256 || e->has_sha256) {
		item(&items[FWIMAGE_CHECK_SHA256], "sha256", FWIMAGE_CHECK_OK, "payload %s matches%s%s", a,
		     info->has_meta_sha256 ? " the metadata" : "", e->has_sha256 ? " the expected one" : "");
	} else {
		item(&items[FWIMAGE_CHECK_SHA256], "sha256", FWIMAGE_CHECK_ABSENT, "payload %s (nothing to compare "
		     "it with)", a);
	}
	broken = broken || meta_bad || want_bad;
	payload_describe(&info->payload, list, sizeof(list));
	if (broken)
		item(&items[FWIMAGE_CHECK_FORMAT], "format", FWIMAGE_CHECK_NOT_RUN, "the image is broken");
	else if (e->unfit)
		item(&items[FWIMAGE_CHECK_FORMAT], "format", FWIMAGE_CHECK_FAILED, "%s", e->unfit);
	else
		item(&items[FWIMAGE_CHECK_FORMAT], "format", FWIMAGE_CHECK_OK, "%s", list);
	broken = broken || e->unfit;
	if (broken)
		item(&items[FWIMAGE_CHECK_METADATA], "metadata", FWIMAGE_CHECK_NOT_RUN, "the image is broken");
	else if (!info->has_metadata)
		item(&items[FWIMAGE_CHECK_METADATA], "metadata", FWIMAGE_CHECK_FAILED, "no metadata at the end of the "
		     "image (not an OpenWrt sysupgrade image?)");
	else
		item(&items[FWIMAGE_CHECK_METADATA], "metadata", FWIMAGE_CHECK_OK, "metadata_version %s",
		     info->metadata_version[0] ? info->metadata_version : "?");
	device_list(info, list, sizeof(list));
	tar_dir = info->payload.format == PAYLOAD_SYSUPGRADE_TAR && info->payload.walked;
	if (broken || (!info->has_metadata && !tar_dir))
		item(&items[FWIMAGE_CHECK_BOARD], "board", FWIMAGE_CHECK_NOT_RUN, "no device list to check");
	else if (info->has_metadata && !listed(info, e->compatible) && !listed(info, e->board_name))
		item(&items[FWIMAGE_CHECK_BOARD], "board", FWIMAGE_CHECK_FAILED, "%s (%s) is not in the list: %s",
		     e->board_name ? e->board_name : "?", e->compatible ? e->compatible : "?", list);
	else if (tar_other_board(info, e))
		item(&items[FWIMAGE_CHECK_BOARD], "board", FWIMAGE_CHECK_FAILED, "the tar's %s/ is for another board than "
		     "%s (%s)", info->payload.dir, e->board_name ? e->board_name : "?", e->compatible ? e->compatible : "?");
	else if (!info->has_metadata)
		item(&items[FWIMAGE_CHECK_BOARD], "board", FWIMAGE_CHECK_OK, "the tar's %s/ is this board's (no device "
		     "list)", info->payload.dir);
	else
		item(&items[FWIMAGE_CHECK_BOARD], "board", FWIMAGE_CHECK_OK, "%s is listed (%s)%s%s%s",
		     listed(info, e->compatible) ? e->compatible : e->board_name, list, tar_dir ? ", the tar's " : "",
		     tar_dir ? info->payload.dir : "", tar_dir ? "/ too" : "");
	if (broken || !info->has_metadata)
		item(&items[FWIMAGE_CHECK_COMPAT], "compat_version", FWIMAGE_CHECK_NOT_RUN, "no metadata");
	else if (!same_major(dev, info->compat_version))
		item(&items[FWIMAGE_CHECK_COMPAT], "compat_version", FWIMAGE_CHECK_FAILED, "image %s, device %s: "
		     "incompatible", info->compat_version, dev);
	else if (strcmp(dev, info->compat_version) && e->keep_settings)
		item(&items[FWIMAGE_CHECK_COMPAT], "compat_version", FWIMAGE_CHECK_FAILED, "image %s, device %s: "
		     "settings cannot be kept", info->compat_version, dev);
	else
		item(&items[FWIMAGE_CHECK_COMPAT], "compat_version", FWIMAGE_CHECK_OK, "image %s, device %s",
		     info->compat_version, dev);
}

void fwimage_sha256_hex(const uint8_t sha[FWIMAGE_SHA256_BYTES], char hex[FWIMAGE_SHA256_HEX_BYTES])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < FWIMAGE_SHA256_BYTES; i++) {
		hex[2 * i] = digits[sha[i] >> 4];
		hex[2 * i + 1] = digits[sha[i] & 15];
	}
	hex[2 * FWIMAGE_SHA256_BYTES] = '\0';
}

int fwimage_sha256_parse(const char *hex, uint8_t sha[FWIMAGE_SHA256_BYTES])
{
	uint8_t out[FWIMAGE_SHA256_BYTES];

	for (int i = 0; i < FWIMAGE_SHA256_BYTES; i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hi < 0 ? -1 : hex_nibble(hex[2 * i + 1]);

		if (lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	if (hex[2 * FWIMAGE_SHA256_BYTES])
		return -EINVAL;
	memcpy(sha, out, sizeof(out));
	return 0;
}
