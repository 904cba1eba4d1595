/* tools/failsafectl/progress.c — transfer progress as text (serve's and recover's bars and lines): rate, time, bar */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failsafectl.h"

void progress_rate_text(char *buf, size_t size, double bytes_per_s)
{
	char t[32];

	mkimage_size_text(t, sizeof(t), (uint64_t)bytes_per_s);
	/* "156.3 MiB" reads better as "156 MiB" */
	if (bytes_per_s >= 100 * 1024.0) {
		char *dot = strchr(t, '.');

		if (dot && strtod(t, NULL) >= 100)
			memmove(dot, dot + 2, strlen(dot + 2) + 1);
	}
	snprintf(buf, size, "%.24s/s", t);
}

void progress_secs_text(char *buf, size_t size, double secs)
{
	snprintf(buf, size, secs < 10 ? "%.2f s" : secs < 600 ? "%.1f s" : "%.0f s", secs);
}

void progress_text(char *buf, size_t size, const char *label, uint64_t done, uint64_t total, uint64_t elapsed_ms,
		   bool bar, int width, const char *suffix)
{
	char got[32], all[32], rate[32], eta[32] = "?";
	double secs = (double)elapsed_ms / 1000, bps = secs > 0.05 ? (double)done / secs : 0;
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
	char bars[64], right[160];
	size_t label_cols = strlen(label) > PROGRESS_LABEL_COLS ? strlen(label) : PROGRESS_LABEL_COLS;
	int fill;

	if (done > total)
		done = total;
	mkimage_size_text(got, sizeof(got), done);
	mkimage_size_text(all, sizeof(all), total);
	if (bps > 0) {
		progress_rate_text(rate, sizeof(rate), bps);
		progress_secs_text(eta, sizeof(eta), (double)(total - done) / bps);
	} else {
		snprintf(rate, sizeof(rate), "- B/s");
	}
	if (!bar) {
		snprintf(buf, size, "%s: %s of %s (%u%%), %s, %s left%s", label, got, all, pct, rate, eta,
			 suffix ? suffix : "");
		return;
	}
	snprintf(right, sizeof(right), "%3u%%  %s / %s  %s  ETA %s", pct, got, all, rate, eta);
	/* the bar takes what the terminal has left: label, brackets and the numbers first */
	width -= (int)label_cols + 4 + (int)strlen(right);
	if (width < 10)
		width = 10;
	if (width > (int)sizeof(bars) - 1)
		width = (int)sizeof(bars) - 1;
	fill = (int)((uint64_t)width * done / (total ? total : 1));
	memset(bars, '#', (size_t)fill);
	memset(bars + fill, '.', (size_t)(width - fill));
	bars[width] = '\0';
	snprintf(buf, size, "%-*s [%s] %s", PROGRESS_LABEL_COLS, label, bars, right);
}

void progress_done_text(char *buf, size_t size, const char *label, uint64_t bytes, uint64_t elapsed_ms)
{
	char all[32], secs[32], rate[32];
	double t = (double)elapsed_ms / 1000;

	mkimage_size_text(all, sizeof(all), bytes);
	progress_secs_text(secs, sizeof(secs), t);
	progress_rate_text(rate, sizeof(rate), t > 0 ? (double)bytes / t : 0);
	snprintf(buf, size, "%s %s in %s (%s)", label, all, secs, rate);
}
