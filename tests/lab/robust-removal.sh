#!/bin/bash
# Runtime: about 720 s (scripts/test.sh starts the longest tests first)
# CPUs: 2
# Description: removal of a controller whose user queues are in use, on the
# debug kernel (KASAN, lockdep: any kernel report fails), four queues per
# controller, each with its own owner: PCIe hot removal through QMP
# device_del with commands in flight, a poller spinning in io_uring_enter
# and processes mapping and unmapping the CQ and state page in a loop, then
# device_add and use again (the debug kernel carries
# kernel-patch/debug-fixes for pciehp's own lockdep report on removal);
# 5 resets with a map loop and a spinning poller; and removal through sysfs
# with those, a DEFER_TASKRUN ring that never reaps and a stopped owner,
# bounded to 60 s (tests/guest/robust-removal.sh). This script plays the
# host's part: it sends device_del and device_add when the guest asks.
# Prints the summary line; the guest promises 7 faults.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
# qmp SOCKET JSON: send one QMP command, print the reply (events skipped)
qmp() {
	python3 - "$1" "$2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile('rw')
def reply():
    while True:
        m = json.loads(f.readline())
        if 'event' not in m:
            return m
reply()
f.write(json.dumps({'execute': 'qmp_capabilities'}) + '\n'); f.flush(); reply()
f.write(sys.argv[2] + '\n'); f.flush()
print(json.dumps(reply()))
PY
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sock=$tmp/qmp.sock
lab_vm --cpus 2 --timeout 1500 --results "$tmp" --qmp "$sock" \
	--nvme null,size=1G,latency-ns=10000000000 --nvme file,size=64M \
	--append "nvme.user_irq_queues=2 nvme.user_poll_queues=2" \
	-- env QBENCH_BUILD="$build" \
	"$top/tests/guest/robust-removal.sh" "$tmp" &
vm=$!
# the guest asks for device_del and device_add by creating files, again
# each time after the host has removed them
while kill -0 $vm 2>/dev/null; do
	if [ -e "$tmp/unplug" ]; then
		rm -f "$tmp/unplug"
		echo "host: device_del nvme0: $(qmp "$sock" '{"execute":"device_del","arguments":{"id":"nvme0"}}')"
	fi
	if [ -e "$tmp/replug" ]; then
		rm -f "$tmp/replug"
		# QEMU keeps the device until the guest has powered the slot off
		for _ in $(seq 1 60); do
			r=$(qmp "$sock" '{"execute":"device_add","arguments":{"driver":"nvme","id":"nvme0","bus":"rp0","serial":"qb0","drive":"nvmedrv0","max_ioqpairs":16,"msix_qsize":17}}')
			case $r in *'"return"'*) break ;; esac
			sleep 1
		done
		echo "host: device_add nvme0: $r"
	fi
	sleep 0.5
done
wait $vm
status=$?
if [ $status -eq 0 ]; then pass "removal with user queues in use (status 0)"; else fail "removal with user queues in use: status $status, expected 0"; fi
robust_summary "$tmp/summary" 7 0
done_testing
