#!/usr/bin/env bash
# tools/qemu/run.sh — boot failsafed's QEMU arm64 "virt" test board (BOARD=qemu_virt) under TCG.
#
#   tools/qemu/run.sh                    # console on this terminal (Ctrl-A X quits QEMU; Ctrl-A C, then
#                                        #   system_powerdown, presses the button); QMP in build/qemu/qmp.sock
#   tools/qemu/run.sh --dir DIR          # headless: DIR/serial.sock (console, QEMU waits for a client),
#                                        #   DIR/serial.log, DIR/qmp.sock, DIR/trace.log, DIR/qemu.log
#   options: --append 'ARGS' (extra kernel arguments: fsd.window=MS, failsafe=1, fsd.hold=LINE),
#            --net (a virtio-net NIC on an isolated user-mode LAN, restrict=on: no host or outside access;
#            frames recorded in DIR/net.pcap), --no-wait (headless, but do not wait for a serial client),
#            --netns NS (root: the NIC on a tap "pc0" inside network namespace NS, 192.168.1.2/24: NS is the PC
#            on the board's LAN port; QEMU runs inside NS. NS is the caller's when it exists (QEMU is exec'ed,
#            the tap goes when NS is deleted); else run.sh makes it and deletes it when QEMU exits),
#            --pc-vlan ID (with --netns: the PC's tap speaks VLAN ID, tagged on the wire, untagged to the PC's
#            stack: tools/qemu/pc_vlan.bpf.c, for a host kernel without 8021q),
#            --paused (QEMU starts stopped, -S: set input lines through qtest, then QMP "cont"),
#            --no-setup (the caller ran setup.sh with the same flags: skip it, ~1 s per boot),
#            --failsafed BIN (boot another build of failsafed: its initramfs is made next to BIN),
#            --gpiod2 (the static musl build with libgpiod 2.2.1, GPIO uAPI v2: setup.sh --gpiod2 makes it in
#            BUILD/gpiod2/failsafed), --vlan (the static musl build for boards/qemu_virt_vlan.c, failsafe port
#            eth0.1: BUILD/vlan/failsafed; the guest loads 8021q), --lan2 (the static musl build for
#            boards/qemu_virt_lan2.c, LAN ports eth0 and eth1 bridged: BUILD/lan2/failsafed; the guest loads
#            bridge), --netns2 NS2 (with --netns: a second NIC, the board's eth1, reaching "pc0" in the caller's
#            namespace NS2 without an address: a laptop on the second LAN port; a tap "pc1" in NS bridged to a
#            veth whose far end is NS2's pc0), --qtest (headless: DIR/qtest.sock, QEMU's
#            qtest protocol, to hold any PL061 input at any level:
#            set_irq_in <pl061 QOM path> unnamed-gpio-in <line> <0|1>)
# The power button: tools/qemu/qmp.py DIR/qmp.sock system_powerdown (a 100 ms press of PL061 line 3).
# The LEDs: DIR/trace.log holds one timestamped pl061_set_output line per output level change
# (line 5 = boot LED, line 6 = failsafe LED).
# Runs tools/qemu/setup.sh and mkinitramfs.sh first (both quiet when up to date). QEMU is exec'ed (also through
# `ip netns exec` with --netns NS when NS exists): this script's PID is QEMU's.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${QEMU_BUILD_DIR:-$HERE/../../build/qemu}
dir= append= net=0 wait=on bin= gpiod2=0 vlan=0 lan2=0 qtest=0 netns= netns2= pc_vlan= paused=0 setup=1 initrd= drive=
while [ $# -gt 0 ]; do
	case $1 in
	--dir) dir=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--net) net=1; shift ;;
	--no-wait) wait=off; shift ;;
	--failsafed) bin=$2; shift 2 ;;
	--gpiod2) gpiod2=1; shift ;;
	--vlan) vlan=1; shift ;;
	--lan2) lan2=1; shift ;;
	--netns2) netns2=$2; shift 2 ;;
	--netns) netns=$2; shift 2 ;;
	--pc-vlan) pc_vlan=$2; shift 2 ;;
	--paused) paused=1; shift ;;
	--no-setup) setup=0; shift ;;
	--qtest) qtest=1; shift ;;
	--initrd) initrd=$2; shift 2 ;;
	--drive) drive=$2; shift 2 ;;
	-h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

if [ -n "$dir" ]; then
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	rm -f "$dir/serial.sock" "$dir/qmp.sock" "$dir/qtest.sock"
fi
[ -z "$pc_vlan" ] || [ -n "$netns" ] || { echo "run.sh: --pc-vlan needs --netns" >&2; exit 2; }
[ -z "$netns" ] || [ $net -eq 0 ] || { echo "run.sh: --net and --netns exclude each other" >&2; exit 2; }
[ -z "$netns2" ] || [ -n "$netns" ] || { echo "run.sh: --netns2 needs --netns" >&2; exit 2; }
[ -z "$netns2" ] || ip netns pids "$netns2" >/dev/null 2>&1 || { echo "run.sh: --netns2 $netns2: no such namespace" >&2; exit 2; }
setup_flags=()
if [ $vlan -eq 1 ]; then
	setup_flags=(--vlan)
	bin=${bin:-$BUILD/vlan/failsafed}
	append+=" fsd.vlan=1"
elif [ $lan2 -eq 1 ]; then
	setup_flags=(--lan2)
	bin=${bin:-$BUILD/lan2/failsafed}
	append+=" fsd.bridge=1"
elif [ $gpiod2 -eq 1 ]; then
	setup_flags=(--gpiod2)
	bin=${bin:-$BUILD/gpiod2/failsafed}
fi
[ $setup -eq 0 ] || "$HERE/setup.sh" "$BUILD" "${setup_flags[@]}"
BUILD=$(cd "$BUILD" && pwd)
if [ -n "$initrd" ]; then
	[ -f "$initrd" ] || { echo "run.sh: --initrd $initrd: no such file" >&2; exit 2; }
elif [ -n "$bin" ]; then
	bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
	"$HERE/mkinitramfs.sh" "$BUILD" --failsafed "$bin"
	initrd=$(dirname "$bin")/initramfs.cpio
else
	"$HERE/mkinitramfs.sh" "$BUILD"
	initrd=$BUILD/initramfs.cpio
fi
kernel=$(ls "$BUILD"/cache/root/boot/vmlinuz-* | head -1)

args=(-M virt -cpu cortex-a57 -m 512M -smp 1 -accel tcg -no-reboot
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyAMA0 rdinit=/init quiet panic=-1 ${append}")
prefix=()
if [ -n "$netns" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "run.sh: --netns needs root (a network namespace and a tap)" >&2; exit 2; }
	if [ -n "$pc_vlan" ]; then
		case $pc_vlan in [1-9]|[1-9][0-9]|[1-9][0-9][0-9]|[1-3][0-9][0-9][0-9]|40[0-8][0-9]|409[0-4]) ;;
		*) echo "run.sh: --pc-vlan $pc_vlan: not a VLAN ID (1..4094)" >&2; exit 2 ;; esac
	fi
	own_ns=0
	if ! ip netns pids "$netns" >/dev/null 2>&1; then
		ip netns add "$netns"
		own_ns=1
		# Deleted whatever happens from here on (a failing step below, or QEMU's exit): this script is not
		# exec'ed into QEMU then, so it outlives QEMU to delete the namespace it made (and the tap in it).
		trap 'ip netns del "$netns" 2>/dev/null || true' EXIT
		trap 'exit 130' INT TERM HUP
		ip -n "$netns" link set lo up
	fi
	# The tap is made inside NS, so it never exists in the host's namespace; it is deleted with NS.
	ip -n "$netns" link show pc0 >/dev/null 2>&1 || ip -n "$netns" tuntap add dev pc0 mode tap
	ip -n "$netns" addr replace 192.168.1.2/24 broadcast 192.168.1.255 dev pc0
	ip -n "$netns" link set pc0 up
	ip netns exec "$netns" tc qdisc del dev pc0 clsact 2>/dev/null || true
	if [ -n "$pc_vlan" ]; then
		obj=$BUILD/pc_vlan$pc_vlan.bpf.o
		if [ ! -f "$obj" ] || [ "$HERE/pc_vlan.bpf.c" -nt "$obj" ]; then
			command -v clang >/dev/null || { echo "run.sh: --pc-vlan needs clang (eBPF)" >&2; exit 2; }
			clang -O2 -Wall -Werror -target bpf -DPC_VLAN_ID="$pc_vlan" -I"/usr/include/$(gcc -print-multiarch)" \
				-c "$HERE/pc_vlan.bpf.c" -o "$obj.tmp"
			mv "$obj.tmp" "$obj"
		fi
		ip netns exec "$netns" tc qdisc add dev pc0 clsact
		ip netns exec "$netns" tc filter add dev pc0 ingress bpf direct-action obj "$obj" sec ingress
		ip netns exec "$netns" tc filter add dev pc0 egress bpf direct-action obj "$obj" sec egress
	fi
	args[${#args[@]}-1]+=" fsd.net=1"
	args+=(-netdev tap,id=n0,ifname=pc0,script=no,downscript=no -device virtio-net-pci,netdev=n0,romfile=)
	if [ -n "$netns2" ]; then
		# The second NIC's tap must be opened in QEMU's namespace: pc1 there, bridged to a veth whose far end
		# is NS2's pc0 (made in NS2's name from NS, so no name exists on the host; deleted with NS).
		ip -n "$netns" link show pc1 >/dev/null 2>&1 || ip -n "$netns" tuntap add dev pc1 mode tap
		ip -n "$netns" link show br1 >/dev/null 2>&1 || ip -n "$netns" link add br1 type bridge
		ip -n "$netns2" link show pc0 >/dev/null 2>&1 ||
			ip -n "$netns" link add v1 type veth peer name pc0 netns "$netns2"
		ip -n "$netns" link set pc1 master br1 up
		ip -n "$netns" link set v1 master br1 up
		ip -n "$netns" link set br1 up
		ip -n "$netns2" link set pc0 up
		args+=(-netdev tap,id=n1,ifname=pc1,script=no,downscript=no -device virtio-net-pci,netdev=n1,romfile=)
	fi
	prefix=(ip netns exec "$netns")
	if [ $own_ns -eq 1 ]; then
		echo "run.sh: the PC is network namespace $netns (pc0, 192.168.1.2/24), deleted when QEMU exits:" \
			"ip netns exec $netns telnet 192.168.1.1" >&2
	fi
elif [ "$net" = 1 ]; then
	args[${#args[@]}-1]+=" fsd.net=1"
	# QEMU's own user-mode LAN (slirp) with restrict=on: the guest's frames never reach a host
	# interface, so no ip netns is needed; this LAN exists only inside this QEMU process.
	args+=(-netdev user,id=n0,net=192.168.1.0/24,host=192.168.1.2,restrict=on
		-device virtio-net-pci,netdev=n0,romfile=)
	[ -n "$dir" ] && args+=(-object filter-dump,id=f0,netdev=n0,file="$dir/net.pcap")
else
	args+=(-nic none)
fi
if [ -n "$drive" ]; then
	[ -f "$drive" ] || { echo "run.sh: --drive $drive: no such file" >&2; exit 2; }
	args+=(-drive "file=$drive,if=none,format=raw,readonly=on,id=d0" -device virtio-blk-pci,drive=d0)
fi
[ $paused -eq 0 ] || args+=(-S)
# run QEMU ARGS...: exec it (this PID becomes QEMU's), or, when the namespace is ours, wait for it.
run() {
	if [ -n "$netns" ] && [ $own_ns -eq 1 ]; then
		"${prefix[@]}" "$@"
	else
		exec "${prefix[@]}" "$@"
	fi
}
if [ -n "$dir" ]; then
	args+=(-display none -monitor none
		-chardev "socket,id=ser0,path=$dir/serial.sock,server=on,wait=$wait,logfile=$dir/serial.log"
		-serial chardev:ser0
		-qmp "unix:$dir/qmp.sock,server=on,wait=off"
		-trace pl061_set_output -D "$dir/trace.log" -msg timestamp=on)
	[ $qtest -eq 0 ] || args+=(-qtest "unix:$dir/qtest.sock,server=on,wait=off")
	run qemu-system-aarch64 "${args[@]}" </dev/null >"$dir/qemu.log" 2>&1
	exit
fi
[ $qtest -eq 0 ] || { echo "run.sh: --qtest needs --dir" >&2; exit 2; }
rm -f "$BUILD/qmp.sock"
echo "run.sh: Ctrl-A X quits; button: Ctrl-A C then system_powerdown, or tools/qemu/qmp.py $BUILD/qmp.sock system_powerdown" >&2
run qemu-system-aarch64 -nographic "${args[@]}" -qmp "unix:$BUILD/qmp.sock,server=on,wait=off" \
	-trace pl061_set_output -D "$BUILD/trace.log" -msg timestamp=on
