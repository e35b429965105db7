#!/bin/bash
# Description: libnvme-qbench-uqbind.so preloaded into a program, without a
# kernel that has user queues: /dev/null stands for a queue (the bind ioctl
# is refused with ENOTTY there, as on a kernel without the series). Checks
# that the library leaves opens alone when NVME_QBENCH_UQ_BIND is unset,
# that every open function (open, open64, openat, openat64) of a listed
# node, by its path or by an alias of the same device number, fails with
# the errno of the failing step and one line on stderr naming the
# variable, the device and the reason, and that a malformed value fails
# opens of character devices with EINVAL and says so once.
# Usage: uqbind_preload.sh LIBRARY PROBE
set -u
lib=${1:?usage: uqbind_preload.sh LIBRARY PROBE}
probe=${2:?usage: uqbind_preload.sh LIBRARY PROBE}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ln -s /dev/null "$dir/alias"
echo data >"$dir/file"
failures=0

# check NAME WANT-STDOUT WANT-STDERR-REGEX WANT-STDERR-LINES -- COMMAND...
check() {
	local name=$1 want_out=$2 want_err=$3 want_lines=$4 out err lines
	shift 5
	out=$("$@" 2>"$dir/stderr")
	err=$(cat "$dir/stderr")
	lines=$(grep -c . "$dir/stderr")
	if [ "$out" = "$want_out" ] && [ "$lines" -eq "$want_lines" ] && { [ "$want_lines" -eq 0 ] || grep -qE -- "$want_err" <<<"$err"; }; then
		echo "ok: $name"
	else
		echo "FAIL: $name"
		echo "  stdout: $out"
		echo "  wanted: $want_out"
		echo "  stderr ($lines lines): $err"
		echo "  wanted ($want_lines lines): $want_err"
		failures=$((failures + 1))
	fi
}

nl=$'\n'
for f in open open64 openat openat64; do
	check "$f: unset, nothing changes" "/dev/null: ok$nl$dir/file: ok" '' 0 -- \
		env -u NVME_QBENCH_UQ_BIND LD_PRELOAD="$lib" "$probe" $f /dev/null "$dir/file"
	check "$f: bind refused, by path and by alias" \
		"/dev/null: ENOTTY$nl$dir/alias: ENOTTY$nl/dev/zero: ok$nl$dir/file: ok" \
		'^nvme-qbench-uqbind: NVME_QBENCH_UQ_BIND: binding /dev/null to the namespace of /dev/zero failed: Inappropriate ioctl for device \(not a user queue' \
		2 -- env NVME_QBENCH_UQ_BIND=/dev/null=/dev/zero LD_PRELOAD="$lib" "$probe" $f /dev/null "$dir/alias" /dev/zero "$dir/file"
	check "$f: NGDEV missing" "/dev/null: ENOENT" \
		'^nvme-qbench-uqbind: NVME_QBENCH_UQ_BIND: cannot open /nonexistent/ng0n1 to bind /dev/null: No such file or directory$' \
		1 -- env NVME_QBENCH_UQ_BIND=/dev/nvme0uq0=/dev/ng0n1,/dev/null=/nonexistent/ng0n1 LD_PRELOAD="$lib" \
		"$probe" $f /dev/null
	check "$f: malformed, said once" "/dev/null: EINVAL$nl/dev/zero: EINVAL$nl$dir/file: ok" \
		"^nvme-qbench-uqbind: NVME_QBENCH_UQ_BIND=/dev/null:/dev/zero: \"/dev/null:/dev/zero\": is not UQDEV=NGDEV \(no '='\); opens of character devices fail with EINVAL$" \
		1 -- env NVME_QBENCH_UQ_BIND=/dev/null:/dev/zero LD_PRELOAD="$lib" "$probe" $f /dev/null /dev/zero "$dir/file"
done
[ "$failures" -eq 0 ]
