#!/usr/bin/env bats
# process.rlimits

load helpers

@test "the default spec's RLIMIT_NOFILE is 1024" {
	set_cmd 'ulimit -n; ulimit -Hn'
	runc run test_rlimit
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1024 ]
	[ "${lines[1]}" = 1024 ]
}

@test "a lowered soft limit" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 256, "hard": 1024}]'
	set_cmd 'ulimit -Sn; ulimit -Hn; grep "Max open files" /proc/self/limits'
	runc run test_rlimit
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 256 ]
	[ "${lines[1]}" = 1024 ]
	[[ "${lines[2]}" =~ Max\ open\ files\ +256\ +1024\ +files ]]
}

@test "several rlimits at once" {
	update_config '.process.rlimits = [
		{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200},
		{"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
		{"type": "RLIMIT_NPROC", "soft": 500, "hard": 600},
		{"type": "RLIMIT_STACK", "soft": 4194304, "hard": 8388608}
	]'
	set_args cat /proc/self/limits
	runc run test_rlimit
	[ "$status" -eq 0 ]
	[[ "$output" =~ Max\ open\ files\ +100\ +200\ +files ]]
	[[ "$output" =~ Max\ core\ file\ size\ +0\ +0\ +bytes ]]
	[[ "$output" =~ Max\ processes\ +500\ +600\ +processes ]]
	[[ "$output" =~ Max\ stack\ size\ +4194304\ +8388608\ +bytes ]]
}

@test "the limit is enforced" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 8, "hard": 8}]'
	# An fd number must be below RLIMIT_NOFILE.
	set_cmd 'sh -c "exec 7</dev/null" && echo open7; sh -c "exec 8</dev/null" || echo fail8'
	runc_split run test_rlimit
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'open7\nfail8')" ]
}

@test "an unknown rlimit type is an error" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOSUCH", "soft": 1, "hard": 1}]'
	runc run test_rlimit
	[ "$status" -ne 0 ]
	[[ "$output" == *RLIMIT_NOSUCH* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}
