/* app/loop/statefiles.h — the state files of SPEC §8 (failsafe, failsafe_button, debug_level) */
#ifndef APP_STATEFILES_H
#define APP_STATEFILES_H

/* Write dir/name = content atomically (temp file + rename). 0 or -errno (logged with the path). */
int statefile_write(const char *dir, const char *name, const char *content);

/*
 * At start: remove failsafe, failsafe_button and debug_level (and a temp
 * file a killed run left) from dir. They describe one run's boot; a daemon
 * started again (after a crash or a kill) must not claim a failsafe it has
 * not entered. Missing files are fine; other failures are logged.
 */
void statefiles_reset(const char *dir);

#endif /* APP_STATEFILES_H */
