#!/usr/bin/env bats
# containerd (Debian's package) with the runtime under test as its runc:
# `ctr run --runc-binary`, through containerd-shim-runc-v2, which drives
# the runtime as it drives runc (--log FILE --log-format json, create
# --bundle --pid-file [--console-socket], start, exec --process --detach,
# ps --format json, pause, resume, kill [--all], delete [--force]).
# containerd runs on its own socket, root and state directories; the image
# is imported from a tar made of the busybox root filesystem.

load helpers
load clients

setup_file() {
	client_setup_file containerd containerd ctr containerd-shim-runc-v2 || return 1
	[ -n "${CLIENT_MISSING:-}" ] && return 0
	start_containerd "$CLIENT_DIR/containerd"
	# The namespace is also the cgroup parent: /<namespace>/<id>.
	CTR_NS=$CGROUP_PARENT
	RUNC_ROOT=$CLIENT_DIR/runc
	export CTR_NS RUNC_ROOT
	ctr_ image import "$IMAGE_TAR" || fail "image import failed"
}

teardown_file() {
	[ -n "${CLIENT_DIR:-}" ] || return 0
	stop_daemon "$CLIENT_DIR/containerd/containerd.pid"
	client_teardown_file
}

setup() {
	client_setup
}

teardown() {
	[ -z "${CLIENT_MISSING:-}" ] || return 0
	# Whatever the test left: tasks killed, tasks and containers deleted.
	local c
	for c in $(ctr_ containers ls -q 2>/dev/null); do
		ctr_ tasks kill -a -s KILL "$c" >/dev/null 2>&1
		ctr_ tasks delete -f "$c" >/dev/null 2>&1
		ctr_ containers rm "$c" >/dev/null 2>&1
	done
	client_teardown
}

ctr_() {
	timeout -k 5 60 ctr -a "$CONTAINERD_SOCK" -n "$CTR_NS" "$@" </dev/null
}

# Options of `ctr run` that make the shim use our runtime, with its state
# and the client's fifos in the test's directory.
RUN_OPTS=(--runc-binary "$CLIENT_RUNTIME" --runc-root "$RUNC_ROOT" --fifo-dir "$CLIENT_DIR/fifo")

# ctr_run_d ID CMD... -- a detached busybox container.
ctr_run_d() {
	local id=$1
	shift
	run ctr_ run -d "${RUN_OPTS[@]}" "$IMAGE" "$id" "$@"
	[ "$status" -eq 0 ] || fail "ctr run -d $id: $output" || return 1
	PID=$(task_field "$id" 2)
	[ -n "$PID" ] && [ "$PID" != 0 ] || fail "no pid for $id: $(ctr_ tasks ls)"
}

# task_field ID N -- field N of the task's line in `ctr tasks ls`
# (1 id, 2 pid, 3 status).
task_field() {
	ctr_ tasks ls | awk -v id="$1" -v n="$2" '$1 == id {print $n}'
}

# Our runtime's view of a container, from the root the shim uses.
runtime_status() {
	"$RUNC" --root "$RUNC_ROOT/$CTR_NS" state "$1" 2>/dev/null | jq -r .status
}

# gone ID PID -- nothing of the container is left on the host: no state
# directory, no process, no cgroup, no mount of its bundle.
gone() {
	local id=$1 pid=$2 d
	[ ! -e "$RUNC_ROOT/$CTR_NS/$id" ] || fail "state directory of $id remains"
	[ -z "$pid" ] || ! pid_alive "$pid" || fail "process $pid of $id remains"
	for d in /sys/fs/cgroup/*/"$CTR_NS/$id"; do
		[ ! -d "$d" ] || fail "cgroup $d remains"
	done
	! grep -qF "/$CTR_NS/$id/" /proc/self/mountinfo || fail "mounts of $id remain"
}

@test "containerd: ctr run in the foreground: output, exit status, nothing left" {
	run ctr_ run --rm "${RUN_OPTS[@]}" "$IMAGE" fg sh -c 'echo hello from fg; grep -m1 memory /proc/self/cgroup; exit 7'
	echo "$output" >&2
	[ "$status" -eq 7 ]
	[[ "$output" == *"hello from fg"* ]]
	# The shim put it in /<namespace>/<id>, as it does with runc.
	[[ "$output" == *"memory:/$CTR_NS/fg"* ]]
	# The shim's calls, each with --log <bundle>/log.json --log-format json.
	assert_call "create --bundle [^ ]+/$CTR_NS/fg --pid-file [^ ]+/init.pid fg$"
	assert_call "start fg$"
	assert_call "delete fg$"
	assert_calls_ok
	assert_global_opts "--log $CLIENT_DIR/containerd/state/io.containerd.runtime.v2.task/$CTR_NS/fg/log.json --log-format json"
	gone fg
}

@test "containerd: ctr run --tty: the process has a terminal from --console-socket" {
	run_in_pty "ctr -a $CONTAINERD_SOCK -n $CTR_NS run --rm -t ${RUN_OPTS[*]} $IMAGE tty sh -c 'tty; [ -t 0 ] && echo stdin-is-a-tty'"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/dev/pts/0"* ]]
	[[ "$output" == *"stdin-is-a-tty"* ]]
	assert_call "create --bundle [^ ]+ --pid-file [^ ]+ --console-socket [^ ]+ tty$"
	assert_calls_ok
	gone tty
}

@test "containerd: ctr run -d, then task exec, ps and metrics" {
	ctr_run_d det sh -c 'echo $$ > /tmp/init; exec sleep 1000'
	[ "$(task_field det 3)" = RUNNING ]
	# The host's view: our runtime's state agrees, the pid is the init.
	[ "$(runtime_status det)" = running ]
	[ "$("$RUNC" --root "$RUNC_ROOT/$CTR_NS" state det | jq -r .pid)" = "$PID" ]
	[ "$(cgroup_of "$PID" memory)" = "/$CTR_NS/det" ]

	run ctr_ tasks exec --fifo-dir "$CLIENT_DIR/fifo" --exec-id e1 det sh -c 'cat /tmp/init; echo exec-ran; exit 3'
	echo "$output" >&2
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = exec-ran ]
	assert_call "exec --process [^ ]+ --detach --pid-file [^ ]+/e1.pid det$"

	run_in_pty "ctr -a $CONTAINERD_SOCK -n $CTR_NS tasks exec --fifo-dir $CLIENT_DIR/fifo -t --exec-id e2 det tty"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/dev/pts/"* ]]
	assert_call "exec --process [^ ]+ --console-socket [^ ]+ --detach --pid-file [^ ]+/e2.pid det$"

	# A second process, then ps lists both by host pid.
	ctr_ tasks exec --fifo-dir "$CLIENT_DIR/fifo" -d --exec-id e3 det sleep 999 || fail "exec -d failed"
	local pids
	wait_until 10 eval '[ "$(ctr_ tasks ps det | tail -n +2 | wc -l)" -eq 2 ]' ||
		fail "ps: $(ctr_ tasks ps det)"
	pids=$(ctr_ tasks ps det | awk 'NR > 1 {print $1}' | sort -n | tr '\n' ' ')
	[ "$pids" = "$(sort -n "/sys/fs/cgroup/pids/$CTR_NS/det/cgroup.procs" | tr '\n' ' ')" ]
	assert_call "ps --format json det$"

	# metrics: the shim reads the container's cgroups.
	run ctr_ tasks metrics det
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$(awk '$1 == "pids.current" {print $2}' <<<"$output")" -eq 2 ]
	[ "$(awk '$1 == "memory.usage_in_bytes" {print $2}' <<<"$output")" -gt 0 ]
	# runc's own statistics (events --stats, which older shims called)
	# agree with what the shim read.
	run "$RUNC" --root "$RUNC_ROOT/$CTR_NS" events --stats det
	[ "$status" -eq 0 ]
	[ "$(jq -r '.type + " " + (.data.pids.current | tostring)' <<<"$output")" = "stats 2" ]
	assert_calls_ok
}

@test "containerd: task pause and resume freeze and thaw; kill -s KILL of a paused task" {
	ctr_run_d pz sh -c 'while :; do date +%s%N > /tmp/tick; sleep 0.05; done'
	ctr_ tasks pause pz || fail "pause failed"
	[ "$(task_field pz 3)" = PAUSED ]
	[ "$(runtime_status pz)" = paused ]
	[ "$(cat "/sys/fs/cgroup/freezer/$CTR_NS/pz/freezer.state")" = FROZEN ]
	ctr_ tasks resume pz || fail "resume failed"
	[ "$(task_field pz 3)" = RUNNING ]
	[ "$(runtime_status pz)" = running ]
	[ "$(cat "/sys/fs/cgroup/freezer/$CTR_NS/pz/freezer.state")" = THAWED ]
	run ctr_ tasks exec --fifo-dir "$CLIENT_DIR/fifo" --exec-id e1 pz cat /tmp/tick
	[ "$status" -eq 0 ]
	assert_call "pause pz$"
	assert_call "resume pz$"
	assert_calls_ok
	# A paused task killed with SIGKILL stops without a resume. (The
	# shim then tries a resume, which fails, as with runc: it stopped.)
	ctr_ tasks pause pz || fail "pause failed"
	ctr_ tasks kill -s KILL pz || fail "kill failed"
	wait_until 5 eval '[ "$(task_field pz 3)" = STOPPED ]' || fail "not stopped: $(ctr_ tasks ls)"
	wait_for_pid_exit "$PID" 5
	assert_call "kill pz 9$"
	[ -z "$(test_calls | grep -v '^rc=0 ' | grep -vx 'rc=1 resume pz')" ] ||
		fail "failed runtime calls: $(test_calls | grep -v '^rc=0 ')"
}

@test "containerd: task kill, kill --all and delete leave nothing behind" {
	ctr_run_d k sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
	local pid1=$PID
	ctr_ tasks kill k || fail "kill failed"
	wait_until 10 eval '[ "$(task_field k 3)" = STOPPED ]' || fail "not stopped: $(ctr_ tasks ls)"
	[ "$(runtime_status k)" = stopped ]
	run ctr_ tasks delete k
	echo "$output" >&2
	[ "$status" -eq 0 ]
	ctr_ containers rm k
	assert_call "kill k 15$"
	assert_call "delete k$"
	gone k "$pid1"

	# --all: a process exec'd into the container goes too.
	ctr_run_d ka sleep 1000
	local pid2=$PID
	ctr_ tasks exec --fifo-dir "$CLIENT_DIR/fifo" -d --exec-id e1 ka sleep 999 || fail "exec -d failed"
	local extra
	wait_until 10 eval '[ "$(wc -l <"/sys/fs/cgroup/pids/$CTR_NS/ka/cgroup.procs")" -eq 2 ]'
	extra=$(grep -vx "$pid2" "/sys/fs/cgroup/pids/$CTR_NS/ka/cgroup.procs")
	ctr_ tasks kill -a -s KILL ka || fail "kill -a failed"
	wait_until 10 eval '[ "$(task_field ka 3)" = STOPPED ]' || fail "not stopped"
	wait_for_pid_exit "$extra"
	ctr_ tasks delete ka
	ctr_ containers rm ka
	assert_call "kill --all ka 9$"
	assert_calls_ok
	gone ka "$pid2"
}

@test "containerd: a process that cannot start gives the runtime's error, nothing left" {
	run ctr_ run --rm "${RUN_OPTS[@]}" "$IMAGE" bad /no/such/binary
	echo "$output" >&2
	[ "$status" -ne 0 ]
	# The shim took the message from the runtime's JSON log.
	[[ "$output" == *"/no/such/binary"*"no such file or directory"* ]]
	grep -q '^rc=1 create ' <<<"$(test_calls)"
	ctr_ containers rm bad 2>/dev/null || true
	gone bad
}

@test "containerd: nothing is left behind by the tests above" {
	[ -z "$(ctr_ tasks ls -q)" ]
	[ -z "$(ctr_ containers ls -q)" ]
	[ -z "$("$RUNC" --root "$RUNC_ROOT/$CTR_NS" list -q)" ]
	[ -z "$(find "$RUNC_ROOT/$CTR_NS" -mindepth 1 -maxdepth 1)" ]
	# No cgroup under the namespace's, no process in it, no shim left.
	local d
	for d in /sys/fs/cgroup/*/"$CTR_NS"; do
		[ -z "$(find "$d" -mindepth 1 -type d)" ] || fail "cgroups left in $d"
		[ ! -s "$d/cgroup.procs" ] || fail "processes left in $d"
	done
	wait_until 10 eval '! pgrep -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK"' ||
		fail "shims left: $(pgrep -af containerd-shim)"
	! grep -qF "$CLIENT_DIR/containerd/state/io.containerd.runtime.v2.task" /proc/self/mountinfo
}
