# tools/qemu-mtd/demo-guest.sh — the harness's demo, run in the guest (sourced after /qmtd/lib.sh).
# shellcheck shell=sh
# Needs /qmtd/rom.sqfs (a squashfs made on the host with mksquashfs, holding etc/banner and etc/config/system:
# `python3 tests/qemu_mtd.py --demo` makes it). Prints QMTD-OK/QMTD-FAIL per step; exits 1 if any failed.

# ---- failsafed: the host build runs here, so its libraries are all in the archive ----
qmtd_step fsd-version failsafed --version
qmtd_step fsd-help failsafed help

# ---- NAND (nandsim, 256 MiB) with UBI: volumes firmware (static) and rootfs_data (dynamic, ubifs) ----
nand=$(qmtd_mtd "NAND simulator partition 0")
qmtd_step nand-found test -n "$nand"
qmtd_step ubi-attach qmtd_ubi_attach "$nand" 0
qmtd_step ubi-mkvol-firmware ubimkvol /dev/ubi0 -N firmware -s 16MiB -t static
qmtd_step ubi-mkvol-rootfs_data ubimkvol /dev/ubi0 -N rootfs_data -s 32MiB
ubinfo -d 0 | grep -E 'Volumes count|Amount of available'
fwvol=$(qmtd_ubi_vol 0 firmware)
qmtd_step ubi-vol-by-name test "$fwvol" = /dev/ubi0_0
# a static volume reads back exactly what was written (UBI_IOCVOLUP through ubiupdatevol)
dd if=/dev/urandom of=/tmp/fw.bin bs=1024 count=3000 2>/dev/null
qmtd_step ubi-updatevol ubiupdatevol "$fwvol" /tmp/fw.bin
qmtd_step ubi-static-readback test "$(qmtd_sha256 "$fwvol")" = "$(qmtd_sha256 /tmp/fw.bin)"
mkdir -p /mnt/ubi
qmtd_step ubifs-mount mount -t ubifs ubi0:rootfs_data /mnt/ubi
echo "kept on ubifs" >/mnt/ubi/hello
qmtd_step ubifs-umount umount /mnt/ubi
qmtd_step ubi-detach ubidetach -d 0
qmtd_step ubi-reattach ubiattach -m "${nand#mtd}" -d 0
qmtd_wait_dev /dev/ubi0_1
qmtd_step ubifs-remount mount -t ubifs "$(qmtd_ubi_vol 0 rootfs_data)" /mnt/ubi
qmtd_step ubifs-readback grep -qx "kept on ubifs" /mnt/ubi/hello
df -k /mnt/ubi | tail -1
umount /mnt/ubi

# ---- NOR (mtdram, 8 MiB): OpenWrt's split layout, "firmware" over all of it, "rootfs_data" its 2nd half ----
fw=$(qmtd_mtdpart_add mtd0 firmware 0 0x800000)
qmtd_step nor-part-firmware test -n "$fw"
rd=$(qmtd_mtdpart_add mtd0 rootfs_data 0x400000 0x400000)
qmtd_step nor-part-rootfs_data test -n "$rd"
cat /proc/mtd
qmtd_step nor-erase-firmware flash_erase -q "/dev/$fw" 0 0
# the partitions overlap: what is written 4 MiB into firmware is the start of rootfs_data
echo "written through firmware" | dd of="/dev/$fw" bs=131072 seek=32 conv=sync 2>/dev/null
qmtd_step nor-overlap-aliases sh -c "head -c 24 /dev/$rd | grep -qx 'written through firmware'"
qmtd_step nor-erase-firmware-again flash_erase -q "/dev/$fw" 0 0
qmtd_step nor-write-rom flashcp /qmtd/rom.sqfs "/dev/$fw"
rom_size=$(wc -c </qmtd/rom.sqfs)
rom_sha=$(qmtd_sha256 /qmtd/rom.sqfs)
mkdir -p /rom /overlay /mnt/root /mnt/loop
qmtd_step squashfs-mtdblock mount -t squashfs -o ro "/dev/mtdblock${fw#mtd}" /rom
qmtd_step squashfs-content grep -q "OpenWrt" /rom/etc/banner
qmtd_step squashfs-loop mount -t squashfs -o ro,loop /qmtd/rom.sqfs /mnt/loop
qmtd_step squashfs-loop-same cmp /rom/etc/config/system /mnt/loop/etc/config/system
umount /mnt/loop
qmtd_step nor-erase-rootfs_data flash_erase -q -j "/dev/$rd" 0 0
qmtd_step jffs2-mount mount -t jffs2 "/dev/mtdblock${rd#mtd}" /overlay
echo "kept on jffs2" >/overlay/hello
qmtd_step jffs2-umount umount /overlay
qmtd_step jffs2-remount-by-name mount -t jffs2 mtd:rootfs_data /overlay
qmtd_step jffs2-readback grep -qx "kept on jffs2" /overlay/hello
mkdir -p /overlay/upper /overlay/work
qmtd_step overlay-mount mount -t overlay overlay \
	-o lowerdir=/rom,upperdir=/overlay/upper,workdir=/overlay/work /mnt/root
qmtd_step overlay-lower-visible grep -q "OpenWrt" /mnt/root/etc/banner
echo "option hostname demo" >>/mnt/root/etc/config/system
echo "new file" >/mnt/root/etc/new
rm /mnt/root/etc/banner
qmtd_step overlay-copy-up grep -q "hostname demo" /overlay/upper/etc/config/system
qmtd_step overlay-new-in-upper test -f /overlay/upper/etc/new
qmtd_step overlay-whiteout test -c /overlay/upper/etc/banner
qmtd_step overlay-delete-hidden test ! -e /mnt/root/etc/banner
qmtd_step overlay-lower-untouched grep -q "OpenWrt" /rom/etc/banner
umount /mnt/root
umount /overlay
umount /rom
qmtd_step jffs2-remount mount -t jffs2 "/dev/mtdblock${rd#mtd}" /overlay
qmtd_step jffs2-upper-persists grep -q "hostname demo" /overlay/upper/etc/config/system
df -k /overlay | tail -1
umount /overlay
qmtd_step nor-rom-unchanged test "$(head -c "$rom_size" "/dev/$fw" | sha256sum | cut -d' ' -f1)" = "$rom_sha"
qmtd_done
