#!/usr/bin/env bash
# The project's test command: build everything, run the unit tests (ctest)
# and the lab tests (tests/lab/*.sh, which boot the debug kernel under QEMU),
# and end with one line "N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")

usage() {
	cat <<'EOF'
Usage: scripts/test.sh [--unit] [--lab] [--only PATTERN] [--flavor debug|lab]

Without options, runs the unit tests and then the lab tests.
  --unit            only the unit tests (ctest)
  --lab             only the lab tests
  --only PATTERN    only the lab tests whose file name matches PATTERN (grep -E)
  --jobs N          run N tests at a time, unit and lab (default 2 on a
                    machine with 2 or more CPUs, else 1: each guest is
                    mostly one TCG thread); each lab test's output is
                    printed whole as it ends; unit tests that time real I/O
                    run alone
  --flavor F        kernel flavor the lab tests boot (default: debug, with
                    KASAN and lockdep)
  --build DIR       CMake build folder (default: build)

A lab test exits 0 (pass), 1 (fail) or 77 (skip, reason printed); past
1800 s it is stopped and fails. Under CI (CI=true) a skip counts as a
failure, for unit tests (GTEST_SKIP, exit status 77) as for lab tests:
everything a test needs is installed there. Each test's time is printed
as it ends, and the five slowest at the end.
EOF
}

run_unit=1 run_lab=1 only='' flavor=debug build=$top/build
lab_limit=1800	# seconds a lab test may take; past it, it is killed and fails
jobs=$(($(nproc) >= 2 ? 2 : 1))
while [ $# -gt 0 ]; do
	case $1 in
	--unit) run_lab=0; shift ;;
	--lab) run_unit=0; shift ;;
	--only) only=${2:?--only needs a pattern}; shift 2 ;;
	--jobs)
		jobs=${2:?--jobs needs a number}
		[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "test.sh: --jobs takes a number from 1 up, not '$jobs'" >&2; exit 2; }
		shift 2 ;;
	--flavor) flavor=${2:?--flavor needs lab or debug}; shift 2 ;;
	--build) build=${2:?--build needs a folder}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "test: unknown option '$1'; see --help" >&2; exit 2 ;;
	esac
done
case $flavor in lab|debug) ;; *) echo "test: unknown flavor '$flavor' (accepted: debug, lab)" >&2; exit 2 ;; esac

passed=0 failed=0 skipped=0
failed_names=()
times=()	# "SECONDS NAME" of every test that ran
record() { # status name
	case $1 in
	0) passed=$((passed + 1)) ;;
	77)
		if [ "${CI:-}" = true ]; then
			failed=$((failed + 1)); failed_names+=("$2 (skipped under CI)")
		else
			skipped=$((skipped + 1))
		fi ;;
	124) failed=$((failed + 1)); failed_names+=("$2 (time limit)") ;;
	*) failed=$((failed + 1)); failed_names+=("$2") ;;
	esac
}
summary() {
	echo
	if [ ${#times[@]} -gt 0 ]; then
		echo "slowest:"
		printf '%s\n' "${times[@]}" | sort -k1,1 -rn | head -n 5 |
			while read -r secs name; do printf '  %8s s  %s\n' "$secs" "$name"; done
	fi
	[ ${#failed_names[@]} -eq 0 ] || printf 'failed: %s\n' "${failed_names[@]}"
	if [ "$skipped" -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	[ "$failed" -eq 0 ]
	exit $?
}

echo "== build"
if ! { cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
	cmake --build "$build" -j"$(nproc)"; }; then
	record 1 "build"
	summary
fi

if [ "$run_unit" -eq 1 ]; then
	echo "== unit tests (ctest)"
	log=$build/ctest.log
	# Two at a time; the tests that time real I/O are marked RUN_SERIAL
	# (tests/unit/CMakeLists.txt) and run alone.
	ctest --test-dir "$build" --output-on-failure --timeout 300 -j"$jobs" 2>&1 | tee "$log"
	# ctest's closing line: "NN% tests passed, F tests failed out of T".
	# Its "passed" includes the skipped tests (GTEST_SKIP, or exit status 77
	# where SKIP_RETURN_CODE says so); they are listed apart, after "The
	# following tests did not run:", as "  N - NAME (Skipped)".
	line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		record 1 "ctest (no summary line)"
	else
		f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
		t=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
		mapfile -t unit_skips < <(sed -nE 's/^[[:space:]]*[0-9]+ - (.*) \((Skipped|Disabled)\)$/\1/p' "$log")
		passed=$((passed + t - f - ${#unit_skips[@]}))
		failed=$((failed + f))
		[ "$f" -eq 0 ] || failed_names+=("$f unit test(s)")
		for u in "${unit_skips[@]+"${unit_skips[@]}"}"; do record 77 "unit test $u"; done
	fi
	# "  1/50 Test  #1: NAME ........   Passed    0.02 sec"
	while read -r secs name; do
		times+=("$secs unit test $name")
	done < <(sed -nE 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+) .* ([0-9]+\.[0-9]+) sec$/\2 \1/p' "$log")
fi

if [ "$run_lab" -eq 1 ]; then
	# Every kernel the lab tests boot, built here one after the other
	# before any guest starts (a build takes both cores): the flavor under
	# test, the lab kernel (tool and harness tests, the main job) and the
	# unpatched kernel uq-layout compares with. Cached by content.
	for k in "$flavor:$top/kernel-patch/series" "lab:$top/kernel-patch/series" \
		"$flavor:$top/tests/lab/unpatched.series"; do
		echo "== kernel (${k%%:*}, $(basename "${k#*:}"))"
		if ! "$here/build-kernel.sh" --flavor "${k%%:*}" --series "${k#*:}"; then
			record 1 "kernel build (${k%%:*}, $(basename "${k#*:}"))"
			summary
		fi
	done
	echo "== lab tests (QEMU, $flavor kernel, $jobs at a time)"
	logs=$(mktemp -d "${TMPDIR:-/tmp}/qbench-tests.XXXXXX")
	# run_test NAME SCRIPT: output to $logs/NAME, "STATUS SECONDS" to NAME.status
	run_test() {
		local start status
		start=$(date +%s)
		QBENCH_FLAVOR=$flavor QBENCH_BUILD=$build timeout -k 10 "$lab_limit" "$2" >"$logs/$1" 2>&1
		status=$?
		echo "$status $(($(date +%s) - start))" >"$logs/$1.status"
	}
	declare -A running=()	# pid -> test name
	declare -A wide=()	# test name -> 1 when it boots a 2-vCPU guest
	# finish_one: wait for a running test to end, print its output, record it
	finish_one() {
		local pid name status secs
		wait -n -p pid "${!running[@]}"
		name=${running[$pid]}
		unset "running[$pid]"
		echo "-- $name"
		cat "$logs/$name"
		read -r status secs <"$logs/$name.status" || { status=1 secs='?'; }
		echo "-- $name: $(case $status in 0) echo pass ;; 77) echo skip ;; 124) echo "FAIL (stopped at the $lab_limit s limit)" ;; *) echo "FAIL ($status)" ;; esac) in $secs s"
		record "$status" "$name"
		times+=("$secs lab test $name")
	}
	# wide_running: whether a running test boots a 2-vCPU guest
	wide_running() {
		local n
		for n in "${running[@]}"; do [ -z "${wide[$n]:-}" ] || return 0; done
		return 1
	}
	# Longest first (each test's "# Runtime: about N s" line), so that the
	# two slots end together rather than one long test running alone at
	# the end; a test without the line counts as 60 s. A test whose
	# "# CPUs: 2" line says it boots a 2-vCPU guest waits while another
	# such test runs (two of them would want 4 CPUs of CI's 2); the next
	# 1-vCPU test takes the free slot meanwhile.
	pending=()
	while read -r _ t; do
		name=$(basename "$t" .sh)
		[ -z "$only" ] || grep -qE -- "$only" <<<"$name" || continue
		pending+=("$name")
		! grep -qE '^# CPUs: 2$' <(sed -n 2,5p "$t") || wide[$name]=1
	done < <(for t in "$top"/tests/lab/*.sh; do
		[ "$(basename "$t")" != lib.sh ] || continue
		secs=$(sed -nE '2,5s/^# Runtime: about ([0-9]+) s.*/\1/p' "$t")
		echo "${secs:-60} $t"
	done | sort -k1,1rn -k2,2)
	while [ "${#pending[@]}" -gt 0 ]; do
		while [ "${#running[@]}" -ge "$jobs" ]; do finish_one; done
		pick=-1
		for i in "${!pending[@]}"; do
			if [ -z "${wide[${pending[$i]}]:-}" ] || ! wide_running; then pick=$i; break; fi
		done
		if [ "$pick" -lt 0 ]; then finish_one; continue; fi
		name=${pending[$pick]}
		pending=("${pending[@]:0:pick}" "${pending[@]:pick+1}")
		run_test "$name" "$top/tests/lab/$name.sh" &
		running[$!]=$name
	done
	while [ "${#running[@]}" -gt 0 ]; do finish_one; done
	rm -rf "$logs"
fi
summary
