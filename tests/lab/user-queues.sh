#!/bin/bash
# Description: the user queue patches. With user_irq_queues=0 and
# user_poll_queues=0 the controller has the same queues and interrupts as
# without the parameters and no user queue devices; with 1/1 the queue
# devices carry data both ways (plain and registered buffers), fio's
# io_uring_cmd engine runs read and write jobs on both, the CQ ring and
# state page map read-only, backpressure fails the excess command, and
# resets and removal with I/O in flight fail the commands without a kernel
# report.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

queues='ls /dev/nvme0uq* 2>/dev/null; grep -o "nvme0q[0-9]*" /proc/interrupts | sort; ls /sys/block/nvme0n1/mq | wc -l'
lab_vm --results "$tmp" -- sh -c "{ $queues; } >$tmp/plain"
lab_vm --results "$tmp" --append "nvme.user_irq_queues=0 nvme.user_poll_queues=0" -- sh -c "{ $queues; } >$tmp/zero"
if [ -s "$tmp/plain" ] && cmp -s "$tmp/plain" "$tmp/zero"; then
	pass "0/0: same interrupts and blk-mq queues as without the parameters, no user queue devices"
else
	fail "0/0 differs: $(diff "$tmp/plain" "$tmp/zero" 2>&1 | head -5)"
fi

# device nodes and sysfs types for several combinations of the parameters
# (two guest CPUs: each parameter is limited to the number of CPUs)
for combo in "1 0" "0 2" "2 1"; do
	set -- $combo
	want=$( (i=0; while [ $i -lt $(($1 + $2)) ]; do
		[ $i -lt "$1" ] && t=irq || t=poll; echo "nvme0uq$i $t"; i=$((i + 1)); done) )
	lab_vm --cpus 2 --results "$tmp" --append "nvme.user_irq_queues=$1 nvme.user_poll_queues=$2" -- \
		sh -c "for d in /dev/nvme0uq*; do [ -c \$d ] && echo \$(basename \$d) \$(cat /sys/class/nvme-generic/\$(basename \$d)/type); done >$tmp/combo" ||
		true
	if [ "$(cat "$tmp/combo" 2>/dev/null)" = "$want" ]; then
		pass "$1/$2: device nodes and sysfs types match"
	else
		fail "$1/$2: want '$want', got '$(cat "$tmp/combo" 2>/dev/null)'"
	fi
done

expect_status 0 "user queues: devices, data, fio, mmap, backpressure" \
	lab_vm --nvme file,size=64M --append "nvme.user_irq_queues=1 nvme.user_poll_queues=1" \
	-- "$top/tests/guest/user-queues.sh"
expect_status 0 "user queues: reset and removal with I/O in flight" \
	lab_vm --nvme file,size=64M --append "nvme.user_irq_queues=1 nvme.user_poll_queues=1" \
	-- "$top/tests/guest/user-queues-reset.sh"
done_testing
