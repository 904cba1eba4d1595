/* fuzz/fuzz_sysconfig.c — libFuzzer target: any bytes as /etc/config/system through sysconfig_option */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sysconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[16], big[512];
	int rc;

	memset(out, 0x55, sizeof(out));
	rc = sysconfig_option((const char *)data, size, "system", "compat_version", out, sizeof(out));
	if (rc != 0 && rc != 1 && rc != -E2BIG && rc != -EINVAL)
		abort();
	if (rc == 1 && strlen(out) >= sizeof(out))
		abort();
	/* a larger buffer finds the same thing, or more when the small one was too small */
	rc = sysconfig_option((const char *)data, size, "system", "compat_version", big, sizeof(big)) == 1 ? 1 : 0;
	if (rc == 1 && sysconfig_option((const char *)data, size, "system", "compat_version", out, sizeof(out)) == 1 &&
	    strcmp(out, big))
		abort();
	return 0;
}
