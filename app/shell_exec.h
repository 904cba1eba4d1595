/* app/shell_exec.h — the failsafe login shell's start in a forked child (console and telnet sessions) */
#ifndef APP_SHELL_EXEC_H
#define APP_SHELL_EXEC_H

/*
 * In a freshly forked child: default signal dispositions and an empty mask,
 * a new session with tty_path as its controlling terminal and stdio (NULL:
 * keep stdin/stdout, stderr joins stdout), every other fd closed, TERM set if
 * missing, then exec argv. Nothing comes from a client. Never returns: on
 * failure it says why on stderr and exits 127.
 */
_Noreturn void shell_exec(char *const *argv, const char *tty_path);

#endif /* APP_SHELL_EXEC_H */
