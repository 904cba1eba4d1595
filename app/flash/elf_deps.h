/* app/flash/elf_deps.h — what a program needs beside it to run: its ELF interpreter and libraries (pure) */
#ifndef APP_ELF_DEPS_H
#define APP_ELF_DEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_DEPS_MAX_NEEDED 32
#define ELF_DEPS_NAME_BYTES 128
#define ELF_DEPS_PATH_BYTES 512

/*
 * What ldd would list, read from the file itself (OpenWrt's stage2 asks ldd;
 * a static musl build needs nothing): PT_INTERP, DT_NEEDED, DT_RUNPATH or
 * DT_RPATH. ELF32 and ELF64, either byte order.
 */
struct elf_deps {
	bool is_elf;
	bool dynamic;                   /* has a PT_DYNAMIC: libraries are loaded at run time */
	char interp[ELF_DEPS_PATH_BYTES];   /* "/lib/ld-linux-aarch64.so.1", "" for a static program */
	unsigned n_needed;
	char needed[ELF_DEPS_MAX_NEEDED][ELF_DEPS_NAME_BYTES];   /* "libev.so.4", ... */
	char runpath[ELF_DEPS_PATH_BYTES];  /* ':'-separated, as written ($ORIGIN not expanded); "" for none */
};

/*
 * Parse the len bytes of an ELF file at buf. 0 with out filled (out->is_elf
 * false: not an ELF file, e.g. a script); -EINVAL with why when an ELF file
 * is malformed (a header, a segment or a string out of the file's bounds),
 * -E2BIG when it needs more libraries than ELF_DEPS_MAX_NEEDED.
 */
int elf_deps_parse(const uint8_t *buf, size_t len, struct elf_deps *out, char *why, size_t why_size);

/*
 * A script's interpreter ("#!/bin/sh -e" -> "/bin/sh") into out. true when
 * buf starts with "#!" and names one.
 */
bool elf_deps_script(const uint8_t *buf, size_t len, char *out, size_t out_size);

#endif /* APP_ELF_DEPS_H */
