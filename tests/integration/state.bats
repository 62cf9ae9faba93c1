#!/usr/bin/env bats
# runc state: the state of a container as JSON.

load helpers

@test "state of a running container" {
	set_args sleep 100
	local before after
	before=$(date -u +%s)
	runc run -d test_state
	[ "$status" -eq 0 ]
	after=$(date -u +%s)

	runc_split state test_state
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	jq -e 'type == "object"' <<<"$output"
	[ "$(jq -r .id <<<"$output")" = test_state ]
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r .rootfs <<<"$output")" = "$BUNDLE/rootfs" ]
	[[ "$(jq -r .ociVersion <<<"$output")" =~ ^1\.[0-9]+\.[0-9]+ ]]
	jq -e 'has("owner")' <<<"$output"
	local pid created t
	pid=$(jq -r .pid <<<"$output")
	pid_alive "$pid"
	[ "$(cat /proc/$pid/comm)" = sleep ]
	created=$(jq -r .created <<<"$output")
	t=$(date -u -d "$created" +%s)
	[ "$t" -ge $((before - 1)) ] && [ "$t" -le $((after + 1)) ]
}

@test "state of a created container" {
	set_args sleep 100
	runc create test_state
	[ "$status" -eq 0 ]
	testcontainer test_state created
	pid_alive "$(container_pid test_state)"
}

@test "state of a stopped container has pid 0" {
	set_args true
	runc run -d test_state
	[ "$status" -eq 0 ]
	wait_for_status test_state stopped
	runc_split state test_state
	[ "$status" -eq 0 ]
	[ "$(jq -r .pid <<<"$output")" = 0 ]
}

@test "state includes annotations" {
	update_config '.annotations = {"org.example.key": "value", "com.example/other": "x y"}'
	set_args sleep 100
	runc run -d test_state
	[ "$status" -eq 0 ]
	runc_split state test_state
	[ "$status" -eq 0 ]
	[ "$(jq -r '.annotations["org.example.key"]' <<<"$output")" = value ]
	[ "$(jq -r '.annotations["com.example/other"]' <<<"$output")" = "x y" ]
}

@test "state without annotations has no annotations" {
	set_args sleep 100
	runc run -d test_state
	[ "$status" -eq 0 ]
	runc_split state test_state
	[ "$status" -eq 0 ]
	[ "$(jq -r '.annotations // {} | length' <<<"$output")" = 0 ]
}

@test "state notices a process that died without the runtime" {
	set_args sleep 100
	runc run -d test_state
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_state)
	kill -9 "$pid"
	wait_for_pid_exit "$pid"
	wait_for_status test_state stopped
}

@test "state of an unknown container is an error" {
	runc_split state no_such_container
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"does not exist"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
}

@test "state after delete is an error" {
	set_args true
	runc run -d test_state
	[ "$status" -eq 0 ]
	wait_for_status test_state stopped
	runc delete test_state
	[ "$status" -eq 0 ]
	runc state test_state
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
}

@test "state, list and kill answer while a foreground run is in progress" {
	set_args sleep 100
	(
		rc=0
		__runc run test_state >"$TESTDIR/run.out" 2>&1 </dev/null || rc=$?
		echo "$rc" >"$TESTDIR/run.status"
	) &
	track_pid $!
	wait_for_status test_state running
	local start=$SECONDS
	RUNC_TIMEOUT=5 runc_split state test_state
	[ "$status" -eq 0 ]
	RUNC_TIMEOUT=5 runc_split list -q
	[ "$output" = test_state ]
	RUNC_TIMEOUT=5 runc kill test_state KILL
	[ "$status" -eq 0 ]
	wait_for_file "$TESTDIR/run.status" 5
	[ $((SECONDS - start)) -le 5 ]
	[ "$(cat "$TESTDIR/run.status")" -eq 137 ]
}
