/* hal/devicetree.h — the device tree this system booted with, as the kernel shows it in /proc/device-tree (drivers/devicetree.c) */
#ifndef HAL_DEVICETREE_H
#define HAL_DEVICETREE_H

#include <stddef.h>

#define DEVICETREE_COMPATIBLE_MAX 4096  /* the property is a few strings; more is not a compatible */

/*
 * Read a property file whole (up to size bytes): the compatible at
 * BOARD_DT_COMPATIBLE_PATH holds NUL-separated strings. Length, or -errno.
 */
int devicetree_read(const char *path, char *buf, size_t size);

#endif /* HAL_DEVICETREE_H */
