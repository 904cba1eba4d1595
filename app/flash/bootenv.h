/* app/flash/bootenv.h — the bootloader's environment through fw_printenv and fw_setenv (U-Boot's or libubootenv's tools): set, then read back */
#ifndef APP_BOOTENV_H
#define APP_BOOTENV_H

#include <stddef.h>

#define BOOTENV_VALUE_BYTES 256
#define BOOTENV_WHY_BYTES 384

/* A variable's value (`fw_printenv -n name`). 0; -ENOENT when it is not set; else -errno with why. */
int bootenv_get(const char *name, char *value, size_t value_size, char *why);

/*
 * Set every "name=value" of vars in one write (`fw_setenv -s FILE`: one line
 * each, "name value" for U-Boot's fw_setenv, "name=value" for libubootenv's,
 * told apart by their --help; a cut leaves the old environment or the new one,
 * as Mender does), then read each back with fw_printenv. 0; -EIO with why naming
 * the variable that did not take (the silent fw_setenv failures OpenWrt's
 * users meet: wrong fw_env.config geometry, a read-only env partition);
 * -ENOENT when the tools are missing; -EINVAL for a malformed entry.
 */
int bootenv_set(const char *const *vars, size_t n, char *why);

#endif /* APP_BOOTENV_H */
