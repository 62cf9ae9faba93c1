#!/usr/bin/env bats
# runc create + runc start: the two-step lifecycle.

load helpers

setup() {
	setup_busybox
	# The container marks its start in a host directory.
	bind_mount "$HOSTDIR" /host
	set_cmd 'touch /host/started; exec sleep 100'
}

@test "create leaves the container in status created" {
	runc create test_create
	[ "$status" -eq 0 ]
	testcontainer test_create created

	runc_split state test_create
	[ "$status" -eq 0 ]
	[ "$(jq -r .id <<<"$output")" = test_create ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r .rootfs <<<"$output")" = "$BUNDLE/rootfs" ]
	[[ "$(jq -r .created <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+)$ ]]
	[[ "$(jq -r .ociVersion <<<"$output")" =~ ^1\. ]]
	local pid
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 0 ]
	pid_alive "$pid"
}

@test "create does not start the user process" {
	runc create test_create
	[ "$status" -eq 0 ]
	# Give a wrongly started process time to run.
	sleep 0.5
	[ ! -e "$HOSTDIR/started" ]
	testcontainer test_create created

	runc start test_create
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/started"
	testcontainer test_create running
}

@test "create --pid-file holds the host pid of the init process" {
	runc create --pid-file "$TESTDIR/pid" test_create
	[ "$status" -eq 0 ]
	[ -s "$TESTDIR/pid" ]
	local pid
	pid=$(cat "$TESTDIR/pid")
	[[ "$pid" =~ ^[0-9]+$ ]]
	[ "$pid" = "$(container_pid test_create)" ]
	pid_alive "$pid"
	# The pid is a host pid: the process is in another pid namespace.
	[ "$(readlink /proc/$pid/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]

	# After start the same process runs the user command.
	runc start test_create
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/started"
	[ "$(container_pid test_create)" = "$pid" ]
	[ "$(cat /proc/$pid/comm)" = sleep ]
}

@test "create --pid-file with a relative path is relative to the current directory" {
	mkdir "$TESTDIR/cwd"
	cd "$TESTDIR/cwd"
	runc create -b "$BUNDLE" --pid-file rel.pid test_create
	[ "$status" -eq 0 ]
	[ -s "$TESTDIR/cwd/rel.pid" ]
	[ "$(cat "$TESTDIR/cwd/rel.pid")" = "$(container_pid test_create)" ]
}

@test "create with a relative --bundle records the absolute bundle path" {
	cd "$TESTDIR"
	runc create --bundle bundle test_create
	[ "$status" -eq 0 ]
	runc_split state test_create
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
}

@test "start moves the container to running" {
	runc create test_create
	[ "$status" -eq 0 ]
	runc start test_create
	[ "$status" -eq 0 ]
	testcontainer test_create running
	wait_for_file "$HOSTDIR/started"
	pid_alive "$(container_pid test_create)"
}

@test "start twice is an error and leaves the container running" {
	runc create test_create
	[ "$status" -eq 0 ]
	runc start test_create
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/started"
	local pid
	pid=$(container_pid test_create)

	runc start test_create
	[ "$status" -ne 0 ]
	[ -n "$output" ]
	testcontainer test_create running
	[ "$(container_pid test_create)" = "$pid" ]
	pid_alive "$pid"
}

@test "start of a container whose process exited is an error" {
	set_args true
	runc create test_create
	[ "$status" -eq 0 ]
	runc start test_create
	[ "$status" -eq 0 ]
	wait_for_status test_create stopped
	runc start test_create
	[ "$status" -ne 0 ]
	[[ "$output" == *stopped* ]]
}

@test "start of an unknown container is an error" {
	runc start no_such_container
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
}

@test "create with an existing id fails and leaves the first container intact" {
	runc create test_create
	[ "$status" -eq 0 ]
	runc_split state test_create
	local before=$output pid
	pid=$(jq -r .pid <<<"$output")

	# A second bundle that would do something else.
	mkdir "$TESTDIR/b2"
	cp -a "$BUNDLE/config.json" "$TESTDIR/b2/"
	cp -al "$BUNDLE/rootfs" "$TESTDIR/b2/rootfs"
	update_config '.process.args = ["sh", "-c", "touch /host/second"]' "$TESTDIR/b2"
	runc create -b "$TESTDIR/b2" test_create
	[ "$status" -ne 0 ]
	[[ "$output" == *exist* ]]

	runc_split state test_create
	[ "$status" -eq 0 ]
	[ "$output" = "$before" ]
	pid_alive "$pid"

	runc start test_create
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/started"
	[ ! -e "$HOSTDIR/second" ]
	testcontainer test_create running
}

@test "create with an existing id of a running container leaves it running" {
	runc run -d test_create
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/started"
	local pid
	pid=$(container_pid test_create)
	runc create test_create
	[ "$status" -ne 0 ]
	testcontainer test_create running
	[ "$(container_pid test_create)" = "$pid" ]
}

@test "a created container can be deleted without being started" {
	runc create --pid-file "$TESTDIR/pid" test_create
	[ "$status" -eq 0 ]
	local pid
	pid=$(cat "$TESTDIR/pid")
	runc delete test_create
	[ "$status" -eq 0 ]
	wait_for_pid_exit "$pid"
	[ ! -e "$HOSTDIR/started" ]
	runc state test_create
	[ "$status" -ne 0 ]
}

@test "two containers from one bundle are independent" {
	runc create c1
	[ "$status" -eq 0 ]
	runc create c2
	[ "$status" -eq 0 ]
	[ "$(container_pid c1)" != "$(container_pid c2)" ]
	runc start c2
	[ "$status" -eq 0 ]
	testcontainer c2 running
	testcontainer c1 created
}

@test "start reports a process that cannot be executed" {
	# Executable bits, but no format the kernel knows (ENOEXEC at execve,
	# after the lookup that create does).
	printf 'not a program\n' >rootfs/bin/bogus
	chmod 755 rootfs/bin/bogus
	set_args /bin/bogus
	runc create test_start
	[ "$status" -eq 0 ]
	runc start test_start
	[ "$status" -ne 0 ]
	[[ "$output" == *"exec /bin/bogus: exec format error"* ]]
	wait_for_status test_start stopped
	runc run -d test_run_bogus
	[ "$status" -ne 0 ]
	[[ "$output" == *"exec format error"* ]]
	runc state test_run_bogus
	[ "$status" -ne 0 ]
}

@test "start succeeds when the process exits at once and is reaped at once" {
	# containerd's shim and conmon are subreapers that reap the container's
	# process the moment it exits, which may be before start has looked at
	# it. The window is narrow: a hundred tries catch it most of the time.
	set_args true
	cat >"$TESTDIR/loop.sh" <<'LOOP'
fails=0
for i in $(seq 100); do
	"$RUNC" --root "$ROOT" create c </dev/null >/dev/null 2>"$TESTDIR/create.err" || {
		cat "$TESTDIR/create.err"
		exit 2
	}
	"$RUNC" --root "$ROOT" start c </dev/null >/dev/null 2>>"$TESTDIR/start.err" || fails=$((fails + 1))
	"$RUNC" --root "$ROOT" delete -f c </dev/null >/dev/null 2>&1
done
echo "failed starts: $fails"
cat "$TESTDIR/start.err"
[ "$fails" -eq 0 ]
LOOP
	RUNC_TEST_MARKER=$TESTDIR RUNC=$RUNC ROOT=$ROOT TESTDIR=$TESTDIR \
		run timeout -k 5 120 "$PYTHON" "$INTEGRATION_ROOT/subreaper.py" bash "$TESTDIR/loop.sh"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[[ "$output" == *"failed starts: 0"* ]]
}
