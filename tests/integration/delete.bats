#!/usr/bin/env bats
# runc delete: remove a container's state, processes and cgroups.

load helpers

@test "delete a stopped container" {
	set_args true
	runc run -d test_del
	[ "$status" -eq 0 ]
	wait_for_status test_del stopped
	[ -d "$ROOT/test_del" ]
	runc delete test_del
	[ "$status" -eq 0 ]
	runc state test_del
	[ "$status" -ne 0 ]
	runc_split list -q
	[ -z "$output" ]
	[ ! -e "$ROOT/test_del" ]
}

@test "delete refuses a running container without --force" {
	set_args sleep 100
	runc run -d test_del
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_del)
	runc delete test_del
	[ "$status" -ne 0 ]
	[[ "$output" == *running* ]]
	testcontainer test_del running
	pid_alive "$pid"
}

@test "delete --force kills and deletes a running container" {
	set_cmd 'sleep 100 & sleep 100 & exec sleep 100'
	runc run -d test_del
	[ "$status" -eq 0 ]
	local pid cgdirs pids
	pid=$(container_pid test_del)
	sleep 0.2
	runc_split ps -f json test_del
	pids=$(jq -r '.[]' <<<"$output")
	cgdirs=$(cgroup_dirs_of_pid "$pid")
	[ -n "$cgdirs" ]

	runc delete --force test_del
	[ "$status" -eq 0 ]
	local p d
	for p in $pids; do
		wait_for_pid_exit "$p"
	done
	runc state test_del
	[ "$status" -ne 0 ]
	[ ! -e "$ROOT/test_del" ]
	for d in $cgdirs; do
		[ ! -d "$d" ] || fail "cgroup $d still exists"
	done
}

@test "delete -f deletes a created container" {
	set_args sleep 100
	runc create test_del
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_del)
	runc delete -f test_del
	[ "$status" -eq 0 ]
	wait_for_pid_exit "$pid"
	[ ! -e "$ROOT/test_del" ]
}

@test "delete removes the container's cgroups" {
	set_args sleep 100
	runc run -d test_del
	[ "$status" -eq 0 ]
	local pid cgdirs d
	pid=$(container_pid test_del)
	cgdirs=$(cgroup_dirs_of_pid "$pid")
	# At least the v1 controllers the spec needs.
	grep -q '^/sys/fs/cgroup/pids/' <<<"$cgdirs"
	grep -q '^/sys/fs/cgroup/memory/' <<<"$cgdirs"
	grep -q '^/sys/fs/cgroup/devices/' <<<"$cgdirs"
	for d in $cgdirs; do
		[ -d "$d" ]
	done
	runc kill test_del KILL
	[ "$status" -eq 0 ]
	wait_for_status test_del stopped
	runc delete test_del
	[ "$status" -eq 0 ]
	for d in $cgdirs; do
		[ ! -d "$d" ] || fail "cgroup $d still exists"
	done
}

@test "delete of an unknown container is an error, unless --force" {
	runc delete no_such_container
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	runc delete -f no_such_container
	[ "$status" -eq 0 ]
}

@test "delete of one container leaves another alone" {
	set_args sleep 100
	runc run -d d1
	[ "$status" -eq 0 ]
	runc run -d d2
	[ "$status" -eq 0 ]
	local pid2
	pid2=$(container_pid d2)
	runc delete -f d1
	[ "$status" -eq 0 ]
	testcontainer d2 running
	pid_alive "$pid2"
	runc_split list -q
	[ "$output" = d2 ]
}

@test "delete of a container whose process was killed from outside" {
	set_args sleep 100
	runc run -d test_del
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_del)
	kill -9 "$pid"
	wait_for_pid_exit "$pid"
	runc delete test_del
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/test_del" ]
}
