#!/bin/bash
# Description: scripts/vm leaves no QEMU behind when it is stopped from
# outside: by scripts/test.sh's per-test limit (timeout sends SIGTERM to the
# test's process group, while QEMU sits in the group of scripts/vm's own
# timeout) or by SIGKILL (no trap runs). QEMU is a stand-in on PATH that
# sleeps, so no kernel is needed; tests/lab/vm-timeout.sh does the same
# with a real guest.
# Usage: vm_kill.sh TOP. Exit: 0 pass, 1 fail.
set -u
top=${1:?usage: vm_kill.sh TOP}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

mkdir "$tmp/bin"
# the stand-in: records its pid in $QB_STARTED, then sleeps
cat >"$tmp/bin/qemu-system-x86_64" <<'STANDIN'
#!/bin/sh
touch "$QB_STARTED/started.$$"
exec sleep 1000
STANDIN
chmod +x "$tmp/bin/qemu-system-x86_64"
: >"$tmp/bzImage"
export PATH=$tmp/bin:$PATH

# left RUN_DIR: pids of that run still running: the timeout that started
# QEMU (its command line names the run folder) and the stand-in (by then
# "sleep 1000", found by the pid it recorded)
left() {
	local f
	pgrep -f "qemu-system-x86_64.*$1/"
	for f in "$1".started/started.*; do
		[ -e "$f" ] || continue
		if kill -0 "${f##*.}" 2>/dev/null; then echo "${f##*.}"; fi
	done
}
# gone RUN_DIR: nothing of that run left within 5 s
gone() {
	local _i
	for _i in $(seq 1 10); do
		[ -z "$(left "$1")" ] && return 0
		sleep 0.5
	done
	echo "left running: $(left "$1" | tr '\n' ' ')"
	return 1
}
# started RUN_DIR: the stand-in has started (within 10 s)
started() {
	local _i
	for _i in $(seq 1 20); do
		compgen -G "$1.started/started.*" >/dev/null && return 0
		sleep 0.5
	done
	return 1
}
# vm RUN_DIR: sets cmd to the command line of scripts/vm with the stand-in
vm() {
	mkdir -p "$1.started"
	cmd=(env QB_STARTED="$1.started" "$top/scripts/vm" --kernel "$tmp/bzImage" --run-dir "$1" -- true)
}

# The per-test limit of scripts/test.sh: timeout -k 10 LIMIT TEST, where
# TEST (a bash script) runs scripts/vm.
vm "$tmp/limit"
# shellcheck disable=SC2016 # "$@" is the inner bash's
timeout -k 10 5 bash -c '"$@"; echo "not reached: status $?"' _ "${cmd[@]}" >/dev/null 2>&1
status=$?
if [ $status -ne 124 ]; then
	bad "the test's limit: status $status, expected 124"
elif ! compgen -G "$tmp/limit.started/started.*" >/dev/null; then
	bad "the test's limit: QEMU's stand-in never started"
elif gone "$tmp/limit"; then
	ok "no QEMU left after the test's limit stopped scripts/vm"
else
	bad "QEMU outlived the test's limit"
fi

# SIGKILL: no trap runs in scripts/vm.
vm "$tmp/kill"
"${cmd[@]}" >/dev/null 2>&1 &
pid=$!
if ! started "$tmp/kill"; then
	bad "SIGKILL: QEMU's stand-in never started"
	kill -KILL "$pid"
else
	kill -KILL "$pid"
	if gone "$tmp/kill"; then
		ok "no QEMU left after scripts/vm was killed with SIGKILL"
	else
		bad "QEMU outlived scripts/vm killed with SIGKILL"
	fi
fi
wait "$pid"
# whatever a failure left running is ours to stop
for d in "$tmp/limit" "$tmp/kill"; do
	for p in $(left "$d"); do kill -KILL "$p"; done
done
exit $fail
