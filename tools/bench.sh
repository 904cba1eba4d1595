#!/usr/bin/env bash
# tools/bench.sh — the benchmark command: builds failsafed, prints one table of every figure beside its peer (not a test)
#   tools/bench.sh [--quick] [--only ROW,...] [--record]      (the options of tools/bench.py; --help lists them)
#   BENCH_RELEASE=1   run tools/release first, for the per-CPU size rows and the static memory row (static musl
#                     builds: minutes when cold)
#   BENCH_BUILD=DIR   the build directory (default build; one configured as Debug stays Debug: give another)
# Needs root (network and mount namespaces, loop devices); everything it makes is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/bootstrap.sh
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (network namespaces, loop devices, a mount namespace)" >&2
	exit 1
fi
B=${BENCH_BUILD:-build}
cmake -S . -B "$B" -DBOARD=sim >build.log 2>&1 || { cat build.log; exit 1; }
# failsafed, failsafectl, the real-router build whose LEDs blink by the kernel's trigger (idle wake-ups row) and the
# NAND/UBI board's (the OpenWrt NAND tar row, in QEMU)
cmake --build "$B" -j2 --target failsafed failsafectl failsafed_mercusys_mr85x failsafed_sim_nand >>build.log 2>&1 ||
	{ tail -40 build.log; exit 1; }
if [ "${BENCH_RELEASE:-0}" = 1 ]; then
	tools/release --out build-release
fi
exec python3 tools/bench.py --failsafed "$B/failsafed" --failsafectl "$B/failsafectl" "$@"
