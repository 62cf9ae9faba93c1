#!/usr/bin/env bats
# Attacks from runc's CVE history, tried for real.

load helpers

# CVE-2019-5736: a process in the container gets hold of the runtime binary
# through /proc/<init>/exe while `runc init` runs, and writes to it once the
# runtime is gone. init runs from a detached read-only mount of the binary,
# so the write must fail and the binary stay unchanged.
@test "the runtime binary cannot be overwritten through /proc/<init>/exe" {
	local before
	before=$(sha256sum "$RUNC" | cut -d' ' -f1)
	bind_mount "$HOSTDIR" /out
	set_args sleep 100
	runc create test_exe
	[ "$status" -eq 0 ]
	# While created, pid 1 is still `runc init`: hold its exe open, wait for
	# start to replace init, then try to write through the held file.
	runc exec -d test_exe sh -c '
		exec 3</proc/1/exe || { echo open-failed > /out/result; exit 0; }
		while [ "$(cat /proc/1/comm)" != sleep ]; do sleep 0.1; done
		if echo pwned 2>/out/err >>/proc/self/fd/3; then echo written; else echo refused; fi > /out/result'
	[ "$status" -eq 0 ]
	runc start test_exe
	[ "$status" -eq 0 ]
	local i
	for i in $(seq 50); do [ -s "$HOSTDIR/result" ] && break; sleep 0.1; done
	[ "$(cat "$HOSTDIR/result")" = refused ]
	grep -q "Read-only file system" "$HOSTDIR/err"
	[ "$(sha256sum "$RUNC" | cut -d' ' -f1)" = "$before" ]
}

# CVE-2024-21626: no descriptor of the runtime reaches the container.
@test "run: the process has only stdio open" {
	set_cmd 'ls /proc/self/fd'
	runc run test_fds
	[ "$status" -eq 0 ]
	# 0 1 2, and 3 is ls's own handle on /proc/self/fd.
	[ "$(echo $output)" = "0 1 2 3" ]
}

@test "exec: the process has only stdio open" {
	set_args sleep 100
	runc run -d test_fds
	[ "$status" -eq 0 ]
	runc exec test_fds ls /proc/self/fd
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 1 2 3" ]
}

@test "--preserve-fds passes exactly the asked descriptors" {
	set_cmd 'ls /proc/self/fd; cat /proc/self/fd/3'
	echo preserved >"$TESTDIR/pf"
	# Not through the runc helper, which closes fd 3 (bats' own).
	status=0
	output=$(timeout 60 "$RUNC" --root "$ROOT" run --preserve-fds 1 test_fds 3<"$TESTDIR/pf" </dev/null 2>&1) || status=$?
	mapfile -t lines <<<"$output"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[@]:0:5})" = "0 1 2 3 4" ]
	[ "${lines[5]}" = preserved ]
}

@test "--preserve-fds refuses a descriptor the caller did not pass" {
	set_cmd 'true'
	runc_split run --preserve-fds 1 test_fds 3<&-
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"not passed"* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "a cwd through /proc/self/fd never lands outside the rootfs" {
	# Whatever init has open at that moment, a cwd of /proc/self/fd/N must
	# either fail or stay inside the container.
	local n
	for n in 3 4 5 6 7 8 9 10; do
		update_config '.process.cwd = "/proc/self/fd/'$n'"'
		set_cmd 'pwd -P; ls ..'
		runc_split run test_fds
		if [ "$status" -eq 0 ]; then
			[[ "$output" != *unreachable* ]] || fail "fd $n: cwd outside the root: $output"
		fi
		runc delete -f test_fds
	done
}

@test "exec --cwd through a descriptor of a host directory is refused" {
	set_args sleep 100
	runc run -d test_fds
	[ "$status" -eq 0 ]
	# fd 3 is a host directory, handed over on purpose: the process may use
	# it, but its cwd must not start outside the container's root.
	status=0
	output=$(timeout 60 "$RUNC" --root "$ROOT" exec --preserve-fds 1 --cwd /proc/self/fd/3 test_fds pwd 3<"$HOSTDIR" </dev/null 2>&1) || status=$?
	echo "$output" >&2
	[ "$status" -ne 0 ]
	[[ "$output" == *"outside the container's root"* ]]
	[[ "$output" != *unreachable* ]]
}
