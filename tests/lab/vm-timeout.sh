#!/bin/bash
# Runtime: about 150 s (scripts/test.sh starts the longest tests first)
# Description: a guest that runs past --timeout is killed and reported
# (status 124), and no QEMU process is left behind; nor is one left when
# scripts/vm itself is killed: with SIGKILL (no trap runs), or by
# scripts/test.sh's per-test limit, whose timeout sends SIGTERM to the lab
# test's process group while QEMU sits in the process group of scripts/vm's
# own timeout. Boots the lab kernel.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# qemu_gone RUN_DIR: no process of that run's QEMU command line (QEMU, or
# the timeout that started it) is left, waiting up to 10 s for it to go
qemu_gone() {
	local _i
	for _i in $(seq 1 20); do
		pgrep -f "qemu-system-x86_64.*$1" >/dev/null
		case $? in
		0) sleep 0.5 ;;
		1) return 0 ;;
		*) echo "pgrep failed"; return 1 ;;
		esac
	done
	pgrep -af "qemu-system-x86_64.*$1" | cut -c 1-200
	return 1
}
# wait_file PATH SECONDS
wait_file() {
	local _i
	for _i in $(seq 1 $(($2 * 2))); do
		[ -e "$1" ] && return 0
		sleep 0.5
	done
	return 1
}

start=$(date +%s)
out=$(tool_vm --timeout 25 --run-dir "$tmp/run" -- sleep 100000 2>&1)
status=$?
took=$(($(date +%s) - start))
if [ $status -eq 124 ] && grep -q "did not finish within 25 s" <<<"$out" && [ $took -lt 55 ]; then
	pass "a hung guest is killed after the limit and reported ($took s)"
else
	fail "timeout: status $status after $took s, output: $out"
fi
if qemu_gone "$tmp/run"; then
	pass "no QEMU left running"
else
	fail "QEMU is still running"
fi

# scripts/vm killed with SIGKILL while the guest runs its command.
mkdir -p "$tmp/res"
start=$(date +%s)
# scripts/vm itself, not tool_vm: $! must be its pid, not a subshell's
"$top/scripts/vm" --flavor lab --run-dir "$tmp/kill" --results "$tmp/res" \
	-- sh -c "touch $tmp/res/started-kill; exec sleep 100000" &
vm=$!
if wait_file "$tmp/res/started-kill" 300; then
	boot=$(($(date +%s) - start))
	kill -KILL "$vm"
	wait "$vm"
	echo "scripts/vm killed after $boot s (status $?)"
	if qemu_gone "$tmp/kill"; then
		pass "no QEMU left after scripts/vm was killed with SIGKILL"
	else
		fail "QEMU outlived scripts/vm killed with SIGKILL"
	fi
else
	fail "the guest did not start its command within 300 s"
	kill -TERM "$vm"
	wait "$vm"
	boot=60
fi

# scripts/test.sh's limit: timeout -k 10 LIMIT TEST, where TEST runs
# scripts/vm. The limit falls while the guest runs its command: twice the
# boot time seen above, and some.
limit=$((2 * boot + 20))
# shellcheck disable=SC2016 # expanded by the inner bash
timeout -k 10 "$limit" bash -c '. "$1"; shift; tool_vm "$@"' _ "$top/tests/lab/lib.sh" \
	--run-dir "$tmp/limit" --results "$tmp/res" -- sh -c "touch $tmp/res/started-limit; exec sleep 100000"
status=$?
if [ $status -eq 124 ] && [ -e "$tmp/res/started-limit" ]; then
	if qemu_gone "$tmp/limit"; then
		pass "no QEMU left after the test's own limit ($limit s) stopped it"
	else
		fail "QEMU outlived the test's limit ($limit s)"
	fi
else
	fail "test limit: status $status (expected 124), guest command started: $([ -e "$tmp/res/started-limit" ] && echo yes || echo no)"
fi
done_testing
