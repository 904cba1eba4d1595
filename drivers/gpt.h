/* drivers/gpt.h — a GPT partition's name from the disk's header and entry array, for kernels that do not name it (pure) */
#ifndef DRIVERS_GPT_H
#define DRIVERS_GPT_H

#include <stddef.h>
#include <stdint.h>

#define GPT_SECTOR_BYTES 512u

/* Where the entry array is, from the header sector (LBA 1): 0, or -EINVAL when it is no GPT header. */
int gpt_entries_at(const uint8_t hdr[GPT_SECTOR_BYTES], uint64_t *lba, uint32_t *count, uint32_t *entry_bytes);

/*
 * The name of partition number partn (1-based) from the entry array
 * (entries, len bytes from its start), UTF-16LE taken as ASCII (other
 * characters become '?'). 0 with name; -ENOENT (no such entry, or unused).
 */
int gpt_entry_name(const uint8_t *entries, size_t len, uint32_t entry_bytes, unsigned partn, char *name,
		   size_t name_size);

#endif /* DRIVERS_GPT_H */
