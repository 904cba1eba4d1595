/* app/loop/statefiles.h — the state files of SPEC §8 (failsafe, failsafe_button, debug_level) */
#ifndef APP_STATEFILES_H
#define APP_STATEFILES_H

/* Write dir/name = content atomically (temp file + rename). 0 or -errno (logged with the path). */
int statefile_write(const char *dir, const char *name, const char *content);

#endif /* APP_STATEFILES_H */
