// SPDX-License-Identifier: GPL-2.0
/* tools/qemu-mtd/mtd_wbuf/mtd_wbuf.c — a test fixture for the guest kernel of tools/qemu-mtd/ (built by mtd-wbuf.sh):
 * gives an MTD without a write-buffer size (phram of Linux 6.1 leaves it 0) that of its write unit, so UBI attaches
 * to it ("bad write buffer size 0 for 1 min. I/O unit" otherwise). Nothing else of the MTD is touched; its data is
 * the RAM phram maps. */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mtd/mtd.h>

static int mtd_index = -1;
module_param(mtd_index, int, 0444);
MODULE_PARM_DESC(mtd_index, "the N of mtdN (default: every MTD whose write-buffer size is 0)");

static void fix(int i)
{
	struct mtd_info *mtd = get_mtd_device(NULL, i);

	if (IS_ERR(mtd))
		return;
	if (!mtd->writebufsize) {
		mtd->writebufsize = mtd->writesize;
		pr_info("mtd_wbuf: mtd%d \"%s\" writebufsize %u\n", i, mtd->name, mtd->writebufsize);
	}
	put_mtd_device(mtd);
}

static int __init mtd_wbuf_init(void)
{
	if (mtd_index >= 0) {
		struct mtd_info *mtd = get_mtd_device(NULL, mtd_index);

		if (IS_ERR(mtd))
			return PTR_ERR(mtd);
		put_mtd_device(mtd);
		fix(mtd_index);
		return 0;
	}
	for (int i = 0; i < 64; i++)
		fix(i);
	return 0;
}

static void __exit mtd_wbuf_exit(void)
{
}

module_init(mtd_wbuf_init);
module_exit(mtd_wbuf_exit);
MODULE_LICENSE("GPL");
