#!/usr/bin/env bats
# runc pause / resume: freeze and thaw every process of a container.

load helpers

setup() {
	setup_busybox
	bind_mount "$HOSTDIR" /host
	# A counter that advances only while the container runs.
	set_cmd 'i=0; while :; do i=$((i+1)); echo $i > /host/count; sleep 0.05; done'
}

freezer_state() {
	local d
	d=$(cgroup_dirs_of_pid "$(container_pid test_pause)" | grep '^/sys/fs/cgroup/freezer/')
	cat "$d/freezer.state"
}

@test "pause freezes the container and resume thaws it" {
	runc run -d test_pause
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/count"

	runc pause test_pause
	[ "$status" -eq 0 ]
	testcontainer test_pause paused
	[ "$(freezer_state)" = FROZEN ]
	local a b
	a=$(cat "$HOSTDIR/count")
	sleep 0.4
	b=$(cat "$HOSTDIR/count")
	[ "$a" = "$b" ]
	[ "$(awk '{print $3}' /proc/$(container_pid test_pause)/stat)" != R ]

	runc resume test_pause
	[ "$status" -eq 0 ]
	testcontainer test_pause running
	[ "$(freezer_state)" = THAWED ]
	sleep 0.4
	[ "$(cat "$HOSTDIR/count")" -gt "$b" ]
}

@test "list shows paused" {
	runc run -d test_pause
	[ "$status" -eq 0 ]
	runc pause test_pause
	[ "$status" -eq 0 ]
	runc_split list -f json
	[ "$(jq -r '.[0].status' <<<"$output")" = paused ]
}

@test "pause of a container that is not running is an error" {
	set_args true
	runc run -d test_pause
	[ "$status" -eq 0 ]
	wait_for_status test_pause stopped
	runc pause test_pause
	[ "$status" -ne 0 ]
	runc resume test_pause
	[ "$status" -ne 0 ]
}

@test "delete -f of a paused container" {
	runc run -d test_pause
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_pause)
	runc pause test_pause
	[ "$status" -eq 0 ]
	runc delete -f test_pause
	[ "$status" -eq 0 ]
	wait_for_pid_exit "$pid"
	runc state test_pause
	[ "$status" -ne 0 ]
}

@test "kill KILL of a paused container stops it without a resume" {
	# containerd's `ctr task kill -s KILL` of a paused task waits for the
	# exit: the kill must not wait for a thaw.
	runc run -d test_pause
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_pause)
	runc pause test_pause
	[ "$status" -eq 0 ]
	runc kill test_pause KILL
	[ "$status" -eq 0 ]
	wait_for_pid_exit "$pid" 5
	wait_for_status test_pause stopped
	runc delete test_pause
	[ "$status" -eq 0 ]
}

@test "kill TERM of a paused container leaves it paused" {
	runc run -d test_pause
	[ "$status" -eq 0 ]
	runc pause test_pause
	[ "$status" -eq 0 ]
	runc kill test_pause TERM
	[ "$status" -eq 0 ]
	sleep 0.2
	testcontainer test_pause paused
	[ "$(freezer_state)" = FROZEN ]
}
