/* app/image/jffs2_file.h — a minimal JFFS2 image holding one file at the root, as OpenWrt's mtd -j carries sysupgrade.tgz (pure) */
#ifndef APP_JFFS2_FILE_H
#define APP_JFFS2_FILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The bytes to write at an erase-block boundary of an erased NOR MTD area
 * (rootfs_data) so that the Linux jffs2 driver mounts it and sees /NAME.
 * Layout (offsets from the start of the image, all nodes 4-byte aligned):
 *
 *   block 0:  cleanmarker | inode node | inode node | ... | 0xFF gap
 *   block 1:  cleanmarker | inode node | ... | dirent "NAME" -> ino 2 | 0xFF
 *  [block n:  de ad c0 de]                          (JFFS2_FILE_EOF_MARKER)
 *
 * - Every erase block the image touches starts with a 12-byte cleanmarker;
 *   no node crosses an erase block boundary; gaps are 0xFF (erased NOR).
 * - The file is inode 2, mode 0100644, uid/gid 0, atime = mtime = ctime =
 *   mtime_s, uncompressed. Its data is split into inode nodes (versions 1, 2,
 *   ... in file order) that never cross a 4 KiB file offset, as the kernel
 *   writes them; every node carries isize = len_bytes. A node moves to the
 *   next block rather than start with fewer than 128 data bytes
 *   (JFFS2_MIN_DATA_LEN) when more remain. An empty file is one node
 *   without data.
 * - The directory entry (parent 1 = root, version 1, DT_REG) comes last:
 *   until it is on flash the kernel sees no file, only an orphan inode it
 *   deletes, so a write cut short never shows a partial archive. The root
 *   directory has no inode node: the kernel makes one up (0755).
 * - Multi-byte fields are in the CPU order of the router's kernel (JFFS2 is
 *   native-endian): little for arm/mipsel/x86, big (JFFS2_FILE_BIG_ENDIAN)
 *   for mips/ppc. CRCs: crc32_le with seed 0 and no final xor, that is
 *   zlib's crc32(0xFFFFFFFF, p, n) ^ 0xFFFFFFFF.
 * - *out_len_bytes ends at the last node (or 4 bytes past the EOF marker).
 *   The caller must have erased (0xFF) every erase block from the start up
 *   to the one holding byte *out_len_bytes - 1; bytes after the image in
 *   that block stay free space the kernel will write into.
 * - The kernel scans the whole partition: every other block of rootfs_data
 *   must be erased, or hold nothing that looks like JFFS2 nodes of an older
 *   overlay (they would be mounted too). OpenWrt's kernels (patch
 *   532-jffs2_eofdetect) erase every block from one starting with 0xdeadc0de
 *   on; JFFS2_FILE_EOF_MARKER writes that marker at the next block boundary,
 *   as mtd -j does. An unpatched kernel treats that block as dirty and
 *   erases only it.
 */
#define JFFS2_FILE_NAME_MAX_BYTES   254          /* JFFS2_MAX_NAME_LEN */
#define JFFS2_FILE_MIN_ERASE_BYTES  512          /* fits a cleanmarker and the largest dirent */
#define JFFS2_FILE_MAX_BYTES        0xFFFFFFFEu  /* mkfs.jffs2 refuses st_size >= 0xFFFFFFFF */
#define JFFS2_FILE_PAGE_BYTES       4096         /* no node's data crosses a multiple of this */
#define JFFS2_FILE_INO              2
#define JFFS2_FILE_MODE             0100644

/* Flags for jffs2_file_image() and jffs2_file_image_bytes(). */
#define JFFS2_FILE_BIG_ENDIAN       0x1u  /* big-endian kernel (default: little) */
#define JFFS2_FILE_EOF_MARKER       0x2u  /* end with de ad c0 de at the next block boundary */

/*
 * Builds the image of a root directory holding one regular file NAME with
 * len_bytes of data, for erase blocks of erase_bytes. Does not allocate;
 * on error out is left untouched.
 * Returns 0 and sets *out_len_bytes, or:
 *   -EFAULT         name, out or out_len_bytes is NULL, or data is NULL with len_bytes > 0
 *   -EOPNOTSUPP     flags has a bit other than JFFS2_FILE_BIG_ENDIAN | JFFS2_FILE_EOF_MARKER
 *   -ENOENT         name is empty
 *   -ENAMETOOLONG   name is longer than JFFS2_FILE_NAME_MAX_BYTES
 *   -EINVAL         name contains '/', or is "." or ".."
 *   -EDOM           erase_bytes is not a power of two, or is below JFFS2_FILE_MIN_ERASE_BYTES
 *   -EFBIG          len_bytes is above JFFS2_FILE_MAX_BYTES, or the image would not fit a size_t
 *   -ENOSPC         the image is larger than out_cap_bytes
 */
int jffs2_file_image(const char *name, const void *data, size_t len_bytes, uint32_t erase_bytes,
		     unsigned flags, uint32_t mtime_s, void *out, size_t out_cap_bytes,
		     size_t *out_len_bytes);

/*
 * An upper bound of *out_len_bytes for any name (exact for a 254-byte one),
 * to size out; 0 if erase_bytes, len_bytes or flags would be refused as above.
 */
size_t jffs2_file_image_bytes(size_t len_bytes, uint32_t erase_bytes, unsigned flags);

#endif /* APP_JFFS2_FILE_H */
