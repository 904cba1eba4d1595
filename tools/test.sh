#!/usr/bin/env bash
# tools/test.sh — README command 2: every test (unit, sanitizer twins, fuzz for a bounded time, integration) through ctest
# Labels: asan (the integration tests against ASan+UBSan builds), valgrind (memcheck over a failsafe session),
# fuzz (each target FUZZ_SECONDS, and fuzz_corpus), qemu, cross; e.g. tools/test.sh -L asan, or -LE qemu.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${FAILSAFED_LONG:-0}" = 1 ]; then
	FUZZ_SECONDS=${FUZZ_SECONDS:-300}   # --long: five minutes per fuzz target (tools/fuzz --minutes N for more)
fi
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
BUILD=${BUILD_DIR:-build-test}

tools/bootstrap.sh
# clang builds everything here: the same warnings as gcc plus libFuzzer for the fuzz targets.
echo "test: building in $BUILD (clang, sanitizers, libFuzzer)"
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DFAILSAFED_FUZZ=ON -DFUZZ_SECONDS="$FUZZ_SECONDS" \
	>"$BUILD.log" 2>&1 || { cat "$BUILD.log"; exit 1; }
cmake --build "$BUILD" -j2 >>"$BUILD.log" 2>&1 || { tail -60 "$BUILD.log"; exit 1; }
cd "$BUILD"
exec ctest --output-on-failure "$@"
