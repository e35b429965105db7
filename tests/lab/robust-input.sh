#!/bin/bash
# Description: robustness of the user queues against hostile and
# concurrent users, on the debug kernel (KASAN, lockdep: any kernel report
# fails): two rings per queue, opens and closes racing with I/O, kill -9
# with I/O in flight, unprivileged read-only use, and 100,000 randomized
# commands with random ioctls and mmaps (tests/guest/robust-input.sh).
# Prints the summary line.
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

expect_status 0 "user queues hold against concurrent, unprivileged and hostile users" \
	lab_vm --cpus 2 --timeout 900 --results "$tmp" \
	--nvme file,size=64M --nvme null,size=1G \
	--append "nvme.user_irq_queues=1 nvme.user_poll_queues=1" \
	-- env QBENCH_BUILD="$build" ROBUST_SEED="${ROBUST_SEED:-1}" \
	"$top/tests/guest/robust-input.sh" "$tmp/summary"
robust_summary "$tmp/summary"
done_testing
