#!/usr/bin/env bash
# tools/demo.sh — README command 1: build failsafed for the simulated board and run the boot window
#   tools/demo.sh              interactive on a terminal: type f + Enter, or press the button from
#                              a second terminal, or wait for the normal path
#   tools/demo.sh --scripted   a scripted session (button pressed at ~1 s), printed as a transcript; then, with
#                              network namespaces, failsafectl recover flashing the board from the PC
#   tools/demo.sh --board qemu [--scripted]   the same on the QEMU arm64 board: a real kernel, the LEDs from
#                              QEMU's GPIO trace, Ctrl-B presses the button (tools/qemu/demo.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=interactive
WINDOW_MS=10000
BOARD=sim
QEMU_ARGS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--scripted) MODE=scripted; QEMU_ARGS+=(--scripted) ;;
	--window-ms) WINDOW_MS=$2; QEMU_ARGS+=(--window-ms "$2"); shift ;;
	--board)
		case "${2:-}" in sim|qemu) BOARD=$2 ;; *) echo "demo: --board sim or --board qemu" >&2; exit 2 ;; esac
		shift ;;
	-h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ -t 0 ] && [ -t 1 ] || MODE=scripted

tools/bootstrap.sh
if [ "$BOARD" = qemu ]; then
	# The PC's failsafectl (FAILSAFECTL: an existing one); the board's failsafed is cross-built by tools/qemu/setup.sh.
	if [ -z "${FAILSAFECTL:-}" ]; then
		cmake -S . -B build -DBOARD=sim >build.log 2>&1 || { cat build.log; exit 1; }
		cmake --build build -j2 --target failsafectl >>build.log 2>&1 || { tail -40 build.log; exit 1; }
	fi
	exec tools/qemu/demo.sh "${QEMU_ARGS[@]}"
fi
cmake -S . -B build -DBOARD=sim >build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j2 --target failsafed failsafectl >>build.log 2>&1 || { tail -40 build.log; exit 1; }

DIR=$(mktemp -d /tmp/failsafed-demo.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT
echo "console=ttyS0,115200 quiet" >"$DIR/cmdline"
CTL="build/failsafectl sim --dir $DIR/sim"
DAEMON=(build/failsafed --cmdline "$DIR/cmdline" --state-dir "$DIR" --sim-dir "$DIR/sim")

# The board boots in its own network namespace; a "PC" namespace sits on its LAN port.
# Every address and packet stays inside the two namespaces made here (never the host's network).
NS_BOARD=fsd-demo-board-$$
NS_PC=fsd-demo-pc-$$
netns_cleanup() {
	for ns in "$NS_BOARD" "$NS_PC"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
	done
}
trap 'netns_cleanup; cleanup' EXIT
NET=1
if [ "$(id -u)" -ne 0 ] || ! ip netns add "$NS_BOARD" 2>/dev/null; then
	NET=0
	echo "demo: not root or no network namespaces: showing the board without its network" >&2
else
	ip netns add "$NS_PC"
	ip -n "$NS_PC" link add fsdemo-b type veth peer name fsdemo-p
	ip -n "$NS_PC" link set fsdemo-b netns "$NS_BOARD"
	ip -n "$NS_BOARD" link set fsdemo-b name eth0
	ip -n "$NS_PC" link set fsdemo-p name pc0
	ip -n "$NS_PC" addr add 192.168.1.2/24 dev pc0
	ip -n "$NS_PC" link set pc0 up
fi
IN_BOARD=(); IN_PC=()
if [ $NET = 1 ]; then IN_BOARD=(ip netns exec "$NS_BOARD"); IN_PC=(ip netns exec "$NS_PC"); fi

if [ "$MODE" = interactive ]; then
	clear 2>/dev/null || true   # a terminal without TERM (or TERM=dumb) cannot be cleared: go on
	echo "   (row 1 is the LED panel)"
	cat <<MSG
failsafed demo on the simulated board (window ${WINDOW_MS} ms); its LEDs are drawn top right.
  - type f and Enter to enter failsafe, or 1..4 and Enter to pick a debug level
  - or press the simulated reset button from a second terminal:
        $CTL click reset
  - or wait: the window ends and the boot continues (exit 0)
In failsafe a shell runs here; Ctrl-C stops the demo.

MSG
	if [ $NET = 1 ]; then
		cat <<MSG
The board's LAN port is in namespace $NS_BOARD; a PC (192.168.1.2) is in $NS_PC. From a second terminal:
        ip netns exec $NS_PC build/failsafectl listen       # the board counting down
        ip netns exec $NS_PC build/failsafectl telnet       # a shell once it is in failsafe

MSG
	fi
	build/failsafectl sim --dir "$DIR/sim" watch &
	PIDS+=($!)
	set +e
	"${IN_BOARD[@]}" "${DAEMON[@]}" --window-ms "$WINDOW_MS" --shell "/bin/sh -i"
	rc=$?
	set -e
	printf '\nfailsafed exited with %d\n' "$rc"
	for f in failsafe failsafe_button debug_level; do
		[ -f "$DIR/$f" ] && printf '%s/%s: %s\n' "$DIR" "$f" "$(cat "$DIR/$f")"
	done
	exit 0
fi


echo "== failsafed demo (scripted): sim board$([ $NET = 1 ] && echo " in namespace $NS_BOARD, PC in $NS_PC (192.168.1.2)")"
t0=$(date +%s%N)
exec 3>&1   # the transcript; the block's stdout below is the console's input
if [ $NET = 1 ]; then
	"${IN_PC[@]}" build/failsafectl listen --timeout 20 2>&1 | sed -u 's/^/   [pc: failsafectl listen] /' &
	PIDS+=($!)
fi
{
	sleep 1
	$CTL leds | sed 's/^/   [ctl] LED /' >&3
	echo "   [ctl] failsafectl sim click reset" >&3
	$CTL click reset
	sleep 0.5
	$CTL leds | sed 's/^/   [ctl] LED /' >&3
	echo 'echo "console shell: $(id -un), stdin $(tty -s && tty || echo is a pipe)"'
	sleep 4
} | "${IN_BOARD[@]}" sh -c 'echo $$ >"$0"; exec "$@"' "$DIR/board.pid" "${DAEMON[@]}" --window-ms 4000 \
	--shell "/bin/sh" 2>&1 | sed -u 's/^/   [board console] /' &
PIDS+=($!)
if [ $NET = 1 ]; then
	sleep 3
	echo "   [pc] telnet 192.168.1.1 (a real telnet client, driven by expect)"
	"${IN_PC[@]}" expect -c '
		set timeout 10
		log_user 1
		spawn telnet 192.168.1.1
		expect -re {[#$] ?$}
		send "echo hello from \$(uname -n); ls /tmp | head -3; exit\r"
		expect eof
	' 2>&1 | tr -d '\r' | sed -u 's/^/   [pc: telnet] /'
fi
sleep 3
# Stop what this demo started: the daemon (by the pid it wrote) and the PC's listener.
kill -TERM "$(cat "$DIR/board.pid")" 2>/dev/null || true
[ $NET = 1 ] && for p in $(ip netns pids "$NS_PC"); do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
PIDS=()
echo "== LED transitions (ms since start, from $DIR/sim/leds.log)"
awk -v t0="$(awk 'NR==1{print $1}' "$DIR/sim/leds.log")" '{ printf "   %6d ms  %-8s %s\n", $1 - t0, $2, $3 ? "on" : "off" }' \
	"$DIR/sim/leds.log" | awk 'NR<=6 || /failsafe/ && n++ < 4 { print } END { print "   ..." }'
echo "== state files"
for f in failsafe failsafe_button debug_level; do
	[ -f "$DIR/$f" ] && printf '   %s: %s\n' "$f" "$(cat "$DIR/$f")"
done

if [ $NET = 1 ]; then
	echo "== failsafectl recover: new firmware from the PC in one command (the board is powered on again)"
	# The board's flash, as boards/sim.c has it: files below its state dir. rootfs_data (ext4, made without
	# mounting) holds one changed setting, to be kept across the upgrade.
	B2="$DIR/boot2"
	mkdir -p "$B2/data/upper/etc/config"
	echo "config interface 'lan' # changed before the upgrade" >"$B2/data/upper/etc/config/network"
	truncate -s 16M "$B2/firmware.img"
	truncate -s 8M "$B2/rootfs_data.img"
	mkfs.ext4 -q -F -d "$B2/data" "$B2/rootfs_data.img"
	# The new firmware: 4 MiB made into an OpenWrt sysupgrade image for this board.
	head -c 4M /dev/urandom >"$B2/payload.bin"
	IMG="$B2/openwrt-24.10.0-sim-squashfs-sysupgrade.bin"
	build/failsafectl mkimage --board sim --dist OpenWrt --version 24.10.0 --revision r28427 "$B2/payload.bin" -o "$IMG" >/dev/null
	echo "   [pc] failsafectl recover $(basename "$IMG") --yes   (then the board is powered on; reset is pressed when told)"
	: >"$B2/recover.log"
	"${IN_PC[@]}" build/failsafectl recover "$IMG" --yes --timeout 60 --plain >>"$B2/recover.log" 2>&1 &
	RECOVER=$!
	PIDS+=($RECOVER)
	# its output shown as it grows, until it ended
	tail -s 0.1 --pid=$RECOVER -n +1 -f "$B2/recover.log" | sed -u 's/^/   [pc: failsafectl recover] /' &
	SHOWN=$!
	until grep -q "listening for boards" "$B2/recover.log" || ! kill -0 $RECOVER 2>/dev/null; do sleep 0.1; done
	echo "console=ttyS0,115200 quiet" >"$B2/cmdline"
	mkfifo "$B2/console"
	exec 4<>"$B2/console"   # the console's input stays open (and empty): the failsafe shell waits on it
	"${IN_BOARD[@]}" sh -c 'echo $$ >"$0"; exec "$@"' "$B2/board.pid" build/failsafed --cmdline "$B2/cmdline" \
		--state-dir "$B2" --sim-dir "$B2/sim" --window-ms 20000 --shell /bin/sh <"$B2/console" 2>&1 |
		sed -u 's/^/   [board console] /' &
	BOARD=$!
	PIDS+=($BOARD $SHOWN)
	until grep -q "press the button now" "$B2/recover.log" || ! kill -0 $RECOVER 2>/dev/null; do sleep 0.1; done
	sleep 0.5
	echo "   [ctl] failsafectl sim click reset"
	build/failsafectl sim --dir "$B2/sim" click reset
	set +e
	wait $RECOVER
	rc=$?
	set -e
	wait $SHOWN 2>/dev/null || true
	echo "   [pc] failsafectl recover exited with $rc"
	kill -TERM "$(cat "$B2/board.pid")" 2>/dev/null || true
	exec 4>&-
	wait $BOARD 2>/dev/null || true
	if cmp -s -n "$(stat -c %s "$B2/payload.bin")" "$B2/payload.bin" "$B2/firmware.img"; then
		echo "   firmware.img now starts with the new payload (SHA-256 $(sha256sum <"$B2/payload.bin" | cut -c1-16)...)"
	else
		echo "   firmware.img does NOT hold the new payload"
	fi
	echo "   the setting kept on rootfs_data: $(debugfs -R "cat /upper/etc/config/network" "$B2/rootfs_data.img" 2>/dev/null)"
else
	echo "== failsafectl recover: skipped (it needs root and network namespaces for the board's LAN)"
fi
echo "== done in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
