# shellcheck shell=bash
# Shared helpers for the lab tests (sourced). Each test exits 0 (pass),
# 1 (fail) or 77 (skip, with the reason printed).
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${QBENCH_BUILD:-$top/build}
flavor=${QBENCH_FLAVOR:-debug}
export QBENCH_BUILD=$build
failures=0

pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
skip() { echo "SKIP: $*"; exit 77; }
done_testing() { [ "$failures" -eq 0 ]; exit $?; }

# expect_status WANT DESCRIPTION COMMAND...: run, compare the exit status
expect_status() {
	local want=$1 what=$2 got
	shift 2
	"$@"
	got=$?
	if [ "$got" -eq "$want" ]; then pass "$what (status $got)"; else fail "$what: status $got, expected $want"; fi
}

# lab_vm ARGS...: scripts/vm on the flavor under test
lab_vm() { "$top/scripts/vm" --flavor "$flavor" "$@"; }

# robust_summary FILE [FAULTS [MIN_BAD_INPUTS]]: print "robust summary:
# faults injected N, survived N, I/Os lost N, bad inputs tried N" from the
# guest's counters; fail when a fault was not survived or an I/O was lost,
# or the guest left no summary; and, when given, unless exactly FAULTS
# faults were injected and at least MIN_BAD_INPUTS bad inputs tried (what
# the test promises, so that checks the guest skipped do not pass).
robust_summary() {
	local line faults survived lost bad_inputs want_faults=${2:-} min_bad=${3:-}
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
	[ -z "$want_faults" ] || [ "${faults:-x}" = "$want_faults" ] ||
		fail "faults injected: ${faults:-?}, the test promises $want_faults"
	[ -z "$min_bad" ] || [ "${bad_inputs:-0}" -ge "$min_bad" ] ||
		fail "bad inputs tried: ${bad_inputs:-?}, the test promises at least $min_bad"
}
