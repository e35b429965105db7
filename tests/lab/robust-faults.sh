#!/bin/bash
# Description: robustness of the user queues under device faults, on the
# debug kernel (KASAN, lockdep: any kernel report fails): injected media
# errors, 20 controller resets under load, command timeouts and removal
# through sysfs with commands in flight, then rescan
# (tests/guest/robust-faults.sh). Prints the fault summary line.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
# robust_summary FILE: print "robust summary: faults injected N, survived N,
# I/Os lost N, bad inputs tried N" from the guest's counters; fail when a
# fault was not survived or an I/O was lost, or the guest left no summary.
robust_summary() {
	local line faults survived lost bad_inputs
	line=$(cat "$1" 2>/dev/null)
	if [ -z "$line" ]; then
		echo "robust summary: none (the guest did not finish)"
		fail "no robustness summary from the guest"
		return
	fi
	faults=$(sed -n 's/.*faults=\([0-9]*\).*/\1/p' <<<"$line")
	survived=$(sed -n 's/.*survived=\([0-9]*\).*/\1/p' <<<"$line")
	lost=$(sed -n 's/.*lost=\([0-9]*\).*/\1/p' <<<"$line")
	bad_inputs=$(sed -n 's/.*bad_inputs=\([0-9]*\).*/\1/p' <<<"$line")
	echo "robust summary: faults injected ${faults:-?}, survived ${survived:-?}, I/Os lost ${lost:-?}, bad inputs tried ${bad_inputs:-?}"
	[ "${lost:-1}" = 0 ] || fail "I/Os lost: ${lost:-?}"
	[ "${faults:-x}" = "${survived:-y}" ] || fail "faults not survived: $((${faults:-0} - ${survived:-0}))"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_status 0 "user queues survive injected errors, resets, timeouts and removal" \
	lab_vm --cpus 2 --timeout 1500 --results "$tmp" \
	--nvme blkdebug,size=64M,inject=read:1000,inject=write:2000 \
	--nvme null,size=1G,latency-ns=5000000000 \
	--append "nvme.user_irq_queues=1 nvme.user_poll_queues=1" \
	-- env QBENCH_BUILD="$build" "$top/tests/guest/robust-faults.sh" "$tmp/summary"
robust_summary "$tmp/summary"
done_testing
