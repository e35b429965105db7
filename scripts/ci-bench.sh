#!/usr/bin/env bash
# CI entry point for the suite: one report per commit in a results folder,
# and the dashboard over all of them regenerated. With --against REF it
# gates the working tree's kernel series against REF's (scripts/bench.sh
# --against) and stops on a regression, recording nothing; when the gate
# passes, its run of the working tree is the commit's report. docs/ci/ has an example pipeline that keeps the results folder
# between runs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")

usage() {
	cat <<'EOF2'
Usage: scripts/ci-bench.sh --results DIR [--against REF] [-- BENCH OPTIONS...]

  --results DIR  the folder kept between CI runs: each run adds
                 DIR/<date>-<commit>/ (scripts/bench.sh's reports) and
                 rewrites DIR/dashboard.html
  --against REF  first gate the series against git REF (scripts/bench.sh
                 --against REF); a regression (exit 1) records nothing
  BENCH OPTIONS  passed to scripts/bench.sh (--runtime, --rounds, --paths,
                 --build, --device ...)
Exit: 0 recorded, 1 regression, 2 a run failed or bad usage.
EOF2
}

results='' against=''
while [ $# -gt 0 ]; do
	case $1 in
	--results) results=${2:?--results needs a folder}; shift 2 ;;
	--against) against=${2:?--against needs a git revision}; shift 2 ;;
	--) shift; break ;;
	-h|--help) usage; exit 0 ;;
	*) echo "ci-bench: unknown option '$1'; see --help (options for bench.sh go after --)" >&2; exit 2 ;;
	esac
done
[ -n "$results" ] || { echo "ci-bench: --results DIR is required; see --help" >&2; exit 2; }
bench_opts=("$@")
build=$top/build
for ((i = 0; i < ${#bench_opts[@]}; i++)); do
	[ "${bench_opts[$i]}" != --build ] || build=${bench_opts[$((i + 1))]:-$build}
done

commit=$(git -C "$top" rev-parse --short=12 HEAD)
[ -z "$(git -C "$top" status --porcelain -- kernel-patch bench common reports probes scripts)" ] || commit+=-dirty
mkdir -p "$results"

# Runs write outside the results folder: a report appears there, and on
# the dashboard, whole or not at all.
work=$(mktemp -d "${TMPDIR:-/tmp}/qbench-ci.XXXXXX")
# kept when a run fails: its logs are the evidence
failed() { echo "ci-bench: $1; the runs' output is kept in $work" >&2; exit "$2"; }
if [ -n "$against" ]; then
	gate=$work/gate
	set +e
	"$here/bench.sh" --against "$against" --out "$gate" "${bench_opts[@]+"${bench_opts[@]}"}"
	st=$?
	set -e
	if [ "$st" -ne 0 ]; then
		[ ! -f "$gate/diff.txt" ] || cp "$gate/diff.txt" "$results/gate-$commit.txt"
		# 1 is a regression; anything else is a run or a build that failed.
		[ "$st" -eq 1 ] || st=2
		failed "the gate against $against did not pass (status $st); nothing recorded" "$st"
	fi
fi

out=$results/$(date -u +%Y%m%d-%H%M%S)-$commit
if [ -n "$against" ]; then
	# The gate's run of the working tree is this commit's report.
	mv "$gate/new" "$out"
else
	set +e
	"$here/bench.sh" --out "$work/run" "${bench_opts[@]+"${bench_opts[@]}"}"
	st=$?
	set -e
	[ "$st" -eq 0 ] || failed "the suite failed (status $st); nothing recorded" 2
	mv "$work/run" "$out"
fi
rm -rf "$work"
"$build/bench/nvme-qbench" dashboard "$results" -o "$results/dashboard.html.new" >/dev/null ||
	{ echo "ci-bench: recorded $out, but the dashboard failed" >&2; exit 2; }
mv "$results/dashboard.html.new" "$results/dashboard.html"
echo "ci-bench: recorded $out; dashboard $results/dashboard.html" >&2
