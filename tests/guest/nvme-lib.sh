# shellcheck shell=dash
# Finding the lab's controllers and namespaces in a guest (sourced by the
# guest scripts). Controllers are named in the order their probes end, and
# a namespace's block device name counts instances, not NSIDs: the lab's
# command line names neither, so tests find them by serial and NSID.

# ctrl SERIAL: the controller with this serial number (nvme0 ...)
ctrl() {
	local c
	for c in /sys/class/nvme/nvme*; do
		[ -e "$c/serial" ] || continue
		[ "$(tr -d ' ' <"$c/serial")" = "$1" ] && { basename "$c"; return 0; }
	done
	return 1
}

# ns CTRL NSID: the block device of that namespace of CTRL (/dev/nvme0n1 ...)
ns() {
	local b
	for b in /sys/block/"$1"n*; do
		[ "$(cat "$b/nsid" 2>/dev/null)" = "$2" ] && { echo "/dev/$(basename "$b")"; return 0; }
	done
	echo "/dev/${1}-nsid-$2-not-found"
	return 1
}
