/* hal/clock.c — CLOCK_MONOTONIC in milliseconds, shared by the loop and the drivers that stamp events */
#include <time.h>

#include "clock.h"

uint64_t hal_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
