/* app/boot/banner.h — the words of failsafe, from one place: prompts, cause names, the beacon's via=, the banner (pure) */
#ifndef APP_BANNER_H
#define APP_BANNER_H

#include <stddef.h>

#include "board.h"
#include "window.h"

#define BANNER_PROMPT \
	"Press the [f] key and hit [enter] to enter failsafe mode\n" \
	"Press the [1], [2], [3] or [4] key and hit [enter] to select the debug level\n"
#define BANNER_FIRST_LINE "================= FAILSAFE MODE active ================"
#define BANNER_BYTES 1024

/* How failsafe was entered. */
struct banner_cause {
	enum window_cause cause;
	const char *button;     /* the button's name with WINDOW_CAUSE_BUTTON */
};

/* The failsafe state file's content: "button reset", "console", "cmdline", "signal" (no newline). */
void banner_cause_text(const struct banner_cause *c, char *out, size_t size);
/* The beacon's via= value: "button:reset", "console", "cmdline", "signal". */
void banner_via(const struct banner_cause *c, char *out, size_t size);
/* In words, for people: "the button reset", "the console (f + Enter)", ... */
void banner_how(const struct banner_cause *c, char *out, size_t size);
/* The console lines at entry: "- failsafe button reset was pressed -\n" (button only) and "- failsafe -\n". */
void banner_entry_lines(const struct banner_cause *c, char *out, size_t size);
/*
 * The console line for an SSH host key, worded as OpenSSH asks about it so
 * the two can be compared: "- ssh root@192.168.1.1: ED25519 key fingerprint
 * is SHA256:... -\n". label as OpenSSH names the type ("ED25519", "RSA").
 */
void banner_ssh_key(const char *addr, const char *label, const char *fp, char *out, size_t size);
/* The banner of every failsafe login (telnet, console, SSH): OpenWrt's first line, the commands, how, where. */
void banner_text(const struct banner_cause *c, const struct board *b, char *out, size_t size);

#endif /* APP_BANNER_H */
