/* app/image/fsprobe.c — filesystem magic numbers at the start of a volume (pure; the kernel still has the last word) */
#include <string.h>

#include "fsprobe.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

const char *fsprobe_type(const uint8_t *buf, size_t len)
{
	/* ext2/3/4: s_magic 0xEF53 at 1024 + 56; the feature bits decide the name, "ext4" mounts all three. */
	if (len >= 1082 && le16(buf + 1080) == 0xEF53)
		return "ext4";
	/* F2FS: 0xF2F52010 at 1024. */
	if (len >= 1028 && le32(buf + 1024) == 0xF2F52010u)
		return "f2fs";
	if (len >= 4 && !memcmp(buf, "hsqs", 4))
		return "squashfs";
	/* UBIFS: a UBIFS node (magic 0x06101831) starts the volume. */
	if (len >= 4 && le32(buf) == 0x06101831u)
		return "ubifs";
	/* JFFS2: nodes begin with 0x1985 in either byte order (a cleanmarker or a node). */
	if (len >= 2 && ((buf[0] == 0x85 && buf[1] == 0x19) || (buf[0] == 0x19 && buf[1] == 0x85)))
		return "jffs2";
	return NULL;
}

enum fsprobe_blank fsprobe_blank(const uint8_t *buf, size_t len)
{
	size_t i;

	if (len >= 4 && buf[0] == 0xde && buf[1] == 0xad && buf[2] == 0xc0 && buf[3] == 0xde)
		return FSPROBE_MARKED;
	/* fstools' block_file_identify: 1f 8b 08 is FS_TARGZ, the kept settings to unpack into a new overlay */
	if (len >= 3 && buf[0] == 0x1f && buf[1] == 0x8b && buf[2] == 0x08)
		return FSPROBE_ARCHIVE;
	if (!len)
		return FSPROBE_NOT_BLANK;
	for (i = 0; i < len && buf[i] == buf[0]; i++)
		;
	if (i < len)
		return FSPROBE_NOT_BLANK;
	return buf[0] == 0xff ? FSPROBE_ERASED : buf[0] == 0x00 ? FSPROBE_ZEROED : FSPROBE_NOT_BLANK;
}
