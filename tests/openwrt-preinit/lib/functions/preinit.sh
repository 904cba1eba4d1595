# tests/openwrt-preinit/lib/functions/preinit.sh — stand-in for OpenWrt's hook lists (lib/functions/preinit.sh)
# A list <name>_hook holds function names in the order boot_hook_add added them. boot_run_hook takes them from
# the front, so a hook added while the list runs runs too, and skips a function whose PI_RAN_<function> is set
# (setting it before the call).

boot_hook_init() {
	eval "${1}_hook="
}

boot_hook_add() {
	[ -n "$2" ] || return 0
	eval "${1}_hook=\"\${${1}_hook:+\$${1}_hook }$2\""
}

boot_run_hook() {
	local rest func ran

	while :; do
		eval "rest=\$${1}_hook"
		[ -n "$rest" ] || return 0
		func=${rest%% *}
		case $rest in *" "*) rest=${rest#* } ;; *) rest= ;; esac
		eval "${1}_hook=\$rest"
		eval "ran=\$PI_RAN_$func"
		[ -z "$ran" ] || continue
		eval "PI_RAN_$func=1"
		$func "$1" "$2"
	done
}

# Test only: what a stand-in did, on preinit's output and in /tmp/hooks.log.
standin_ran() {
	echo "FSD-HOOK $*"
	echo "$*" >>/tmp/hooks.log
}
