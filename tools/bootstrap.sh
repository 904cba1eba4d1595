#!/usr/bin/env bash
# tools/bootstrap.sh — install the Debian 12 packages the build, demo and tests need (idempotent, quiet when present)
set -euo pipefail

PACKAGES=(
	cmake make gcc pkg-config            # build
	libev-dev libgpiod-dev libmnl-dev    # the daemon's libraries
	libcmocka-dev python3                # unit and integration tests
	clang libclang-rt-14-dev             # sanitizer builds, libFuzzer
	iproute2 iputils-ping tcpdump telnet expect busybox-static procps   # network tests, telnet peers, benchmark (busybox-static has telnetd)
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "bootstrap: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A new machine has empty package lists: update once, then install.
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/failsafed-bootstrap.log 2>&1; then
	apt-get update -qq >>/tmp/failsafed-bootstrap.log 2>&1
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/failsafed-bootstrap.log 2>&1 || {
		echo "bootstrap: apt-get install failed; see /tmp/failsafed-bootstrap.log" >&2
		tail -20 /tmp/failsafed-bootstrap.log >&2
		exit 1
	}
fi
