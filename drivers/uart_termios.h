/* drivers/uart_termios.h — real console UARTs: raw mode at the board's baud through termios */
#ifndef DRIVERS_UART_TERMIOS_H
#define DRIVERS_UART_TERMIOS_H

#include "uart.h"

extern const struct uart_ops uart_termios_ops;

#endif /* DRIVERS_UART_TERMIOS_H */
