/* app/flash/bootcount.h — the Linksys boot counter: a log of records in an MTD partition, and how to reset it (pure) */
#ifndef APP_BOOTCOUNT_H
#define APP_BOOTCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Facts from OpenWrt's package/system/mtd/src/linksys_bootcount.c (`mtd
 * resetbc s_env`, run by /etc/init.d/bootcount at the end of a good boot):
 * the partition holds records { u32 magic 0x20110811, u32 count, u32
 * checksum = magic + count } in the CPU's byte order, one every
 * max(writesize, 16) bytes from the start; the first record whose magic is
 * 0xffffffff (erased) ends the log; U-Boot appends one per boot and, when
 * the count passes its limit with auto_recovery=yes, boots the other slot.
 * A reset appends { magic, 0, magic } padded with 0xff, or when the log is
 * full erases the partition and writes it first; a count already 0 needs
 * nothing; a record that is neither erased nor valid stops everything.
 */
#define BOOTCOUNT_LINKSYS_MAGIC 0x20110811u
#define BOOTCOUNT_LINKSYS_RECORD_BYTES 12u
#define BOOTCOUNT_LINKSYS_MIN_STRIDE 16u

struct bootcount_reset {
	bool needed;                    /* false: the count is 0 already */
	bool erase_first;               /* the log is full: erase the partition, write at 0 */
	uint64_t offset_bytes;          /* where the new record goes */
	uint32_t stride_bytes;          /* the record's slot: max(writesize, 16) */
	uint32_t last_count;            /* the count before the reset */
	unsigned records;               /* records found */
};

/* The slot size for an MTD partition whose write unit is writesize_bytes. */
uint32_t bootcount_linksys_stride(uint32_t writesize_bytes);

/*
 * How to reset the log in log (the partition's len bytes, as read), records
 * every stride bytes. 0, or -EBADMSG with why naming the offset and what it
 * holds (the partition is then left alone, as OpenWrt does).
 */
int bootcount_linksys_plan(const uint8_t *log, size_t len, uint32_t stride, struct bootcount_reset *out, char *why,
			   size_t why_size);

/* The record to write: { magic, 0, magic } in the CPU's order, padded with 0xff to stride bytes. */
void bootcount_linksys_record(uint8_t *out, uint32_t stride);

#endif /* APP_BOOTCOUNT_H */
