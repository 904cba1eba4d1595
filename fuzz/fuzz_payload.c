/* fuzz/fuzz_payload.c — libFuzzer target: an image's first bytes (plain or gzip) through payload_identify, and the board-name match */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct payload_id id;
	char text[256];
	size_t n = size < PAYLOAD_HEAD_BYTES ? size : PAYLOAD_HEAD_BYTES;

	/* the payload may be longer than what was seen of it, or shorter than the bytes at hand */
	payload_identify(data, n, size + (size & 1 ? 1000000 : 0), &id);
	if ((unsigned)id.format >= PAYLOAD_FORMAT_COUNT || !memchr(id.dir, 0, sizeof(id.dir)))
		abort();
	if ((id.format == PAYLOAD_SYSUPGRADE_TAR) != (id.dir[0] != '\0'))
		abort();
	if (id.format == PAYLOAD_SYSUPGRADE_TAR && (strncmp(id.dir, "sysupgrade-", 11) || strchr(id.dir, '/')))
		abort();
	if (id.gzip && (n < 2 || data[0] != 0x1f || data[1] != 0x8b))
		abort();
	payload_identify(data, n, n / 2, &id);
	payload_describe(&id, text, sizeof(text));
	if (!text[0] || !memchr(text, 0, sizeof(text)))
		abort();
	/* the board match as text: never longer than the directory, never true for an empty board */
	if (size > 1) {
		char dir[64], board[64];
		size_t cut = data[0] % (size - 1) + 1;
		size_t a = cut < sizeof(dir) ? cut : sizeof(dir) - 1, b = size - cut < sizeof(board) ? size - cut : sizeof(board) - 1;

		memcpy(dir, data, a);
		dir[a] = '\0';
		memcpy(board, data + cut, b);
		board[b] = '\0';
		if (payload_dir_matches(dir, "") || (payload_dir_matches(dir, board) && strlen(dir) != 11 + strlen(board)))
			abort();
	}
	return 0;
}
