/* app/loop/loop.c — the one file that owns the libev loop; everything else uses loop.h */
#include <errno.h>
#include <ev.h>
#include <stddef.h>

#include "clock.h"
#include "loop.h"

_Static_assert(sizeof(ev_io) <= LOOP_WATCHER_BYTES, "ev_io does not fit loop_fd");
_Static_assert(sizeof(ev_timer) <= LOOP_WATCHER_BYTES, "ev_timer does not fit loop_timer");
_Static_assert(sizeof(ev_child) <= LOOP_WATCHER_BYTES, "ev_child does not fit loop_child");
_Static_assert(sizeof(ev_signal) <= LOOP_WATCHER_BYTES, "ev_signal does not fit loop_signal");

static struct ev_loop *loop;

uint64_t loop_now_ms(void)
{
	return hal_now_ms();
}

int loop_init(void)
{
	/* The default loop is the only one that can watch children. */
	loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOENV);
	return loop ? 0 : -ENOMEM;
}

void loop_run(void)
{
	ev_run(loop, 0);
}

void loop_stop(void)
{
	ev_break(loop, EVBREAK_ALL);
}

static void fd_thunk(struct ev_loop *l, ev_io *w, int revents)
{
	struct loop_fd *f = container_of(w, struct loop_fd, w);
	unsigned events = 0;

	(void)l;
	if (revents & EV_READ)
		events |= LOOP_READ;
	if (revents & EV_WRITE)
		events |= LOOP_WRITE;
	f->cb(f, events);
}

void loop_fd_set(struct loop_fd *f, int fd, unsigned events, loop_fd_cb cb)
{
	ev_io *w = (ev_io *)(void *)f->w;
	int ev_events = (events & LOOP_READ ? EV_READ : 0) | (events & LOOP_WRITE ? EV_WRITE : 0);

	if (f->events)
		ev_io_stop(loop, w);
	f->fd = fd;
	f->cb = cb;
	f->events = events;
	if (!events)
		return;
	ev_io_init(w, fd_thunk, fd, ev_events);
	ev_io_start(loop, w);
}

void loop_fd_del(struct loop_fd *f)
{
	if (f->events)
		ev_io_stop(loop, (ev_io *)(void *)f->w);
	f->events = 0;
}

static void timer_arm(struct loop_timer *t)
{
	ev_timer *w = (ev_timer *)(void *)t->w;
	uint64_t now_ms;
	double after_s;

	ev_now_update(loop);
	now_ms = loop_now_ms();
	/* libev rounds; arm a little late and re-check in the thunk, never fire early. */
	after_s = t->deadline_ms > now_ms ? (double)(t->deadline_ms - now_ms) / 1000.0 + 0.0002 : 0.0;
	ev_timer_set(w, after_s, 0.0);
	ev_timer_start(loop, w);
}

static void timer_thunk(struct ev_loop *l, ev_timer *w, int revents)
{
	struct loop_timer *t = container_of(w, struct loop_timer, w);

	(void)l;
	(void)revents;
	if (loop_now_ms() < t->deadline_ms) {
		timer_arm(t);
		return;
	}
	t->pending = false;
	t->cb(t);
}

void loop_timer_at(struct loop_timer *t, uint64_t deadline_ms, loop_timer_cb cb)
{
	ev_timer *w = (ev_timer *)(void *)t->w;

	if (t->pending)
		ev_timer_stop(loop, w);
	else
		ev_init(w, timer_thunk);
	t->cb = cb;
	t->deadline_ms = deadline_ms;
	t->pending = true;
	timer_arm(t);
}

void loop_timer_cancel(struct loop_timer *t)
{
	if (t->pending)
		ev_timer_stop(loop, (ev_timer *)(void *)t->w);
	t->pending = false;
}

static void child_thunk(struct ev_loop *l, ev_child *w, int revents)
{
	struct loop_child *c = container_of(w, struct loop_child, w);

	(void)revents;
	ev_child_stop(l, w);
	c->active = false;
	c->cb(c, w->rstatus);
}

void loop_child_watch(struct loop_child *c, pid_t pid, loop_child_cb cb)
{
	ev_child *w = (ev_child *)(void *)c->w;

	c->pid = pid;
	c->cb = cb;
	c->active = true;
	ev_child_init(w, child_thunk, pid, 0);
	ev_child_start(loop, w);
}

void loop_child_cancel(struct loop_child *c)
{
	if (c->active)
		ev_child_stop(loop, (ev_child *)(void *)c->w);
	c->active = false;
}

static void signal_thunk(struct ev_loop *l, ev_signal *w, int revents)
{
	struct loop_signal *s = container_of(w, struct loop_signal, w);

	(void)l;
	(void)revents;
	s->cb(s);
}

void loop_signal_watch(struct loop_signal *s, int signum, loop_signal_cb cb)
{
	ev_signal *w = (ev_signal *)(void *)s->w;

	s->signum = signum;
	s->cb = cb;
	ev_signal_init(w, signal_thunk, signum);
	ev_signal_start(loop, w);
}
