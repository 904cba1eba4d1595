#!/usr/bin/env bash
# tools/demo.sh — README command 1: build failsafed for the simulated board and run the boot window
#   tools/demo.sh              interactive on a terminal: type f + Enter, or press the button from
#                              a second terminal, or wait for the normal path
#   tools/demo.sh --scripted   a scripted session (button pressed at ~1 s), printed as a transcript
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=interactive
WINDOW_MS=10000
while [ $# -gt 0 ]; do
	case "$1" in
	--scripted) MODE=scripted ;;
	--window-ms) WINDOW_MS=$2; shift ;;
	-h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ -t 0 ] && [ -t 1 ] || MODE=scripted

tools/bootstrap.sh
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

if [ "$MODE" = interactive ]; then
	clear
	cat <<MSG
failsafed demo on the simulated board (window ${WINDOW_MS} ms). The LEDs are drawn top right.
  - type f and Enter to enter failsafe, or 1..4 and Enter to pick a debug level
  - or press the simulated reset button from a second terminal:
        $CTL click reset
  - or wait: the window ends and the boot continues (exit 0)
In failsafe a shell runs here; Ctrl-C stops the demo.

MSG
	build/failsafectl sim --dir "$DIR/sim" watch &
	PIDS+=($!)
	set +e
	"${DAEMON[@]}" --window-ms "$WINDOW_MS" --shell "/bin/sh -i"
	rc=$?
	set -e
	printf '\nfailsafed exited with %d\n' "$rc"
	for f in failsafe failsafe_button debug_level; do
		[ -f "$DIR/$f" ] && printf '%s/%s: %s\n' "$DIR" "$f" "$(cat "$DIR/$f")"
	done
	exit 0
fi

# Scripted: the console is a pipe; the button is clicked at ~1 s; a command runs in the failsafe shell.
echo "== failsafed demo (scripted): simulated board, window 4000 ms, reset clicked at ~1 s"
t0=$(date +%s%N)
exec 3>&1   # the transcript; the block's stdout is the console's input
{
	sleep 1
	$CTL leds | sed 's/^/   [ctl] LED /' >&3
	echo "   [ctl] failsafectl sim click reset" >&3
	$CTL click reset
	sleep 0.5
	$CTL leds | sed 's/^/   [ctl] LED /' >&3
	echo 'echo "hello from the failsafe shell: $(id -un)@$(uname -n)"'
	sleep 0.5
} | "${DAEMON[@]}" --window-ms 4000 --shell "/bin/sh" 2>&1 &
PIDS+=($!)
sleep 2.5
pkill -TERM -f -- "--sim-dir $DIR/sim" || true
wait 2>/dev/null || true
PIDS=()
echo "== LED transitions (ms since start, from $DIR/sim/leds.log)"
awk -v t0="$(awk 'NR==1{print $1}' "$DIR/sim/leds.log")" '{ printf "   %6d ms  %-8s %s\n", $1 - t0, $2, $3 ? "on" : "off" }' \
	"$DIR/sim/leds.log" | awk 'NR<=6 || /failsafe/ && n++ < 4 { print } END { print "   ..." }'
echo "== state files"
for f in failsafe failsafe_button debug_level; do
	[ -f "$DIR/$f" ] && printf '   %s: %s\n' "$f" "$(cat "$DIR/$f")"
done
echo "== done in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
