/* app/common/args.c — table-driven command-line parsing and --help for every applet (pure) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

static const struct args_opt *find_long(const struct args_spec *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->n_opts; i++)
		if (s->opts[i].name && strlen(s->opts[i].name) == len && !strncmp(s->opts[i].name, name, len))
			return &s->opts[i];
	return NULL;
}

static const struct args_opt *find_short(const struct args_spec *s, char c)
{
	for (size_t i = 0; i < s->n_opts; i++)
		if (s->opts[i].short_name == c)
			return &s->opts[i];
	return NULL;
}

/* Run the callback; on -EINVAL put the argument's name in front of its reason. */
static int call(args_cb cb, void *ctx, const char *what, int id, const char *value, char *err, size_t err_size)
{
	char why[200] = "";
	int rc = cb(ctx, id, value, why, sizeof(why));

	if (rc < 0)
		snprintf(err, err_size, "%s: %s (see --help)", what, why[0] ? why : "invalid");
	return rc;
}

static int fail(char *err, size_t err_size, const char *what, const char *why)
{
	snprintf(err, err_size, "%s: %s (see --help)", what, why);
	return -EINVAL;
}

int args_parse(const struct args_spec *spec, int argc, char **argv, args_cb cb, void *ctx,
	       char *err, size_t err_size)
{
	bool operands_only = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct args_opt *o;
		const char *value = NULL;

		if (operands_only || a[0] != '-' || !a[1]) {
			rc = call(cb, ctx, a, ARGS_OPERAND, a, err, err_size);
			goto next;
		}
		if (!strcmp(a, "--")) {
			operands_only = true;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a, '=');

			o = find_long(spec, a, eq ? (size_t)(eq - a) : strlen(a));
			if (!o)
				return fail(err, err_size, a, "unknown option");
			if (eq && !o->value_name)
				return fail(err, err_size, o->name, "takes no value");
			if (eq)
				value = eq + 1;
			else if (o->value_name && i + 1 < argc)
				value = argv[++i];
			else if (o->value_name)
				return fail(err, err_size, o->name, "needs a value");
			rc = call(cb, ctx, o->name, o->id, value, err, err_size);
			goto next;
		}
		/* Short options: "-v", "-vv", "-p 23". */
		for (const char *c = a + 1; *c; c++) {
			char name[3] = { '-', *c, '\0' };

			o = find_short(spec, *c);
			if (!o)
				return fail(err, err_size, name, "unknown option");
			if (o->value_name) {
				if (c[1])
					value = c + 1;
				else if (i + 1 < argc)
					value = argv[++i];
				else
					return fail(err, err_size, name, "needs a value");
				rc = call(cb, ctx, name, o->id, value, err, err_size);
				goto next;
			}
			rc = call(cb, ctx, name, o->id, NULL, err, err_size);
			if (rc)
				goto next;
		}
		continue;
next:
		if (rc < 0)
			return rc;
		if (rc == ARGS_STOP)
			return i + 1;
	}
	return argc;
}

void args_usage(const struct args_spec *spec, char *out, size_t size)
{
	size_t n = 0;

#define PUT(...) (n += (size_t)snprintf(n < size ? out + n : NULL, n < size ? size - n : 0, __VA_ARGS__))
	PUT("%s", spec->usage);
	if (spec->n_opts)
		PUT("\n");
	for (size_t i = 0; i < spec->n_opts; i++) {
		const struct args_opt *o = &spec->opts[i];
		char left[48];

		if (!o->help)
			continue;
		if (o->short_name && o->name)
			snprintf(left, sizeof(left), "-%c, %s%s%s", o->short_name, o->name, o->value_name ? " " : "",
				 o->value_name ? o->value_name : "");
		else if (o->short_name)
			snprintf(left, sizeof(left), "-%c%s%s", o->short_name, o->value_name ? " " : "",
				 o->value_name ? o->value_name : "");
		else
			snprintf(left, sizeof(left), "%s%s%s", o->name, o->value_name ? " " : "",
				 o->value_name ? o->value_name : "");
		if (strlen(left) < 24)
			PUT("  %-24s %s\n", left, o->help);
		else
			PUT("  %s\n  %-24s %s\n", left, "", o->help);
	}
	if (spec->footer)
		PUT("\n%s", spec->footer);
#undef PUT
	if (size && n >= size)
		out[size - 1] = '\0';
}

int args_number(const char *value, long min, long max, long *out, char *err, size_t err_size)
{
	char *end;

	errno = 0;
	/* strtol would take " 5" and "+5" too: a number is digits, with a '-' at most. */
	if (!(value[0] >= '0' && value[0] <= '9') && !(value[0] == '-' && value[1] >= '0' && value[1] <= '9'))
		value = "";
	*out = strtol(value, &end, 10);
	if (errno || end == value || *end || *out < min || *out > max) {
		snprintf(err, err_size, "expects a number from %ld to %ld", min, max);
		return -EINVAL;
	}
	return 0;
}
