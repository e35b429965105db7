#!/bin/bash
# Description: runs in a lab guest (see tests/lab/robust-removal.sh) with
# nvme.user_irq_queues=1 nvme.user_poll_queues=1 and two controllers:
# serial qb0, a null device taking 10 s per command, on the PCIe root port
# the host hot-removes, and serial qb1 keeping data.
# - PCIe hot removal (QMP device_del by the host, asked for through the
#   file unplug in RESULTS_DIR; pciehp waits 5 s for the attention button,
#   so the commands are still in flight when the driver unbinds) of qb0
#   while both its queues are open and mapped: every command completes
#   once, later calls fail, the mappings give SIGBUS or zeroes; the host
#   plugs the device back (file replug) and it works again;
# - removal through sysfs of qb1 while a process holds completed commands
#   it has not reaped on an IORING_SETUP_DEFER_TASKRUN ring and does not
#   enter the kernel: removal must not wait for that process, and the
#   process must find its completions afterwards; after rescan qb1 works.
# Usage: robust-removal.sh RESULTS_DIR. Exit: 0 pass, 1 fail, 77 skip.
# shellcheck disable=SC2317 # the checks below are called through fault/expect
# shellcheck source=tests/guest/robust-lib.sh
. "$(dirname "$0")/robust-lib.sh"
res=${1:?usage: robust-removal.sh RESULTS_DIR}
[ -x "$robust" ] || { echo "FAIL: $robust is not built"; exit 1; }
if ! c0=$(wait_ctrl qb0) || ! c1=$(wait_ctrl qb1); then
	echo "SKIP: controllers qb0 and qb1 with user queues"
	exit 77
fi
echo "qb0 is $c0, qb1 is $c1"

# The controller completes the commands in flight as it deletes the queues
# during an orderly removal (QEMU answers a Delete I/O SQ only once the
# queue's outstanding reads are done), so each command may end with its data
# or with an error; what must hold is that every one completes exactly once,
# that the removal finishes, and that nothing is reachable afterwards.
echo "== PCIe hot removal (QMP device_del) of $c0 with commands in flight"
hold_removal "$c0"
hot_removed() {
	: >"$res/unplug" # create only: the host removes it at once
	wait_gone "/dev/${c0}uq0" 60 && wait_gone "/sys/class/nvme/$c0" 20
}
start=$(date +%s)
if hot_removed; then
	ok "QMP device_del removed $c0 in $(($(date +%s) - start)) s, its queue nodes gone"
else
	bad "QMP device_del did not remove $c0"
	if ! dmesg | grep -q 'pciehp: Slot'; then
		echo "note: no PCIe native hotplug in this guest (pciehp did not bind:" \
			"$(dmesg | grep -o '_OSC: platform does not support.*' | head -1)); QEMU's q35 uses" \
			"ACPI PCI hotplug by default, which needs CONFIG_HOTPLUG_PCI_ACPI in the guest or" \
			"-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off for QEMU"
	fi
fi
holds_done
replugged() {
	[ "$si" -eq 0 ] && [ "$sp" -eq 0 ] || return 1
	: >"$res/replug"
	local c
	c=$(wait_ctrl qb0 60) || return 1
	echo "plugged back: qb0 is $c"
	reads_ok "$c"
}
fault "hot removal with I/O in flight: every command completed once, later calls and mappings safe; plugged back, qb0 reads" \
	replugged

echo "== removal of $c1 while a DEFER_TASKRUN ring holds unreaped completions"
bdf=$(basename "$(readlink -f "/sys/class/nvme/$c1/device")")
rm -f /tmp/ready /tmp/go
"$robust" hold -r -g /tmp/go "/dev/${c1}uq0" 512 8 /tmp/ready >/tmp/hold-d 2>&1 &
hd=$!
for _ in $(seq 1 100); do [ -e /tmp/ready ] && break; sleep 0.1; done
sleep 1 # the fast device has completed the reads by now; nobody reaps them
start=$(date +%s)
echo 1 >"/sys/bus/pci/devices/$bdf/remove"
took=$(($(date +%s) - start))
touch /tmp/go
wait_for $hd 150; sd=$?
cat /tmp/hold-d
echo "removal took $took s"
deferred() {
	[ "$took" -le 20 ] && [ "$sd" -eq 0 ] || return 1
	echo 1 >/sys/bus/pci/rescan
	local c
	# the name may differ: instance numbers are reused
	c=$(wait_ctrl qb1 60) || return 1
	reads_ok "$c"
}
fault "removal does not wait for a process that does not reap (took $took s, at most 20); rescan brings $c1 back" \
	deferred

summary "$res/summary"
