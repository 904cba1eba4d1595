# tools/qemu-mtd/guest-lib.sh — shell helpers for guest scripts of the MTD/UBI QEMU harness.
# shellcheck shell=sh
# Installed as /qmtd/lib.sh and sourced by /init before the guest script (busybox sh, no bash-isms).
#
#   qmtd_step NAME CMD [ARGS...]   run CMD (its output on the console); print "QMTD-OK NAME" or
#                                  "QMTD-FAIL NAME rc=N" and count the failure; returns CMD's status
#   qmtd_mark TEXT                 print "QMTD-MARK TEXT"
#   qmtd_done                      print "QMTD-DONE fails=N" and exit 1 if any step failed, else 0
#   qmtd_mtd NAME                  the "mtdN" whose /proc/mtd name is NAME exactly (status 1 if none)
#   qmtd_mtd_size mtdN             its size in bytes (from sysfs)
#   qmtd_wait_dev PATH [TENTHS]    wait until PATH exists (default 50 tenths of a second)
#   qmtd_mtdpart_add MASTER NAME OFFSET SIZE
#                                  add a partition of /dev/MASTER at runtime (mtdpart add, BLKPG: may
#                                  overlap others), wait for /dev/mtdN and /dev/mtdblockN, print mtdN
#   qmtd_ubi_attach mtdN [UBI_NUM] ubiformat -y -q /dev/mtdN, then ubiattach it as ubiUBI_NUM (default 0)
#   qmtd_ubi_vol UBI_NUM NAME      the /dev/ubiX_Y of volume NAME (status 1 if none)
#   qmtd_sha256 FILE               the file's SHA-256 in hex
QMTD_FAILS=0

qmtd_mark() { echo "QMTD-MARK $*"; }

qmtd_step() {
	_qn=$1
	shift
	"$@"
	_qrc=$?
	if [ $_qrc -eq 0 ]; then
		echo "QMTD-OK $_qn"
	else
		echo "QMTD-FAIL $_qn rc=$_qrc"
		QMTD_FAILS=$((QMTD_FAILS + 1))
	fi
	return $_qrc
}

qmtd_done() {
	echo "QMTD-DONE fails=$QMTD_FAILS"
	[ "$QMTD_FAILS" -eq 0 ] && exit 0
	exit 1
}

qmtd_mtd() {
	awk -F'"' -v n="$1" '$2 == n { sub(/:.*/, "", $1); print $1; f = 1; exit } END { exit !f }' /proc/mtd
}

qmtd_mtd_size() { cat "/sys/class/mtd/$1/size"; }

qmtd_wait_dev() {
	_qi=0
	while [ ! -e "$1" ]; do
		[ $_qi -ge "${2:-50}" ] && { echo "qmtd: $1 did not appear" >&2; return 1; }
		sleep 0.1
		_qi=$((_qi + 1))
	done
}

qmtd_mtdpart_add() {
	mtdpart add "/dev/$1" "$2" "$3" "$4" || return 1
	_qm=$(qmtd_mtd "$2") || { echo "qmtd: $2 not in /proc/mtd after mtdpart add" >&2; return 1; }
	qmtd_wait_dev "/dev/$_qm" || return 1
	if [ -d /sys/module/mtdblock ]; then
		qmtd_wait_dev "/dev/mtdblock${_qm#mtd}" || return 1
	fi
	echo "$_qm"
}

qmtd_ubi_attach() {
	ubiformat -y -q "/dev/$1" || return 1
	ubiattach -m "${1#mtd}" -d "${2:-0}" >/dev/null || return 1
	qmtd_wait_dev "/dev/ubi${2:-0}"
}

qmtd_ubi_vol() {
	for _qv in /sys/class/ubi/ubi"$1"_*; do
		[ -e "$_qv/name" ] && [ "$(cat "$_qv/name")" = "$2" ] && { echo "/dev/${_qv##*/}"; return 0; }
	done
	return 1
}

qmtd_sha256() { sha256sum "$1" | cut -d' ' -f1; }
