/* hal/clock.h — the one clock: CLOCK_MONOTONIC in milliseconds (a clock set during boot does not move it) */
#ifndef HAL_CLOCK_H
#define HAL_CLOCK_H

#include <stdint.h>

uint64_t hal_now_ms(void);

#endif /* HAL_CLOCK_H */
