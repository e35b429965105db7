#!/bin/bash
# Runtime: about 760 s (scripts/test.sh starts the longest tests first)
# CPUs: 2
# Description: the user queue patches. Several parameter combinations give
# the right device nodes and sysfs attributes (0/0 is compared with the
# unpatched kernel in uq-layout.sh); with 1/1 the queue devices carry data
# both ways (plain and registered buffers, SGLs), uq_load runs write and
# read jobs on both queues and checks them through the other queue, the
# CQ ring and state page map read-only, backpressure fails the excess
# command; three times the queue depth in flight on both queues loses and
# corrupts nothing, the user-space pending check agrees with thousands of
# completions, commands in flight when the controller is gone complete
# with -EINTR, and resets and removal with I/O in flight fail the
# commands without a kernel report, while the mapped CQ shows the queue as
# it was, never memory reused for something else.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# device nodes and sysfs attributes for several combinations of the
# parameters (two guest CPUs: each parameter is limited to the number of
# CPUs): irq queues first, then poll queues, each with a distinct hardware
# qid above blk-mq's and the controller's queue depth. Each boot must end
# with status 0: a kernel report (126), a timeout (124) or a guest that
# did not finish fails the combination. With 2/1, a second controller
# grants fewer queues than blk-mq and the user queues need together.
# With two controllers their names follow the order their probes end in,
# not the command line's: each is found by its serial (qbfull, qbfew), and
# the full one's nodes are printed as nvme0's.
# shellcheck disable=SC2016 # expanded in the guest
by_serial=". '$top/tests/guest/nvme-lib.sh'"'
c=$(ctrl qbfull); c=${c:-nvme0}; f=$(ctrl qbfew)'
# shellcheck disable=SC2016 # expanded in the guest
attrs='for d in /dev/${c}uq*; do [ -c $d ] || continue; s=/sys/class/nvme-generic/$(basename $d)
echo $(basename $d | sed "s/^$c/nvme0/") $(cat $s/type) $(cat $s/qid) $(cat $s/depth); done'
for combo in "1 0" "0 2" "2 1"; do
	# shellcheck disable=SC2086 # two numbers
	set -- $combo
	want=$( (i=0; while [ $i -lt $(($1 + $2)) ]; do
		[ $i -lt "$1" ] && t=irq || t=poll; echo "nvme0uq$i $t"; i=$((i + 1)); done) )
	rm -f "$tmp/combo" "$tmp/short"
	extra=() short=''
	if [ "$combo" = "2 1" ]; then
		# qbfew grants 4 I/O queues where blk-mq (2 CPUs) and the user
		# queues need 5: it creates no user queue (the nodes stay, with
		# qid 0) and blk-mq gets both of its queues: queues created,
		# blk-mq's hardware contexts, the log (counted with awk, which
		# exits 0 for a count of 0 too)
		extra=(--nvme "null,serial=qbfull" --nvme "null,qpairs=4,serial=qbfew")
		short="; { cat /sys/class/nvme-generic/\${f}uq*/qid | awk '\$1 != 0 { n++ } END { print n + 0 }';
			ls /sys/block/\${f}n1/mq/ | awk 'END { print NR }';
			dmesg | awk -v c=\"\$f\" 'index(\$0, c \": 4 I/O queues granted, 5 needed for blk-mq and user queues: no user queues\") { n++ } END { print n + 0 }'; } >$tmp/short"
	fi
	lab_vm --cpus 2 --results "$tmp" "${extra[@]}" --append "nvme.user_irq_queues=$1 nvme.user_poll_queues=$2" -- \
		sh -c "$by_serial; { $attrs; } >$tmp/combo $short"
	rc=$?
	if [ $rc -eq 0 ]; then
		pass "$1/$2: the guest booted and finished cleanly"
	else
		fail "$1/$2: the guest ended with status $rc"
	fi
	got=$(cat "$tmp/combo" 2>/dev/null)
	if [ "$(cut -d' ' -f1,2 <<<"$got")" = "$want" ]; then
		pass "$1/$2: device nodes and sysfs types match"
	else
		fail "$1/$2: want '$want', got '$got'"
	fi
	qids=$(cut -d' ' -f3 <<<"$got" | sort -un | grep -c '^[1-9]')
	depths=$(cut -d' ' -f4 <<<"$got" | sort -u)
	if [ "$qids" -eq $(($1 + $2)) ] && [ "$(wc -l <<<"$depths")" -eq 1 ] && [ "${depths:-0}" -ge 2 ]; then
		pass "$1/$2: distinct qids, one depth ($depths)"
	else
		fail "$1/$2: qid/depth wrong: $got"
	fi
	if [ -n "$short" ]; then
		got=$(tr '\n' ' ' <"$tmp/short" 2>/dev/null)
		if [ "$got" = "0 2 1 " ]; then
			pass "$1/$2: a controller granting too few queues: no user queue created, blk-mq keeps its 2, the log says why"
		else
			fail "$1/$2: a controller granting too few queues: want user queues created, blk-mq contexts and log lines '0 2 1', got '$got'"
		fi
	fi
done

expect_status 0 "user queues: devices, data, load, mmap, backpressure" \
	lab_vm --nvme file,size=64M --append "nvme.user_irq_queues=1 nvme.user_poll_queues=1" \
	-- env QBENCH_BUILD="$build" "$top/tests/guest/user-queues.sh"
expect_status 0 "user queues: reset and removal with I/O in flight" \
	lab_vm --nvme file,size=64M --append "nvme.user_irq_queues=1 nvme.user_poll_queues=1" \
	-- env QBENCH_BUILD="$build" "$top/tests/guest/user-queues-reset.sh"
# One boot, two controllers: nvme0 keeps data, nvme1 is a null namespace
# whose commands take 1 s, so that reads are still in flight when it is
# made to look gone and reset. A small queue depth (32) for the load test.
# shellcheck disable=SC2016 # expanded in the guest
expect_status 0 "user queues: 3x depth in flight, pending check, -EINTR when the controller is gone" \
	lab_vm --nvme file,size=64M --nvme null,latency-ns=1000000000 \
	--append "nvme.user_irq_queues=1 nvme.user_poll_queues=1 nvme.io_queue_depth=32" \
	-- env QBENCH_BUILD="$build" sh -c 'r=0; "$1" nvme0 || r=1; "$2" nvme1 || r=1; exit $r' sh \
	"$top/tests/guest/user-queues-load.sh" "$top/tests/guest/user-queues-eintr.sh"
done_testing
