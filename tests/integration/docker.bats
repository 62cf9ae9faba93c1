#!/usr/bin/env bats
# Docker (Debian's docker.io) with the runtime under test registered as
# runtime "ours" in daemon.json. dockerd runs as Debian's unit runs it, on a
# containerd of its own (here one started in the test's directory), with
# --iptables=false --bridge=none and its own data root, exec root, pid file
# and socket; containers go in a cgroup parent of their own. The image is
# `docker import`ed from the busybox root filesystem.

load helpers
load clients

bats_require_minimum_version 1.5.0

setup_file() {
	client_setup_file docker dockerd docker containerd ctr containerd-shim-runc-v2 || return 1
	[ -n "${CLIENT_MISSING:-}" ] && return 0
	start_containerd "$CLIENT_DIR/containerd"
	DOCKER_DIR=$CLIENT_DIR/docker
	mkdir -p "$DOCKER_DIR"
	local driver=vfs
	overlay_works && driver=overlay2
	jq -n --arg rt "$CLIENT_RUNTIME" '{runtimes: {ours: {path: $rt}}}' >"$DOCKER_DIR/daemon.json"
	start_daemon "$DOCKER_DIR/dockerd.log" "$DOCKER_DIR/dockerd.launch.pid" \
		dockerd --config-file "$DOCKER_DIR/daemon.json" \
		--containerd "$CONTAINERD_SOCK" \
		--iptables=false --ip6tables=false --bridge=none \
		--data-root "$DOCKER_DIR/data" --exec-root "$DOCKER_DIR/exec" \
		--pidfile "$DOCKER_DIR/docker.pid" -H "unix://$DOCKER_DIR/docker.sock" \
		--storage-driver "$driver" --exec-opt native.cgroupdriver=cgroupfs \
		--cgroup-parent "/$CGROUP_PARENT" --log-level warn
	export DOCKER_HOST=unix://$DOCKER_DIR/docker.sock DOCKER_CONFIG=$DOCKER_DIR/client DOCKER_DIR
	wait_until 60 docker version ||
		fail "dockerd did not start: $(tail -20 "$DOCKER_DIR/dockerd.log")" || return 1
	tar -C "$BUSYBOX_ROOTFS" --exclude=./.complete -c . |
		timeout 60 docker import -c 'CMD ["sh"]' - "$IMAGE" >/dev/null ||
		fail "docker import failed"
	# The state root dockerd gives the runtime (runtime-runc whatever
	# the runtime's name, in docker 20.10).
	export RUNC_ROOT=$DOCKER_DIR/exec/runtime-runc/moby
}

teardown_file() {
	[ -n "${CLIENT_DIR:-}" ] || return 0
	stop_daemon "$CLIENT_DIR/docker/dockerd.launch.pid"
	stop_daemon "$CLIENT_DIR/containerd/containerd.pid"
	client_teardown_file
}

setup() {
	client_setup
}

teardown() {
	[ -z "${CLIENT_MISSING:-}" ] || return 0
	local ids
	ids=$(docker_ ps -aq)
	[ -z "$ids" ] || docker_ rm -f $ids >/dev/null 2>&1
	client_teardown
}

docker_() {
	timeout -k 5 60 docker "$@" </dev/null
}

# docker_run_d NAME ARGS... -- a detached container with our runtime; sets
# ID (full) and PID (host pid of its init).
docker_run_d() {
	local name=$1
	shift
	run docker_ run -d --runtime ours --name "$name" "$@"
	[ "$status" -eq 0 ] || fail "docker run -d: $output" || return 1
	ID=$output
	PID=$(docker_ inspect -f '{{.State.Pid}}' "$name")
	[ -n "$PID" ] && [ "$PID" != 0 ] || fail "no pid for $name"
}

runtime_status() {
	"$RUNC" --root "$RUNC_ROOT" state "$1" 2>/dev/null | jq -r .status
}

# gone ID PID -- nothing of the container is left on the host.
gone() {
	local id=$1 pid=${2:-} d
	[ ! -e "$RUNC_ROOT/$id" ] || fail "state directory of $id remains"
	[ -z "$pid" ] || ! pid_alive "$pid" || fail "process $pid of $id remains"
	for d in /sys/fs/cgroup/*/"$CGROUP_PARENT/$id"; do
		[ ! -d "$d" ] || fail "cgroup $d remains"
	done
	! grep -qF "$id" /proc/self/mountinfo || fail "mounts of $id remain"
}

@test "docker: run --rm --runtime ours: output, exit status, nothing left" {
	run docker_ run --rm --runtime ours --name fg "$IMAGE" sh -c 'echo hello; grep -m1 memory /proc/self/cgroup; echo to-stderr >&2; exit 5'
	echo "$output" >&2
	[ "$status" -eq 5 ]
	# stdout and stderr come through separate pipes: any order.
	grep -qx hello <<<"$output"
	grep -qx to-stderr <<<"$output"
	local id
	id=$(sed -n "s|^[0-9]*:memory:/$CGROUP_PARENT/\([0-9a-f]\{64\}\)\$|\1|p" <<<"$output")
	[ -n "$id" ]
	assert_call "create --bundle [^ ]+/moby/$id --pid-file [^ ]+/init.pid $id$"
	assert_call "start $id$"
	assert_call "delete $id$"
	assert_calls_ok
	assert_global_opts "--root $RUNC_ROOT --log [^ ]+/moby/$id/log.json --log-format json"
	gone "$id"
}

@test "docker: run -it: the process has a terminal" {
	run_in_pty "docker run --rm -it --runtime ours $IMAGE sh -c 'tty; [ -t 0 ] && echo stdin-is-a-tty'"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/dev/pts/0"* ]]
	[[ "$output" == *"stdin-is-a-tty"* ]]
	assert_call "create --bundle [^ ]+ --pid-file [^ ]+ --console-socket [^ ]+ [0-9a-f]{64}$"
	assert_calls_ok
}

@test "docker: run -d, then exec, exec -it, top and stats" {
	docker_run_d det --oom-score-adj 300 "$IMAGE" sh -c 'echo $$ > /tmp/init; exec sleep 1000'
	# The host's view: our runtime's state, the pid, the cgroup.
	[ "$(runtime_status "$ID")" = running ]
	[ "$("$RUNC" --root "$RUNC_ROOT" state "$ID" | jq -r .pid)" = "$PID" ]
	[ "$(cgroup_of "$PID" memory)" = "/$CGROUP_PARENT/$ID" ]

	run docker_ exec det sh -c 'cat /tmp/init; echo exec-ran; cat /proc/self/oom_score_adj; exit 3'
	echo "$output" >&2
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = exec-ran ]
	# The container's score, not the shim's.
	[ "${lines[2]}" = 300 ]
	[ "$(cat "/proc/$PID/oom_score_adj")" = 300 ]
	assert_call "exec --process [^ ]+ --detach --pid-file [^ ]+ $ID$"

	run_in_pty "docker exec -it det tty"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/dev/pts/"* ]]
	assert_call "exec --process [^ ]+ --console-socket [^ ]+ --detach --pid-file [^ ]+ $ID$"

	run docker_ top det
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$(awk 'NR > 1 {print $2}' <<<"$output")" = "$PID" ]
	assert_call "ps --format json $ID$"

	run docker_ stats --no-stream --format '{{.PIDs}} {{.MemUsage}}' det
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "${output%% *}" = 1 ]
	[[ "$output" == *B\ /\ * ]]
	assert_calls_ok
}

@test "docker: pause and unpause freeze and thaw the container" {
	docker_run_d pz "$IMAGE" sleep 1000
	docker_ pause pz
	[ "$(docker_ inspect -f '{{.State.Status}}' pz)" = paused ]
	[ "$(runtime_status "$ID")" = paused ]
	[ "$(cat "/sys/fs/cgroup/freezer/$CGROUP_PARENT/$ID/freezer.state")" = FROZEN ]
	docker_ unpause pz
	[ "$(docker_ inspect -f '{{.State.Status}}' pz)" = running ]
	[ "$(runtime_status "$ID")" = running ]
	[ "$(cat "/sys/fs/cgroup/freezer/$CGROUP_PARENT/$ID/freezer.state")" = THAWED ]
	assert_call "pause $ID$"
	assert_call "resume $ID$"
	assert_calls_ok
}

@test "docker: update --memory changes the live cgroup through update -r -" {
	docker_run_d up --memory 128m "$IMAGE" sleep 1000
	local memdir=/sys/fs/cgroup/memory/$CGROUP_PARENT/$ID
	[ "$(cat "$memdir/memory.limit_in_bytes")" -eq $((128 << 20)) ]
	docker_ update --memory 64m --memory-swap 96m up
	[ "$(cat "$memdir/memory.limit_in_bytes")" -eq $((64 << 20)) ]
	if [ -f "$memdir/memory.memsw.limit_in_bytes" ]; then
		[ "$(cat "$memdir/memory.memsw.limit_in_bytes")" -eq $((96 << 20)) ]
	fi
	[ "$(docker_ inspect -f '{{.HostConfig.Memory}}' up)" -eq $((64 << 20)) ]
	# The container sees its new limit too.
	[ "$(docker_ exec up cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" -eq $((64 << 20)) ]
	assert_call "update --resources - $ID$"
	assert_calls_ok
}

@test "docker: stop, kill and rm -f" {
	docker_run_d st "$IMAGE" sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
	local id1=$ID pid1=$PID
	docker_ stop -t 10 st
	[ "$(docker_ inspect -f '{{.State.Status}} {{.State.ExitCode}}' st)" = "exited 42" ]
	assert_call "kill $id1 15$"
	gone "$id1" "$pid1"
	docker_ rm st

	docker_run_d kl "$IMAGE" sleep 1000
	local id2=$ID pid2=$PID
	docker_ kill kl
	[ "$(docker_ inspect -f '{{.State.Status}} {{.State.ExitCode}}' kl)" = "exited 137" ]
	assert_call "kill $id2 9$"
	gone "$id2" "$pid2"
	docker_ rm kl

	docker_run_d rf "$IMAGE" sleep 1000
	local id3=$ID pid3=$PID
	docker_ exec -d rf sleep 999
	docker_ rm -f rf
	assert_call "delete $id3$"
	gone "$id3" "$pid3"
	[ -z "$(docker_ ps -aq)" ]
	assert_calls_ok
}

@test "docker: a command that does not exist: exit status 127, the runtime's error" {
	run -127 docker_ run --rm --runtime ours "$IMAGE" /no/such/binary
	echo "$output" >&2
	[[ "$output" == *"/no/such/binary"*"no such file or directory"* ]]
	grep -q '^rc=1 create ' <<<"$(test_calls)"
	[ -z "$(docker_ ps -aq)" ]
	[ -z "$(find "$RUNC_ROOT" -mindepth 1 -maxdepth 1)" ]
}

@test "docker: nothing is left behind by the tests above" {
	[ -z "$(docker_ ps -aq)" ]
	[ -z "$("$RUNC" --root "$RUNC_ROOT" list -q)" ]
	[ -z "$(find "$RUNC_ROOT" -mindepth 1 -maxdepth 1)" ]
	local d
	for d in /sys/fs/cgroup/*/"$CGROUP_PARENT"; do
		[ -d "$d" ] || continue
		[ -z "$(find "$d" -mindepth 1 -type d)" ] || fail "cgroups left in $d"
		[ ! -s "$d/cgroup.procs" ] || fail "processes left in $d"
	done
	wait_until 10 eval '! pgrep -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK"' ||
		fail "shims left: $(pgrep -af containerd-shim)"
}
