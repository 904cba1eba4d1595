/* app/image/payload.c — what an image's payload is, from its first bytes (magic numbers, tar headers, a gzip peek) (pure) */
#include "payload.h"

#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "tar_walk.h"

#define TAR_BLOCK TAR_BLOCK_BYTES

static const char *const names[PAYLOAD_FORMAT_COUNT] = {
	[PAYLOAD_RAW] = "raw",
	[PAYLOAD_UIMAGE] = "uimage",
	[PAYLOAD_SQUASHFS] = "squashfs",
	[PAYLOAD_UBIFS] = "ubifs",
	[PAYLOAD_EXT4] = "ext4",
	[PAYLOAD_UBI] = "ubi",
	[PAYLOAD_FIT] = "fit",
	[PAYLOAD_SYSUPGRADE_TAR] = "sysupgrade-tar",
	[PAYLOAD_TAR] = "tar",
	[PAYLOAD_DISK] = "disk",
	[PAYLOAD_GZIP_UNKNOWN] = "gzip",
	[PAYLOAD_EMPTY] = "empty",
};

const char *payload_format_name(enum payload_format f)
{
	return (unsigned)f < PAYLOAD_FORMAT_COUNT ? names[f] : "?";
}

static bool starts(const uint8_t *p, size_t n, const char *magic, size_t m)
{
	return n >= m && !memcmp(p, magic, m);
}

/* An octal tar field (NUL or space terminated); -1 when it holds anything else. */
static long long tar_octal(const uint8_t *f, size_t n)
{
	long long v = 0;
	size_t i = 0;

	while (i < n && f[i] == ' ')
		i++;
	if (i == n || f[i] < '0' || f[i] > '7')
		return -1;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (1LL << 40))
			return -1;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	return v;
}

/* "sysupgrade-x" from a member name "sysupgrade-x/..." ("./" allowed before it); false otherwise. */
static bool sysupgrade_dir(const char *name, char dir[PAYLOAD_DIR_BYTES])
{
	const char *slash;

	if (!strncmp(name, "./", 2))
		name += 2;
	if (strncmp(name, "sysupgrade-", 11) || !(slash = strchr(name, '/')) || slash == name + 11)
		return false;
	snprintf(dir, PAYLOAD_DIR_BYTES, "%.*s", (int)(slash - name), name);
	return true;
}

/* Walk the tar headers in head: a sysupgrade tar when a member sits in a sysupgrade-<board>/ directory. */
static bool identify_tar(const uint8_t *p, size_t n, struct payload_id *out)
{
	char name[PAYLOAD_DIR_BYTES + 1], longname[PAYLOAD_DIR_BYTES + 1] = "";
	size_t off = 0;

	if (n < TAR_BLOCK || !tar_header_ok(p))
		return false;
	out->format = PAYLOAD_TAR;
	while (off + TAR_BLOCK <= n && tar_header_ok(p + off)) {
		const uint8_t *h = p + off;
		long long size = tar_octal(h + 124, 12);
		uint8_t type = h[156];

		if (size < 0)
			break;
		if (type == 'L') {   /* GNU long name: the next block holds the name of the member after it */
			if (off + 2 * TAR_BLOCK > n)
				break;
			snprintf(longname, sizeof(longname), "%.*s", PAYLOAD_DIR_BYTES, (const char *)h + TAR_BLOCK);
		} else if (type != 'x' && type != 'g' && type != 'K') {
			if (longname[0])
				snprintf(name, sizeof(name), "%s", longname);
			else
				snprintf(name, sizeof(name), "%.100s", (const char *)h);
			longname[0] = '\0';
			if (sysupgrade_dir(name, out->dir)) {
				out->format = PAYLOAD_SYSUPGRADE_TAR;
				return true;
			}
		}
		off += TAR_BLOCK + (size_t)((size + TAR_BLOCK - 1) / TAR_BLOCK) * TAR_BLOCK;
	}
	return true;
}

void payload_identify_plain(const uint8_t *p, size_t n, struct payload_id *out)
{
	out->format = PAYLOAD_RAW;
	if (starts(p, n, "UBI#", 4))
		out->format = PAYLOAD_UBI;
	else if (starts(p, n, "\x31\x18\x10\x06", 4))
		out->format = PAYLOAD_UBIFS;
	else if (starts(p, n, "hsqs", 4))
		out->format = PAYLOAD_SQUASHFS;
	else if (starts(p, n, "\xd0\x0d\xfe\xed", 4))
		out->format = PAYLOAD_FIT;
	else if (starts(p, n, "\x27\x05\x19\x56", 4))
		out->format = PAYLOAD_UIMAGE;
	else if (identify_tar(p, n, out))
		return;
	else if (n >= 0x43a && p[0x438] == 0x53 && p[0x439] == 0xef)
		out->format = PAYLOAD_EXT4;
	else if ((n >= 520 && !memcmp(p + 512, "EFI PART", 8)) || (n >= 512 && p[510] == 0x55 && p[511] == 0xaa))
		out->format = PAYLOAD_DISK;
}

void payload_identify(const uint8_t *head, size_t head_len, uint64_t payload_bytes, struct payload_id *out)
{
	uint8_t inner[PAYLOAD_HEAD_BYTES];
	z_stream z;
	size_t got;
	int rc;

	memset(out, 0, sizeof(*out));
	if (head_len > payload_bytes)
		head_len = (size_t)payload_bytes;
	if (!payload_bytes || !head_len) {
		out->format = PAYLOAD_EMPTY;
		return;
	}
	if (!starts(head, head_len, "\x1f\x8b", 2)) {
		payload_identify_plain(head, head_len, out);
		return;
	}
	/* gzip: what the first bytes inflate to (a tar's first headers, a magic) */
	out->gzip = true;
	out->format = PAYLOAD_GZIP_UNKNOWN;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return;
	z.next_in = (Bytef *)(uintptr_t)head;
	z.avail_in = (uInt)head_len;
	z.next_out = inner;
	z.avail_out = sizeof(inner);
	rc = inflate(&z, Z_SYNC_FLUSH);
	got = sizeof(inner) - z.avail_out;
	inflateEnd(&z);
	if ((rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) || !got)
		return;
	payload_identify_plain(inner, got, out);
	/* A short look that matched nothing says nothing about the rest. */
	if (out->format == PAYLOAD_RAW && got < sizeof(inner) && rc != Z_STREAM_END)
		out->format = PAYLOAD_GZIP_UNKNOWN;
}

const char *payload_member_name(enum payload_member_id m)
{
	static const char *const members[PAYLOAD_MEMBER_COUNT] = { "CONTROL", "kernel", "root", "dtb" };

	return (unsigned)m < PAYLOAD_MEMBER_COUNT ? members[m] : "?";
}

/* "812 bytes", "20.0 KiB", "12.3 MiB" */
static const char *size_text(uint64_t bytes, char *buf, size_t n)
{
	if (bytes < 1024)
		snprintf(buf, n, "%llu bytes", (unsigned long long)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, n, "%.1f KiB", (double)bytes / 1024.0);
	else
		snprintf(buf, n, "%.1f MiB", (double)bytes / 1048576.0);
	return buf;
}

/* What the deep check found, for the description: "kernel 4.0 MiB, root 12.3 MiB", "3 images, ...". */
static void deep_text(const struct payload_id *p, char *buf, size_t n)
{
	char a[24], b[24];
	size_t used = 0;

	buf[0] = '\0';
	if (p->format == PAYLOAD_SYSUPGRADE_TAR) {
		for (int m = PAYLOAD_MEMBER_KERNEL; m < PAYLOAD_MEMBER_COUNT; m++)
			if (p->member[m].present && used < n)
				used += (size_t)snprintf(buf + used, n - used, "%s%s %s", used ? ", " : "",
							 payload_member_name((enum payload_member_id)m),
							 size_text(p->member[m].size_bytes, a, sizeof(a)));
	} else if (p->format == PAYLOAD_FIT) {
		used = (size_t)snprintf(buf, n, "%u image%s, ", p->fit_images, p->fit_images == 1 ? "" : "s");
		if (!p->fit_hashes && used < n)
			used += (size_t)snprintf(buf + used, n - used, "no hashes");
		else if (used < n)
			used += (size_t)snprintf(buf + used, n - used, "every hash ok (");
		for (int i = 0, k = 0; p->fit_hashes && i < PAYLOAD_FIT_ALGOS && used < n; i++)
			if (p->fit_algos & 1u << i)
				used += (size_t)snprintf(buf + used, n - used, "%s%s", k++ ? ", " : "",
							 payload_fit_algo_name((enum payload_fit_algo)i));
		if (p->fit_hashes && used < n)
			used += (size_t)snprintf(buf + used, n - used, ")");
		if (p->fit_unhashed && used < n)
			used += (size_t)snprintf(buf + used, n - used, ", %u image%s without a hash", p->fit_unhashed,
						 p->fit_unhashed == 1 ? "" : "s");
		if (used < n)
			snprintf(buf + used, n - used, "; %s", size_text(p->own_bytes, a, sizeof(a)));
	} else if (p->format == PAYLOAD_UBI) {
		snprintf(buf, n, "%u PEBs of %s, %s; volumes: %s", p->ubi_pebs, size_text(p->ubi_peb_bytes, a, sizeof(a)),
			 size_text(p->own_bytes, b, sizeof(b)), p->ubi_names[0] ? p->ubi_names : "none");
	}
}

void payload_describe(const struct payload_id *p, char *buf, size_t n)
{
	const char *gz = p->gzip ? "gzip-compressed " : "";
	char deep[200] = "", inflated[48] = "", size[24];

	if (p->walked)
		deep_text(p, deep, sizeof(deep));
	if (p->walked && p->gzip)
		snprintf(inflated, sizeof(inflated), "%s%s inflated", deep[0] ? "; " : "",
			 size_text(p->uncompressed_bytes, size, sizeof(size)));
	switch (p->format) {
	case PAYLOAD_SYSUPGRADE_TAR:
		if (p->walked)
			snprintf(buf, n, "an OpenWrt %ssysupgrade tar (%s/: %s%s)", gz, p->dir, deep, inflated);
		else
			snprintf(buf, n, "an OpenWrt %ssysupgrade tar (%s/: kernel and root for separate volumes or "
				 "partitions)", gz, p->dir);
		break;
	case PAYLOAD_TAR:
		snprintf(buf, n, "a %star archive without a sysupgrade-<board>/ directory", gz);
		break;
	case PAYLOAD_UBI:
		if (p->walked)
			snprintf(buf, n, "a %subinized image (UBI#: a whole UBI device, %s%s)", gz, deep, inflated);
		else
			snprintf(buf, n, "a %subinized image (UBI#: a whole UBI device)", gz);
		break;
	case PAYLOAD_UBIFS:
		snprintf(buf, n, "a %sUBIFS root filesystem%s%s%s", gz, inflated[0] ? " (" : "", inflated,
			 inflated[0] ? ")" : "");
		break;
	case PAYLOAD_SQUASHFS:
		snprintf(buf, n, "a %ssquashfs root filesystem%s%s%s", gz, inflated[0] ? " (" : "", inflated,
			 inflated[0] ? ")" : "");
		break;
	case PAYLOAD_EXT4:
		snprintf(buf, n, "a %sext4 filesystem%s%s%s", gz, inflated[0] ? " (" : "", inflated, inflated[0] ? ")" : "");
		break;
	case PAYLOAD_FIT:
		if (p->walked)
			snprintf(buf, n, "a %suImage.FIT (%s%s)", gz, deep, inflated);
		else
			snprintf(buf, n, "a %suImage.FIT (kernel, device tree and maybe root)", gz);
		break;
	case PAYLOAD_UIMAGE:
		snprintf(buf, n, "a %slegacy U-Boot image (kernel, maybe root after it)", gz);
		break;
	case PAYLOAD_DISK:
		snprintf(buf, n, "a %swhole-disk image (a partition table)", gz);
		break;
	case PAYLOAD_GZIP_UNKNOWN:
		snprintf(buf, n, "gzip-compressed data");
		break;
	case PAYLOAD_EMPTY:
		snprintf(buf, n, "nothing (an empty payload)");
		break;
	default:
		snprintf(buf, n, "%sraw firmware%s%s%s", gz, inflated[0] ? " (" : "", inflated, inflated[0] ? ")" : "");
		break;
	}
}

/* dir equals board with every `from` in it read as `to` (OpenWrt: ${board//,/_}, ${board//_/,}). */
static bool same_as(const char *dir, const char *board, char from, char to)
{
	for (; *dir && *board; dir++, board++)
		if (*dir != (*board == from ? to : *board))
			return false;
	return *dir == *board;
}

bool payload_dir_matches(const char *dir, const char *board)
{
	if (!board || !*board || strncmp(dir, "sysupgrade-", 11))
		return false;
	return same_as(dir + 11, board, ',', '_') || same_as(dir + 11, board, '_', ',');
}
