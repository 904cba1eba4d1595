/* tools/failsafectl/progress.h — transfer progress as text (serve's and recover's bars and lines): rate, time, bar */
#ifndef TOOLS_FAILSAFECTL_PROGRESS_H
#define TOOLS_FAILSAFECTL_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROGRESS_LABEL_COLS	15	/* a label is padded to this on a bar line */

/* "156 MiB/s", "812 B/s", "1.5 KiB/s": whole numbers from 100 up. */
void progress_rate_text(char *buf, size_t size, double bytes_per_s);

/* "0.30 s", "12.5 s", "812 s". */
void progress_secs_text(char *buf, size_t size, double secs);

/*
 * progress_text - @done of @total bytes after @elapsed_ms, as
 *   a line:  "LABEL: 26.2 MiB of 64.0 MiB (41%), 150 MiB/s, 0.30 s left[SUFFIX]"
 *   a bar:   "LABEL           [#####.....]  41%  26.2 MiB / 64.0 MiB  150 MiB/s  ETA 0.30 s"
 * The bar fills @width columns (the numbers first, the bar takes what is left, 10 at least).
 * @suffix (NULL: none) ends the line form only.
 */
void progress_text(char *buf, size_t size, const char *label, uint64_t done, uint64_t total, uint64_t elapsed_ms,
		   bool bar, int width, const char *suffix);

/* progress_done_text - "LABEL 64.0 MiB in 0.41 s (156 MiB/s)", e.g. with LABEL "192.168.1.1: sent". */
void progress_done_text(char *buf, size_t size, const char *label, uint64_t bytes, uint64_t elapsed_ms);

#endif /* TOOLS_FAILSAFECTL_PROGRESS_H */
