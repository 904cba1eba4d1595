/* fuzz/fuzz_elf_deps.c — libFuzzer target: any bytes as a program the RAM root copies (ELF reader, script line) */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf_deps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void terminated(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct elf_deps d;
	char why[160], interp[64];
	int rc;

	memset(why, 0x55, sizeof(why));
	rc = elf_deps_parse(data, size, &d, why, sizeof(why));
	terminated(why, sizeof(why));
	if (rc != 0 && rc != -EINVAL && rc != -E2BIG)
		abort();
	if ((rc < 0 && (!d.is_elf || !why[0])) || (rc == 0 && why[0]))
		abort();
	if (!d.is_elf && (d.dynamic || d.interp[0] || d.n_needed || d.runpath[0]))
		abort();
	if (d.n_needed > ELF_DEPS_MAX_NEEDED)
		abort();
	terminated(d.interp, sizeof(d.interp));
	terminated(d.runpath, sizeof(d.runpath));
	for (unsigned i = 0; i < d.n_needed; i++)
		terminated(d.needed[i], sizeof(d.needed[i]));
	memset(interp, 0x55, sizeof(interp));
	if (elf_deps_script(data, size, interp, sizeof(interp)) && (!interp[0] || !memchr(interp, '\0', sizeof(interp)) ||
								     strpbrk(interp, " \t\r\n")))
		abort();
	return 0;
}
