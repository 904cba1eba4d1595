/* drivers/tty_raw.h — the console line discipline every UART driver applies to a terminal */
#ifndef DRIVERS_TTY_RAW_H
#define DRIVERS_TTY_RAW_H

#include <termios.h>

/*
 * Raw input (no canonical mode, echo, signal keys or EOF key; no CR/NL
 * translation; a read returns as soon as a byte is there), 8N1 without
 * flow control, output NL -> CR NL. speed 0 keeps the device's rate.
 * The settings found are stored in *saved for tty_raw_leave(). 0 or -errno.
 */
int tty_raw_enter(int fd, speed_t speed, struct termios *saved);
/* Give the terminal back as found, at once (draining a slow UART would block). */
void tty_raw_leave(int fd, const struct termios *saved);

#endif /* DRIVERS_TTY_RAW_H */
