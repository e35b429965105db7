#!/bin/bash
# Runtime: about 300 s (scripts/test.sh starts the longest tests first)
# Description: the TCG instruction profile (insn_profile.so and
# scripts/insn-profile) attributes a window's kernel instructions to the
# functions that ran them: marker_loop --syscalls N makes N getppid()
# calls in its window, so the pid lookup getppid() calls must show up with
# a count proportional to N, and the windows must match a report's runs one to one.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
plugin=$build/tcg-plugin/insn_profile.so
loop=$build/tests/tools/marker_loop
if [ ! -f "$plugin" ] || [ ! -x "$loop" ]; then
	fail "insn_profile.so or marker_loop not built"
	done_testing
fi
kernel=$("$top/scripts/build-kernel.sh" --flavor "$flavor" -q | tail -1) ||
	{ fail "no $flavor kernel"; done_testing; }

expect_status 0 "guest makes 1000 then 3000 getppid() calls under the profile" \
	lab_vm --kernel "$kernel" --plugin "$plugin,out=$tmp/profile" -- \
	sh -c "$loop --syscalls 1000 && $loop --syscalls 3000"
"$top/scripts/insn-profile" --map "$(dirname "$kernel")/System.map" --top 100000 "$tmp/profile" >"$tmp/out"
head -n 6 "$tmp/out"

# getppid()'s own body is inlined into the system call table; the pid
# lookup it calls, __task_pid_nr_ns(), runs once per call
count() { # WINDOW: instructions attributed to __task_pid_nr_ns
	awk -v w="window $1:" '$0 ~ "^" w {on = 1; next} /^window/ {on = 0}
		on && $3 == "__task_pid_nr_ns" {gsub(",", "", $1); n += $1} END {print n + 0}' "$tmp/out"
}
one=$(count 1) three=$(count 2)
if python3 -c "import sys; a, b = $one, $three; sys.exit(not (a > 0 and 2.9 <= b / a <= 3.1))"; then
	pass "__task_pid_nr_ns: $one instructions in window 1, $three in window 2 (x3 calls)"
else
	fail "__task_pid_nr_ns: $one instructions in window 1, $three in window 2; expected a ratio of 3"
fi

# windows must match a report's runs one to one
printf '{"runs": [{"path": "a", "ios": 1}]}' >"$tmp/report.json"
expect_status 1 "a report with fewer runs than windows is refused" \
	"$top/scripts/insn-profile" --map "$(dirname "$kernel")/System.map" --report "$tmp/report.json" "$tmp/profile"
done_testing
