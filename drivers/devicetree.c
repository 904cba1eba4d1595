/* drivers/devicetree.c — the device tree as /proc/device-tree shows it: read a property; pick the board by its compatible */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "board_select.h"
#include "devicetree.h"

int devicetree_read(const char *path, char *buf, size_t size)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return (int)got;
}

int board_select(const struct board_entry *boards, size_t n, bool by_dt, const char *override,
		 const char *dt_path)
{
	static char dt[DEVICETREE_COMPATIBLE_MAX], why[BOARD_SELECT_WHY_BYTES];
	int len = 0, i;

	if (!dt_path)
		dt_path = BOARD_DT_COMPATIBLE_PATH;
	if (!override && (by_dt || n != 1))
		len = devicetree_read(dt_path, dt, sizeof(dt));
	why[0] = '\0';
	i = board_choose(boards, n, by_dt, override, dt, len > 0 ? (size_t)len : 0, len < 0 ? len : 0, dt_path,
			 why, sizeof(why));
	board_select_set(i >= 0 ? boards[i].board : NULL, why);
	return i >= 0 ? 0 : i;
}
