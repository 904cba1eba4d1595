# tools/qemu-lib.sh — what the three QEMU harnesses' setup.sh share (sourced, bash): the lock, the host packages,
# the guest's Debian packages and their unpacked root.
#
# The caller sets SRC (the checkout), NAME (its name in messages), DIR (its harness directory, inside a build
# directory: every build directory has its own), then calls:
#   qlib_start                  mkdir DIR/cache/debs, one setup per DIR at a time (a second waits, then finds it
#                               done), DIR/setup.log emptied; die() prints one line and the log's last lines
#   qlib_host_packages          tools/bootstrap.sh --qemu: quiet when everything is installed
#   qlib_kernel ARCH META       the kernel package META:ARCH depends on (linux-image-6.1.0-<N>-...): the one
#                               already downloaded, else apt-cache's answer
#   qlib_guest_root ARCH HOOK PKG...
#                               download the .debs not yet in DIR/cache/debs (apt-get download from the configured
#                               mirror; their file names carry the version), and unpack them into DIR/cache/root
#                               when that list of files changed; HOOK (a function, or "") runs on the new root
#                               before it replaces the old one. DIR/cache/root/.complete holds the list.
# apt-get update's exit status is not trusted (a foreign architecture's index out of sync makes it exit 100 while
# the lists needed were fetched): success is judged by the download that follows.

qlib_start() {
	CACHE=$DIR/cache
	LOG=$DIR/setup.log
	mkdir -p "$CACHE/debs"
	exec 9>"$DIR/.setup.lock"
	flock 9
	: >"$LOG"
	export DEBIAN_FRONTEND=noninteractive
	qlib_updated=0
}

die() {
	echo "$NAME setup: $*" >&2
	[ -s "$LOG" ] && { echo "--- last lines of $LOG:" >&2; tail -15 "$LOG" >&2; }
	exit 1
}

qlib_apt_update() {
	[ "$qlib_updated" = 1 ] && return 0
	apt-get update -qq >>"$LOG" 2>&1 || echo "$NAME setup: apt-get update exited $? (going on)" >>"$LOG"
	qlib_updated=1
}

qlib_host_packages() {
	"$SRC/tools/bootstrap.sh" --qemu >>"$LOG" 2>&1 || die "tools/bootstrap.sh --qemu failed (the host packages)"
}

qlib_kernel() {
	local arch=$1 meta=$2 k f re='^linux-image-[0-9]+\.[0-9]+\.[0-9]+-[^_ :]*'
	for f in "$CACHE"/debs/linux-image-*_"$arch".deb; do
		[[ ${f##*/} =~ $re ]] || continue
		echo "${BASH_REMATCH[0]}"
		return 0
	done
	k=$(apt-cache depends "$meta:$arch" 2>/dev/null | grep -oE "${re#^}" | head -1 || true)
	if [ -z "$k" ]; then
		qlib_apt_update
		k=$(apt-cache depends "$meta:$arch" 2>/dev/null | grep -oE "${re#^}" | head -1 || true)
	fi
	[ -n "$k" ] || die "cannot find the kernel package (apt-cache depends $meta:$arch)"
	echo "$k"
}

qlib_guest_root() {
	local arch=$1 hook=$2 p deb debs=() missing=() root=$CACHE/root
	shift 2
	for p in "$@"; do
		ls "$CACHE/debs/${p}_"*_"$arch".deb >/dev/null 2>&1 || missing+=("$p:$arch")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "$NAME setup: downloading ${missing[*]}" >&2
		# apt-get download writes into the current directory (_apt cannot write there: apt only warns).
		if ! (cd "$CACHE/debs" && apt-get download -qq "${missing[@]}") >>"$LOG" 2>&1; then
			qlib_apt_update
			(cd "$CACHE/debs" && apt-get download -qq "${missing[@]}") >>"$LOG" 2>&1 ||
				die "apt-get download ${missing[*]} failed (no network or no package mirror?)"
		fi
	fi
	for p in "$@"; do
		deb=$(ls "$CACHE/debs/${p}_"*_"$arch".deb | tail -1)
		debs+=("${deb##*/}")
	done
	[ "$(cat "$root/.complete" 2>/dev/null)" = "${debs[*]}" ] && return 0
	rm -rf "$root.tmp"
	mkdir -p "$root.tmp"
	for deb in "${debs[@]}"; do
		dpkg-deb -x "$CACHE/debs/$deb" "$root.tmp" || die "dpkg-deb -x $deb failed"
	done
	ls "$root.tmp"/boot/vmlinuz-* >/dev/null 2>&1 || die "no boot/vmlinuz-* in ${debs[0]}"
	[ -z "$hook" ] || "$hook" "$root.tmp"
	rm -rf "$root"
	mv "$root.tmp" "$root"
	echo "${debs[*]}" >"$root/.complete"
}
