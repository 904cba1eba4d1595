/* app/flash/ramroot.h — a root in RAM to flash from when the storage holds the running root (OpenWrt's switch_to_ramfs) */
#ifndef APP_RAMROOT_H
#define APP_RAMROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RAMROOT_WHY_BYTES 512

/* sysupgrade's exit statuses around a flash from RAM, shared with the daemon and its page */
#define STAGE2_EXIT_HANDED_OVER 43      /* failsafed took the flash over to write it from RAM (the page keeps showing it) */
#define STAGE2_EXIT_IN_USE 44           /* what a step would write is in use and stays so: nothing written */

struct ramroot {
	char dir[4096];
	uint64_t bytes;                 /* copied into it */
	unsigned files;
	bool busybox;                   /* BusyBox came along, with every link to it */
};

/*
 * Make dir (in RAM: tmpfs or ramfs, else -EXDEV) with the directories a
 * root needs, and copy into it, each at the path it has now: this program
 * (/proc/self/exe) as /usr/sbin/failsafed, with /sbin/upgraded linked to it
 * (what procd execs as PID 1 in failsafe); each of programs (a name found
 * in PATH, or a path; one not found is skipped, failsafed's own or the
 * shell must be there: required) with the symbolic links on its way, its ELF
 * interpreter and libraries (DT_NEEDED through DT_RUNPATH, then /lib,
 * /usr/lib and their multiarch directories) or a script's interpreter;
 * BusyBox, when one of them is BusyBox, with every link to it in /bin,
 * /sbin, /usr/bin, /usr/sbin; each of files that exists (configuration:
 * /etc/fw_env.config). 0, or -errno with why (a copy in RAM that ran out of
 * room is removed again).
 */
int ramroot_build(struct ramroot *r, const char *dir, const char *const *programs, const char *required,
		  const char *const *files, char *why);

/* Remove what ramroot_build made (nothing mounted below dir). */
void ramroot_remove(const char *dir);

/*
 * Move into dir, as OpenWrt's supivot does: dir bind-mounted on itself,
 * /proc moved in, pivot_root with the old root at dir + old_name, then
 * /sys, /dev and /tmp (with what is mounted below them) moved from the old
 * root into the new one. Every process whose root or working directory was
 * the old root is now in dir. 0, or -errno with why (what was moved is moved
 * back as far as it can be).
 */
int ramroot_enter(const char *dir, const char *old_name, char *why);

/* Let the old root go: unmounted lazily, with everything mounted below it, and its directory removed. 0 or -errno. */
int ramroot_release(const char *old, char *why);

#endif /* APP_RAMROOT_H */
