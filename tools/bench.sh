#!/usr/bin/env bash
# tools/bench.sh — the benchmark command: builds failsafed, prints one table of every figure beside its peer (not a test)
#   tools/bench.sh [--quick] [--only ROW,...] [--record]      (the options of tools/bench.py; --help lists them)
#   BENCH_RELEASE=1   run tools/release first, for the per-CPU size rows (static musl builds: minutes when cold)
# Needs root (network and mount namespaces, loop devices); everything it makes is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/bootstrap.sh
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (network namespaces, loop devices, a mount namespace)" >&2
	exit 1
fi
cmake -S . -B build -DBOARD=sim >build.log 2>&1 || { cat build.log; exit 1; }
# failsafed, failsafectl and the real-router build whose LEDs blink by the kernel's trigger (idle wake-ups row)
cmake --build build -j2 --target failsafed failsafectl failsafed_mercusys_mr85x >>build.log 2>&1 || { tail -40 build.log; exit 1; }
if [ "${BENCH_RELEASE:-0}" = 1 ]; then
	tools/release --out build-release
fi
exec python3 tools/bench.py --failsafed build/failsafed --failsafectl build/failsafectl "$@"
