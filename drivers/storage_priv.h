/* drivers/storage_priv.h — the storage drivers behind hal/storage.h: one set of functions per kind (internal) */
#ifndef DRIVERS_STORAGE_PRIV_H
#define DRIVERS_STORAGE_PRIV_H

#include "storage.h"

struct storage_driver {
	int (*find)(const struct board_volume *v, const char *base_dir, struct storage_volume *out, char *why);
	int (*write)(const struct storage_volume *v, const uint8_t *data, uint64_t len, bool erase_rest,
		     storage_progress_cb progress, void *ctx, char *why);
	int (*read)(const struct storage_volume *v, uint64_t len, int (*sink)(void *ctx, const void *buf, size_t n),
		    void *ctx, storage_progress_cb progress, char *why);
	int (*erase)(const struct storage_volume *v, const char *fs, char *why);
	/* Optional: write and read back overlapped (hal_storage_write_verify); -EOPNOTSUPP: do the two in turn. */
	int (*write_verify)(const struct storage_volume *v, const uint8_t *data, uint64_t len,
			    int (*sink)(void *ctx, const void *buf, size_t n), void *sink_ctx,
			    storage_progress_cb progress, void *ctx, char *why);
};

extern const struct storage_driver storage_block_driver;   /* BLOCK and FILE */
extern const struct storage_driver storage_mtd_driver;
extern const struct storage_driver storage_ubi_driver;

/* The chunk size of copies and read-backs. */
#define STORAGE_CHUNK_BYTES (128 * 1024)

/* Write why (one line) and return rc. */
int storage_fail(char *why, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Write len bytes of data to dst_fd (from its offset) in chunks, reporting progress. 0 or -errno. */
int storage_copy(const uint8_t *data, int dst_fd, uint64_t len, storage_progress_cb progress, void *ctx, char *why,
		 const char *what);
/* Make the block device dev (an MTD partition's mtdblockN) drop what it cached: it shows what was written. */
void storage_forget_cache(const char *dev);
/* Read len bytes of fd from offset start into sink. 0 or -errno. */
int storage_read_fd(int fd, uint64_t start, uint64_t len, int (*sink)(void *ctx, const void *buf, size_t n),
		    void *ctx, storage_progress_cb progress, char *why, const char *what);

#endif /* DRIVERS_STORAGE_PRIV_H */
