#!/bin/bash
# Runtime: about 360 s (scripts/test.sh starts the longest tests first)
# Description: scripts/bench.sh --against REF, the kernel-change gate:
# against HEAD on an unchanged series it passes (two boots of the same
# kernel: their instruction counts repeat); in a scratch clone whose last
# commit adds a deliberate slowdown to every user queue command
# (tests/lab/uq-slowdown.patch) it fails against the commit before, naming
# uq-irq's kernel instructions per I/O and not ng-irq's. The first runs
# through scripts/ci-bench.sh, which records the gate's run and the
# dashboard. Also: a revision that does not exist is refused with one
# line. ng-irq and uq-irq, three rounds of one second: the counts need no
# more.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
[ -x "$build/bench/nvme-qbench" ] || { fail "$build/bench/nvme-qbench is not built"; done_testing; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-against.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
opts=(--no-build --build "$build" --paths "ng-irq,uq-irq" --runtime 1 --rounds 3 --ceiling none --timeout 900)

out=$("$top/scripts/bench.sh" --against no-such-revision "${opts[@]}" --out "$tmp/bad" 2>&1)
status=$?
if [ "$status" -eq 2 ] && grep -qx "bench: --against no-such-revision is not a commit of this repository" <<<"$out"; then
	pass "an unknown revision is refused"
else
	fail "--against no-such-revision: status $status: $out"
fi

# The CI entry point with the gate against HEAD, an unchanged series: the
# gate passes (two boots of the same kernel: their counts repeat) and its
# run of the working tree is recorded, with the dashboard.
"$top/scripts/ci-bench.sh" --results "$tmp/results" --against HEAD -- "${opts[@]}" >"$tmp/same.out" 2>"$tmp/same.err"
status=$?
if [ "$status" -eq 0 ] && grep -q "^bench: against HEAD: pass" "$tmp/same.err"; then
	pass "--against HEAD on an unchanged series passes"
else
	fail "--against HEAD: status $status: $(tail -n 5 "$tmp/same.err")"
fi
runs=("$tmp"/results/*-*/compare.json)
if [ "${#runs[@]}" -eq 1 ] && [ -f "${runs[0]}" ] && [ -s "$tmp/results/dashboard.html" ] &&
	grep -q "^ci-bench: recorded " "$tmp/same.err"; then
	pass "ci-bench.sh recorded the gate's run ($(basename "$(dirname "${runs[0]}")")) and wrote the dashboard"
else
	fail "ci-bench.sh: runs: ${runs[*]}: $(tail -n 3 "$tmp/same.err")"
fi

# A scratch clone whose last commit slows every user queue command down.
git clone -q "$top" "$tmp/repo" || { fail "cannot clone $top"; done_testing; }
cp "$top/tests/lab/uq-slowdown.patch" "$tmp/repo/kernel-patch/9999-uq-slowdown.patch"
echo 9999-uq-slowdown.patch >>"$tmp/repo/kernel-patch/series"
git -C "$tmp/repo" add kernel-patch &&
	git -C "$tmp/repo" -c user.name=lab -c user.email=lab@example.org commit -qm "slow user queues down" ||
	{ fail "cannot commit the slowdown"; done_testing; }
"$tmp/repo/scripts/bench.sh" --against HEAD~1 "${opts[@]}" --out "$tmp/slow" >"$tmp/slow.out" 2>"$tmp/slow.err"
status=$?
diff_txt=$tmp/slow/diff.txt
if [ "$status" -eq 1 ] && grep -q "^bench: against HEAD~1: REGRESSION" "$tmp/slow.err"; then
	pass "the slowdown fails the gate (status 1)"
else
	fail "slowdown: status $status: $(tail -n 5 "$tmp/slow.err")"
fi
if python3 - "$tmp/slow/base/compare.json" "$tmp/slow/new/compare.json" "$top" "$build" <<'PY'; then pass "the regression is uq-irq kinsn-per-io, not ng-irq's"; else fail "the gate named the wrong regression: $(cat "$diff_txt")"; fi
import subprocess, sys
base, new, top, build = sys.argv[1:5]
r = subprocess.run([f"{build}/bench/nvme-qbench", "diff", base, new, "--counted-only", "--threshold", "2"],
                   capture_output=True, text=True)
print(r.stdout[-3000:])
lines = [l for l in r.stdout.splitlines() if "REGRESSION" in l.upper() and "kinsn-per-io" in l]
ok = r.returncode == 1 and any("uq-irq" in l for l in lines) and not any("ng-irq" in l for l in lines)
sys.exit(0 if ok else 1)
PY
done_testing
