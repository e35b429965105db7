#!/bin/bash
# Description: runs in a lab guest booted with nvme.user_irq_queues=1
# nvme.user_poll_queues=1, controller nvme0 with two data-keeping
# namespaces and a second controller nvme1. Checks the v2 ownership rules
# with uq_owner: one owner per queue (EBUSY), one namespace per queue
# (EINVAL for other nsids and for ng nodes of other controllers or files
# that are no ng node), one ring per owner (EXDEV), the rights of the ng
# fd the queue was bound with (EACCES for writes through a read-only
# binding, without CAP_SYS_ADMIN, also when root bound the queue and the
# owner dropped its privileges since), the v1 namespace escape refused (an
# unprivileged user refused /dev/ng0n2 cannot read namespace 2 through a
# queue it may open), and the opcode and length rules for unprivileged
# owners. The unprivileged checks run as uid 65534, with the queues and
# /dev/ng0n1 opened up to it and /dev/ng0n2 root only.
# Exit: 0 pass, 1 fail, 77 skip (no user queues).
set -u
build=${QBENCH_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
owner=$build/tests/tools/uq_owner
q=/dev/nvme0uq0 pq=/dev/nvme0uq1 ns1=/dev/ng0n1 ns2=/dev/ng0n2 other=/dev/ng1n1
nobody=65534
if [ ! -c $q ] || [ ! -c $pq ]; then echo "SKIP: no $q and $pq"; ls -l /dev/nvme*; exit 77; fi
[ -x "$owner" ] || { echo "FAIL: $owner is not built"; exit 1; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# expect DESCRIPTION COMMAND...: ok when COMMAND exits 0
expect() {
	local what=$1 rc
	shift
	echo "-- $what"
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then ok "$what"; else bad "$what (status $rc)"; fi
}
for d in $ns1 $ns2 $other; do
	[ -c "$d" ] || { bad "$d missing: the lab boots nvme0 with two namespaces and a second controller"; exit 1; }
done
lbs=$(cat /sys/block/nvme0n1/queue/logical_block_size)
export UQ_LBS=$lbs

expect "one owner per queue (irq)" "$owner" open $q
expect "one owner per queue (poll)" "$owner" -p open $pq
expect "binding: same controller, ng nodes only, one namespace" \
	"$owner" bind $q $ns1 $ns2 $other /dev/nvme0n1
expect "binding on the poll queue" "$owner" -p bind $pq $ns1 $ns2 $other /dev/nvme0n1
expect "one ring per owner (irq)" "$owner" ring $q $ns1
expect "one ring per owner (poll)" "$owner" -p ring $pq $ns1

# what an unprivileged user may open: the queues and namespace 1, not 2
if ! { chmod 0666 $q $pq $ns1 && chmod 0600 $ns2 && chown 0:0 $ns2; }; then
	bad "setting the node permissions"
	exit 1
fi
expect "read-only binding without CAP_SYS_ADMIN: no writes" "$owner" -u $nobody readonly $q $ns1
expect "read-only binding with CAP_SYS_ADMIN: writes allowed, as on the ng node" "$owner" readonly $q $ns1
expect "a queue bound by root and kept after dropping to uid $nobody: no writes, no admin-only opcodes" \
	"$owner" handoff $q $ns1 $nobody

# namespace 2 holds a marker that the escape would read
marker=/tmp/marker
{ printf QBNS2; head -c $((lbs - 5)) /dev/zero; } >$marker
dd if=$marker of=/dev/nvme0n2 bs="$lbs" seek=100 count=1 oflag=direct status=none ||
	bad "writing the marker to namespace 2"
if "$build/tests/tools/ng_io" read $ns2 "$lbs" $((100 * lbs)) "$lbs" /tmp/marker.back &&
	cmp -s $marker /tmp/marker.back; then
	ok "root reads the marker of namespace 2 through $ns2"
else
	bad "root cannot read the marker of namespace 2 through $ns2"
fi
# ngXnY and nvmeXnY are numbered in the order the namespaces were found,
# not by nsid
nsid2=$(cat /sys/block/nvme0n2/nsid)
echo "$ns2 is namespace $nsid2"
expect "the v1 namespace escape is refused (irq queue)" "$owner" -u $nobody escape $q $ns1 $ns2 "$nsid2" 100
expect "the v1 namespace escape is refused (poll queue)" "$owner" -u $nobody -p escape $pq $ns1 $ns2 "$nsid2" 100

expect "unprivileged owner: unverifiable lengths refused, lengths checked" \
	"$owner" -u $nobody lengths $q $ns1
expect "privileged owner: past the opcode check, lengths still checked" "$owner" lengths $q $ns1
exit $fail
