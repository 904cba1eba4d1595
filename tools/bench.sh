#!/usr/bin/env bash
# tools/bench.sh — benchmark command: builds failsafed and prints the measurement tables (not a test)
#   RUNS=N (default 100): boot-window runs
#   (as root, the last table is tools/bench_nand.py: NAND flashing under QEMU, about 5 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-100}

tools/bootstrap.sh
cmake -S . -B build -DBOARD=sim >build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j2 >>build.log 2>&1 || { tail -40 build.log; exit 1; }
python3 tools/bench_window.py --binary build/failsafed --runs "$RUNS"
echo
if [ "$(id -u)" -eq 0 ]; then
	# In two network namespaces made for the run, side by side with BusyBox telnetd.
	python3 tools/bench_telnet.py --binary build/failsafed
	echo
	# Flashing: serve → sysupgrade (verified) against nc | dd, a 64 MiB image, on a loop device on the disk.
	python3 tools/bench_flash.py --failsafed build/failsafed --failsafectl build/failsafectl
	echo
	# DHCP: plug-in to lease on the board's side and idle wake-ups, side by side with dnsmasq.
	python3 tools/bench_dhcp.py --binary build/failsafed_mercusys_mr85x
	echo
	# NAND: a 32 MiB OpenWrt tar, failsafed sysupgrade against nand.sh's sequence on one nandsim (QEMU, TCG).
	cmake -S . -B build-bench-nand -DBOARD=sim_nand >>build.log 2>&1 &&
		cmake --build build-bench-nand --target failsafed -j2 >>build.log 2>&1 || { tail -40 build.log; exit 1; }
	python3 tools/bench_nand.py --failsafed build-bench-nand/failsafed --harness-dir build/qemu-mtd
else
	echo "bench: the telnet, flashing and DHCP comparisons need root (network namespaces, loop devices); skipped"
fi
