/* tools/qemu/gpiohold.c — claim one GPIO line as an input and keep it until killed (the QEMU board's busy line) */
/*
 * The "line already claimed by another process" case on a real kernel: the
 * QEMU board's /init starts this before failsafed (kernel argument
 * fsd.hold=LINE), so failsafed's own request of the button line fails with
 * EBUSY. Built static with musl (tools/qemu/setup.sh), so the guest stays free
 * of glibc. GPIO character device uAPI v2 only: no libgpiod.
 *
 *   gpiohold CHIP_DEVICE LINE    e.g. gpiohold /dev/gpiochip0 3
 *
 * Prints "gpiohold: holding <label> line <n>" once the line is requested, then
 * waits; SIGTERM or SIGINT releases the line (the kernel frees it on exit).
 * Exit status: 1 if the line cannot be requested (the reason is printed).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct gpio_v2_line_request req;
	struct gpiochip_info info;
	char *end;
	long line;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: gpiohold CHIP_DEVICE LINE\n");
		return 2;
	}
	line = strtol(argv[2], &end, 10);
	if (*end || line < 0) {
		fprintf(stderr, "gpiohold: bad line number %s\n", argv[2]);
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &info) < 0) {
		fprintf(stderr, "gpiohold: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memset(&req, 0, sizeof(req));
	req.offsets[0] = (unsigned)line;
	req.num_lines = 1;
	req.config.flags = GPIO_V2_LINE_FLAG_INPUT;
	snprintf(req.consumer, sizeof(req.consumer), "gpiohold");
	if (ioctl(fd, GPIO_V2_GET_LINE_IOCTL, &req) < 0) {
		fprintf(stderr, "gpiohold: %s [%s] line %ld: %s\n", argv[1], info.label, line, strerror(errno));
		return 1;
	}
	close(fd); /* the line request lives on its own fd */
	printf("gpiohold: holding %s [%s] line %ld\n", argv[1], info.label, line);
	fflush(stdout);
	for (;;)
		pause();
}
