/* hal/log.h — one logger for hal, drivers and app: levels, one line per message, never blocks the daemon */
#ifndef HAL_LOG_H
#define HAL_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
	LOG_LVL_COUNT
};

/* Messages above this level are dropped (default LOG_LVL_INFO). */
void log_set_level(enum log_level level);
/* Prefix each message with this program name (default "failsafed"). */
void log_set_ident(const char *ident);

/*
 * Never block (the daemon): a pipe or terminal on stderr is reopened as a
 * non-blocking description of its own; lines that do not fit in a bounded
 * queue are dropped and counted, and one line saying how many were lost
 * goes out once there is room. wake(fd) is called whenever lines wait for
 * fd to become writable; the caller then calls log_flush(). 0 or -errno.
 */
int log_nonblocking(void (*wake)(int fd));
/* Send what waits (fd writable, or before exit). true while lines still wait. */
bool log_flush(void);

__attribute__((format(printf, 2, 3)))
void log_msg(enum log_level level, const char *fmt, ...);

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* HAL_LOG_H */
