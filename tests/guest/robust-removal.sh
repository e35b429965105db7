#!/bin/bash
# Description: runs in a lab guest (see tests/lab/robust-removal.sh) with
# nvme.user_irq_queues=2 nvme.user_poll_queues=2 (uq0, uq1 irq; uq2, uq3
# poll) and two controllers: serial qb0, a null device taking 10 s per
# command, on the PCIe root port the host hot-removes, and serial qb1
# keeping data. A queue has one owner, so every process below owns its own
# queue.
# - PCIe hot removal (QMP device_del by the host, asked for through the
#   file unplug in RESULTS_DIR; pciehp waits 5 s for the attention button,
#   so the commands are still in flight when the driver unbinds) of qb0
#   while uq0 and uq2 hold 8 reads each (the poll queue's owner spinning in
#   io_uring_enter all along) and uq1 and uq3 map and unmap their CQ and
#   state page in a loop with reads in flight: every command completes
#   once, later commands fail with -EIO and mmaps with ENODEV, the old
#   mappings still read; the host plugs the device back (file replug) and
#   it works again;
# - 5 resets of qb1 (status read, each proven by the generation of the
#   queues) while uq1 maps and unmaps in a loop with reads in flight and
#   uq2 carries a load whose owner spins polling; then its removal through
#   sysfs while those run on, uq0's completed commands sit unreaped on an
#   IORING_SETUP_DEFER_TASKRUN ring that does not enter the kernel, and
#   uq3's owner is stopped (SIGSTOP) with its completions unpolled: the
#   removal returns within 60 s, every process finds each command completed
#   exactly once afterwards; after rescan qb1 works. The bound is 60 s: a
#   plain reset of a loaded controller takes up to 20 s under TCG with the
#   debug kernel on a busy host, and a removal that waited for the stopped
#   owner would never return (the write is given 90 s, then reported).
# Faults counted: 1 + 5 + 1 = 7 (tests/lab/robust-removal.sh).
# Usage: robust-removal.sh RESULTS_DIR. Exit: 0 pass, 1 fail, 77 skip.
# shellcheck disable=SC2317 # the checks below are called through fault/expect
# shellcheck source=tests/guest/robust-lib.sh
. "$(dirname "$0")/robust-lib.sh"
res=${1:?usage: robust-removal.sh RESULTS_DIR}
[ -x "$robust" ] || { echo "FAIL: $robust is not built"; exit 1; }
if ! c0=$(wait_ctrl qb0) || ! c1=$(wait_ctrl qb1); then
	echo "SKIP: controllers qb0 and qb1 with four user queues each"
	exit 77
fi
echo "qb0 is $c0, qb1 is $c1"

# wait_all SECONDS PID...: wait for each; 0 when every one exited 0
wait_all() {
	local secs=$1 p st=0
	shift
	for p in "$@"; do wait_for "$p" "$secs" || { echo "process $p failed"; st=1; }; done
	return "$st"
}
# wait_files FILE...: all exist within 30 s
wait_files() {
	local _i f
	for _i in $(seq 1 300); do
		for f in "$@"; do [ -e "$f" ] || { sleep 0.1; continue 2; }; done
		return 0
	done
	return 1
}

# The controller completes the commands in flight as it deletes the queues
# during an orderly removal (QEMU answers a Delete I/O SQ only once the
# queue's outstanding reads are done), so each command may end with its data
# or with an error; what must hold is that every one completes exactly once,
# that the removal finishes, and that nothing is reachable afterwards.
echo "== PCIe hot removal (QMP device_del) of $c0 with commands in flight, a poller spinning and map loops"
rm -f /tmp/ready-* /tmp/removed
"$robust" hold -r -w /tmp/removed "/dev/${c0}uq0" 512 8 /tmp/ready-0 >/tmp/hold-0 2>&1 &
h0=$!
"$robust" hold -r -w /tmp/removed "/dev/${c0}uq2" 512 8 /tmp/ready-2 >/tmp/hold-2 2>&1 &
h2=$!
"$robust" maploop -i -r -T 300 "/dev/${c0}uq1" 512 >/tmp/map-1 2>&1 &
m1=$!
"$robust" maploop -i -r -T 300 "/dev/${c0}uq3" 512 >/tmp/map-3 2>&1 &
m3=$!
wait_files /tmp/ready-0 /tmp/ready-2 || bad "the holders did not submit"
sleep 1
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
touch /tmp/removed
wait_all 150 $h0 $h2 $m1 $m3; sh=$?
cat /tmp/hold-0 /tmp/hold-2 /tmp/map-1 /tmp/map-3
replugged() {
	[ "$sh" -eq 0 ] || return 1
	: >"$res/replug"
	local c
	c=$(wait_ctrl qb0 60) || return 1
	echo "plugged back: qb0 is $c"
	reads_ok "$c"
}
fault "hot removal with I/O in flight, a spinning poller and map loops: every command completed once, later calls and mappings safe; plugged back, qb0 reads" \
	replugged

echo "== 5 resets of $c1 with a map/unmap loop and a spinning poller"
rm -f /tmp/gen-m /tmp/gen-l /tmp/stop-l /tmp/ready-* /tmp/go
"$robust" maploop -i -r -T 600 -G /tmp/gen-m "/dev/${c1}uq1" 512 >/tmp/map-1 2>&1 &
m1=$!
"$robust" load -f -q 8 -T 600 -S /tmp/stop-l -G /tmp/gen-l 512 1024 "/dev/${c1}uq2" >/tmp/load-2 2>&1 &
l2=$!
proven_reset() {
	reset_ctrl "$c1" 60 || return 1
	gen_at_least /tmp/gen-m "$1" 30 && gen_at_least /tmp/gen-l "$1" 30 || return 1
	if [ "$(cut -d' ' -f1 /tmp/gen-m)" -ne "$1" ] || [ "$(cut -d' ' -f1 /tmp/gen-l)" -ne "$1" ]; then
		echo "generation steps $(cut -d' ' -f1 /tmp/gen-m) and $(cut -d' ' -f1 /tmp/gen-l), not $1"
		return 1
	fi
	oks_grow /tmp/gen-m 30 && oks_grow /tmp/gen-l 30
}
if ! gen_at_least /tmp/gen-m 0 30 || ! oks_grow /tmp/gen-m 30 || ! oks_grow /tmp/gen-l 30; then
	bad "the map loop or the load did not start"
fi
for i in 1 2 3 4 5; do
	fault "reset $i of $c1: returned 0, both queues created again (generation +$i) and reading" \
		proven_reset "$i"
done

echo "== removal of $c1 (sysfs) with those, a DEFER_TASKRUN ring that never reaps and a stopped owner"
bdf=$(basename "$(readlink -f "/sys/class/nvme/$c1/device")")
"$robust" hold -r -g /tmp/go -w /tmp/go "/dev/${c1}uq0" 512 8 /tmp/ready-0 >/tmp/hold-0 2>&1 &
h0=$!
"$robust" hold -r -g /tmp/go -w /tmp/go "/dev/${c1}uq3" 512 8 /tmp/ready-3 >/tmp/hold-3 2>&1 &
h3=$!
wait_files /tmp/ready-0 /tmp/ready-3 || bad "the holders did not submit"
kill -STOP $h3
sleep 1 # the fast device has completed the reads by now; nobody reaps them
start=$(date +%s)
timeout 90 sh -c "echo 1 >/sys/bus/pci/devices/$bdf/remove"; sr=$?
took=$(($(date +%s) - start))
echo "removal: status $sr after $took s"
touch /tmp/go /tmp/stop-l
kill -CONT $h3
wait_all 150 $h0 $h3 $m1 $l2; sd=$?
cat /tmp/hold-0 /tmp/hold-3 /tmp/map-1 /tmp/load-2
lost_from /tmp/load-2
deferred() {
	[ "$sr" -eq 0 ] && [ "$took" -le 60 ] && [ "$sd" -eq 0 ] || return 1
	wait_gone "/sys/class/nvme/$c1" 30 || return 1
	echo 1 >/sys/bus/pci/rescan
	local c
	# the name may differ: instance numbers are reused
	c=$(wait_ctrl qb1 60) || return 1
	reads_ok "$c"
}
fault "removal does not wait for a stopped owner, a ring that never reaps, a map loop or a poller (status $sr, took $took s, at most 60); every command completed once; rescan brings $c1 back" \
	deferred

summary "$res/summary"
