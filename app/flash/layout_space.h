/* app/flash/layout_space.h — how much a NAND, eMMC or dual-firmware board's storage can take, from its partitions */
#ifndef APP_LAYOUT_SPACE_H
#define APP_LAYOUT_SPACE_H

#include <stdint.h>

#include "board.h"

/*
 * The bytes an image may have on board b, whose layout is NAND or eMMC: the
 * sizes of the partitions the layout writes, as found now (NAND: the UBI
 * partition, a raw kernel partition, a second UBI partition for the kernel;
 * eMMC: kernel, root and dtb on disk, or the board's disk when NULL), summed;
 * on a dual-firmware board the larger slot. These do not change when a flash
 * remakes the UBI volumes, and they exist even when UBI does not (a blank or
 * broken UBI partition is what a recovery has to take an image for). 0 when
 * none is found, or for a single-partition board (its firmware volume is the
 * measure there).
 */
uint64_t layout_space_bytes(const struct board *b, const char *disk);

#endif /* APP_LAYOUT_SPACE_H */
