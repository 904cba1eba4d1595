#!/usr/bin/env bash
# packaging/debian/build.sh — the Debian packages failsafed and failsafectl: a build with Debian's compiler flags
# (dpkg-buildflags), every board table, cpack -G DEB, then lintian (any error fails)
# Usage: packaging/debian/build.sh [BUILD_DIR] [--no-lintian]   (default BUILD_DIR: build-deb)
#   writes BUILD_DIR/failsafed_<version>-1_<arch>.deb and BUILD_DIR/failsafectl_<version>-1_<arch>.deb,
#   lintian's report in BUILD_DIR/lintian.txt; the build's output in BUILD_DIR.log
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
B= lintian=1
for a in "$@"; do
	case $a in
	--no-lintian) lintian=0 ;;
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	-*) echo "deb: unknown option $a (see --help)" >&2; exit 2 ;;
	*) B=$a ;;
	esac
done
B=${B:-build-deb}
case $B in /*) ;; *) B=$SRC/$B ;; esac
LOG=$B.log
die() {
	echo "deb: $1" >&2
	[ -s "$LOG" ] && { echo "--- last lines of $LOG:" >&2; tail -30 "$LOG" >&2; }
	exit 1
}
for t in dpkg-buildflags dpkg-shlibdeps cpack; do
	command -v "$t" >/dev/null || die "no $t (tools/bootstrap.sh installs dpkg-dev and cmake)"
done
[ $lintian -eq 0 ] || command -v lintian >/dev/null || die "no lintian (tools/bootstrap.sh installs it)"

# Debian's flags with all hardening (-fstack-protector-strong, _FORTIFY_SOURCE, PIE, relro, bindnow); CMake reads CFLAGS and
# LDFLAGS from the environment at the first configure, not CPPFLAGS. Build type None: nothing added to them.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
eval "$(dpkg-buildflags --export=sh)"
export CFLAGS="$CFLAGS $CPPFLAGS"
: >"$LOG"
if [ ! -f "$B/CMakeCache.txt" ]; then
	cmake -S "$SRC" -B "$B" -DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_PREFIX=/usr -DBOARD=all \
		-DFAILSAFED_TESTS=OFF -DFAILSAFED_WERROR=OFF -DFAILSAFED_DEBIAN=ON >>"$LOG" 2>&1 || die "cmake configure failed"
fi
cmake --build "$B" -j2 >>"$LOG" 2>&1 || die "build failed"
rm -f "$B"/*.deb
(cd "$B" && cpack -G DEB) >>"$LOG" 2>&1 || die "cpack -G DEB failed"
ls "$B"/failsafed_*.deb "$B"/failsafectl_*.deb >/dev/null 2>&1 || die "cpack made no failsafed and failsafectl packages"
for d in "$B"/*.deb; do echo "deb: $d ($(stat -c %s "$d") bytes)"; done

if [ $lintian -eq 1 ]; then
	# As root, lintian says so and goes on (--allow-root); every tag is listed, errors fail.
	if ! lintian --allow-root --tag-display-limit 0 --display-info --fail-on error "$B"/*.deb >"$B/lintian.txt" 2>&1; then
		cat "$B/lintian.txt" >&2
		die "lintian found errors (above; $B/lintian.txt)"
	fi
	echo "deb: lintian: no errors ($(grep -c '^[WIP]:' "$B/lintian.txt" || true) warnings and notes in $B/lintian.txt)"
fi
