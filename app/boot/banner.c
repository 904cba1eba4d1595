/* app/boot/banner.c — the words of failsafe: every place that names a cause or shows the banner asks here */
#include <stdio.h>

#include "banner.h"

void banner_cause_text(const struct banner_cause *c, char *out, size_t size)
{
	if (c->cause == WINDOW_CAUSE_BUTTON)
		snprintf(out, size, "button %s", c->button ? c->button : "?");
	else
		snprintf(out, size, "%s", window_cause_name(c->cause));
}

void banner_via(const struct banner_cause *c, char *out, size_t size)
{
	if (c->cause == WINDOW_CAUSE_BUTTON)
		snprintf(out, size, "button:%s", c->button ? c->button : "?");
	else
		snprintf(out, size, "%s", window_cause_name(c->cause));
}

void banner_how(const struct banner_cause *c, char *out, size_t size)
{
	switch (c->cause) {
	case WINDOW_CAUSE_BUTTON:
		snprintf(out, size, "the button %s", c->button ? c->button : "?");
		break;
	case WINDOW_CAUSE_CONSOLE:
		snprintf(out, size, "the console (f + Enter)");
		break;
	case WINDOW_CAUSE_CMDLINE:
		snprintf(out, size, "the kernel command line (failsafe=)");
		break;
	case WINDOW_CAUSE_SIGNAL:
		snprintf(out, size, "a signal (SIGUSR1)");
		break;
	default:
		snprintf(out, size, "nothing yet");
		break;
	}
}

void banner_entry_lines(const struct banner_cause *c, char *out, size_t size)
{
	if (c->cause == WINDOW_CAUSE_BUTTON)
		snprintf(out, size, "- failsafe button %s was pressed -\n- failsafe -\n", c->button ? c->button : "?");
	else
		snprintf(out, size, "- failsafe -\n");
}

void banner_ssh_key(const char *addr, const char *label, const char *fp, char *out, size_t size)
{
	snprintf(out, size, "- ssh root@%s: %s key fingerprint is %s -\n", addr, label, fp);
}

void banner_text(const struct banner_cause *c, const struct board *b, char *out, size_t size)
{
	char how[64];

	banner_how(c, how, sizeof(how));
	snprintf(out, size,
		 BANNER_FIRST_LINE "\n"
		 "special commands:\n"
		 "* firstboot          reset settings to factory defaults\n"
		 "* mount_root         mount root-partition with config files\n"
		 "\n"
		 "after mount_root:\n"
		 "* passwd             change root's password\n"
		 "* /etc/config        directory with config files\n"
		 "\n"
		 "failsafe entered through %s on board %s (%s)\n"
		 "=======================================================\n",
		 how, b->name, b->model);
}
