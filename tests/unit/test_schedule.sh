#!/bin/bash
# Description: scripts/test.sh's lab scheduler: two slots, longest test
# first, and never two tests that boot 2-vCPU guests ("# CPUs: 2") at
# once, while a 1-vCPU test takes the free slot meanwhile. The lab tests
# are stand-ins that log when they start and end; nothing is built
# (stand-ins for build-kernel.sh and cmake).
# Usage: test_schedule.sh TOP. Exit: 0 pass, 1 fail.
set -u
top=${1:?usage: test_schedule.sh TOP}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

mkdir -p "$tmp/scripts" "$tmp/tests/lab"
cp "$top/scripts/test.sh" "$tmp/scripts/"
printf '#!/bin/sh\nexit 0\n' >"$tmp/scripts/build-kernel.sh"
mkdir "$tmp/bin"
printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/cmake"
chmod +x "$tmp/scripts/build-kernel.sh" "$tmp/bin/cmake"
export PATH=$tmp/bin:$PATH
: >"$tmp/tests/lab/lib.sh"
# stand_in NAME SECONDS WIDE: a test that sleeps, logging start and end
stand_in() {
	{
		echo '#!/bin/bash'
		echo "# Runtime: about $2 s"
		[ "$3" = 0 ] || echo '# CPUs: 2'
		echo "echo \"start $1 \$(date +%s.%N)\" >>$tmp/log"
		echo "sleep $(awk "BEGIN { print $2 / 10 }")"
		echo "echo \"end $1 \$(date +%s.%N)\" >>$tmp/log"
	} >"$tmp/tests/lab/$1.sh"
	chmod +x "$tmp/tests/lab/$1.sh"
}
stand_in wide-a 30 1
stand_in wide-b 25 1
stand_in wide-c 20 1
stand_in narrow-a 15 0
stand_in narrow-b 5 0

out=$("$tmp/scripts/test.sh" --lab --jobs 2 2>&1)
status=$?
[ "$status" -eq 0 ] && ok "test.sh exits 0" || bad "test.sh exit $status: $out"
grep -qx '5 passed, 0 failed' <<<"$out" && ok "5 passed" || bad "summary: $(tail -n 1 <<<"$out")"

# "name start end" per test, in start order
sched=$(awk '{ t[$2, $1] = $3; n[$2] = 1 } END { for (k in n) print k, t[k, "start"], t[k, "end"] }' "$tmp/log" |
	sort -k2,2n)
echo "$sched"
# Longest first: within each kind, the start order is the length order
# (the two slots start together, so across kinds it is a race).
order=$(cut -d' ' -f1 <<<"$sched" | paste -sd' ')
wides=$(grep -o 'wide-[a-z]' <<<"$order" | paste -sd' ')
narrows=$(grep -o 'narrow-[a-z]' <<<"$order" | paste -sd' ')
[ "$wides" = "wide-a wide-b wide-c" ] && [ "$narrows" = "narrow-a narrow-b" ] && ok "longest first" ||
	bad "start order: $order"
# no two wide tests overlap; at most two tests at once
overlaps=$(awk '{ name[NR] = $1; s[NR] = $2; e[NR] = $3 }
	END {
		for (i = 1; i <= NR; i++) {
			at = 0
			for (j = 1; j <= NR; j++) if (s[j] <= s[i] && e[j] > s[i]) at++
			if (at > 2) print "three at once at the start of " name[i]
			for (j = i + 1; j <= NR; j++)
				if (name[i] ~ /^wide/ && name[j] ~ /^wide/ && s[j] < e[i] && s[i] < e[j])
					print name[i] " overlaps " name[j]
		}
	}' <<<"$sched")
[ -z "$overlaps" ] && ok "no two 2-vCPU tests at once, never more than two" || bad "$overlaps"
# while wide-a runs, the other slot runs the narrow tests, not idle
read -r _ _ a_end < <(grep '^wide-a ' <<<"$sched")
read -r _ nb_start _ < <(grep '^narrow-a ' <<<"$sched")
awk -v a="$a_end" -v n="$nb_start" 'BEGIN { exit !(n < a) }' &&
	ok "a 1-vCPU test used the free slot" || bad "narrow-a started at $nb_start, after wide-a ended at $a_end"
exit "$fail"
