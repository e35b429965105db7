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
