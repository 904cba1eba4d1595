/* app/loop/loop.h — the event loop seam: fd, timer, child and signal watchers embedded in their owners */
#ifndef APP_LOOP_H
#define APP_LOOP_H

#include <stdalign.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The struct that embeds member, from a pointer to it: watchers live inside their owners. */
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Storage for the backend's watcher; loop.c checks it is large enough. */
#define LOOP_WATCHER_BYTES 96

enum {
	LOOP_READ = 1u << 0,
	LOOP_WRITE = 1u << 1,
};

struct loop_fd;
typedef void (*loop_fd_cb)(struct loop_fd *f, unsigned events);
struct loop_fd {
	int fd;
	unsigned events;        /* LOOP_READ | LOOP_WRITE while registered, 0 when not */
	loop_fd_cb cb;
	alignas(16) unsigned char w[LOOP_WATCHER_BYTES];
};

struct loop_timer;
typedef void (*loop_timer_cb)(struct loop_timer *t);
struct loop_timer {
	loop_timer_cb cb;
	bool pending;
	uint64_t deadline_ms;   /* CLOCK_MONOTONIC ms */
	alignas(16) unsigned char w[LOOP_WATCHER_BYTES];
};

struct loop_child;
typedef void (*loop_child_cb)(struct loop_child *c, int status);
struct loop_child {
	pid_t pid;
	loop_child_cb cb;
	bool active;
	alignas(16) unsigned char w[LOOP_WATCHER_BYTES];
};

struct loop_signal;
typedef void (*loop_signal_cb)(struct loop_signal *s);
struct loop_signal {
	int signum;
	loop_signal_cb cb;
	alignas(16) unsigned char w[LOOP_WATCHER_BYTES];
};

/* CLOCK_MONOTONIC in milliseconds: a clock set during boot does not move it. */
uint64_t loop_now_ms(void);

/* 0 or -ENOMEM. Call once before any watcher is added. */
int loop_init(void);
/* Run until loop_stop() or no watcher is left. */
void loop_run(void);
void loop_stop(void);

/* Watch fd for events (LOOP_READ/LOOP_WRITE); events 0 stops watching. Calling again changes them. */
void loop_fd_set(struct loop_fd *f, int fd, unsigned events, loop_fd_cb cb);
void loop_fd_del(struct loop_fd *f);

/* Fire once at deadline_ms (never earlier); re-setting moves it. */
void loop_timer_at(struct loop_timer *t, uint64_t deadline_ms, loop_timer_cb cb);
void loop_timer_cancel(struct loop_timer *t);

/* Reap pid and call cb with its wait status. Children nobody watches (cancelled) are reaped too, unseen. */
void loop_child_watch(struct loop_child *c, pid_t pid, loop_child_cb cb);
void loop_child_cancel(struct loop_child *c);

void loop_signal_watch(struct loop_signal *s, int signum, loop_signal_cb cb);

#endif /* APP_LOOP_H */
