#!/usr/bin/env bats
# runc events: statistics once (--stats) or every interval, OOM events, and
# the end of the stream when the container stops.

load helpers

setup() {
	setup_busybox
	has_cgroup_v1 pids && has_cgroup_v1 memory ||
		skip "needs cgroup v1 controllers at /sys/fs/cgroup/<controller>"
	bind_mount "$HOSTDIR" /host
	set_cmd 'sleep 1000 & exec sleep 1000'
}

start_container() {
	runc run -d test_events
	[ "$status" -eq 0 ] || fail "run -d failed: $output"
	INIT=$(container_pid test_events)
	track_cgroups "$INIT"
}

cgdir() {
	cgroup_dirs_of_pid "$INIT" | grep -m1 "^/sys/fs/cgroup/$1/"
}

# events_bg ARGS...: `runc events ARGS... test_events` in the background,
# stdout to $EVENTS; EVENTS_PID is its pid.
events_bg() {
	EVENTS=$TESTDIR/events.out
	__runc events "$@" test_events >"$EVENTS" 2>"$TESTDIR/events.err" </dev/null &
	EVENTS_PID=$!
	track_pid "$EVENTS_PID"
}

# Complete lines of a given type in $EVENTS.
count_events() {
	grep -c "^{\"type\":\"$1\".*}$" "$EVENTS" || true
}

# wait_for_events TYPE N [TIMEOUT]
wait_for_events() {
	local type=$1 n=$2 limit=${3:-15}
	local deadline=$((SECONDS + limit))
	while [ "$(count_events "$type")" -lt "$n" ]; do
		[ "$SECONDS" -lt "$deadline" ] || fail "fewer than $n $type events after ${limit}s: $(cat "$EVENTS" "$TESTDIR/events.err")"
		sleep 0.1
	done
}

# wait_events_exit [TIMEOUT]: the background events process must end
# within TIMEOUT seconds; EVENTS_STATUS is its exit status.
wait_events_exit() {
	local limit=${1:-15} tries
	tries=$((limit * 10))
	while kill -0 "$EVENTS_PID" 2>/dev/null && ((tries-- > 0)); do
		sleep 0.1
	done
	kill -0 "$EVENTS_PID" 2>/dev/null && fail "events still running after ${limit}s: $(cat "$EVENTS")"
	EVENTS_STATUS=0
	wait "$EVENTS_PID" || EVENTS_STATUS=$?
	[ "$EVENTS_STATUS" -eq 0 ] || fail "events exited with $EVENTS_STATUS: $(cat "$TESTDIR/events.err")"
}

@test "events --stats prints one stats line with runc's fields, matching the cgroup" {
	update_config '.linux.resources.pids = {"limit": 50} | .linux.resources.memory = {"limit": 67108864}'
	start_container
	runc_split events --stats test_events
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	local ev=${lines[0]}
	[ "$(jq -r .type <<<"$ev")" = stats ]
	[ "$(jq -r .id <<<"$ev")" = test_events ]
	[ "$(jq -c '.data | keys' <<<"$ev")" = '["blkio","cpu","cpuset","hugetlb","intel_rdt","memory","network_interfaces","pids"]' ]
	[ "$(jq -c '.data.network_interfaces' <<<"$ev")" = null ]

	# pids: the container has its init and one more sleep.
	[ "$(jq .data.pids.current <<<"$ev")" = "$(cat "$(cgdir pids)/pids.current")" ]
	[ "$(jq .data.pids.current <<<"$ev")" -eq 2 ]
	[ "$(jq .data.pids.limit <<<"$ev")" = 50 ]
	[ "$(cat "$(cgdir pids)/pids.max")" = 50 ]

	# memory: usage in bytes, and the limit as the cgroup has it.
	[ "$(jq .data.memory.usage.usage <<<"$ev")" -gt 0 ]
	[ "$(jq .data.memory.usage.limit <<<"$ev")" = "$(cat "$(cgdir memory)/memory.limit_in_bytes")" ]
	[ "$(jq .data.memory.usage.limit <<<"$ev")" = 67108864 ]
	[ "$(jq .data.memory.usage.failcnt <<<"$ev")" = 0 ]
	[ "$(jq -r '.data.memory | has("swap") and has("kernel") and has("kernelTCP") and has("raw")' <<<"$ev")" = true ]
	[ "$(jq .data.memory.raw.total_rss <<<"$ev")" -ge 0 ]

	# cpu: the total is cpuacct.usage (which only grows).
	local total usage
	total=$(jq .data.cpu.usage.total <<<"$ev")
	usage=$(cat "$(cgdir cpuacct)/cpuacct.usage")
	[ "$total" -gt 0 ]
	[ "$total" -le "$usage" ]
	[ "$(jq '.data.cpu.usage.percpu | length' <<<"$ev")" -ge 1 ]
	[ "$(jq -r '.data.cpu | has("throttling")' <<<"$ev")" = true ]
	[ "$(jq -r '.data.cpuset.cpus | length' <<<"$ev")" -ge 1 ]
}

@test "events --interval 1s streams stats until the container exits" {
	set_cmd 'sleep 3.5'
	start_container
	local start=$SECONDS
	runc_split events --interval 1s test_events
	[ "$status" -eq 0 ]
	[ "$((SECONDS - start))" -lt 15 ]
	[ "${#lines[@]}" -ge 2 ]
	local l
	for l in "${lines[@]}"; do
		[ "$(jq -r .type <<<"$l")" = stats ] || fail "not a stats line: $l"
		[ "$(jq -r .id <<<"$l")" = test_events ]
	done
	testcontainer test_events stopped
}

@test "events reports an OOM kill, and its stream ends when the container exits" {
	# 16M of memory, no swap; the container waits for /host/go, then has
	# tail keep 64M of "line" in memory.
	update_config '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
	set_cmd 'while [ ! -e /host/go ]; do sleep 0.1; done; head -c 67108864 /dev/zero | tail -n 1 >/dev/null; echo "tail=$?" >/host/done; sleep 1'
	start_container
	local memdir
	memdir=$(cgdir memory)
	events_bg --interval 1s
	# The first stats line means the OOM watch is in place.
	wait_for_events stats 1
	touch "$HOSTDIR/go"
	wait_events_exit 20
	[ "$(count_events oom)" -ge 1 ] || fail "no oom event: $(cat "$EVENTS")"
	grep -qx '{"type":"oom","id":"test_events"}' "$EVENTS"
	# The kernel agrees: tail was killed, and counted.
	[ "$(cat "$HOSTDIR/done")" != tail=0 ]
	[ "$(awk '$1 == "oom_kill" {print $2}' "$memdir/memory.oom_control")" -ge 1 ]
	testcontainer test_events stopped
}

@test "events: an OOM kill of init itself is reported before the stream ends" {
	update_config '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
	set_cmd 'while [ ! -e /host/go ]; do sleep 0.1; done; exec tail -n 1 /dev/zero'
	start_container
	events_bg --interval 1s
	wait_for_events stats 1
	touch "$HOSTDIR/go"
	wait_events_exit 20
	grep -qx '{"type":"oom","id":"test_events"}' "$EVENTS"
	testcontainer test_events stopped
}

@test "events without OOM prints no oom event" {
	set_cmd 'sleep 2.5'
	start_container
	events_bg --interval 1s
	wait_events_exit 15
	[ "$(count_events stats)" -ge 1 ]
	[ "$(count_events oom)" -eq 0 ]
}

@test "events of a stopped or missing container is refused" {
	set_args true
	runc run -d test_events
	[ "$status" -eq 0 ]
	wait_for_status test_events stopped
	runc_split events --stats test_events
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"container with id test_events is not running"* ]]
	[ -z "$output" ]
	runc_split events test_events
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"container with id test_events is not running"* ]]
	runc_split events --stats no_such_container
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"container does not exist"* ]]
	runc_split events
	[ "$status" -ne 0 ]
}

@test "events --interval must be positive" {
	start_container
	runc_split events --interval 0s test_events
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"duration interval must be greater than 0"* ]]
	runc_split events --interval -1s test_events
	[ "$status" -ne 0 ]
	runc_split events --interval soon test_events
	[ "$status" -ne 0 ]
}

@test "a running events stream blocks neither update nor delete, and delete ends it" {
	start_container
	events_bg --interval 1s
	wait_for_events stats 1
	RUNC_TIMEOUT=5 runc update --pids-limit 31 test_events
	[ "$status" -eq 0 ]
	[ "$(cat "$(cgdir pids)/pids.max")" = 31 ]
	# The stream reads the cgroup afresh: the new limit shows up.
	local n
	n=$(count_events stats)
	wait_for_events stats $((n + 1))
	[ "$(grep '"type":"stats"' "$EVENTS" | tail -n 1 | jq .data.pids.limit)" = 31 ]
	RUNC_TIMEOUT=10 runc delete -f test_events
	[ "$status" -eq 0 ]
	wait_events_exit 10
}

@test "pause, update and resume while events streams" {
	update_config '.linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 20}'
	start_container
	events_bg --interval 1s
	wait_for_events stats 1

	runc pause test_events
	[ "$status" -eq 0 ]
	runc update --pids-limit 40 --memory 64m test_events
	[ "$status" -eq 0 ]
	testcontainer test_events paused
	[ "$(cat "$(cgdir freezer)/freezer.state")" = FROZEN ]
	# --stats works on a paused container and sees the new limits.
	runc_split events --stats test_events
	[ "$status" -eq 0 ]
	[ "$(jq .data.pids.limit <<<"$output")" = 40 ]
	[ "$(jq .data.memory.usage.limit <<<"$output")" = 67108864 ]
	[ "$(jq .data.pids.current <<<"$output")" -eq 2 ]
	# The stream goes on while the container is frozen.
	local n
	n=$(count_events stats)
	wait_for_events stats $((n + 1))
	kill -0 "$EVENTS_PID"

	runc resume test_events
	[ "$status" -eq 0 ]
	testcontainer test_events running
	runc_split exec test_events cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 40 ]
	[ "${lines[1]}" = 67108864 ]
	[ "$(jq .config.linux.resources.pids.limit "$ROOT/test_events/state.json")" = 40 ]
	[ "$(grep '"type":"stats"' "$EVENTS" | tail -n 1 | jq .data.pids.limit)" = 40 ]

	# The container stops: the stream ends, with no oom event.
	runc kill test_events KILL
	[ "$status" -eq 0 ]
	wait_events_exit 10
	[ "$(count_events oom)" -eq 0 ]
	[ "$(count_events stats)" -ge 2 ]
}

@test "events --help names its options" {
	runc_split events --help
	[ "$status" -eq 0 ]
	[[ "$output" == *--interval* ]]
	[[ "$output" == *--stats* ]]
}
