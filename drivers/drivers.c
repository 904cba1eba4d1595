/* drivers/drivers.c — hal_drivers_open(): picks the real or simulated driver family for the board */
#include <errno.h>
#include <string.h>

#include "drivers.h"
#include "eth_rtnl.h"
#include "gpio_gpiod.h"
#include "led_real.h"
#include "log.h"
#include "sim_board.h"
#include "uart_termios.h"

static const struct {
	const char *name;
	unsigned bit;
} faults[] = {
	{ "gpio", HAL_FAULT_GPIO },
	{ "gpio-read", HAL_FAULT_GPIO_READ },
	{ "led", HAL_FAULT_LED },
	{ "console", HAL_FAULT_CONSOLE },
};

unsigned hal_fault_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(faults); i++)
		if (!strcmp(faults[i].name, name))
			return faults[i].bit;
	return 0;
}

static int open_sim(const struct board *b, const struct hal_options *o, struct hal_drivers *d)
{
	struct eth_rtnl *er;
	struct sim_board *s;
	int rc = sim_board_open(&s, b, o);

	if (rc < 0)
		return rc;
	d->input = &sim_input_ops;
	d->led = &sim_led_ops;
	d->uart = &sim_uart_ops;
	d->input_drv = d->led_drv = d->uart_drv = s;
	d->aux = (struct hal_aux){ .fd = sim_board_fd(s), .ready = sim_board_ready, .ctx = s };
	/* The simulated board's port is real, but only inside a network namespace made for it. */
	if (eth_rtnl_new(&er, false) == 0)
		d->eth = &eth_rtnl_ops, d->eth_drv = er;
	return 0;
}

static int open_real(const struct board *b, const struct hal_options *o, struct hal_drivers *d)
{
	struct gpiod_input *gi = NULL;
	struct led_real *lr = NULL;
	struct eth_rtnl *er;
	int rc;

	/* A family piece that cannot even allocate costs only that piece. */
	rc = gpiod_input_new(&gi);
	if (rc < 0)
		log_warn("board %s: GPIO inputs: %s", b->name, strerror(-rc));
	else
		d->input = &gpiod_input_ops, d->input_drv = gi;
	rc = led_real_new(&lr, o->sysfs_leds_dir);
	if (rc < 0)
		log_warn("board %s: LEDs: %s", b->name, strerror(-rc));
	else
		d->led = &led_real_ops, d->led_drv = lr;
	d->uart = &uart_termios_ops;
	rc = eth_rtnl_new(&er, true);
	if (rc < 0)
		log_warn("board %s: network: %s", b->name, strerror(-rc));
	else
		d->eth = &eth_rtnl_ops, d->eth_drv = er;
	return 0;
}

int hal_drivers_open(const struct board *b, const struct hal_options *o, struct hal_drivers *d)
{
	memset(d, 0, sizeof(*d));
	d->aux.fd = -1;
	switch (b->drivers) {
	case BOARD_DRIVERS_SIM:
		return open_sim(b, o, d);
	case BOARD_DRIVERS_REAL:
		return open_real(b, o, d);
	default:
		return -EINVAL;
	}
}

void hal_drivers_close(struct hal_drivers *d)
{
	/* Inputs and LEDs are closed through hal_input_close()/hal_led_close(); the sim owns its socket. */
	if (d->aux.fd >= 0 && d->input == &sim_input_ops)
		sim_board_close(d->aux.ctx);
	d->aux.fd = -1;
	if (d->eth)
		d->eth->close(d->eth_drv);
	d->eth = NULL;
}
