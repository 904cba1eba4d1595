/* hal/io.h — whole writes and small reads of files (sysfs attributes, state files, logs of the simulator) */
#ifndef HAL_IO_H
#define HAL_IO_H

#include <stdbool.h>
#include <stddef.h>

/* Write all len bytes (retrying short writes and EINTR). 0 or -errno; -EIO for a write that makes no progress. */
int io_write_all(int fd, const void *buf, size_t len);
/* Open path, write text whole (O_TRUNC), close. 0 or -errno. */
int io_write_file(const char *path, const char *text);
/* Read up to size-1 bytes of path into buf, NUL-terminated, trailing newline removed. Length or -errno. */
int io_read_file(const char *path, char *buf, size_t size);

/*
 * Run argv (searched in PATH), stdout to /dev/null unless keep_stdout,
 * and wait for it. 0 when it exited 0; else -EIO (or -ENOENT when it could
 * not be started) with "NAME failed (status N)" in why (why_size bytes).
 */
int io_run(char *const argv[], bool keep_stdout, char *why, size_t why_size);

/* io_run with input_len bytes of input on the program's stdin (a pipe). A program that exits 0 without
 * taking all of it is a failure too (-EIO, why says so). */
int io_run_input(char *const argv[], const void *input, size_t input_len, bool keep_stdout, char *why,
		 size_t why_size);

/* io_run with the program's stdout in output (NUL-terminated, cut at output_size - 1). */
int io_run_output(char *const argv[], char *output, size_t output_size, char *why, size_t why_size);

#endif /* HAL_IO_H */
