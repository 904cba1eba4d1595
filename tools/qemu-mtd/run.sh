#!/usr/bin/env bash
# tools/qemu-mtd/run.sh — boot the MTD/UBI harness guest (Debian 12 amd64 kernel, qemu-system-x86_64, TCG)
# and return the guest script's exit status.
#
# Usage: tools/qemu-mtd/run.sh BUILD_DIR [--initrd FILE] [--timeout S] [--log FILE] [--append 'ARGS']
#                              [--machine q35|microvm] [--quiet] [--mem MIB] [--mem-file FILE] [--drive FILE]
#                              [--pidfile FILE]
#   --initrd    default BUILD_DIR/initramfs.cpio (tools/qemu-mtd/mkinitramfs.sh)
#   --timeout   seconds before QEMU is killed (default 300)
#   --log       the serial console is also written here (default BUILD_DIR/serial.log)
#   --append    extra kernel arguments: MODULE.PARAM=VALUE, qmtd.skip=MOD,..., qmtd.debug=1
#   --machine   q35 (default) or microvm (pit=on,pic=on,rtc=on; reboot=t so that reboot -f ends QEMU).
#               microvm is no faster here and hangs in about 2 boots of 5 (TSC calibration against the PIT
#               fails: "tsc: Marking TSC unstable"): only for experiments
#   --quiet     console only into the log, not on stdout
#   --mem       guest RAM in MiB (default 512)
#   --mem-file  the guest's RAM is this host file (memory-backend-file, share=on; made or grown to --mem): what the
#               guest stored in RAM is in the file the moment it is stored, so it outlives QEMU, also a SIGKILL. With
#               memmap=SIZE$START on --append the kernel leaves that range alone, and phram over it is an MTD whose
#               contents survive to the next boot with the same file (tests/test_powercut.py)
#   --drive     a raw disk image as a virtio disk (/dev/vda; the guest loads virtio_blk, mkinitramfs.sh --module),
#               cache=writethrough: a write the guest was told is done is in the host file, a flush is a no-op
#   --pidfile   QEMU writes its PID here (to kill QEMU itself, e.g. with SIGKILL as a power cut)
# Exit status: the N of the guest's last "QMTD-EXIT N" line; 124 when the timeout struck, 125 when QEMU
# ended without that line (kernel panic, crash), with one line on stderr saying which. Callers that must
# tell a guest status of 124/125 from these read the log (tests/qemu_mtd.py does).
set -euo pipefail
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit "${1:-2}"; }
[ $# -ge 1 ] || usage
case $1 in -h|--help) usage 0 ;; esac
BUILD=$1; shift
initrd="" timeout=300 log="" append="" machine=q35 quiet=0 mem=512 mem_file="" drive="" pidfile=""
while [ $# -gt 0 ]; do
	case $1 in
	--initrd) initrd=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--machine) machine=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--mem) mem=$2; shift 2 ;;
	--mem-file) mem_file=$2; shift 2 ;;
	--drive) drive=$2; shift 2 ;;
	--pidfile) pidfile=$2; shift 2 ;;
	-h|--help) usage 0 ;;
	*) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
BUILD=$(cd "$BUILD" && pwd)
initrd=${initrd:-$BUILD/initramfs.cpio}
log=${log:-$BUILD/serial.log}
# The ELF vmlinux setup.sh extracted (PVH entry: no in-guest decompression), else the bzImage.
kernel=$(ls "$BUILD"/cache/root/boot/vmlinux-* "$BUILD"/cache/root/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$kernel" ] || { echo "run.sh: no kernel in $BUILD/cache/root/boot (run tools/qemu-mtd/setup.sh $BUILD)" >&2; exit 2; }
[ -f "$initrd" ] || { echo "run.sh: no $initrd (run tools/qemu-mtd/mkinitramfs.sh)" >&2; exit 2; }

cmdline="console=ttyS0 rdinit=/init quiet panic=-1"
case $machine in
q35) margs=(-M q35) ;;
microvm) margs=(-M microvm,pit=on,pic=on,rtc=on); cmdline+=" reboot=t" ;;
*) echo "run.sh: --machine q35 or microvm" >&2; exit 2 ;;
esac
mkdir -p "$(dirname "$log")"
: >"$log"
args=("${margs[@]}" -accel tcg -m "$mem" -smp 1 -no-reboot -nic none -display none -monitor none
	-chardev "stdio,id=ser0,signal=on,logfile=$log" -serial chardev:ser0
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline${append:+ $append}")
if [ -n "$mem_file" ]; then
	args+=(-object "memory-backend-file,id=ram0,size=${mem}M,mem-path=$mem_file,share=on")
	args[1]+=",memory-backend=ram0"
fi
if [ -n "$drive" ]; then
	[ -f "$drive" ] || { echo "run.sh: --drive $drive: no such file" >&2; exit 2; }
	args+=(-drive "file=$drive,format=raw,if=none,id=d0,cache=writethrough" -device virtio-blk-pci,drive=d0)
fi
[ -z "$pidfile" ] || args+=(-pidfile "$pidfile")
rc=0
if [ "$quiet" = 1 ]; then
	timeout -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null >/dev/null || rc=$?
else
	timeout -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null || rc=$?
fi
exit_line=$(tr -d '\r' <"$log" | grep -a '^QMTD-EXIT [0-9]' | tail -1 || true)
if [ -n "$exit_line" ]; then
	set -- $exit_line
	exit "$2"
fi
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "run.sh: no QMTD-EXIT after ${timeout} s: QEMU killed (console in $log)" >&2
	exit 124
fi
echo "run.sh: QEMU exited ($rc) without a QMTD-EXIT line (console in $log)" >&2
exit 125
