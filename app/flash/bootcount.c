/* app/flash/bootcount.c — the Linksys boot counter: read the record log, and the record that resets it (pure) */
#include "bootcount.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

uint32_t bootcount_linksys_stride(uint32_t writesize_bytes)
{
	return writesize_bytes < BOOTCOUNT_LINKSYS_MIN_STRIDE ? BOOTCOUNT_LINKSYS_MIN_STRIDE : writesize_bytes;
}

int bootcount_linksys_plan(const uint8_t *log, size_t len, uint32_t stride, struct bootcount_reset *out, char *why,
			   size_t why_size)
{
	size_t slots = stride ? len / stride : 0, i;
	uint32_t last = 0;

	memset(out, 0, sizeof(*out));
	out->stride_bytes = stride;
	if (!slots) {
		snprintf(why, why_size, "the boot counter's partition (%zu bytes) holds no %u-byte record", len, stride);
		return -EBADMSG;
	}
	for (i = 0; i < slots; i++) {
		uint32_t rec[3];

		memcpy(rec, log + i * stride, sizeof(rec));
		if (rec[0] == 0xffffffffu)
			break;
		if (rec[0] != BOOTCOUNT_LINKSYS_MAGIC || rec[2] != rec[0] + rec[1]) {
			snprintf(why, why_size, "boot counter record at 0x%08zx is not valid (magic 0x%08x, count 0x%08x, "
				 "checksum 0x%08x): left as it is", i * stride, rec[0], rec[1], rec[2]);
			return -EBADMSG;
		}
		last = rec[1];
		out->records++;
	}
	out->last_count = last;
	if (!last)
		return 0;
	out->needed = true;
	out->erase_first = i == slots;
	out->offset_bytes = out->erase_first ? 0 : (uint64_t)i * stride;
	return 0;
}

void bootcount_linksys_record(uint8_t *out, uint32_t stride)
{
	const uint32_t rec[3] = { BOOTCOUNT_LINKSYS_MAGIC, 0, BOOTCOUNT_LINKSYS_MAGIC };

	memset(out, 0xff, stride);
	memcpy(out, rec, sizeof(rec));
}
