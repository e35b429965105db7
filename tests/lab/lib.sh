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
# tool_vm ARGS...: scripts/vm on the lab kernel, for tests of the harness
# and of nvme-qbench's own behaviour. It boots and runs several times
# faster under TCG than the debug kernel (a tool start takes 1-4 s there,
# 15-30 s on the debug kernel); the kernel under stress is the business
# of the tests that boot the flavor under test.
tool_vm() { "$top/scripts/vm" --flavor lab "$@"; }

# robust_summary FILE FAULTS MIN_BAD_INPUTS: print "robust summary: faults
# injected N, survived N, I/Os lost N, bad inputs tried N" from the guest's
# counters; fail unless the guest injected exactly the FAULTS faults the
# test promises and survived every one, lost no I/O, and tried at least
# MIN_BAD_INPUTS bad inputs, or when it left no summary. A summary of
# zeroes is a guest that did not do its work.
robust_summary() {
	local want_faults=${2:?robust_summary needs the number of faults} min_bad=${3:?robust_summary needs the least number of bad inputs}
	local line faults survived lost bad_inputs
	line=$(cat "$1" 2>/dev/null)
	if [ -z "$line" ]; then
		echo "robust summary: none (the guest did not finish)"
		fail "no robustness summary from the guest"
		return
	fi
	faults=$(sed -n 's/.*faults=\([0-9][0-9]*\).*/\1/p' <<<"$line")
	survived=$(sed -n 's/.*survived=\([0-9][0-9]*\).*/\1/p' <<<"$line")
	lost=$(sed -n 's/.*lost=\([0-9][0-9]*\).*/\1/p' <<<"$line")
	bad_inputs=$(sed -n 's/.*bad_inputs=\([0-9][0-9]*\).*/\1/p' <<<"$line")
	echo "robust summary: faults injected ${faults:-?}, survived ${survived:-?}, I/Os lost ${lost:-?}, bad inputs tried ${bad_inputs:-?}"
	if [ -z "$faults" ] || [ -z "$survived" ] || [ -z "$lost" ] || [ -z "$bad_inputs" ]; then
		fail "robustness summary incomplete: $line"
		return
	fi
	[ "$faults" -eq "$want_faults" ] || fail "faults injected: $faults, the test promises $want_faults"
	[ "$survived" -eq "$faults" ] || fail "faults not survived: $((faults - survived)) of $faults"
	[ "$lost" -eq 0 ] || fail "I/Os lost: $lost"
	[ "$bad_inputs" -ge "$min_bad" ] || fail "bad inputs tried: $bad_inputs, the test promises at least $min_bad"
}
