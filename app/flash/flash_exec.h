/* app/flash/flash_exec.h — carry out a plan on the storage: facts first, then each step in order, every write read back */
#ifndef APP_FLASH_EXEC_H
#define APP_FLASH_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "plan.h"
#include "storage.h"

#define FLASH_EXEC_WHY_BYTES 768

/* The verified image, where it lies in RAM. */
struct flash_image {
	const uint8_t *payload;         /* mapped, read-only */
	uint64_t payload_bytes;         /* without the fwtool trailer */
	const struct payload_id *id;    /* what the checks found in it: members, gzip, own length */
};

struct flash_exec {
	const struct flash_image *image;
	const char *settings_archive;   /* the kept settings (.tar.gz) for SETTINGS steps, or NULL */
	const char *disk;               /* GPT partitions only on this disk (emmc.sh's CI_ROOTDEV), or NULL */
	/* Told before each step (its number from 1, the plan's size, one line), and how far a write has come. */
	void (*step)(void *ctx, unsigned number, unsigned total, const char *text);
	storage_progress_cb progress;
	void *ctx;
};

/*
 * What the storage holds for the plan's partitions, read before anything is
 * written (UBI partitions are attached where they attach, as nand.sh does;
 * nothing is written). 0, or -errno when a partition cannot be looked at.
 * The facts point into the plan: keep it while they are used.
 */
int flash_exec_facts(const struct plan *p, const char *disk, struct plan_facts *f, char *why);

/*
 * Run the steps in order, each write read back and compared with the image.
 * Stops at the first failure: -errno with why naming the step, what failed,
 * and what it leaves behind (e.g. that the kernel is already invalidated,
 * so the board needs a flash that completes before it boots). *done is the
 * number of steps completed.
 */
int flash_exec_run(const struct plan *p, const struct flash_exec *x, unsigned *done, char *why);

#endif /* APP_FLASH_EXEC_H */
