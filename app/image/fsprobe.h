/* app/image/fsprobe.h — what filesystem the first bytes of a volume hold, and whether it is blank (pure) */
#ifndef APP_FSPROBE_H
#define APP_FSPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FSPROBE_BYTES 4096   /* read this much from the start of a volume */

enum fsprobe_blank {
	FSPROBE_NOT_BLANK = 0,
	FSPROBE_ERASED,          /* all 0xFF: erased flash (an empty JFFS2, an empty UBI volume) */
	FSPROBE_ZEROED,          /* all 0x00 */
	FSPROBE_MARKED,          /* OpenWrt's 0xdeadc0de "format me" marker at the start */
	FSPROBE_ARCHIVE,         /* a gzip stream: the settings archive a sysupgrade wrote raw (emmc_copy_config) */
	FSPROBE_BLANK_COUNT
};

/* The filesystem in buf (the volume's first len bytes): "ext4", "f2fs", "jffs2", "ubifs", "squashfs", or NULL. */
const char *fsprobe_type(const uint8_t *buf, size_t len);
/* Whether buf is blank, and how. */
enum fsprobe_blank fsprobe_blank(const uint8_t *buf, size_t len);

#endif /* APP_FSPROBE_H */
