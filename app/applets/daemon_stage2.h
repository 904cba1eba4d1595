/* app/applets/daemon_stage2.h — the daemon's part of a flash from RAM: take a handed-over flash, move into RAM, run it there */
#ifndef APP_DAEMON_STAGE2_H
#define APP_DAEMON_STAGE2_H

#include <stdbool.h>
#include <stddef.h>

#include "led_plan.h"

struct daemon_stage2_config {
	const char *state_dir;
	char **argv;                    /* the daemon's own command line: what runs again from RAM */
	int argc;
	char *const *shell_argv;        /* the login shell: it must be in the RAM root */
	const char *reboot_cmd;         /* and what reboots: the page's Reboot, and the end of a flash from RAM */
	const char *dropbear;           /* NULL: dropbear in PATH (copied when it is there) */
	bool (*in_failsafe)(void);
	void (*announce)(const char *text);     /* a line on every console */
	void (*stop_services)(void);            /* shells, telnet, SSH, the page, DHCP, mDNS, the consoles */
	void (*leds)(enum led_phase phase);     /* the daemon's own LED phase from now on */
	void (*cause)(int *cause, char *button, size_t size);   /* how failsafe was entered, for the successor */
};

void daemon_stage2_init(const struct daemon_stage2_config *c);

/*
 * The control socket's "stage2": take over the flash <state-dir>/stage2/request
 * describes. 0 once accepted (the move into RAM follows in the loop), or
 * -errno with one line in err (nothing touched).
 */
int daemon_stage2_request(char *err, size_t err_size);

/*
 * --stage2, before failsafe is entered: let the old root go and read the
 * request (how failsafe was entered, into cause and button). 0, or -errno
 * when there is none (logged: failsafe goes on, with no flash to run).
 */
int daemon_stage2_resume(int *cause, char *button, size_t size);

/* --stage2, failsafe entered: run the flash from RAM (or say why the move failed). */
void daemon_stage2_start(void);

/* One line for `failsafed status` and the tests: "" when no flash from RAM was asked for. */
void daemon_stage2_status(char *out, size_t size);

#endif /* APP_DAEMON_STAGE2_H */
