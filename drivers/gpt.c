/* drivers/gpt.c — a GPT partition's name from the disk's header and entry array (pure; UEFI spec 5.3) */
#include "gpt.h"

#include <errno.h>
#include <string.h>

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

int gpt_entries_at(const uint8_t hdr[GPT_SECTOR_BYTES], uint64_t *lba, uint32_t *count, uint32_t *entry_bytes)
{
	if (memcmp(hdr, "EFI PART", 8))
		return -EINVAL;
	*lba = le(hdr + 72, 8);
	*count = (uint32_t)le(hdr + 80, 4);
	*entry_bytes = (uint32_t)le(hdr + 84, 4);
	if (*entry_bytes < 128 || *entry_bytes > 4096 || *entry_bytes % 8 || !*count || *count > 1024 || *lba < 2)
		return -EINVAL;
	return 0;
}

int gpt_entry_name(const uint8_t *entries, size_t len, uint32_t entry_bytes, unsigned partn, char *name,
		   size_t name_size)
{
	static const uint8_t unused[16];
	const uint8_t *e;
	size_t n = 0;

	if (!partn || !name_size || entry_bytes < 128 || (uint64_t)partn * entry_bytes > len)
		return -ENOENT;
	e = entries + (size_t)(partn - 1) * entry_bytes;
	if (!memcmp(e, unused, sizeof(unused)))
		return -ENOENT;   /* type GUID zero: an unused entry */
	/* the name: 36 UTF-16LE code units at offset 56 */
	for (unsigned i = 0; i < 36 && n + 1 < name_size; i++) {
		uint16_t c = (uint16_t)le(e + 56 + 2 * i, 2);

		if (!c)
			break;
		name[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	name[n] = '\0';
	return 0;
}
