#!/usr/bin/env bats
# runc ps: the processes of a container (host pids).

load helpers

setup() {
	setup_busybox
	# init (sleep 200 after exec) plus one child.
	set_cmd 'sleep 100 & exec sleep 200'
}

# Host pids of every process in the container's pids cgroup.
cgroup_pids() {
	local pid d
	pid=$(container_pid "$1")
	d=$(cgroup_dirs_of_pid "$pid" | grep '^/sys/fs/cgroup/pids/' | head -1)
	[ -n "$d" ] || fail "no pids cgroup for $pid"
	sort -n "$d/cgroup.procs"
}

wait_for_procs() {
	local n=$1 tries=100
	while ((tries-- > 0)); do
		[ "$(cgroup_pids test_ps | wc -l)" -ge "$n" ] && return 0
		sleep 0.05
	done
	fail "container does not have $n processes"
}

@test "ps shows the container's processes as a table" {
	runc run -d test_ps
	[ "$status" -eq 0 ]
	wait_for_procs 2

	runc_split ps test_ps
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^UID\ +PID\ +PPID\ .*CMD$ ]]
	[ "${#lines[@]}" -eq 3 ]
	# Every row is a process of the container, given by host pid.
	local expected got
	expected=$(cgroup_pids test_ps | tr '\n' ' ')
	got=$(printf '%s\n' "${lines[@]:1}" | awk '{print $2}' | sort -n | tr '\n' ' ')
	[ "$got" = "$expected" ]
	[[ "$output" == *"sleep 100"* ]]
	[[ "$output" == *"sleep 200"* ]]
	# The init row carries the pid from state.
	printf '%s\n' "${lines[@]:1}" | awk '{print $2}' | grep -qx "$(container_pid test_ps)"
}

@test "ps does not show processes outside the container" {
	runc run -d test_ps
	[ "$status" -eq 0 ]
	wait_for_procs 2
	runc_split ps test_ps
	[ "$status" -eq 0 ]
	! printf '%s\n' "${lines[@]:1}" | awk '{print $2}' | grep -qx "$$" || fail "negated check failed (ps.bats:56)"
	! printf '%s\n' "${lines[@]:1}" | awk '{print $2}' | grep -qx 1
}

@test "ps -f json prints an array of host pids" {
	runc run -d test_ps
	[ "$status" -eq 0 ]
	wait_for_procs 2
	runc_split ps -f json test_ps
	[ "$status" -eq 0 ]
	jq -e 'type == "array" and all(.[]; type == "number")' <<<"$output"
	[ "$(jq -r '.[]' <<<"$output" | sort -n | tr '\n' ' ')" = "$(cgroup_pids test_ps | tr '\n' ' ')" ]
	jq -e --argjson p "$(container_pid test_ps)" 'index($p) != null' <<<"$output"
}

@test "ps --format json" {
	runc run -d test_ps
	[ "$status" -eq 0 ]
	wait_for_procs 2
	runc_split ps --format json test_ps
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -eq 2 ]
}

@test "ps passes options after the id to ps(1)" {
	# Without -e, ps(1) would select by terminal: give it explicitly.
	runc run -d test_ps
	[ "$status" -eq 0 ]
	wait_for_procs 2
	runc_split ps test_ps -e -o pid,comm
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^\ *PID\ +COMMAND$ ]]
	[ "${#lines[@]}" -eq 3 ]
	local got
	got=$(printf '%s\n' "${lines[@]:1}" | awk '{print $1}' | sort -n | tr '\n' ' ')
	[ "$got" = "$(cgroup_pids test_ps | tr '\n' ' ')" ]
	[ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $2}' | sort -u)" = sleep ]
}

@test "ps options without a PID column are an error" {
	runc run -d test_ps
	[ "$status" -eq 0 ]
	runc ps test_ps -e -o comm
	[ "$status" -ne 0 ]
	[[ "$output" == *PID* ]]
}

@test "ps of a created container shows its init" {
	runc create test_ps
	[ "$status" -eq 0 ]
	runc_split ps -f json test_ps
	[ "$status" -eq 0 ]
	[ "$(jq -c . <<<"$output")" = "[$(container_pid test_ps)]" ]
}

@test "ps of a stopped container lists nothing" {
	set_args true
	runc run -d test_ps
	[ "$status" -eq 0 ]
	wait_for_status test_ps stopped
	runc_split ps -f json test_ps
	if [ "$status" -eq 0 ]; then
		[ "$(jq length <<<"$output")" -eq 0 ]
	fi
}

@test "ps of an unknown container is an error" {
	runc ps no_such_container
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
}

@test "ps with a bad ps(1) option reports ps's own message" {
	runc run -d test_ps
	[ "$status" -eq 0 ]
	runc ps test_ps -o no_such_column
	[ "$status" -ne 0 ]
	[[ "$output" == *no_such_column* ]]
	# What ps(1) itself said, not only its exit status.
	[[ "$output" == *"exit status 1: "*[a-z]* ]]
}

@test "ps --help gives --format's default once" {
	runc_split ps --help
	[ "$status" -eq 0 ]
	local line
	line=$(grep -- '--format' <<<"$output")
	[[ "$line" == *'select one of: table or json (default: "table")'* ]]
	[ "$(grep -o 'default: "table"' <<<"$line" | wc -l)" -eq 1 ]
}
