#!/usr/bin/env bash
# tools/test.sh — README command 2: every test (unit, sanitizer twins, fuzz for a bounded time, integration) through ctest
#   tools/test.sh [--long] [CTEST ARGS...]   --long: the soak and fault tests' full counts (FAILSAFED_LONG=1)
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
CTEST_ARGS=()
for a in "$@"; do
	if [ "$a" = --long ]; then export FAILSAFED_LONG=1; else CTEST_ARGS+=("$a"); fi
done
BUILD=${BUILD_DIR:-build-test}

tools/bootstrap.sh
# clang builds everything here: the same warnings as gcc plus libFuzzer for the fuzz targets.
echo "test: building in $BUILD (clang, sanitizers, libFuzzer)"
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DFAILSAFED_FUZZ=ON -DFUZZ_SECONDS="$FUZZ_SECONDS" \
	>"$BUILD.log" 2>&1 || { cat "$BUILD.log"; exit 1; }
cmake --build "$BUILD" -j2 >>"$BUILD.log" 2>&1 || { tail -60 "$BUILD.log"; exit 1; }
cd "$BUILD"
exec ctest --output-on-failure "${CTEST_ARGS[@]}"
