#!/usr/bin/env bash
# tools/qemu-malta/run.sh — boot failsafed on QEMU's MIPS Malta board (qemu-system-mipsel, TCG) with Debian's
# 4kc-malta kernel and the static musl mipsel failsafed (BOARD=qemu_malta).
#
#   tools/qemu-malta/run.sh                 # console on this terminal (Ctrl-A X quits); the NIC on QEMU's own
#                                           #   isolated user-mode LAN (restrict=on), this host being 192.168.1.2
#   tools/qemu-malta/run.sh --run RUNDIR    # headless: RUNDIR/serial.sock (the console; QEMU waits for a
#                                           #   client), RUNDIR/serial.log, RUNDIR/trace.log, RUNDIR/qemu.log
#   options: --dir DIR (the harness directory: default $QEMU_MALTA_DIR, else build/qemu-malta),
#            --append 'ARGS' (extra kernel arguments: failsafe=1, fsd.window=MS),
#            --nic pcnet|virtio|none (default pcnet, the Malta's default NIC; virtio: virtio-net-pci),
#            --tap IF (the NIC on the existing tap device IF instead of user-mode networking: e.g. one made in a
#            network namespace, running this script inside it with ip netns exec),
#            --no-setup (skip setup.sh and mkinitramfs.sh: they already ran),
#            --initrd FILE (boot this archive instead of DIR/initramfs.cpio, e.g. one made by mkinitramfs.sh --nand
#            --out FILE; implies --no-setup)
# The boot LED (the PS/2 keyboard's scroll lock, boards/qemu_malta.c) is traced: RUNDIR/trace.log has one
# timestamped ps2_set_ledstate line per LED state the guest sends (bit 0 = scroll lock).
# Runs tools/qemu-malta/setup.sh and mkinitramfs.sh first (both quiet when up to date). QEMU is exec'ed: this
# script's PID is QEMU's.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
DIR=${QEMU_MALTA_DIR:-build/qemu-malta}
run='' append='' nic=pcnet tap='' setup=1 initrd=''
while [ $# -gt 0 ]; do
	case $1 in
	--dir) DIR=$2; shift 2 ;;
	--run) run=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--nic) nic=$2; shift 2 ;;
	--tap) tap=$2; shift 2 ;;
	--no-setup) setup=0; shift ;;
	--initrd) initrd=$2; setup=0; shift 2 ;;
	-h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
case $DIR in /*) ;; *) DIR=$SRC/$DIR ;; esac
case $nic in
pcnet) model=pcnet ;;
virtio) model=virtio-net-pci ;;
none) model= ;;
*) echo "run.sh: --nic pcnet, virtio or none" >&2; exit 2 ;;
esac
if [ $setup -eq 1 ]; then
	"$HERE/setup.sh" "$DIR"
	"$HERE/mkinitramfs.sh" "$DIR"
fi
kernel=$(ls "$DIR"/cache/root/boot/vmlinuz-* 2>/dev/null | head -1 || true)
[ -n "$kernel" ] || { echo "run.sh: no kernel in $DIR/cache/root/boot (run tools/qemu-malta/setup.sh)" >&2; exit 2; }
initrd=${initrd:-$DIR/initramfs.cpio}
[ -f "$initrd" ] || { echo "run.sh: no $initrd (run tools/qemu-malta/mkinitramfs.sh)" >&2; exit 2; }

args=(-M malta -m 256 -accel tcg -no-reboot -kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 rdinit=/init quiet panic=-1 fsd.nic=$nic${append:+ $append}")
if [ -z "$model" ]; then
	args+=(-nic none)
elif [ -n "$tap" ]; then
	args+=(-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device "$model,netdev=n0,romfile=")
else
	# QEMU's own user-mode LAN with restrict=on: the guest's frames never reach a host interface.
	args+=(-netdev "user,id=n0,net=192.168.1.0/24,host=192.168.1.2,restrict=on" -device "$model,netdev=n0,romfile=")
fi
if [ -n "$run" ]; then
	mkdir -p "$run"
	run=$(cd "$run" && pwd)
	rm -f "$run/serial.sock"
	exec qemu-system-mipsel "${args[@]}" -display none -monitor none \
		-chardev "socket,id=ser0,path=$run/serial.sock,server=on,wait=on,logfile=$run/serial.log" \
		-serial chardev:ser0 -trace ps2_set_ledstate -D "$run/trace.log" -msg timestamp=on \
		</dev/null >"$run/qemu.log" 2>&1
fi
echo "run.sh: Ctrl-A X quits QEMU" >&2
exec qemu-system-mipsel -nographic "${args[@]}"
