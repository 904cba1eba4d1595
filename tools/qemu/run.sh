#!/usr/bin/env bash
# tools/qemu/run.sh — boot failsafed's QEMU arm64 "virt" test board (BOARD=qemu_virt) under TCG.
#
#   tools/qemu/run.sh                    # console on this terminal (Ctrl-A X quits QEMU; Ctrl-A C, then
#                                        #   system_powerdown, presses the button); QMP in build-qemu/qmp.sock
#   tools/qemu/run.sh --dir DIR          # headless: DIR/serial.sock (console, QEMU waits for a client),
#                                        #   DIR/serial.log, DIR/qmp.sock, DIR/trace.log, DIR/qemu.log
#   options: --append 'ARGS' (extra kernel arguments: fsd.window=MS, failsafe=1, fsd.net=1),
#            --net (a virtio-net NIC on an isolated user-mode LAN, restrict=on: no host or outside access;
#            frames recorded in DIR/net.pcap), --no-wait (headless, but do not wait for a serial client)
# The power button: tools/qemu/qmp.py DIR/qmp.sock system_powerdown (a 100 ms press of PL061 line 3).
# The LEDs: DIR/trace.log holds one timestamped pl061_set_output line per output level change
# (line 5 = boot LED, line 6 = failsafe LED).
# Runs tools/qemu/setup.sh and mkinitramfs.sh first (both quiet when up to date). QEMU is exec'ed:
# this script's PID is QEMU's.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${QEMU_BUILD_DIR:-$HERE/../../build-qemu}
dir= append= net=0 wait=on
while [ $# -gt 0 ]; do
	case $1 in
	--dir) dir=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--net) net=1; shift ;;
	--no-wait) wait=off; shift ;;
	-h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

if [ -n "$dir" ]; then
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	rm -f "$dir/serial.sock" "$dir/qmp.sock"
fi
"$HERE/setup.sh" "$BUILD"
"$HERE/mkinitramfs.sh" "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
kernel=$(ls "$BUILD"/cache/root/boot/vmlinuz-* | head -1)

args=(-M virt -cpu cortex-a57 -m 512M -smp 1 -accel tcg -no-reboot
	-kernel "$kernel" -initrd "$BUILD/initramfs.cpio"
	-append "console=ttyAMA0 rdinit=/init quiet panic=-1 ${append}")
if [ "$net" = 1 ]; then
	args[${#args[@]}-1]+=" fsd.net=1"
	# QEMU's own user-mode LAN (slirp) with restrict=on: the guest's frames never reach a host
	# interface, so no ip netns is needed; this LAN exists only inside this QEMU process.
	args+=(-netdev user,id=n0,net=192.168.1.0/24,host=192.168.1.2,restrict=on
		-device virtio-net-pci,netdev=n0,romfile=)
	[ -n "$dir" ] && args+=(-object filter-dump,id=f0,netdev=n0,file="$dir/net.pcap")
else
	args+=(-nic none)
fi
if [ -n "$dir" ]; then
	args+=(-display none -monitor none
		-chardev "socket,id=ser0,path=$dir/serial.sock,server=on,wait=$wait,logfile=$dir/serial.log"
		-serial chardev:ser0
		-qmp "unix:$dir/qmp.sock,server=on,wait=off"
		-trace pl061_set_output -D "$dir/trace.log" -msg timestamp=on)
	exec qemu-system-aarch64 "${args[@]}" </dev/null >"$dir/qemu.log" 2>&1
fi
rm -f "$BUILD/qmp.sock"
echo "run.sh: Ctrl-A X quits; button: Ctrl-A C then system_powerdown, or tools/qemu/qmp.py $BUILD/qmp.sock system_powerdown" >&2
exec qemu-system-aarch64 -nographic "${args[@]}" -qmp "unix:$BUILD/qmp.sock,server=on,wait=off" \
	-trace pl061_set_output -D "$BUILD/trace.log" -msg timestamp=on
