#!/bin/bash
# Runtime: about 670 s (scripts/test.sh starts the longest tests first)
# Description: with nvme.user_irq_queues=0 nvme.user_poll_queues=0 (and with
# the parameters absent) the patched kernel lays out the controller's queues
# exactly as the unpatched kernel does: the same blk-mq hardware queues
# (type, nr_tags, cpu_list), the same queue counts in the kernel log
# ("N/M/K default/read/poll queues"), the same interrupt vectors, and no user
# queue devices. Checked on the default queues (one CPU) and with
# write_queues and poll_queues on two CPUs. The unpatched kernel is built
# from an empty series (cached after the first build).
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! vanilla=$("$top/scripts/build-kernel.sh" --flavor "$flavor" --series "$top/tests/lab/unpatched.series" --quiet |
	tail -n 1) ||
	[ ! -f "$vanilla" ]; then
	fail "building the unpatched $flavor kernel"
	done_testing
fi
if ! patched=$("$top/scripts/build-kernel.sh" --flavor "$flavor" --quiet | tail -n 1) || [ ! -f "$patched" ]; then
	fail "building the patched $flavor kernel"
	done_testing
fi
echo "unpatched: $vanilla"
echo "patched:   $patched"

layout="$top/tests/guest/user-queues-layout.sh"
# capture NAME KERNEL CPUS ARGS: the layout printed by one boot
capture() {
	local name=$1 kernel=$2 cpus=$3 args=$4
	if ! "$top/scripts/vm" --kernel "$kernel" --cpus "$cpus" --results "$tmp" --append "$args" -- \
		sh -c "$layout >$tmp/$name" >/dev/null || [ ! -s "$tmp/$name" ]; then
		fail "$name: the guest did not print its layout"
	fi
}

zero="nvme.user_irq_queues=0 nvme.user_poll_queues=0"
for set in "1|" "2|nvme.write_queues=1 nvme.poll_queues=1"; do
	cpus=${set%%|*} args=${set#*|}
	what="$cpus CPU(s)${args:+, $args}"
	capture vanilla "$vanilla" "$cpus" "$args"
	capture zero "$patched" "$cpus" "$args $zero"
	echo "-- layout of the unpatched kernel, $what:"
	cat "$tmp/vanilla" 2>/dev/null
	if [ -s "$tmp/vanilla" ] && cmp -s "$tmp/vanilla" "$tmp/zero"; then
		pass "$what: user queues 0/0 lay out the queues as the unpatched kernel"
	else
		fail "$what: user queues 0/0 differ from the unpatched kernel: $(diff "$tmp/vanilla" "$tmp/zero" 2>&1 | head -n 8)"
	fi
	if [ -z "$args" ]; then
		capture absent "$patched" "$cpus" "$args"
		if [ -s "$tmp/vanilla" ] && cmp -s "$tmp/vanilla" "$tmp/absent"; then
			pass "$what: without the parameters, the same layout as the unpatched kernel"
		else
			fail "$what: without the parameters the layout differs: $(diff "$tmp/vanilla" "$tmp/absent" 2>&1 | head -n 8)"
		fi
	fi
	if grep -q "^user queue devices: $" "$tmp/zero" 2>/dev/null; then
		pass "$what: no user queue devices with 0/0"
	else
		fail "$what: user queue devices with 0/0: $(grep '^user queue' "$tmp/zero" 2>/dev/null)"
	fi
	rm -f "$tmp/vanilla" "$tmp/zero" "$tmp/absent"
done
done_testing
