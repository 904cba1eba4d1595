/* fuzz/fuzz_stage2_req.c — libFuzzer target: any bytes as the stage2 request file, parsed, formatted and parsed again */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stage2_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void terminated(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		abort();
}

static void same(const struct stage2_req *a, const struct stage2_req *b)
{
	if (a->argc != b->argc || a->n_tools != b->n_tools || strcmp(a->why, b->why) || strcmp(a->cause, b->cause) ||
	    strcmp(a->button, b->button) || strcmp(a->abandoned, b->abandoned))
		abort();
	for (unsigned i = 0; i < a->argc; i++)
		if (strcmp(a->argv[i], b->argv[i]))
			abort();
	for (unsigned i = 0; i < a->n_tools; i++)
		if (strcmp(a->tool[i], b->tool[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stage2_req req, again;
	static char text[2 * STAGE2_REQ_BYTES];
	char *in = malloc(size + 1), why[200];
	int n;

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';   /* the daemon reads the file into a NUL-terminated buffer */
	memset(why, 0x55, sizeof(why));
	if (stage2_req_parse(in, &req, why, sizeof(why)) < 0) {
		terminated(why, sizeof(why));
		free(in);
		return 0;
	}
	free(in);
	if (req.argc < 1 || req.argc > STAGE2_ARGS_MAX || req.n_tools > STAGE2_TOOLS_MAX)
		abort();
	for (unsigned i = 0; i < req.argc; i++)
		terminated(req.argv[i], sizeof(req.argv[i]));
	for (unsigned i = 0; i < req.n_tools; i++)
		terminated(req.tool[i], sizeof(req.tool[i]));
	terminated(req.why, sizeof(req.why));
	terminated(req.cause, sizeof(req.cause));
	terminated(req.button, sizeof(req.button));
	terminated(req.abandoned, sizeof(req.abandoned));
	/* what parses formats again (unless a value holds a CR, which a line cannot carry back), and reads the same */
	n = stage2_req_format(&req, text, sizeof(text));
	if (n == -EINVAL)
		return 0;
	if (n < 0 || (size_t)n >= sizeof(text) || strlen(text) != (size_t)n)
		abort();
	if (stage2_req_parse(text, &again, why, sizeof(why)) < 0)
		abort();
	same(&req, &again);
	return 0;
}
