/* app/loop/shell_exec.h — the failsafe login shell's start in a forked child (console and telnet sessions) */
#ifndef APP_SHELL_EXEC_H
#define APP_SHELL_EXEC_H

#include <stdint.h>
#include <sys/types.h>

/*
 * In a freshly forked child: default signal dispositions and an empty mask,
 * a new session with tty_path as its controlling terminal and stdio (NULL:
 * keep stdin/stdout, stderr joins stdout), every other fd closed, TERM set if
 * missing, then exec argv. Nothing comes from a client. Never returns: on
 * failure it says why on stderr and exits 127.
 */
_Noreturn void shell_exec(char *const *argv, const char *tty_path);

/*
 * Hang up a shell started by shell_exec(): sig (SIGHUP, or SIGKILL when it
 * lingers) to its process group and to the shell itself (just forked, it
 * may not lead its group yet).
 */
void shell_hangup(pid_t pid, int sig);

/*
 * Reap pid synchronously (the loop may never run again: exit or exec into
 * the normal boot follows), SIGKILL to its group if it is still there at
 * deadline_ms (CLOCK_MONOTONIC), then at most SHELL_REAP_KILLED_MS more:
 * a process stuck in the kernel is left (logged), never waited for.
 */
#define SHELL_REAP_KILLED_MS 500u
void shell_reap(pid_t pid, uint64_t deadline_ms);

#endif /* APP_SHELL_EXEC_H */
