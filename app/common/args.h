/* app/common/args.h — the command-line parser of every applet: a table of options in, one callback per item, --help text (pure) */
#ifndef APP_ARGS_H
#define APP_ARGS_H

#include <stdbool.h>
#include <stddef.h>

struct args_opt {
	const char *name;               /* "--window-ms" */
	char short_name;                /* 'v', or 0 */
	const char *value_name;         /* "MS"; NULL: a flag */
	const char *help;               /* one line */
	int id;                         /* handed to the callback */
};

#define ARGS_OPERAND (-1)           /* callback id of an operand (a word that is not an option) */
#define ARGS_STOP 1                 /* callback return: stop here, the rest of argv is left unparsed */

/*
 * Called for each option (value NULL for a flag) and each operand (id
 * ARGS_OPERAND). Return 0 to go on, ARGS_STOP to stop, or -EINVAL after
 * writing why into err (args_parse() prefixes the option's name).
 */
typedef int (*args_cb)(void *ctx, int id, const char *value, char *err, size_t err_size);

struct args_spec {
	const char *usage;              /* "Usage: failsafed [OPTIONS]\nWhat it does.\n" */
	const struct args_opt *opts;
	size_t n_opts;
	const char *footer;             /* after the options, or NULL */
};

/*
 * Parse argv[1..]: "--name VALUE", "--name=VALUE", "-x", "-x VALUE",
 * bundled short flags ("-vv"), "--" (everything after is an operand).
 * Returns the index of the first argument not consumed (argc when the
 * callback never stopped), or -EINVAL with a message in err that names
 * the argument ("--window-ms: expects a number from 0 to 600000 (see --help)").
 */
int args_parse(const struct args_spec *spec, int argc, char **argv, args_cb cb, void *ctx,
	       char *err, size_t err_size);

/* The --help text: usage, one line per option (aligned), footer. */
void args_usage(const struct args_spec *spec, char *out, size_t size);

/* A decimal number in [min, max]. 0, or -EINVAL with "expects a number from MIN to MAX" in err. */
int args_number(const char *value, long min, long max, long *out, char *err, size_t err_size);

#endif /* APP_ARGS_H */
