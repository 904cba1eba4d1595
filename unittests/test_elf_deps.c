/* unittests/test_elf_deps.c — a program's interpreter and libraries read from its ELF headers: real files and made ones */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "elf_deps.h"

/* A made ELF32 big-endian program (a MIPS router's): PT_LOAD over the whole file, PT_INTERP, PT_DYNAMIC. */
struct made {
	uint8_t buf[1024];
	size_t len;
};

static void put(uint8_t *at, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		at[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

enum { PHOFF = 52, INTERP = 200, DYN = 260, STR = 400, VADDR = 0x400000 };

static void make32be(struct made *m, unsigned n_needed, bool runpath)
{
	static const char strings[] = "\0libc.so\0libev.so.4\0libmnl.so.0\0$ORIGIN/../lib:/opt/lib";
	unsigned d = 0;

	memset(m, 0, sizeof(*m));
	memcpy(m->buf, "\x7f" "ELF\x01\x02\x01", 7);
	put(m->buf + 28, PHOFF, 4);          /* e_phoff */
	put(m->buf + 42, 32, 2);             /* e_phentsize */
	put(m->buf + 44, 3, 2);              /* e_phnum */
	/* PT_LOAD: the file at VADDR */
	put(m->buf + PHOFF, 1, 4);
	put(m->buf + PHOFF + 4, 0, 4);
	put(m->buf + PHOFF + 8, VADDR, 4);
	put(m->buf + PHOFF + 16, sizeof(m->buf), 4);
	/* PT_INTERP */
	put(m->buf + PHOFF + 32, 3, 4);
	put(m->buf + PHOFF + 36, INTERP, 4);
	put(m->buf + PHOFF + 48, 20, 4);
	strcpy((char *)m->buf + INTERP, "/lib/ld-musl-mips-sf.so.1");
	/* PT_DYNAMIC */
	put(m->buf + PHOFF + 64, 2, 4);
	put(m->buf + PHOFF + 68, DYN, 4);
	put(m->buf + PHOFF + 80, 8 * 8, 4);
	put(m->buf + DYN + 8 * d, 5, 4);               /* DT_STRTAB, as an address */
	put(m->buf + DYN + 8 * d++ + 4, VADDR + STR, 4);
	for (unsigned i = 0; i < n_needed; i++) {
		put(m->buf + DYN + 8 * d, 1, 4);       /* DT_NEEDED */
		put(m->buf + DYN + 8 * d++ + 4, i == 0 ? 1 : i == 1 ? 9 : 20, 4);
	}
	if (runpath) {
		put(m->buf + DYN + 8 * d, 29, 4);      /* DT_RUNPATH */
		put(m->buf + DYN + 8 * d++ + 4, 32, 4);
	}
	memcpy(m->buf + STR, strings, sizeof(strings));
	m->len = sizeof(m->buf);
}

static void made_mips(void **s)
{
	struct made m;
	struct elf_deps d;
	char why[128];

	(void)s;
	make32be(&m, 3, true);
	assert_int_equal(elf_deps_parse(m.buf, m.len, &d, why, sizeof(why)), 0);
	assert_true(d.is_elf && d.dynamic);
	assert_string_equal(d.interp, "/lib/ld-musl-mips-sf.so.1");
	assert_int_equal(d.n_needed, 3);
	assert_string_equal(d.needed[0], "libc.so");
	assert_string_equal(d.needed[1], "libev.so.4");
	assert_string_equal(d.needed[2], "libmnl.so.0");
	assert_string_equal(d.runpath, "$ORIGIN/../lib:/opt/lib");
	/* cut anywhere in the headers, the dynamic section or the strings: refused, never read past */
	for (size_t cut = 0; cut < STR + 20; cut += 7) {
		int rc = elf_deps_parse(m.buf, cut, &d, why, sizeof(why));

		assert_true(rc == 0 || rc == -EINVAL);
		if (cut >= 16 && cut < STR + 10 && rc == 0)
			fail_msg("cut at %zu: accepted (%u needed)", cut, d.n_needed);
	}
	/* a DT_STRTAB that no segment maps */
	put(m.buf + DYN + 4, 0x10, 4);
	assert_int_equal(elf_deps_parse(m.buf, m.len, &d, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "DT_STRTAB"));
}

static void not_elf_and_static(void **s)
{
	static const uint8_t script[] = "#!/bin/sh -e\necho hi\n";
	struct made m;
	struct elf_deps d;
	char why[128], interp[64];

	(void)s;
	assert_int_equal(elf_deps_parse(script, sizeof(script), &d, why, sizeof(why)), 0);
	assert_false(d.is_elf);
	assert_true(elf_deps_script(script, sizeof(script), interp, sizeof(interp)));
	assert_string_equal(interp, "/bin/sh");
	assert_false(elf_deps_script((const uint8_t *)"#!", 2, interp, sizeof(interp)));
	assert_false(elf_deps_script((const uint8_t *)"#! \n", 4, interp, sizeof(interp)));
	assert_false(elf_deps_script((const uint8_t *)"#!\0/bin/sh\n", 11, interp, sizeof(interp)));   /* no name before a NUL */
	/* a static program: a PT_LOAD and nothing else */
	make32be(&m, 0, false);
	put(m.buf + 44, 1, 2);
	assert_int_equal(elf_deps_parse(m.buf, m.len, &d, why, sizeof(why)), 0);
	assert_true(d.is_elf);
	assert_false(d.dynamic);
	assert_string_equal(d.interp, "");
	assert_int_equal(d.n_needed, 0);
	/* an unknown class */
	m.buf[4] = 7;
	assert_int_equal(elf_deps_parse(m.buf, m.len, &d, why, sizeof(why)), -EINVAL);
}

/* This test program itself: on the host a dynamic ELF64 little-endian program linked with cmocka and libc; in a
 * static cross build, static (checked, then skipped). */
static void real_program(void **s)
{
	struct elf_deps d;
	struct stat st;
	uint8_t *buf;
	char why[128];
	int fd = open("/proc/self/exe", O_RDONLY);
	bool cmocka = false, libc = false;

	(void)s;
	assert_true(fd >= 0 && fstat(fd, &st) == 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	assert_int_equal(elf_deps_parse(buf, (size_t)st.st_size, &d, why, sizeof(why)), 0);
	assert_true(d.is_elf);
	if (!d.dynamic || !d.interp[0]) {   /* the static musl cross builds' test programs (cross_<cpu>_unit): nothing is needed */
		assert_int_equal(d.n_needed, 0);
		free(buf);
		skip();
	}
	assert_true(d.dynamic);
	assert_true(d.interp[0] == '/');
	for (unsigned i = 0; i < d.n_needed; i++) {
		cmocka |= !strncmp(d.needed[i], "libcmocka.so", 12);
		libc |= !strncmp(d.needed[i], "libc.so", 7);
	}
	assert_true(cmocka && libc);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(made_mips),
		cmocka_unit_test(not_elf_and_static),
		cmocka_unit_test(real_program),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
