/* app/image/ubi_check.c — a ubinized image checked as it streams by: EC and VID headers and their CRCs, the PEB size, the volume table (pure) */
#include "ubi_check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "fwimage_bytes.h"

enum { ST_EC0 = 0, ST_VID0, ST_SCAN, ST_PEBS, ST_FAILED };
#define SCAN_STEP 64

__attribute__((format(printf, 3, 4)))
static void fail(struct ubi_check *u, uint64_t at, const char *fmt, ...)
{
	va_list ap;

	u->state = ST_FAILED;
	u->err_at = at;
	va_start(ap, fmt);
	vsnprintf(u->why, sizeof(u->why), fmt, ap);
	va_end(ap);
}

/* The kernel's crc32_le(0xffffffff, p, n): zlib's crc32 without its final inversion. */
static uint32_t ubi_crc(const uint8_t *p, size_t n)
{
	return (uint32_t)crc32_z(0, p, n) ^ 0xffffffffu;
}

void ubi_check_init(struct ubi_check *u)
{
	/* vtbl[] is only read as far as vtbl_len. */
	u->pos_bytes = 0;
	u->state = ST_EC0;
	u->buf_len = 0;
	u->next_at = 0;
	u->vid_off = u->data_off = u->image_seq = u->peb_bytes = 0;
	u->pebs_ok = u->layout_pebs = 0;
	u->vtbl_found = false;
	u->vtbl_at = u->vtbl_peb = 0;
	u->vtbl_len = 0;
	u->err_at = 0;
	u->why[0] = '\0';
}

/* An erase-counter header by itself: magic, CRC, version; 0, else -1 (the fault set unless quiet). */
static int ec_basic(struct ubi_check *u, const uint8_t *h, uint64_t peb, bool quiet)
{
	uint64_t at = u->next_at + UBI_HDR_BYTES - 1;
	uint32_t stored = fwimage_get_be32(h + 60), computed = ubi_crc(h, 60);
	uint64_t ec = (uint64_t)fwimage_get_be32(h + 8) << 32 | fwimage_get_be32(h + 12);

	if (memcmp(h, "UBI#", 4)) {
		if (!quiet)
			fail(u, at, "UBI PEB %llu (byte %llu) has no erase-counter header (UBI# every %u bytes)",
			     (unsigned long long)peb, (unsigned long long)u->next_at, u->peb_bytes);
		return -1;
	}
	if (stored != computed) {
		if (!quiet)
			fail(u, at, "UBI PEB %llu (byte %llu): erase-counter header CRC 0x%08x stored, 0x%08x computed",
			     (unsigned long long)peb, (unsigned long long)u->next_at, stored, computed);
		return -1;
	}
	if (h[4] != 1 || ec > 0x7fffffff) {
		if (!quiet)
			fail(u, at, "UBI PEB %llu (byte %llu): erase-counter header version %u, erase counter %llu",
			     (unsigned long long)peb, (unsigned long long)u->next_at, h[4], (unsigned long long)ec);
		return -1;
	}
	return 0;
}

/* An erase-counter header that agrees with the first PEB's: 0, else -1 (the fault set unless quiet). */
static int ec_header(struct ubi_check *u, const uint8_t *h, uint64_t peb, bool quiet)
{
	if (ec_basic(u, h, peb, quiet))
		return -1;
	if (fwimage_get_be32(h + 16) == u->vid_off && fwimage_get_be32(h + 20) == u->data_off &&
	    fwimage_get_be32(h + 24) == u->image_seq)
		return 0;
	if (!quiet)
		fail(u, u->next_at + UBI_HDR_BYTES - 1, "UBI PEB %llu (byte %llu): VID header offset %u, data offset %u, "
		     "image sequence %u differ from the first PEB's %u, %u, %u", (unsigned long long)peb,
		     (unsigned long long)u->next_at, fwimage_get_be32(h + 16), fwimage_get_be32(h + 20),
		     fwimage_get_be32(h + 24), u->vid_off, u->data_off, u->image_seq);
	return -1;
}

static bool all_ff(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

/* A volume id header of PEB peb (starting at pebstart). */
static void vid_header(struct ubi_check *u, const uint8_t *h, uint64_t peb, uint64_t pebstart)
{
	uint64_t at = u->next_at + UBI_HDR_BYTES - 1;
	uint32_t stored = fwimage_get_be32(h + 60), computed = ubi_crc(h, 60), vol_id = fwimage_get_be32(h + 8),
		 lnum = fwimage_get_be32(h + 12);

	if (all_ff(h, UBI_HDR_BYTES))
		return;   /* a free PEB */
	if (memcmp(h, "UBI!", 4)) {
		fail(u, at, "UBI PEB %llu (byte %llu) has no volume id header at offset %u", (unsigned long long)peb,
		     (unsigned long long)u->next_at, u->vid_off);
		return;
	}
	if (stored != computed) {
		fail(u, at, "UBI PEB %llu (byte %llu): volume id header CRC 0x%08x stored, 0x%08x computed",
		     (unsigned long long)peb, (unsigned long long)u->next_at, stored, computed);
		return;
	}
	if (h[4] != 1 || (h[5] != 1 && h[5] != 2) || (vol_id >= UBI_MAX_VOLUMES && vol_id != UBI_LAYOUT_VOL_ID)) {
		fail(u, at, "UBI PEB %llu (byte %llu): volume id header version %u, volume type %u, volume %u",
		     (unsigned long long)peb, (unsigned long long)u->next_at, h[4], h[5], vol_id);
		return;
	}
	if (vol_id != UBI_LAYOUT_VOL_ID)
		return;
	u->layout_pebs++;
	if (lnum == 0 && !u->vtbl_found) {
		u->vtbl_found = true;
		u->vtbl_peb = peb;
		u->vtbl_at = pebstart + u->data_off;
	}
}

/* A gathered 64-byte block at next_at: check it and say where the next one is. */
static void block(struct ubi_check *u)
{
	const uint8_t *h = u->buf;
	uint64_t peb = u->peb_bytes ? u->next_at / u->peb_bytes : 0;

	switch (u->state) {
	case ST_EC0:
		if (ec_basic(u, h, 0, false))
			return;
		u->vid_off = fwimage_get_be32(h + 16);
		u->data_off = fwimage_get_be32(h + 20);
		u->image_seq = fwimage_get_be32(h + 24);
		if (u->vid_off < UBI_HDR_BYTES || u->vid_off % 8 || u->data_off < u->vid_off + UBI_HDR_BYTES ||
		    u->data_off > (1u << 24)) {
			fail(u, UBI_HDR_BYTES - 1, "UBI: the first erase-counter header puts the VID header at %u and the "
			     "data at %u: not a UBI layout", u->vid_off, u->data_off);
			return;
		}
		u->state = ST_VID0;
		u->next_at = u->vid_off;
		return;
	case ST_VID0:
		vid_header(u, h, 0, 0);
		u->state = ST_SCAN;
		u->next_at = (u->data_off / SCAN_STEP + 1) * SCAN_STEP;
		return;
	case ST_SCAN:
		/* "UBI#" with a CRC that does not match at a 64-byte boundary: the second PEB's header, damaged */
		if (!memcmp(h, "UBI#", 4) && fwimage_get_be32(h + 60) != ubi_crc(h, 60)) {
			ec_basic(u, h, 1, false);
			return;
		}
		if (ec_header(u, h, 1, true)) {
			u->next_at += SCAN_STEP;
			return;
		}
		u->pebs_ok = 1;
		u->peb_bytes = (uint32_t)u->next_at;
		if (u->vtbl_found && u->vtbl_len > (size_t)(u->peb_bytes - u->data_off))
			u->vtbl_len = u->peb_bytes - u->data_off;   /* the table ends with its LEB */
		u->state = ST_PEBS;
		u->next_at += u->vid_off;
		return;
	default:   /* ST_PEBS: an EC header at a PEB start, else the VID header after it */
		if (u->next_at % u->peb_bytes == 0) {
			if (!ec_header(u, h, peb, false))
				u->next_at += u->vid_off;
		} else {
			vid_header(u, h, peb, peb * u->peb_bytes);
			if (u->state != ST_FAILED) {
				u->pebs_ok = peb + 1;
				u->next_at = (peb + 1) * u->peb_bytes;
			}
		}
		return;
	}
}

/* How many bytes of the volume table to keep: its slots, as far as the LEB is known. */
static size_t vtbl_want(const struct ubi_check *u)
{
	size_t want = sizeof(u->vtbl);

	if (u->peb_bytes && u->peb_bytes - u->data_off < want)
		want = u->peb_bytes - u->data_off;
	return want;
}

void ubi_check_feed(struct ubi_check *u, const uint8_t *p, size_t n)
{
	uint64_t pos = u->pos_bytes;
	size_t i = 0;

	while (i < n && u->state != ST_FAILED) {
		uint64_t at = pos + i, want = u->next_at + u->buf_len;
		size_t k;

		if (at < want) {
			i += want - at < n - i ? (size_t)(want - at) : n - i;
			continue;
		}
		k = UBI_HDR_BYTES - u->buf_len < n - i ? UBI_HDR_BYTES - u->buf_len : n - i;
		memcpy(u->buf + u->buf_len, p + i, k);
		u->buf_len += k;
		i += k;
		if (u->buf_len == UBI_HDR_BYTES) {
			u->buf_len = 0;
			block(u);
		}
	}
	/* The volume table: every byte of it in this piece (it starts after the header that found it). */
	if (u->vtbl_found && u->vtbl_len < vtbl_want(u)) {
		uint64_t s0 = u->vtbl_at + u->vtbl_len, s1 = u->vtbl_at + vtbl_want(u);

		s0 = s0 > pos ? s0 : pos;
		s1 = s1 < pos + n ? s1 : pos + n;
		if (s0 < s1 && s0 == u->vtbl_at + u->vtbl_len) {
			memcpy(u->vtbl + u->vtbl_len, p + (s0 - pos), (size_t)(s1 - s0));
			u->vtbl_len += (size_t)(s1 - s0);
		}
	}
	u->pos_bytes += n;
}

__attribute__((format(printf, 3, 4)))
static int refuse(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int volume_table(const struct ubi_check *u, struct payload_id *id, char *why, size_t why_size)
{
	size_t slots = (u->peb_bytes - u->data_off) / UBI_VTBL_REC_BYTES, used = 0;

	if (slots > UBI_MAX_VOLUMES)
		slots = UBI_MAX_VOLUMES;
	if (u->vtbl_len < slots * UBI_VTBL_REC_BYTES)
		return refuse(why, why_size, "UBI: the volume table in PEB %llu is cut short",
			      (unsigned long long)u->vtbl_peb);
	for (size_t i = 0; i < slots; i++) {
		const uint8_t *r = u->vtbl + i * UBI_VTBL_REC_BYTES;
		uint32_t stored = fwimage_get_be32(r + 168), computed = ubi_crc(r, 168), reserved = fwimage_get_be32(r);
		unsigned name_len = (unsigned)r[14] << 8 | r[15];

		if (stored != computed)
			return refuse(why, why_size, "UBI: volume table record %zu (PEB %llu): CRC 0x%08x stored, 0x%08x "
				      "computed", i, (unsigned long long)u->vtbl_peb, stored, computed);
		if (!reserved)
			continue;
		if (!name_len || name_len > 127 || memchr(r + 16, 0, name_len))
			return refuse(why, why_size, "UBI: volume table record %zu has a name of length %u", i, name_len);
		id->ubi_volumes++;
		id->ubi_reserved_pebs += reserved;
		id->ubi_autoresize = id->ubi_autoresize || (r[144] & 1);
		if (used + name_len + 2 < sizeof(id->ubi_names)) {
			for (unsigned k = 0; k < name_len; k++)
				id->ubi_names[used + (used ? 1 : 0) + k] =
					r[16 + k] < 0x20 || r[16 + k] >= 0x7f ? '?' : (char)r[16 + k];
			if (used)
				id->ubi_names[used] = ' ';
			used += name_len + (used ? 1 : 0);
			id->ubi_names[used] = '\0';
		}
	}
	return 0;
}

int ubi_check_finish(const struct ubi_check *u, uint64_t end_bytes, struct payload_id *id, char *why, size_t why_size)
{
	uint64_t pebs;

	why[0] = '\0';
	if (u->state == ST_FAILED && u->err_at < end_bytes)
		return refuse(why, why_size, "%s", u->why);
	if (!u->peb_bytes || (uint64_t)u->peb_bytes * 2 > end_bytes)
		return refuse(why, why_size, "UBI: no second erase-counter header in the payload's %llu bytes, so no PEB "
			      "size (a UBI image has at least the layout volume's two PEBs)", (unsigned long long)end_bytes);
	if (end_bytes % u->peb_bytes)
		return refuse(why, why_size, "UBI: the payload (%llu bytes) is not a whole number of %u-byte PEBs: the "
			      "last one is cut short", (unsigned long long)end_bytes, u->peb_bytes);
	pebs = end_bytes / u->peb_bytes;
	if (u->pebs_ok < pebs || pebs > UINT32_MAX)
		return refuse(why, why_size, "UBI: only %llu of the payload's %llu PEBs could be checked",
			      (unsigned long long)u->pebs_ok, (unsigned long long)pebs);
	if (!u->vtbl_found || u->vtbl_peb >= pebs)
		return refuse(why, why_size, "UBI: no layout volume (volume 0x%08x): not a ubinized image",
			      UBI_LAYOUT_VOL_ID);
	if (volume_table(u, id, why, why_size))
		return -EBADMSG;
	id->ubi_peb_bytes = u->peb_bytes;
	id->ubi_pebs = (uint32_t)pebs;
	id->own_bytes = pebs * u->peb_bytes;
	id->walked = true;
	return 0;
}
