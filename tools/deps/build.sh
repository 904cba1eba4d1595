#!/usr/bin/env bash
# tools/deps/build.sh — failsafed's runtime libraries as static musl libraries per target CPU, from Debian source packages
#
# Why: OpenWrt routers run musl, not glibc, and a static failsafed needs static libraries that Debian does not
# ship (no musl builds at all, and libmnl-dev has no .a). This script builds libev 4.33, libmnl 1.0.4, libgpiod
# 2.2.1 (the v2 GPIO uAPI), zlib 1.3.1, nettle 3.10.1 (libnettle only: no hogweed, no gmp),
# libmicrohttpd 1.0.1 (no TLS) and cmocka 1.1.5 (for the unit tests, run under qemu-user) with Debian's cross
# gcc plus musl's specs (-Os, fat LTO objects), for static mipsel also musl 1.2.3's libc.a itself (small: -Os, not
# PIC, MIPS16e; recipe_musl), and installs .a + headers + .pc files into build-deps/<cpu>/sysroot;
# cmake/toolchain-cross.cmake (-DFAILSAFED_TARGET=<musl triple>) then builds failsafed against that sysroot.
#
# Usage: tools/deps/build.sh [--cpu CPU]... [--all] [--dir DIR] [--jobs N] [--serial] [--force] [--fetch-only]
#                            [--list] [--help]
#   --cpu CPU     aarch64 | armhf | mipsel (static musl cross builds), or host-gpiod2: libgpiod 2.2.1 for the
#                 build host itself (x86_64 glibc, static, PIC) in DIR/host/sysroot, so CI can build and test a
#                 libgpiod 2.x driver next to Debian 12's libgpiod 1.6, or aarch64-shared | armhf-shared |
#                 mipsel-shared: the same libraries (not cmocka) as shared musl libraries (.so), as OpenWrt ships
#                 them, for a failsafed linked with FAILSAFED_LINK=shared. Repeatable.
#   --all         all four (also the default when no --cpu is given)
#   --dir DIR     where everything goes (default: build-deps, or $FAILSAFED_DEPS_DIR; relative to the checkout)
#   --jobs N      make -jN (default: nproc)
#   --serial      build the targets one after the other (default with more than one core: all at once, since
#                 configure scripts use one core; a cold --all then takes about 2/3 of the time)
#   --force       rebuild even what is up to date
#   --fetch-only  download and verify the sources, build nothing
#   --list        print the libraries, where their sources come from and what is built; changes nothing
#   Environment: FAILSAFED_LIBMNL_TARBALL=PATH  upstream libmnl-1.0.4.tar.gz for when the mirror has no libmnl
#                (default: shared/deps/libmnl-1.0.4.tar.gz in the checkout's parent directory or the nearest
#                ancestor that has one, so a clone anywhere below it finds it);
#                FAILSAFED_DEBIAN_MIRROR=URI  Debian mirror (default: the one in /etc/apt/sources.list.d).
#
# Layout under DIR:
#   cache/apt/          private apt config and state (sources.list, lists/): /etc/apt is never touched
#   cache/src/          the source files, each checked against the sha256 pinned in LIBS below on every run
#   <cpu>/kh/           kernel uAPI headers for musl: symlinks linux asm asm-generic mtd -> /usr/<gnu-triple>/include
#   <cpu>/sysroot/      include/, lib/*.a, lib/pkgconfig/<library>.pc (libev libmnl libgpiod zlib nettle
#                       libmicrohttpd cmocka; prefix=${pcfiledir}/../.., so the sysroot can move);
#                       mipsel: lib/libc.a (musl, no .pc: the toolchain file's -L puts it before musl-dev's)
#   <cpu>/complete      written when every library of <cpu> is built; the toolchain file refuses a sysroot without it
#   <cpu>-shared/       the same with lib/*.so, and root/lib/ld-musl-<arch>.so.1 (a link to musl's libc.so): the
#                       directory qemu-user's -L takes to run a dynamically linked failsafed
#   <cpu>/logs/<lib>.log, <cpu>/stamps/<lib> (what it was built from), <cpu>/build/<lib>/ (kept after a failure)
#   host/               the same for host-gpiod2 (no kh/)
# For a CI cache, cache/src/ (7 MB) is enough to build offline; each sysroot is about 7 MB (fat LTO objects).
#
# Sources and verification: every library comes from its Debian source package's .orig tarball (upstream
# source; Debian's patches are not applied). apt resolves the file from a private deb-src sources.list
# (bookworm + trixie main, signed-by the Debian archive keyring), and apt-helper downloads it with the SHA256
# from that signed Sources index, so apt rejects anything else. Then this script checks the tarball against
# the .dsc's Checksums-Sha256 when the mirror serves the .dsc (the .dsc itself being hash-checked by apt
# against the Sources index), else against the Sources index entry, and always against the sha256 pinned
# in LIBS, which is also what every later (offline) run checks the cache against. The mirror serves no
# libmnl source at all: then the upstream tarball (git archive of tag libmnl-1.0.4) is used, checked against
# its pinned sha256 (from shared/deps/README.md), and copied into cache/src. A complete cache means no
# network access at all.
#
# Rebuilds: a library is rebuilt when its source, its recipe (the recipe_<lib> function, the functions that
# build and install every library, the compiler flags and configure options), the compiler or musl changed
# (cmocka also: cmake/toolchain-cross.cmake, which builds it); other edits of this script do not. Progress goes to stderr, one line per step; build output
# goes to the logs; a failure names the CPU, library and step and shows the log's last lines.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
SELF=$SRC/tools/deps/build.sh
TOOLCHAIN=$SRC/cmake/toolchain-cross.cmake

# ---- the libraries ----
# name, upstream version, Debian source package, suite, .orig file, its sha256 (the same in the signed
# Sources index and in the .dsc). Suites: bookworm where it has the version (libev: trixie's .dsc and
# .debian.tar.xz are 404 on the mirror; the orig is the same file), trixie for the newer upstream releases
# (libgpiod 2.x exists only there).
LIBS=(musl libev libmnl libgpiod zlib nettle libmicrohttpd cmocka)
declare -A VER PKG SUITE ORIG SHA
# musl: only libc.a, and only for the static mipsel build (recipe_musl); the same release as musl-dev:mipsel.
VER[musl]=1.2.3        PKG[musl]=musl                   SUITE[musl]=bookworm
ORIG[musl]=musl_1.2.3.orig.tar.gz
SHA[musl]=7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4
VER[libev]=4.33        PKG[libev]=libev                 SUITE[libev]=bookworm
ORIG[libev]=libev_4.33.orig.tar.gz
SHA[libev]=507eb7b8d1015fbec5b935f34ebed15bf346bed04a11ab82b8eee848c4205aea
VER[libmnl]=1.0.4      PKG[libmnl]=libmnl               SUITE[libmnl]=bookworm
ORIG[libmnl]=libmnl_1.0.4.orig.tar.bz2
SHA[libmnl]=171f89699f286a5854b72b91d06e8f8e3683064c5901fb09d954a9ab6f551f81
VER[libgpiod]=2.2.1    PKG[libgpiod]=libgpiod           SUITE[libgpiod]=trixie
ORIG[libgpiod]=libgpiod_2.2.1.orig.tar.xz
SHA[libgpiod]=0e948049c309b87c220fb24ee0d605d7cd5b72f22376e608470903fffa2d4b18
VER[zlib]=1.3.1        PKG[zlib]=zlib                   SUITE[zlib]=trixie
ORIG[zlib]=zlib_1.3.dfsg+really1.3.1.orig.tar.gz
SHA[zlib]=60dd315c07f616887caa029408308a018ace66e3d142726a97db164b3b8f69fb
VER[nettle]=3.10.1     PKG[nettle]=nettle               SUITE[nettle]=trixie
ORIG[nettle]=nettle_3.10.1.orig.tar.gz
SHA[nettle]=b0fcdd7fc0cdea6e80dcf1dd85ba794af0d5b4a57e26397eee3bc193272d9132
VER[libmicrohttpd]=1.0.1 PKG[libmicrohttpd]=libmicrohttpd SUITE[libmicrohttpd]=trixie
ORIG[libmicrohttpd]=libmicrohttpd_1.0.1.orig.tar.gz
SHA[libmicrohttpd]=a89e09fc9b4de34dde19f4fcb4faaa1ce10299b9908db1132bbfa1de47882b94
VER[cmocka]=1.1.5      PKG[cmocka]=cmocka               SUITE[cmocka]=bookworm
ORIG[cmocka]=cmocka_1.1.5.orig.tar.xz
SHA[cmocka]=f0ccd8242d55e2fd74b16ba518359151f6f8383ff8aef4976e48393f77bba8b6
# libmnl when the mirror does not serve Debian's orig: upstream's tag, sha256 from shared/deps/README.md.
MNL_UPSTREAM=libmnl-1.0.4.tar.gz
MNL_UPSTREAM_SHA=ff7ae8dd289f2cf93d6215d9bb335d6bd18aaf9d4c04bfdfa166a2d45624282c
CPUS_ALL=(aarch64 armhf mipsel host-gpiod2)

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF"; }

# ---- command line ----
DIR=${FAILSAFED_DEPS_DIR:-build-deps}
JOBS=$(nproc)
FORCE=0 FETCH_ONLY=0 LIST=0 PARALLEL=1
CPUS=()
while [ $# -gt 0 ]; do
	case $1 in
	--cpu) [ $# -ge 2 ] || { echo "deps: --cpu needs a value" >&2; exit 2; }
		case $2 in aarch64 | armhf | mipsel | host-gpiod2 | aarch64-shared | armhf-shared | mipsel-shared) CPUS+=("$2") ;;
		*) echo "deps: unknown CPU '$2' (aarch64, armhf, mipsel, host-gpiod2, <cpu>-shared)" >&2; exit 2 ;; esac
		shift 2 ;;
	--cpu=*) set -- --cpu "${1#--cpu=}" "${@:2}" ;;
	--all) CPUS+=("${CPUS_ALL[@]}"); shift ;;
	--dir) [ $# -ge 2 ] || { echo "deps: --dir needs a value" >&2; exit 2; }; DIR=$2; shift 2 ;;
	--dir=*) DIR=${1#--dir=}; shift ;;
	--jobs | -j) [ $# -ge 2 ] || { echo "deps: --jobs needs a value" >&2; exit 2; }; JOBS=$2; shift 2 ;;
	--force) FORCE=1; shift ;;
	--serial) PARALLEL=0; shift ;;
	--fetch-only) FETCH_ONLY=1; shift ;;
	--list) LIST=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "deps: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[ ${#CPUS[@]} -gt 0 ] || CPUS=("${CPUS_ALL[@]}")
mapfile -t CPUS < <(printf '%s\n' "${CPUS[@]}" | awk '!seen[$0]++')
case $DIR in /*) ;; *) DIR=$SRC/$DIR ;; esac
case $DIR in *[[:space:]]*) echo "deps: --dir '$DIR': no spaces, please (configure scripts break on them)" >&2; exit 2 ;; esac
CACHE=$DIR/cache
SRCS=$CACHE/src

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
say() { echo "deps: $*" >&2; }
sha256() { sha256sum "$1" | cut -d' ' -f1; }

# die MESSAGE [LOG]: the message, then the log's last lines.
die() {
	echo "deps: $1" >&2
	if [ -n "${2:-}" ] && [ -s "$2" ]; then
		echo "--- last lines of ${2#"$SRC"/}:" >&2
		tail -25 "$2" >&2
	fi
	exit 1
}

# ---- the cached source of a library: prints its path if present and matching its pin ----
cached_source() {
	local lib=$1 f
	f=$SRCS/${ORIG[$lib]}
	if [ -f "$f" ] && [ "$(sha256 "$f")" = "${SHA[$lib]}" ]; then echo "$f"; return 0; fi
	if [ "$lib" = libmnl ]; then
		f=$SRCS/$MNL_UPSTREAM
		if [ -f "$f" ] && [ "$(sha256 "$f")" = "$MNL_UPSTREAM_SHA" ]; then echo "$f"; return 0; fi
	fi
	return 1
}

source_note() { cat "$SRCS/$(basename "$1").source" 2>/dev/null || echo "(no provenance note)"; }

# ---- --list ----
if [ $LIST -eq 1 ]; then
	printf '%-14s %-7s %-9s %-40s %s\n' library version suite "source file (sha256 pinned here)" "cached: provenance"
	for lib in "${LIBS[@]}"; do
		f=$(cached_source "$lib") && c="yes: $(source_note "$f")" || c=no
		printf '%-14s %-7s %-9s %-40s %s\n' "$lib" "${VER[$lib]}" "${SUITE[$lib]}" "${ORIG[$lib]}" "$c"
	done
	printf '%-14s %-7s %-9s %-40s %s\n' "" "" upstream "$MNL_UPSTREAM" "(libmnl fallback)"
	echo
	for cpu in "${CPUS_ALL[@]}"; do
		d=$DIR/$cpu; libs=("${LIBS[@]}")
		[ "$cpu" = host-gpiod2 ] && { d=$DIR/host; libs=(libgpiod); }
		n=0
		for lib in "${libs[@]}"; do [ -f "$d/stamps/$lib" ] && n=$((n + 1)); done
		printf '%-12s %d/%d built  %s\n' "$cpu" $n ${#libs[@]} "$d/sysroot"
		[ $n -eq 0 ] || find "$d/sysroot/lib" -maxdepth 2 \( -name '*.a' -o -name '*.pc' \) -printf '%P %s\n' |
			sort | awk '{ printf "             %9s  %s\n", $2, $1 }'
	done
	exit 0
fi

# Two kinds of lock: DIR/.lock while packages are installed and sources fetched (apt and the source cache are
# shared), then DIR/<cpu>.lock per target while it builds. Two runs on one DIR for different CPUs build side by
# side (ctest's cross_deps_rest and qemu-setup's up-to-date check of aarch64 and mipsel, for example); two for the
# same CPU take turns.
mkdir -p "$SRCS"
exec 9>"$DIR/.lock"
flock -n 9 || { say "waiting for another build.sh on $DIR (packages, sources)"; flock 9; }
LOG=$DIR/deps.log
: >"$LOG"

# ---- host packages (idempotent: dpkg-query first, apt-get install only what is missing) ----
# Debian 12 has no musl cross toolchain; musl-dev:<arch> (specs file, headers, crt files and libc.a for
# that architecture) on top of Debian's glibc cross gcc is the way, and that needs dpkg --add-architecture.
# The kernel headers come from linux-libc-dev-<arch>-cross (never linux-libc-dev:armhf, which would replace
# the amd64 one). autoconf, automake and libtool are for libmnl's git tarball; m4 for nettle's assembler.
declare -A DEBARCH=([aarch64]=arm64 [armhf]=armhf [mipsel]=mipsel)
declare -A GNU=([aarch64]=aarch64-linux-gnu [armhf]=arm-linux-gnueabihf [mipsel]=mipsel-linux-gnu)
declare -A MUSL=([aarch64]=aarch64-linux-musl [armhf]=arm-linux-musleabihf [mipsel]=mipsel-linux-musl)
# Per CPU, after the common CFLAGS (build_target), as cmake/toolchain-cross.cmake adds them to failsafed's own:
# mipsel: not position-independent (-fno-pic -mplt; shared builds leave that out) and MIPS16e code. Measured on
# failsafed: docs/performance.md, "Footprint".
declare -A ARCH_CFLAGS=([mipsel]="-fno-pic -mplt -mips16 -minterlink-compressed")
packages=(make cmake pkg-config gcc libc6-dev linux-libc-dev autoconf automake libtool m4 xz-utils bzip2
	debian-archive-keyring)
archs=()
for cpu in "${CPUS[@]}"; do
	[ "$cpu" = host-gpiod2 ] && continue
	a=${DEBARCH[${cpu%-shared}]}
	packages+=("gcc-${GNU[${cpu%-shared}]}" "musl-dev:$a" "linux-libc-dev-$a-cross")
	archs+=("$a")
done
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; run as root (apt-get install, dpkg --add-architecture)"
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	updated=0
	for a in "${archs[@]}"; do
		[ "$a" = "$(dpkg --print-architecture)" ] && continue
		dpkg --print-foreign-architectures | grep -qx "$a" && continue
		dpkg --add-architecture "$a"
		updated=1
	done
	# apt-get update may exit 100 while an index it does not need is out of sync on the mirror (it happens
	# to bookworm-security armhf): whether the install then works is what counts.
	[ $updated -eq 0 ] || apt-get update -qq >>"$LOG" 2>&1 || true
	if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1; then
		[ $updated -eq 1 ] || apt-get update -qq >>"$LOG" 2>&1 || true
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1 ||
			die "apt-get install ${missing[*]} failed" "$LOG"
	fi
fi

# ---- sources ----
APT=$CACHE/apt
APTO=(-o "Dir::Etc::SourceList=$APT/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache")
apt_ready=0

mirror_uri() {
	if [ -n "${FAILSAFED_DEBIAN_MIRROR:-}" ]; then echo "$FAILSAFED_DEBIAN_MIRROR"; return; fi
	local u
	# deb822 stanzas whose Suites name a Debian release (not -security), else one-line sources.list.
	u=$(awk 'BEGIN { RS = "" } /(^|\n)Suites:[^\n]*(bookworm|trixie|stable)( |\n|$)/ {
			if (match($0, /(^|\n)URIs:[ \t]*[^ \t\n]+/)) { s = substr($0, RSTART, RLENGTH); sub(/.*URIs:[ \t]*/, "", s)
				if (s !~ /security/) { print s; exit } } }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[ -n "$u" ] || u=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) {
			print $i; exit } }' /etc/apt/sources.list 2>/dev/null || true)
	echo "${u:-http://deb.debian.org/debian}"
}

# Private deb-src sources.list and lists; `apt-get update` only when they are missing or stale for a request.
apt_prepare() {
	[ $apt_ready -eq 1 ] && return 0
	local uri k=/usr/share/keyrings/debian-archive-keyring.gpg want suite
	uri=$(mirror_uri)
	want=$(for suite in $(printf '%s\n' "${SUITE[@]}" | sort -u); do
		printf 'deb-src [signed-by=%s] %s %s main\n' "$k" "$uri" "$suite"
	done)
	mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/dl"
	if [ "$(cat "$APT/sources.list" 2>/dev/null)" != "$want" ]; then
		echo "$want" >"$APT/sources.list"
		rm -f "$APT/lists/"*Sources* "$APT/lists/"*Release*
	fi
	# apt downloads as the unprivileged _apt user: let it write the download directory.
	if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$APT/dl"; fi
	if ! ls "$APT/lists/"*_source_Sources* >/dev/null 2>&1; then
		apt_update
	fi
	apt_ready=1
}
apt_updated=0
apt_update() {
	[ $apt_updated -eq 1 ] && return 1
	say "fetch: apt-get update (deb-src $(printf '%s\n' "${SUITE[@]}" | sort -u | tr '\n' ' ')from $(mirror_uri))"
	apt-get "${APTO[@]}" -qq update >>"$LOG" 2>&1 || die "apt-get update of the private deb-src lists failed" "$LOG"
	apt_updated=1
}

# apt_get_file URI SHA256 DEST: apt's downloader, which checks the hash.
apt_get_file() {
	local name
	name=$(basename "$3")
	rm -f "$APT/dl/$name"
	/usr/lib/apt/apt-helper "${APTO[@]}" download-file "$1" "$APT/dl/$name" "SHA256:$2" >>"$LOG" 2>&1 || return 1
	mv -f "$APT/dl/$name" "$3"
}

# index_versions PKG ORIG SHA: the source versions in the Sources index whose file list has ORIG with SHA.
index_versions() {
	apt-cache "${APTO[@]}" showsrc "$1" 2>>"$LOG" | awk -v o="$2" -v s="$3" '
		/^Version:/ { v = $2 } /^Checksums-Sha256:/ { c = 1; next } /^[^ ]/ { c = 0 }
		c && $1 == s && $3 == o { print v }' | sort -u | sort -rV
}

# fetch_debian LIB: Debian's orig of LIB into cache/src, or return 1 if the mirror does not serve it.
fetch_debian() {
	local lib=$1 pkg=${PKG[$1]} orig=${ORIG[$1]} versions v uris line dsc_uri dsc_name dsc_sha idx_sha
	local orig_uri="" chosen="" note=""
	apt_prepare
	# Any Debian revision will do (only the orig is used). Update the lists once if the pinned file is not,
	# or no longer, in them.
	versions=$(index_versions "$pkg" "$orig" "${SHA[$lib]}")
	if [ -z "$versions" ] && apt_update; then versions=$(index_versions "$pkg" "$orig" "${SHA[$lib]}"); fi
	[ -n "$versions" ] || { echo "no $pkg source in the Sources index has $orig with sha256 ${SHA[$lib]}" >>"$LOG"; return 1; }
	for v in $versions; do
		uris=$(apt-get "${APTO[@]}" -qq source --print-uris "$pkg=$v" 2>>"$LOG" | grep "^'") || continue
		line=$(echo "$uris" | awk -v o="$orig" '$2 == o')
		idx_sha=$(echo "$line" | awk '{ sub(/^SHA256:/, "", $4); print $4 }')
		[ "$idx_sha" = "${SHA[$lib]}" ] || die "fetch: $lib: the Sources index says $orig has sha256 '$idx_sha', $SELF pins ${SHA[$lib]}"
		orig_uri=$(echo "$line" | awk '{ gsub(/\047/, "", $1); print $1 }')
		if [ -z "$chosen" ]; then
			chosen=$v
			note="sha256 from the signed Sources index entry (the .dsc is 404 on the mirror)"
		fi
		line=$(echo "$uris" | awk '$2 ~ /\.dsc$/')
		dsc_uri=$(echo "$line" | awk '{ gsub(/\047/, "", $1); print $1 }')
		dsc_name=$(echo "$line" | awk '{ print $2 }')
		dsc_sha=$(echo "$line" | awk '{ sub(/^SHA256:/, "", $4); print $4 }')
		if [ -n "$dsc_uri" ] && apt_get_file "$dsc_uri" "$dsc_sha" "$SRCS/$dsc_name"; then
			# Checksums-Sha256 of the .dsc, which apt has just checked against the Sources index.
			line=$(awk -v o="$orig" '/^Checksums-Sha256:/ { c = 1; next } /^[^ ]/ { c = 0 } c && $3 == o { print $1 }' \
				"$SRCS/$dsc_name")
			[ "$line" = "${SHA[$lib]}" ] || die "fetch: $lib: $dsc_name lists $orig with sha256 '$line', $SELF pins ${SHA[$lib]}"
			chosen=$v
			note="sha256 from $dsc_name (Checksums-Sha256; the .dsc hash-checked by apt against the signed Sources index)"
			break
		fi
	done
	[ -n "$orig_uri" ] || return 1
	apt_get_file "$orig_uri" "${SHA[$lib]}" "$SRCS/$orig.part" || { rm -f "$SRCS/$orig.part"; return 1; }
	[ "$(sha256 "$SRCS/$orig.part")" = "${SHA[$lib]}" ] || die "fetch: $lib: $orig does not match its pinned sha256"
	mv -f "$SRCS/$orig.part" "$SRCS/$orig"
	echo "$pkg $chosen (${SUITE[$lib]}): $note" >"$SRCS/$orig.source"
}

fetch() {
	local lib=$1 t f tarball
	cached_source "$lib" >/dev/null && return 0
	t=$(now)
	if fetch_debian "$lib"; then
		say "fetch: $lib ${VER[$lib]} ($(sed 's/: .*//' "$SRCS/${ORIG[$lib]}.source"), ${ORIG[$lib]}) in $(since "$t") s"
		return 0
	fi
	[ "$lib" = libmnl ] || die "fetch: $lib ${VER[$lib]}: ${ORIG[$lib]} cannot be downloaded from the mirror" "$LOG"
	# libmnl: the mirror serves none of its source files; the upstream tarball, checked against its pin.
	tarball=${FAILSAFED_LIBMNL_TARBALL:-}
	if [ -z "$tarball" ]; then
		local d=$SRC
		while [ "$d" != / ]; do
			d=$(dirname "$d")
			[ -f "$d/shared/deps/$MNL_UPSTREAM" ] && { tarball=$d/shared/deps/$MNL_UPSTREAM; break; }
		done
	fi
	[ -f "${tarball:-/nonexistent}" ] || die "fetch: libmnl: the mirror does not serve ${ORIG[libmnl]}; set FAILSAFED_LIBMNL_TARBALL to upstream's $MNL_UPSTREAM (sha256 $MNL_UPSTREAM_SHA)" "$LOG"
	[ "$(sha256 "$tarball")" = "$MNL_UPSTREAM_SHA" ] ||
		die "fetch: libmnl: $tarball does not have the pinned sha256 $MNL_UPSTREAM_SHA"
	f=$SRCS/$MNL_UPSTREAM
	cp "$tarball" "$f.part" && mv -f "$f.part" "$f"
	echo "upstream tag libmnl-1.0.4 ($tarball): sha256 pinned from shared/deps/README.md (the mirror 404s Debian's orig)" >"$f.source"
	say "fetch: libmnl ${VER[libmnl]} (upstream $MNL_UPSTREAM, the mirror has no libmnl source) in $(since "$t") s"
}

need_libs=("${LIBS[@]}")
[ "${CPUS[*]}" = host-gpiod2 ] && need_libs=(libgpiod)
for lib in "${need_libs[@]}"; do fetch "$lib"; done
[ $FETCH_ONLY -eq 0 ] || exit 0
exec 9>&-   # the shared part is done: other runs may fetch or install now (each target has its own lock below)

# ---- builds ----
# What a library's build depends on in this script: its recipe, the shared steps and the target's settings.
recipe_id() {
	{
		declare -f "recipe_$1" build_lib step
		if [ "$1" = musl ]; then declare -f musl_mixed_isa; cat "$SRC/tools/deps/cc-mips16"; fi
		printf '%s\n' "$CC" "${CFLAGS:-}" "${CPPFLAGS:-}" "${LDFLAGS:-}" "${CONF[*]}" "${TOOLCHAIN_ARGS[*]:-}" "$GNU_T"
	} | sed "s|$SRC/|<checkout>/|g" | sha256sum | cut -c1-16   # where the checkout is does not count: two share a --dir
}
# The toolchain file without its comments: what cmocka's build depends on.
TOOLCHAIN_SHA=$(grep -v '^[[:space:]]*#' "$TOOLCHAIN" | sha256sum | cut -d' ' -f1)
BUILD_TRIPLE=$(gcc -dumpmachine)

# Per-library recipes; run in a subshell inside the unpacked source with the target's environment set.
# Each installs with DESTDIR=$STAGE; prefix is the final sysroot.
recipe_musl() {
	# Static mipsel only: musl-dev:mipsel's libc.a is Debian's build (-O2, position-independent, stack protector,
	# MIPS32). This one is the same release with failsafed's flags, its C files as MIPS16e where they can be
	# (tools/deps/cc-mips16), so that a static failsafed carries 40% less libc (docs/performance.md). Only
	# libc.a is installed: headers, crt files and the specs stay musl-dev's (the same 1.2.3); the toolchain
	# file puts the sysroot's lib/ ahead of musl-dev's on the link. No LTO objects: musl is not built for LTO.
	local cflags=${CFLAGS//$LTO_CFLAGS/}
	cflags=${cflags//-mips16 /}
	step configure env -u CC -u CPPFLAGS -u LDFLAGS CROSS_COMPILE="$GNU_T-" CC="$SRC/tools/deps/cc-mips16 $GNU_T-gcc" \
		CFLAGS="$cflags" ./configure --target="${MUSL[mipsel]}" --prefix="$SYS" --disable-shared
	# A function defined in both kinds of code (a weak dummy and the real one elsewhere, as musl's weak_alias
	# does) may take the wrong kind's mark at the link (binutils keeps a weak MIPS16 definition's mark when a
	# strong MIPS32 one replaces it: "jump to a non-word-aligned address", or a jump into the wrong mode). So
	# every object that defines such a name as MIPS16 is compiled again as MIPS32, until no name is mixed.
	export CC_MIPS16_NOT=$PWD/mips32.list
	: >"$CC_MIPS16_NOT"
	local pass redo
	for pass in 1 2 3 4 5 6; do
		step make make -j"$JOBS" lib/libc.a
		redo=$(musl_mixed_isa)
		[ -n "$redo" ] || break
		[ "$pass" -lt 6 ] || die "$CPU: musl: functions still defined both as MIPS16 and MIPS32: $redo" "$BLOG"
		echo "pass $pass: MIPS32 for the names they share: $redo" >>"$BLOG"
		echo "$redo" >>"$CC_MIPS16_NOT"
		echo "$redo" | xargs rm -f lib/libc.a
	done
	step install install -D -m 644 lib/libc.a "$STAGE$SYS/lib/libc.a"
	echo "C files as MIPS32: $(grep -c '^cc-mips16: MIPS32' "$BLOG") for inline assembler, $(wc -l <"$CC_MIPS16_NOT") for names" \
		"shared with MIPS32 code; the rest MIPS16e" >>"$BLOG"
}
# The MIPS16 objects under obj/ that define a function (global or weak) some other object defines as MIPS32.
musl_mixed_isa() {
	find obj -name '*.o' -print0 | sort -z | xargs -0 "$GNU_T-readelf" -sW | awk '
		/^File: / { o = $2; next }
		$4 == "FUNC" && ($5 == "GLOBAL" || $5 == "WEAK") && $0 !~ / UND / {
			isa = $0 ~ /\[MIPS16\]/ ? 16 : 32; d[$NF, isa] = d[$NF, isa] " " o; seen[$NF] = 1 }
		END { for (n in seen) if (((n, 16) in d) && ((n, 32) in d)) { k = split(d[n, 16], a, " "); for (i = 1; i <= k; i++) print a[i] } }' |
		sort -u
}
recipe_libev() {
	# MIPS16 code cannot hold libev's memory fence (MIPS32 assembler, "sync"): failsafed runs its loop in one
	# thread (app/loop/loop.c), where a compiler barrier is all a fence has to be (EV_NO_THREADS).
	case " $CFLAGS " in *" -mips16 "*) export CPPFLAGS="$CPPFLAGS -DEV_NO_THREADS=1" ;; esac
	# Static: what app/loop/loop.c uses (io, timer, signal, child watchers; epoll, which every Linux a router runs
	# has), not the other backends (select, poll, Linux AIO, io_uring) nor the other watcher kinds; a program
	# that used one would not link. The shared build is libev as OpenWrt ships it. (docs/performance.md)
	local only="-DEV_USE_SELECT=0 -DEV_USE_POLL=0 -DEV_USE_LINUXAIO=0 -DEV_USE_IOURING=0 -DEV_USE_INOTIFY=0"
	only+=" -DEV_PERIODIC_ENABLE=0 -DEV_STAT_ENABLE=0 -DEV_IDLE_ENABLE=0 -DEV_EMBED_ENABLE=0 -DEV_FORK_ENABLE=0"
	only+=" -DEV_CLEANUP_ENABLE=0 -DEV_ASYNC_ENABLE=0 -DEV_PREPARE_ENABLE=0 -DEV_CHECK_ENABLE=0"
	[ "$SHARED" -eq 1 ] || export CPPFLAGS="$CPPFLAGS $only"
	step configure ./configure "${CONF[@]}"
	step make make -j"$JOBS"
	step install make install DESTDIR="$STAGE"
	rm -f "$STAGE$SYS/include/event.h"   # libevent compatibility header: keep it from shadowing a real one
	# Upstream installs no .pc (Debian adds its own): write one.
	mkdir -p "$STAGE$SYS/lib/pkgconfig"
	cat >"$STAGE$SYS/lib/pkgconfig/libev.pc" <<-EOF
		prefix=$SYS
		libdir=\${prefix}/lib
		includedir=\${prefix}/include

		Name: libev
		Description: high-performance event loop library (written by tools/deps/build.sh; upstream has no .pc)
		Version: ${VER[libev]}
		Libs: -L\${libdir} -lev
		Libs.private: -lm
		Cflags: -I\${includedir}
	EOF
}
recipe_libmnl() {
	[ -x configure ] || step autoreconf autoreconf -fi   # upstream's git tarball has no configure
	step configure ./configure "${CONF[@]}"
	step make make -j"$JOBS" -C src
	step install make install DESTDIR="$STAGE"
}
recipe_libgpiod() {
	# tools, tests, examples and every binding are off by default; say so anyway.
	# AC_FUNC_MALLOC cannot run its test when cross compiling and then assumes malloc(0) returns NULL, so it
	# renames malloc to an rpl_malloc nobody defines ("undefined reference to rpl_malloc" when failsafed
	# links). musl's and glibc's malloc(0) both return a unique pointer.
	step configure ./configure "${CONF[@]}" --disable-tools --disable-tests --disable-examples \
		ac_cv_func_malloc_0_nonnull=yes
	step make make -j"$JOBS"
	step install make install DESTDIR="$STAGE"
}
recipe_zlib() {
	# zlib's own configure: CHOST picks the cross tools, --static builds libz.a only (no examples); the shared
	# build makes libz.a too (its install wants both), removed from the stage afterwards.
	# Static: the CRC-32 tables made at the first crc32() (once(), C11 atomics: sysupgrade sums on two threads)
	# instead of 5 KB of constants in the binary's flash (docs/performance.md).
	if [ "$SHARED" -eq 0 ]; then
		step configure env CHOST="$GNU_T" CFLAGS="$CFLAGS -DDYNAMIC_CRC_TABLE" ./configure --static --prefix="$SYS"
		step make make -j"$JOBS" libz.a
	else
		step configure env CHOST="$GNU_T" ./configure --prefix="$SYS"
		step make make -j"$JOBS" libz.a libz.so.${VER[zlib]}
	fi
	step install make install DESTDIR="$STAGE"
}
recipe_nettle() {
	# libnettle only: no public-key code (hogweed, gmp), no docs; build and install just the library.
	# No "fat" build (runtime CPU dispatch on arm and arm64): its constructor references every AES, GHASH,
	# ChaCha, SHA-1/512 variant, which put 22 KB (aarch64) and 34 KB (armhf) into a binary that only uses
	# SHA-256. The plain build still uses the baseline assembler of each CPU.
	step configure ./configure "${CONF[@]}" --disable-public-key --disable-documentation --disable-openssl --disable-fat
	if [ "$SHARED" -eq 0 ]; then
		step make make -j"$JOBS" libnettle.a
		step install make install-headers install-static install-pkgconfig DESTDIR="$STAGE"
	else
		step make make -j"$JOBS" libnettle.so
		step install make install-headers install-shared-nettle install-pkgconfig DESTDIR="$STAGE"
	fi
}
recipe_libmicrohttpd() {
	# No TLS (no gnutls), no docs, examples, tools or curl tests; only the library, its header and .pc are
	# built and installed. configure cannot run its eventfd test when cross compiling and falls back to
	# pipes: every Linux since 2.6.22 has eventfd, as the message in the log suggests.
	# For size, left out what app/web/recovery.c does not use: authentication (and its hashes), HTTP Upgrade,
	# cookies, poll() (epoll is what the loop drives; select stays as MHD's fallback), thread names; and
	# compact code. Kept: epoll, suspend/resume, the PostProcessor (form uploads).
	# Static (failsafed's own copy) also without its log messages and the text bodies of its automatic error
	# replies (status codes stay; failsafed's own "recovery:" lines stay). The shared build keeps them, as OpenWrt
	# ships it. (--with-threads=none, though failsafed starts no thread of it: 1.0.1 then fails to link,
	# connection_get_wait is missing.)
	local small=()
	[ "$SHARED" -eq 1 ] || small=(--disable-messages)
	step configure ./configure "${CONF[@]}" --disable-https --without-gnutls --disable-doc --disable-examples \
		--disable-tools --disable-curl mhd_cv_eventfd_usable=yes --enable-compact-code --disable-bauth \
		--disable-dauth --enable-md5=no --enable-sha256=no --disable-sha512-256 --disable-httpupgrade \
		--disable-cookie --enable-poll=no --disable-thread-names --enable-epoll=yes "${small[@]}"
	step make make -j"$JOBS" -C src/microhttpd
	step install make -C src/microhttpd install DESTDIR="$STAGE"
	step install make -C src/include install DESTDIR="$STAGE"
	step install make install-pkgconfigDATA DESTDIR="$STAGE"
}

recipe_cmocka() {
	# The unit tests' library (1.1.5, as Debian 12's libcmocka-dev). Its build always adds a shared library
	# too: build only the static one and install it, its headers and a .pc by hand.
	# cmocka.h typedefs uintptr_t itself unless _UINTPTR_T_DEFINED, guessing its width from __WORDSIZE, which
	# musl defines only in <bits/reg.h>: "conflicting types for 'uintptr_t'". musl's <stdint.h> has it; the
	# define goes into the .pc too, for every test that includes cmocka.h. (CFLAGS comes before the toolchain's.)
	# Its build adds -fstack-check, which gcc does not implement for MIPS16 code: MIPS32 code, and no LTO objects (an
	# LTO link of a test would compile them again with the test's -mips16). The tests' library only.
	step cmake env -u CC -u CPPFLAGS -u LDFLAGS CFLAGS="-D_UINTPTR_T_DEFINED" cmake -S . -B obj "${TOOLCHAIN_ARGS[@]}" \
		-DFAILSAFED_MIPS16=OFF -DCMAKE_BUILD_TYPE=MinSizeRel -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF
	step make cmake --build obj --target cmocka-static -j"$JOBS"
	step install install -D -m 644 include/cmocka.h include/cmocka_pbc.h -t "$STAGE$SYS/include"
	step install install -D -m 644 obj/src/libcmocka-static.a "$STAGE$SYS/lib/libcmocka.a"
	mkdir -p "$STAGE$SYS/lib/pkgconfig"
	cat >"$STAGE$SYS/lib/pkgconfig/cmocka.pc" <<-EOF
		prefix=$SYS
		libdir=\${prefix}/lib
		includedir=\${prefix}/include

		Name: cmocka
		Description: The cmocka unit testing library (static; .pc written by tools/deps/build.sh)
		Version: ${VER[cmocka]}
		Libs: -L\${libdir} -lcmocka
		Cflags: -I\${includedir} -D_UINTPTR_T_DEFINED
	EOF
}

# step NAME CMD...: run CMD with its output in the library's log; on failure, report and stop.
step() {
	local name=$1
	shift
	echo "+ [$name] $*" >>"$BLOG"
	"$@" >>"$BLOG" 2>&1 || die "$CPU: $LIB ${VER[$LIB]}: $name failed ($*)" "$BLOG"
}

build_lib() {
	local lib=$1 src key t b stage old
	src=$(cached_source "$lib") || die "$CPU: $lib: source missing from $SRCS"
	key="recipe $(recipe_id "$lib"); source $(basename "$src") $(sha256 "$src"); cc $CC_ID; libc $LIBC_ID"
	# json-c is no longer built (app/common/json.c); its name stays here because this function is part of every
	# library's key: removing it would rebuild every cached library.
	case $lib in json-c | cmocka) key="$key; toolchain $TOOLCHAIN_SHA" ;; esac
	if [ $FORCE -eq 0 ] && [ "$(cat "$TD/stamps/$lib" 2>/dev/null)" = "$key" ]; then
		UPTODATE=$((UPTODATE + 1))
		return 0
	fi
	# Only a library that is rebuilt takes the sysroot's mark away (a run that finds everything up to date leaves
	# it: a cross build configuring beside this run reads it).
	rm -f "$TD/complete"
	t=$(now)
	b=$TD/build/$lib
	stage=$TD/stage/$lib
	BLOG=$TD/logs/$lib.log
	rm -rf "$b" "$stage"
	mkdir -p "$b/src" "$stage" "$TD/logs" "$TD/stamps"
	: >"$BLOG"
	LIB=$lib
	STAGE=$stage
	step unpack tar -xf "$src" -C "$b/src" --strip-components=1
	(cd "$b/src" && "recipe_$lib")
	# Keep only what linking needs: no programs, manuals or libtool archives; relocatable .pc files.
	rm -rf "${stage:?}$SYS/bin" "$stage$SYS/sbin" "$stage$SYS/share/man" "$stage$SYS/share/info" "$stage$SYS/share/doc"
	rm -f "$stage$SYS/lib/"*.la
	rmdir "$stage$SYS/share" 2>/dev/null || true
	# Debug info out of the cross libraries (nettle always adds -ggdb3: 10 MB instead of 0.4); the host
	# build keeps it for debugging tests.
	if [ "$SHARED" -eq 1 ]; then
		# A shared build ships shared libraries only (zlib's install also copies its libz.a).
		rm -f "$stage$SYS/lib/"*.a
		for a in "$stage$SYS/lib/"*.so.*; do [ -L "$a" ] || step strip "$STRIP" --strip-unneeded "$a"; done
	elif [ "$CPU" != host-gpiod2 ]; then
		for a in "$stage$SYS/lib/"*.a; do step strip "$STRIP" --strip-debug --enable-deterministic-archives "$a"; done
	fi
	for pc in "$stage$SYS/lib/pkgconfig/"*.pc; do
		[ -f "$pc" ] || continue
		sed -i -e "s|^prefix=$SYS\$|prefix=\${pcfiledir}/../..|" -e "s|$SYS|\${prefix}|g" "$pc"
	done
	if [ "$SHARED" -eq 1 ]; then
		ls "$stage$SYS/lib/"*.so >/dev/null 2>&1 || die "$CPU: $lib: no shared library was installed" "$BLOG"
	else
		ls "$stage$SYS/lib/"*.a >/dev/null 2>&1 || die "$CPU: $lib: no static library was installed" "$BLOG"
	fi
	# Swap the library's files in the sysroot: remove what its previous build installed, copy the new ones.
	rm -f "$TD/stamps/$lib"
	if [ -f "$TD/stamps/$lib.files" ]; then
		while IFS= read -r old; do rm -f "$SYS/$old"; done <"$TD/stamps/$lib.files"
	fi
	mkdir -p "$SYS"
	cp -a "$stage$SYS/." "$SYS/"
	(cd "$stage$SYS" && find . ! -type d | sed 's|^\./||' | sort) >"$TD/stamps/$lib.files"
	echo "$key" >"$TD/stamps/$lib"
	rm -rf "$stage" "$b"   # kept only when the build fails
	say "$CPU: $lib ${VER[$lib]} built in $(since "$t") s"
	BUILT=$((BUILT + 1))
}

build_target() {
	CPU=$1
	local libs=("${LIBS[@]}") t lib d arch=${1%-shared} pcargs=(--static)
	SHARED=0
	[ "$arch" = "$CPU" ] || { SHARED=1; libs=("${LIBS[@]/cmocka/}"); pcargs=(); }
	[ "$CPU" = mipsel ] || libs=("${libs[@]/musl/}")
	t=$(now)
	BUILT=0 UPTODATE=0
	unset CC CFLAGS CPPFLAGS LDFLAGS AR RANLIB STRIP NM PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
	TOOLCHAIN_ARGS=() LTO_CFLAGS=
	if [ "$CPU" = host-gpiod2 ]; then
		TD=$DIR/host
		libs=(libgpiod)
		GNU_T=$BUILD_TRIPLE
		export CC=gcc CFLAGS="-O2 -g"
		CONF=(--build="$BUILD_TRIPLE" --prefix="$TD/sysroot" --enable-static --disable-shared --with-pic
			--disable-dependency-tracking)
		LIBC_ID="glibc $(dpkg-query -W -f='${Version}' libc6-dev 2>/dev/null)"
	else
		TD=$DIR/$CPU
		GNU_T=${GNU[$arch]}
		# LTO objects with their machine code too ("fat"): an LTO link of failsafed optimises across the libraries
		# (measured, BOARD=all stripped: aarch64 592 -> 576 KB, mipsel 700 -> 676 KB), a link without LTO still works.
		# A shared library is what it is: no LTO objects.
		[ $SHARED -eq 1 ] || LTO_CFLAGS="-flto -ffat-lto-objects"
		# For the libraries built with CMake: the project's toolchain file, told the sysroot is still being built,
		# without its own LTO switch (CMake's is -fno-fat-lto-objects: unusable to a link without -flto).
		TOOLCHAIN_ARGS=(-DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DFAILSAFED_TARGET="${MUSL[$arch]}" -DFAILSAFED_DEPS_DIR="$DIR"
			-DFAILSAFED_DEPS_BOOTSTRAP=ON -DFAILSAFED_LTO=OFF -DFAILSAFED_LINK=$([ $SHARED -eq 1 ] && echo shared || echo static))
		local specs=/usr/lib/${MUSL[$arch]}/musl-gcc.specs kh=$TD/kh loader
		[ -f "$specs" ] || die "$CPU: $specs is missing (package musl-dev:${DEBARCH[$arch]})"
		[ -d "/usr/$GNU_T/include/linux" ] || die "$CPU: /usr/$GNU_T/include/linux is missing (package linux-libc-dev-${DEBARCH[$arch]}-cross)"
		# Kernel uAPI headers only (musl's specs add -nostdinc): glibc's headers stay out of the include path.
		mkdir -p "$kh"
		for d in linux asm asm-generic mtd; do ln -sfn "/usr/$GNU_T/include/$d" "$kh/$d"; done
		# The same flags as cmake/toolchain-cross.cmake's: small code, no unwind tables (C only), sections to
		# garbage-collect at the final link, the CPU's own (ARCH_CFLAGS); and fat LTO objects.
		local arch_cflags=${ARCH_CFLAGS[$arch]:-}
		[ $SHARED -eq 0 ] || arch_cflags=${arch_cflags//-fno-pic -mplt/}   # libtool and CMake add -fPIC
		export CC="$GNU_T-gcc -specs=$specs" CPPFLAGS="-isystem $kh"
		# libtool passes the -specs of CC to its shared link a second time (gcc fails on that): musl-dev's wrapper,
		# one word, for the shared libraries.
		[ $SHARED -eq 0 ] || CC=${MUSL[$arch]}-gcc
		export CFLAGS="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables $arch_cflags $LTO_CFLAGS"
		export AR=$GNU_T-ar RANLIB=$GNU_T-ranlib STRIP=$GNU_T-strip NM=$GNU_T-nm
		# --build as well as --host: configure must not decide it can run target programs (binfmt + qemu-user).
		CONF=(--build="$BUILD_TRIPLE" --host="${MUSL[$arch]}" --prefix="$TD/sysroot" --disable-dependency-tracking)
		if [ $SHARED -eq 0 ]; then
			export LDFLAGS=-static
			CONF+=(--enable-static --disable-shared)
		else
			CONF+=(--disable-static --enable-shared)
			# What qemu-user's -L takes to run a program linked against these: musl's loader, which is its libc.so.
			loader=$(sed -n 's/.*-dynamic-linker \([^ ]*\).*/\1/p' "$specs")
			[ -n "$loader" ] || die "$CPU: $specs names no -dynamic-linker"
			mkdir -p "$TD/root$(dirname "$loader")"
			ln -sfn "/usr/lib/${MUSL[$arch]}/libc.so" "$TD/root$loader"
		fi
		LIBC_ID="musl $(dpkg-query -W -f='${Version}' "musl-dev:${DEBARCH[$arch]}" 2>/dev/null)"
	fi
	SYS=$TD/sysroot
	# This target's lock (the descriptor closes when the function's caller exits: a background job, or the
	# script after the last target)
	local lockfd
	mkdir -p "$TD"
	exec {lockfd}>"$TD.lock"
	flock -n "$lockfd" || { say "$CPU: waiting for another build.sh building $CPU in $DIR"; flock "$lockfd"; }
	export PKG_CONFIG_LIBDIR=$SYS/lib/pkgconfig PKG_CONFIG_PATH=
	CC_ID=$($CC --version | head -1)
	for lib in "${libs[@]}"; do [ -z "$lib" ] || build_lib "$lib"; done
	rmdir "$TD/build" "$TD/stage" 2>/dev/null || true
	# Every .pc must resolve with --static (shared: without), as the toolchain file's pkg-config calls do.
	# The .pc files have the libraries' names: libev libmnl libgpiod zlib nettle libmicrohttpd cmocka.
	local out
	mapfile -t libs < <(printf '%s\n' "${libs[@]}" | grep . | grep -vx musl)
	out=$(pkg-config "${pcargs[@]}" --cflags --libs "${libs[@]}" 2>&1) ||
		die "$CPU: pkg-config ${pcargs[*]} ${libs[*]} fails in $SYS/lib/pkgconfig: $out"
	echo "${libs[*]}" >"$TD/complete.tmp" && mv -f "$TD/complete.tmp" "$TD/complete"
	exec {lockfd}>&-
	if [ $BUILT -eq 0 ]; then
		say "$CPU: ${libs[*]}: up to date in ${SYS#"$SRC"/}"
	else
		say "$CPU: $BUILT built, $UPTODATE up to date, in $(since "$t") s: ${SYS#"$SRC"/}"
	fi
}

# The targets all at once (their progress lines interleave; each names its CPU), or one after the other.
if [ $PARALLEL -eq 0 ] || [ ${#CPUS[@]} -eq 1 ] || [ "$(nproc)" -lt 2 ]; then
	for cpu in "${CPUS[@]}"; do build_target "$cpu"; done
	exit 0
fi
declare -A pid
for cpu in "${CPUS[@]}"; do
	build_target "$cpu" &
	pid[$cpu]=$!
done
failed=()
for cpu in "${CPUS[@]}"; do wait "${pid[$cpu]}" || failed+=("$cpu"); done
[ ${#failed[@]} -eq 0 ] || die "failed: ${failed[*]} (see the messages above)"
