/* fuzz/fuzz_jffs2_file.c — libFuzzer target: any name, data, erase size and flags through the JFFS2 image builder, read back */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jffs2_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[1 << 20];
#define MAX_DATA (1 << 18)

static uint32_t crc_le(const uint8_t *p, size_t n)
{
	uint32_t c = 0;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
	}
	return c;
}

static uint32_t get(const uint8_t *p, int bytes, bool be)
{
	uint32_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint32_t)p[be ? bytes - 1 - i : i] << (8 * i);
	return v;
}

/* Every block starts with a cleanmarker, nodes check out and stay in their block, data and name come back. */
static void read_back(size_t n, uint32_t erase, bool be, const char *name, const uint8_t *data, size_t len)
{
	size_t pos = 0, got = 0;
	bool dirent = false;

	while (pos < n) {
		const uint8_t *h = out + pos;
		size_t block_end = (pos / erase + 1) * (size_t)erase;
		uint32_t type, totlen;

		if (get(h, 4, be) == 0xFFFFFFFFu) {
			pos = block_end;
			continue;
		}
		if (get(h, 2, be) != 0x1985 || get(h + 8, 4, be) != crc_le(h, 8))
			abort();
		type = get(h + 2, 2, be);
		totlen = get(h + 4, 4, be);
		if (pos + totlen > block_end || pos + totlen > n || dirent)
			abort();
		if ((pos % erase == 0) != (type == 0x2003))
			abort();
		if (type == 0xe002) {
			uint32_t off = get(h + 44, 4, be), dsize = get(h + 52, 4, be);

			if (get(h + 64, 4, be) != crc_le(h, 60) || off != got || totlen != 68 + dsize ||
			    get(h + 60, 4, be) != crc_le(h + 68, dsize) || get(h + 28, 4, be) != len ||
			    memcmp(h + 68, data + off, dsize))
				abort();
			if (dsize && off / 4096 != (off + dsize - 1) / 4096)
				abort();
			got += dsize;
		} else if (type == 0xe001) {
			if (get(h + 32, 4, be) != crc_le(h, 32) || h[28] != strlen(name) ||
			    memcmp(h + 40, name, h[28]) || get(h + 36, 4, be) != crc_le(h + 40, h[28]))
				abort();
			dirent = true;
		} else if (type != 0x2003) {
			abort();
		}
		pos += (totlen + 3) & ~(size_t)3;
	}
	if (!dirent || got != len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[300];
	size_t name_len, len, bound, n = 0;
	uint32_t erase;
	unsigned flags;
	int r;

	if (size < 3)
		return 0;
	flags = data[0] & 0x7;                  /* one unknown bit too */
	erase = data[1] & 0x80 ? (uint32_t)data[1] << 5 : 1u << (data[1] % 20);   /* mostly powers of two */
	name_len = data[2] % 260;
	data += 3;
	size -= 3;
	if (name_len > size)
		name_len = size;
	memcpy(name, data, name_len);
	name[name_len] = '\0';                  /* an embedded NUL just shortens it */
	data += name_len;
	len = size - name_len;
	if (len > MAX_DATA)
		len = MAX_DATA;

	bound = jffs2_file_image_bytes(len, erase, flags);
	memset(out, 0xAA, 64);
	r = jffs2_file_image(name, data, len, erase, flags, 0x65000000u, out,
			     bound < sizeof(out) ? bound : sizeof(out), &n);
	if (r) {
		for (size_t i = 0; i < 64; i++)
			if (out[i] != 0xAA)
				abort();                /* out untouched on error */
		if (r != -EOPNOTSUPP && r != -ENOENT && r != -ENAMETOOLONG && r != -EINVAL &&
		    r != -EDOM && r != -ENOSPC)
			abort();
		if (!bound && r == -ENOSPC)
			abort();
		return 0;
	}
	if (!bound || n > bound)
		abort();
	if (flags & JFFS2_FILE_EOF_MARKER) {
		if (n % erase != 4 % erase || memcmp(out + n - 4, "\xde\xad\xc0\xde", 4))
			abort();
		n -= 4;
	}
	read_back(n, erase, flags & JFFS2_FILE_BIG_ENDIAN, name, data, len);
	return 0;
}
