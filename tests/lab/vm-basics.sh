#!/bin/bash
# Runtime: about 60 s (scripts/test.sh starts the longest tests first)
# Description: scripts/vm runs one command in the guest and returns its exit
# status; the guest sees the host's files read-only, writes to tmpfs and to
# --results folders; --help documents every option the script accepts; bad
# options exit 2 with one line.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One boot (the lab kernel): two controllers with their own queue counts
# and a kernel parameter; the command writes what the guest sees to the
# results folder, then exits 3, which must come back.
tool_vm --nvme null,qpairs=4 --nvme file,size=64M,qpairs=2 --append "nvme.poll_queues=1" --results "$tmp/res" \
	-- sh -c "uname -r >$tmp/res/release; \
	mktemp /tmp/tmpfs-probe.XXXXXX >/dev/null && echo tmpfs-ok >>$tmp/res/release; \
	touch $top/readonly-probe 2>/dev/null && echo root-writable >>$tmp/res/release; \
	ls /dev/nvme0n1 /dev/ng0n1 >>$tmp/res/release; \
	ls -d /sys/class/nvme/nvme* >$tmp/res/ctrls; cat /sys/module/nvme/parameters/poll_queues >$tmp/res/pq; \
	exit 3"
status=$?
if [ $status -eq 3 ]; then pass "the command's exit status comes back (3)"; else fail "status $status, expected 3"; fi
if grep -q qbench "$tmp/res/release" && grep -q tmpfs-ok "$tmp/res/release" &&
	! grep -q root-writable "$tmp/res/release" && grep -q /dev/ng0n1 "$tmp/res/release"; then
	pass "guest runs the lab kernel, root read-only, tmpfs and results writable, NVMe present"
else
	fail "guest environment: saw: $(cat "$tmp/res/release" 2>/dev/null)"
fi
if [ "$(wc -l <"$tmp/res/ctrls")" -eq 2 ] && [ "$(cat "$tmp/res/pq")" = 1 ]; then
	pass "two controllers and a kernel parameter reach the guest"
else
	fail "two controllers: controllers: $(cat "$tmp/res/ctrls" 2>/dev/null); poll_queues: $(cat "$tmp/res/pq" 2>/dev/null)"
fi

help=$("$top/scripts/vm" --help)
missing=
for opt in $(grep -oE '^\s+-[a-z-]*[a-z](\|--?[a-z-]+)*\)' "$top/scripts/vm" | tr -d ' \t)' | tr '|' ' '); do
	grep -qE -- "(^|[ ,])$opt([ ,=]|$)" <<<"$help" || missing+=" $opt"
done
if [ -z "$missing" ]; then
	pass "--help documents every option"
else
	fail "--help misses:$missing"
fi

out=$("$top/scripts/vm" --nvme tape -- true 2>&1)
if [ $? -eq 2 ] && grep -q "backend 'tape' is unknown (accepted: null, file, blkdebug)" <<<"$out"; then
	pass "an unknown backend is named with the accepted ones"
else
	fail "bad backend: $out"
fi
out=$("$top/scripts/vm" --cpus zero -- true 2>&1)
if [ $? -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ]; then
	pass "bad --cpus: one line, status 2"
else
	fail "bad cpus: $out"
fi
done_testing
