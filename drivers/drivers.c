/* drivers/drivers.c — hal_drivers_open/close: the one owner of every driver object, for each driver family */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers.h"
#include "eth_rtnl.h"
#include "gpio_gpiod.h"
#include "led_real.h"
#include "log.h"
#include "sim_board.h"
#include "uart_termios.h"

const struct hal_driver_option hal_driver_options[] = {
	{ "--sysfs-leds", "DIR", "LED class directory of a real board (default /sys/class/leds)", false },
#if FAILSAFED_SIM
	{ "--sim-dir", "DIR", "simulated board: control socket, leds.log (default <state-dir>/failsafed-sim)", false },
	{ "--sim-held", "BUTTON", "simulated board: BUTTON is held down at power-on (repeatable)", true },
	{ "--sim-fault", "KNOB", "simulated board: make a driver fail: " SIM_FAULT_KNOBS " (repeatable)", true },
#endif
	{ NULL, NULL, NULL, false },
};

struct hal_family {
	const char *name;
	size_t ctx_bytes;                 /* the family's record of what it allocated */
	int (*open)(struct hal_drivers *d, const struct hal_drivers_config *c, char *err, size_t err_size);
	void (*close)(struct hal_drivers *d);
	const char *const *options;       /* the driver options this family takes */
};

/* The objects a family allocates, freed by its close(): nothing is freed by guessing from pointers. */
#if FAILSAFED_SIM
struct sim_family {
	struct sim_board *board;
	struct eth_rtnl *eth;
};
#endif

struct real_family {
	struct gpiod_input *gpio;
	struct led_real *leds;
	struct uart_termios *uarts;
	struct eth_rtnl *eth;
};

static const char *arg(const struct hal_drivers_config *c, const char *name)
{
	const char *v = NULL;

	for (size_t i = 0; i < c->n_args; i++)
		if (!strcmp(c->args[i].name, name))
			v = c->args[i].value;
	return v;
}

#if FAILSAFED_SIM
static int sim_open(struct hal_drivers *d, const struct hal_drivers_config *c, char *err, size_t err_size)
{
	struct sim_family *f = d->family_ctx;
	struct sim_board_config sc = { .dir = arg(c, "--sim-dir") };
	char dir[256];
	int rc;

	if (!sc.dir) {
		snprintf(dir, sizeof(dir), "%s/failsafed-sim", c->state_dir ? c->state_dir : "/tmp");
		sc.dir = dir;
	}
	for (size_t i = 0; i < c->n_args; i++) {
		const char *name = c->args[i].name, *v = c->args[i].value;

		if (!strcmp(name, "--sim-held")) {
			rc = sim_board_button_bit(d->board, v);
			if (rc < 0) {
				snprintf(err, err_size, "--sim-held: board %s has no button \"%s\"", d->board->name, v);
				return -EINVAL;
			}
			sc.held |= (unsigned)rc;
		} else if (!strcmp(name, "--sim-fault")) {
			unsigned bit = sim_fault_parse(v);

			if (!bit) {
				snprintf(err, err_size, "--sim-fault: unknown knob \"%s\" (" SIM_FAULT_KNOBS ")", v);
				return -EINVAL;
			}
			sc.faults |= bit;
		}
	}
	rc = sim_board_open(&f->board, d->board, &sc);
	if (rc < 0) {
		snprintf(err, err_size, "board %s: simulated drivers in %s: %s%s", d->board->name, sc.dir,
			 strerror(-rc), rc == -EADDRINUSE ? " (another failsafed serves this --sim-dir)" : "");
		return rc;
	}
	d->input = &sim_input_ops;
	d->led = &sim_led_ops;
	d->uart = &sim_uart_ops;
	d->input_drv = d->led_drv = d->uart_drv = f->board;
	d->service_fd = sim_board_fd(f->board);
	d->service = sim_board_ready;
	d->service_ctx = f->board;
	/* The simulated board's port is real, but only inside a network namespace made for it. */
	if (eth_rtnl_new(&f->eth, false, c->state_dir) == 0) {
		eth_rtnl_set_fault(f->eth, sim_board_take_enobufs, f->board);
		d->eth = &eth_rtnl_ops;
		d->eth_drv = f->eth;
	}
	return 0;
}

static void sim_close(struct hal_drivers *d)
{
	struct sim_family *f = d->family_ctx;

	eth_rtnl_free(f->eth);
	sim_board_free(f->board);
}
#endif

static int real_open(struct hal_drivers *d, const struct hal_drivers_config *c, char *err, size_t err_size)
{
	struct real_family *f = d->family_ctx;
	const struct board *b = d->board;
	int rc;

	(void)err;
	(void)err_size;
	/* A piece that cannot even be set up costs only that piece. */
	if ((rc = gpiod_input_new(&f->gpio)) < 0)
		log_warn("board %s: GPIO inputs: %s", b->name, strerror(-rc));
	else
		d->input = &gpiod_input_ops, d->input_drv = f->gpio;
	if ((rc = led_real_new(&f->leds, arg(c, "--sysfs-leds"))) < 0)
		log_warn("board %s: LEDs: %s", b->name, strerror(-rc));
	else
		d->led = &led_real_ops, d->led_drv = f->leds;
	if ((rc = uart_termios_new(&f->uarts)) < 0)
		log_warn("board %s: consoles: %s", b->name, strerror(-rc));
	else
		d->uart = &uart_termios_ops, d->uart_drv = f->uarts;
	if ((rc = eth_rtnl_new(&f->eth, true, c->state_dir)) < 0)
		log_warn("board %s: network: %s", b->name, strerror(-rc));
	else
		d->eth = &eth_rtnl_ops, d->eth_drv = f->eth;
	return 0;
}

static void real_close(struct hal_drivers *d)
{
	struct real_family *f = d->family_ctx;

	eth_rtnl_free(f->eth);
	uart_termios_free(f->uarts);
	led_real_free(f->leds);
	gpiod_input_free(f->gpio);
}

static const char *const real_options[] = { "--sysfs-leds", NULL };
#if FAILSAFED_SIM
static const char *const sim_options[] = { "--sim-dir", "--sim-held", "--sim-fault", NULL };
#endif

/* A family left out of this build (the simulated board in a router build, FAILSAFED_SIM) has no open(). */
static const struct hal_family families[BOARD_DRIVERS_COUNT] = {
	[BOARD_DRIVERS_REAL] = { "real", sizeof(struct real_family), real_open, real_close, real_options },
#if FAILSAFED_SIM
	[BOARD_DRIVERS_SIM] = { "simulated", sizeof(struct sim_family), sim_open, sim_close, sim_options },
#endif
};

static bool takes(const struct hal_family *f, const char *name)
{
	for (const char *const *o = f->options; *o; o++)
		if (!strcmp(*o, name))
			return true;
	return false;
}

int hal_drivers_open(struct hal_drivers *d, const struct board *b, const struct hal_drivers_config *c,
		     char *err, size_t err_size)
{
	const struct hal_family *f;
	int rc;

	memset(d, 0, sizeof(*d));
	d->board = b;
	d->service_fd = -1;
	if ((unsigned)b->drivers >= BOARD_DRIVERS_COUNT) {
		snprintf(err, err_size, "board %s: drivers: %d is no driver family", b->name, (int)b->drivers);
		return -EINVAL;
	}
	f = &families[b->drivers];
	if (!f->open) {
		snprintf(err, err_size, "board %s: its drivers are not in this build (the simulated board: FAILSAFED_SIM)",
			 b->name);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < c->n_args; i++)
		if (!takes(f, c->args[i].name))
			log_warn("board %s: %s is not an option of the %s drivers; ignored", b->name, c->args[i].name,
				 f->name);
	d->family_ctx = calloc(1, f->ctx_bytes);
	if (!d->family_ctx) {
		snprintf(err, err_size, "board %s: drivers: %s", b->name, strerror(ENOMEM));
		return -ENOMEM;
	}
	d->family = f;
	rc = f->open(d, c, err, err_size);
	if (rc < 0)
		hal_drivers_close(d);
	return rc;
}

void hal_drivers_close(struct hal_drivers *d)
{
	if (d->family)
		d->family->close(d);
	free(d->family_ctx);
	/* Nothing may point at freed objects afterwards. */
	*d = (struct hal_drivers){ .board = d->board, .service_fd = -1 };
}

const char *hal_drivers_family_name(enum board_drivers drivers)
{
	return (unsigned)drivers < BOARD_DRIVERS_COUNT ? families[drivers].name : "?";
}

int hal_drivers_service_fd(const struct hal_drivers *d)
{
	return d->service_fd;
}

void hal_drivers_service(struct hal_drivers *d, uint64_t now_ms)
{
	if (d->service)
		d->service(d->service_ctx, now_ms);
}
