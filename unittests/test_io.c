/* unittests/test_io.c — io_read_file reads to the end when a file comes in pieces (a proc file's pages, a pipe) */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "io.h"

static char fifo[64];

/* Three pieces with pauses between: each read() of the other end returns one piece. */
static void *writer(void *arg)
{
	FILE *f = fopen(fifo, "w");
	char piece[3000];

	(void)arg;
	for (int i = 0; i < 3; i++) {
		memset(piece, 'a' + i, sizeof(piece));
		fwrite(piece, 1, sizeof(piece), f);
		fflush(f);
		nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL);
	}
	fputs("\n", f);
	fclose(f);
	return NULL;
}

static void reads_every_piece(void **s)
{
	static char buf[16384];
	pthread_t t;

	(void)s;
	snprintf(fifo, sizeof(fifo), "/tmp/fsd-test-io.%d", (int)getpid());
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(pthread_create(&t, NULL, writer, NULL), 0);
	assert_int_equal(io_read_file(fifo, buf, sizeof(buf)), 9000);   /* the newline at the end is dropped */
	pthread_join(t, NULL);
	unlink(fifo);
	assert_int_equal(buf[0], 'a');
	assert_int_equal(buf[3000], 'b');
	assert_int_equal(buf[8999], 'c');
	assert_int_equal(buf[9000], '\0');
}

static void bounded_and_missing(void **s)
{
	char small[8];

	(void)s;
	/* at most size-1 bytes, NUL-terminated */
	assert_int_equal(io_read_file("/proc/self/status", small, sizeof(small)), 7);
	assert_int_equal(strlen(small), 7);
	assert_int_equal(io_read_file("/nonexistent/file", small, sizeof(small)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_every_piece),
		cmocka_unit_test(bounded_and_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
