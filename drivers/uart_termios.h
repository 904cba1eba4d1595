/* drivers/uart_termios.h — real console UARTs: the console line discipline at the board's rate through termios */
#ifndef DRIVERS_UART_TERMIOS_H
#define DRIVERS_UART_TERMIOS_H

#include "uart.h"

struct uart_termios;

/* 0 or -ENOMEM. */
int uart_termios_new(struct uart_termios **out);
void uart_termios_free(struct uart_termios *u);
extern const struct uart_ops uart_termios_ops;

#endif /* DRIVERS_UART_TERMIOS_H */
