#!/usr/bin/env bash
# tools/qemu/demo.sh — the demo on the QEMU arm64 board (run by tools/demo.sh --board qemu; root for the network)
#   tools/qemu/demo.sh [--window-ms MS]              interactive: the guest's console here, its LEDs drawn top right;
#                                                    Ctrl-B presses the power button, Ctrl-] ends the demo
#   tools/qemu/demo.sh --scripted [--window-ms MS]   the story as a transcript: boot, the PC hears the countdown, the
#                                                    button is pressed once the PC heard it and the boot LED blinks,
#                                                    the PC telnets in; then a boot where nobody presses (the address
#                                                    goes away). Each step waits for what the one before it shows.
# A real Linux kernel (Debian's arm64) boots failsafed (BOARD=qemu_virt) under qemu-system-aarch64; its LAN port is a
# tap in a network namespace made here, the PC (192.168.1.2/24); the namespace goes when the demo ends.
# FAILSAFECTL: the failsafectl the PC runs (default build/failsafectl).
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=tools/qemu
BUILD=${QEMU_BUILD_DIR:-build/qemu}
CTL=${FAILSAFECTL:-build/failsafectl}

MODE=interactive
WINDOW_MS=
while [ $# -gt 0 ]; do
	case "$1" in
	--scripted) MODE=scripted ;;
	--window-ms) WINDOW_MS=$2; shift ;;
	-h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "qemu demo: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ -t 0 ] && [ -t 1 ] || MODE=scripted
[ -x "$CTL" ] || { echo "qemu demo: no $CTL (tools/demo.sh builds it)" >&2; exit 1; }

t_setup=$(date +%s%N)
echo "qemu demo: tools/qemu/setup.sh (packages, guest kernel and busybox, the aarch64 build; idempotent)" >&2
$HERE/setup.sh "$BUILD"
$HERE/mkinitramfs.sh "$BUILD"
setup_ms=$(( ($(date +%s%N) - t_setup) / 1000000 ))

DIR=$(mktemp -d /tmp/failsafed-qemu-demo.XXXXXX)
NS=fsd-demo-qpc-$$
PIDS=()
QEMU=
B=
NET=1
cleanup() {
	# What this demo started, by PID: QEMU (asked to quit first), the console, the PC's programs.
	if [ -n "$QEMU" ] && kill -0 "$QEMU" 2>/dev/null; then
		$HERE/qmp.py "$B/qmp.sock" quit >/dev/null 2>&1 || kill "$QEMU" 2>/dev/null || true
	fi
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ $NET = 1 ]; then
		for p in $(ip netns pids "$NS" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
		ip netns del "$NS" 2>/dev/null || true
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
if [ "$(id -u)" -ne 0 ] || ! ip netns add "$NS" 2>/dev/null; then
	NET=0
	echo "qemu demo: not root or no network namespaces: the board boots without its LAN" >&2
fi
IN_PC=(ip netns exec "$NS")

# boot NAME [APPEND]: QEMU headless in $DIR/NAME, waiting for the console client; sets QEMU and B.
boot() {
	B=$DIR/$1
	local net=()
	[ $NET = 1 ] && net=(--netns "$NS")
	$HERE/run.sh --dir "$B" --no-setup "${net[@]}" --append "${2:-}" &
	QEMU=$!
}
# wait_in FILE TEXT [SECONDS]: until FILE shows TEXT (fixed string); the bound fails with what was awaited and the
# console's last lines.
wait_in() {
	local end=$(( $(date +%s) + ${3:-30} ))
	until grep -qF -- "$2" "$1" 2>/dev/null; do
		if ! kill -0 "$QEMU" 2>/dev/null || [ "$(date +%s)" -gt $end ]; then
			echo "qemu demo: no \"$2\" in $(basename "$1") ($(kill -0 "$QEMU" 2>/dev/null && echo "${3:-30} s" ||
				echo "QEMU ended")); the console's last lines:" >&2
			tr -d '\r' <"$B/serial.log" | grep -v '^$' | tail -15 | sed 's/^/   | /' >&2
			return 1
		fi
		sleep 0.05
	done
}
# wait_for TEXT [SECONDS]: until the console log shows TEXT.
wait_for() { wait_in "$B/serial.log" "$@"; }
quit_qemu() {
	$HERE/qmp.py "$B/qmp.sock" quit >/dev/null 2>&1 || true
	wait "$QEMU" 2>/dev/null || true
	QEMU=
}
kernel=$(basename "$(ls "$BUILD"/cache/root/boot/vmlinuz-* | head -1)")

if [ "$MODE" = interactive ]; then
	boot interactive "${WINDOW_MS:+fsd.window=$WINDOW_MS}"
	clear 2>/dev/null || true   # a terminal without TERM (or TERM=dumb) cannot be cleared: go on
	echo "   (row 1 is the LED panel)"
	cat <<MSG
failsafed demo on the QEMU arm64 board: Linux ${kernel#vmlinuz-} under qemu-system-aarch64 (TCG), window ${WINDOW_MS:-5000} ms.
Its LEDs (PL061 GPIO lines 5 and 6, read from QEMU's trace) are drawn top right.
  - Ctrl-B presses the board's power button (QMP system_powerdown: GPIO line 3 high for 100 ms)
  - or type f and Enter on its console below, or wait: the window ends, the boot continues (a shell)
  - Ctrl-] ends the demo (and QEMU)
MSG
	if [ $NET = 1 ]; then
		cat <<MSG
The board's LAN port is a tap in namespace $NS, the PC (192.168.1.2). From a second terminal:
        ip netns exec $NS $CTL listen      # the board counting down
        ip netns exec $NS telnet 192.168.1.1          # a shell once it is in failsafe

MSG
	fi
	python3 $HERE/console.py "$B"
	exit 0
fi

echo "== failsafed demo (scripted): the QEMU arm64 board, Linux ${kernel#vmlinuz-} under TCG$([ $NET = 1 ] &&
	echo ", its LAN port a tap in namespace $NS, the PC (192.168.1.2)")"
echo "   [host] setup and initramfs: ${setup_ms} ms"
t0=$(date +%s%N)
# What the PC's listener and the transcript printed, also kept in files: the next step waits for what they show.
if [ $NET = 1 ]; then
	"${IN_PC[@]}" "$CTL" listen --plain --timeout 60 2>&1 | sed -u 's/^/   [pc: failsafectl listen] /' |
		tee "$DIR/listen.out" &
	PIDS+=($!)
fi
boot press "${WINDOW_MS:+fsd.window=$WINDOW_MS}"
python3 $HERE/console.py "$B" --transcript | tee "$DIR/press.out" &
PIDS+=($!)
wait_for "Press the [f] key" 120
echo "   [host] QEMU started $(( ($(date +%s%N) - t0) / 1000000 )) ms ago; the window is open"
# The press comes once the window shows: the boot LED blinking, and the PC hearing the countdown.
wait_in "$DIR/press.out" "boot LED (PL061 line 5): blinking" 20
[ $NET = 0 ] || wait_in "$DIR/listen.out" "Please press button now" 20
echo "   [host] pressing the power button: tools/qemu/qmp.py qmp.sock system_powerdown (GPIO line 3, 100 ms)"
$HERE/qmp.py "$B/qmp.sock" system_powerdown
wait_for "- failsafe -" 10
if [ $NET = 1 ]; then
	wait_for "telnet: listening on" 10
	echo "   [pc] telnet 192.168.1.1 (Debian's telnet client, driven by expect)"
	"${IN_PC[@]}" expect -c '
		set timeout 10
		log_user 1
		spawn telnet 192.168.1.1
		stty rows 40 columns 160 < $spawn_out(slave,name)
		expect -re {[#$] ?(\x1b\[6n)?$}
		send "echo hello from \$(uname -m) Linux \$(uname -r), in failsafe by \$(cat /tmp/failsafe); exit\r"
		expect eof
	' 2>&1 | tr -d '\r' | sed -u 's/\x1b\[6n//g; s/^/   [pc: telnet] /'
fi
# QEMU ends once the transcript has named the failsafe LED's pattern.
wait_in "$DIR/press.out" "failsafe LED (PL061 line 6): blinking" 20
quit_qemu
echo "== LED changes (PL061 output lines, from QEMU's trace; ms since the first)"
awk '/pl061_set_output/ { split($1, a, "[@:]"); t = a[2] * 1000; n = $NF; l = $(NF-2)
	if (l != 5 && l != 6) next; if (!seen[l]++ && n == 0) next
	if (!t0) t0 = t; c[l]++
	if (c[l] <= 3 || (l == 6 && c[l] <= 4)) printf "   %6d ms  %-8s %s\n", t - t0, l == 5 ? "boot" : "failsafe", n ? "on" : "off"
} END { printf "   ... %d changes of the boot LED, %d of the failsafe LED\n", c[5], c[6] }' "$B/trace.log"

if [ $NET = 1 ]; then
	echo "== a second boot, nobody presses (window 3000 ms): the board removes its address when the window ends"
	mkfifo "$DIR/console.in"
	boot normal "fsd.window=3000"
	python3 $HERE/console.py "$B" --transcript --input "$DIR/console.in" &
	PIDS+=($!)
	exec 5>"$DIR/console.in"
	wait_for "network: eth0 up at 192.168.1.1/24" 120
	if "${IN_PC[@]}" ping -n -c 1 -W 2 192.168.1.1 >/dev/null; then
		echo "   [pc] ping 192.168.1.1: answered (the window is open)"
	else
		echo "   [pc] ping 192.168.1.1: no answer in the window"
	fi
	wait_for "FSD-IDLE" 20
	wait_for "normal-path # " 10
	echo "ip -4 addr show dev eth0; ip link show dev eth0" >&5
	wait_for "link/ether" 10
	if "${IN_PC[@]}" ping -n -c 2 -W 1 192.168.1.1 >/dev/null; then
		echo "   [pc] ping 192.168.1.1: still answered"
	else
		echo "   [pc] ping 192.168.1.1: no answer (address removed, port down as it was found)"
	fi
	exec 5>&-
	quit_qemu
fi
# The PC's listener (in this demo's namespace), then the rest of what it started.
[ $NET = 1 ] && for p in $(ip netns pids "$NS"); do kill "$p" 2>/dev/null || true; done
wait "${PIDS[@]}" 2>/dev/null || true
echo "== done in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
