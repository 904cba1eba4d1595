#!/usr/bin/env bash
# tools/test.sh — README command 2: every test (unit, sanitizer twins, fuzz for a bounded time, integration) through ctest
#   tools/test.sh [--long] [CTEST ARGS...]  bootstrap (every package any test needs, before any test runs), build, ctest
#   tools/test.sh --repeat N [ARGS...]   build once, then run the selected tests N times in a row, stopping at the
#                                        first failure (e.g. tools/test.sh --repeat 20 -L qemu); ctest's own
#                                        --repeat until-fail:N (each test N times) is passed through as it is
#   --long: the soak, fault and fuzz tests' full counts (FAILSAFED_LONG=1, set before the build is configured)
# ctest runs with -j2 (unless -j is given): the tests' properties keep the heavy ones apart (RUN_SERIAL on the
# builds, one QEMU guest at a time: cmake/qemu-tests.cmake). The output ends with one line giving the total time
# and its parts, then ctest's summary line again ("NN% tests passed, N tests failed out of M"), the last line.
# Environment: BUILD_DIR (default build-test), FUZZ_SECONDS (default 10).
# Labels: asan (the integration tests against ASan+UBSan builds), valgrind (memcheck over a failsafe session),
# fuzz (each target FUZZ_SECONDS, and fuzz_corpus), qemu, cross; e.g. tools/test.sh -L asan, or -LE qemu.
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)

BUILD=${BUILD_DIR:-build-test}
REPEAT=1
ARGS=()
JOBS=(-j2)
while [ $# -gt 0 ]; do
	case $1 in
	--repeat)
		[ $# -ge 2 ] || { echo "test: --repeat N" >&2; exit 2; }
		if [[ $2 =~ ^[0-9]+$ ]]; then REPEAT=$2; else ARGS+=("$1" "$2"); fi
		shift 2 ;;
	--long) export FAILSAFED_LONG=1; shift ;;
	-j*|--parallel) JOBS=(); ARGS+=("$1"); shift ;;
	*) ARGS+=("$1"); shift ;;
	esac
done
if [ "${FAILSAFED_LONG:-0}" = 1 ]; then
	FUZZ_SECONDS=${FUZZ_SECONDS:-300}   # --long: five minutes per fuzz target (tools/fuzz --minutes N for more)
fi
FUZZ_SECONDS=${FUZZ_SECONDS:-10}

# What the build needs first; the rest of what any test needs (tools/bootstrap.sh --qemu) is installed while it
# builds, and is there before any test runs.
tools/bootstrap.sh --build
tools/bootstrap.sh --qemu >"$BUILD-bootstrap.log" 2>&1 &
BOOTSTRAP=$!
T1=$(date +%s)
# clang builds everything here: the same warnings as gcc plus libFuzzer for the fuzz targets.
echo "test: building in $BUILD (clang, sanitizers, libFuzzer)"
built=0
if cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DFAILSAFED_FUZZ=ON -DFUZZ_SECONDS="$FUZZ_SECONDS" \
	>"$BUILD.log" 2>&1 && cmake --build "$BUILD" -j2 >>"$BUILD.log" 2>&1; then
	built=1
fi
T2=$(date +%s)
wait $BOOTSTRAP || { cat "$BUILD-bootstrap.log"; echo "test: tools/bootstrap.sh --qemu failed" >&2; exit 1; }
[ -s "$BUILD-bootstrap.log" ] && cat "$BUILD-bootstrap.log"
[ $built -eq 1 ] || { tail -60 "$BUILD.log"; exit 1; }
T3=$(date +%s)
cd "$BUILD"

# One ctest run: its output as it comes (and in ctest.out), its exit status; SUMMARY: its summary line. The output
# is kept in a file of this run's own first (a second tools/test.sh in the same build directory writes its own),
# and read as text whatever bytes a test printed (grep -a).
SUMMARY=
run_ctest() {
	local rc=0 out="ctest.$$.out"
	ctest --output-on-failure "${JOBS[@]}" "${ARGS[@]}" 2>&1 | tee "$out" || rc=$?
	SUMMARY=$(grep -aE '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$out" | tail -1 || true)
	mv -f "$out" ctest.out
	[ -n "$SUMMARY" ] || SUMMARY="0% tests passed, 0 tests failed out of 0 (ctest printed no summary: exit $rc)"
	return $rc
}
mmss() { printf '%d min %02d s' $(($1 / 60)) $(($1 % 60)); }
rc=0
if [ "$REPEAT" -gt 1 ]; then
	for i in $(seq 1 "$REPEAT"); do
		t=$(date +%s)
		run_ctest || rc=$?
		echo "test: repeat $i of $REPEAT: ${SUMMARY} ($(mmss $(($(date +%s) - t))))"
		[ $rc -eq 0 ] || { echo "test: run $i of $REPEAT failed: stopped"; break; }
	done
	what="$REPEAT runs in a row, $([ $rc -eq 0 ] && echo "all passed" || echo "stopped at run $i")"
else
	run_ctest || rc=$?
	what="one run"
fi
T4=$(date +%s)
echo "test: ${what}: ${SUMMARY} in $(mmss $((T4 - T0))) (bootstrap $(mmss $((T1 - T0))), build $(mmss $((T2 - T1))), the rest of the bootstrap $(mmss $((T3 - T2))) more, ctest $(mmss $((T4 - T3))); $(nproc) cores, ctest ${JOBS[*]:-with the -j given}, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "$SUMMARY"
exit $rc
