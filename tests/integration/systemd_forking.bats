#!/usr/bin/env bats
# The pattern of a systemd unit with Type=forking:
#   ExecStart=runc run -d --pid-file /run/X.pid X
#   PIDFile=/run/X.pid
#   ExecStopPost=runc delete X
# systemd reads the pid file as soon as ExecStart exits, watches that pid
# as the main process, and runs ExecStopPost once it is gone.

load helpers

setup() {
	setup_busybox
	bind_mount "$HOSTDIR" /host
	# A service that stops cleanly on SIGTERM, as systemd's stop expects.
	set_cmd 'trap "echo stopping >> /host/log; exit 0" TERM; echo started >> /host/log; while :; do sleep 0.1; done'
	mkdir "$TESTDIR/run"
	PIDFILE=$TESTDIR/run/service.pid
}

# ExecStart: returns when the runtime exits; then the pid file is read, as
# systemd does for Type=forking.
exec_start() {
	runc run -d --pid-file "$PIDFILE" svc
	[ "$status" -eq 0 ] || fail "ExecStart failed: $output"
	[ -f "$PIDFILE" ] || fail "no pid file when ExecStart returned"
	MAINPID=$(cat "$PIDFILE")
	[[ "$MAINPID" =~ ^[0-9]+$ ]] || fail "bad pid file content: '$MAINPID'"
	# Written whole (a temporary file renamed): nothing else in its directory.
	[ "$(ls -A "$TESTDIR/run")" = service.pid ] || fail "pid file directory holds: $(ls -A "$TESTDIR/run")"
	pid_alive "$MAINPID" || fail "main pid $MAINPID is not alive"
}

@test "run -d writes the pid file before it exits, and the pid lives" {
	exec_start
	[ "$MAINPID" = "$(container_pid svc)" ]
	testcontainer svc running
	# The main pid is the container's process, not a runtime process.
	! is_runtime_process "$MAINPID" || fail "negated check failed (systemd_forking.bats:38)"
	local ppid
	ppid=$(awk '/^PPid:/ {print $2}' "/proc/$MAINPID/status")
	! is_runtime_process "$ppid" || fail "negated check failed (systemd_forking.bats:41)"
	wait_for_file "$HOSTDIR/log"
}

@test "no runtime process stays behind after ExecStart" {
	exec_start
	local p
	for p in $(pgrep -f -- "--root $ROOT" || true); do
		! is_runtime_process "$p" || fail "runtime process $p still running"
	done
}

@test "stop with SIGTERM to the main pid, then ExecStopPost deletes" {
	exec_start
	wait_for_file "$HOSTDIR/log"
	kill -TERM "$MAINPID"
	wait_for_pid_exit "$MAINPID"
	grep -q stopping "$HOSTDIR/log"
	wait_for_status svc stopped
	runc delete svc
	[ "$status" -eq 0 ]
	runc state svc
	[ "$status" -ne 0 ]
}

@test "the main pid killed with SIGKILL, then delete and a second start" {
	exec_start
	local first=$MAINPID
	kill -KILL "$MAINPID"
	wait_for_pid_exit "$MAINPID"
	runc delete svc
	[ "$status" -eq 0 ]

	# Restart=: a second start with the same id and pid file.
	rm -f "$PIDFILE"
	exec_start
	[ "$MAINPID" != "$first" ]
	testcontainer svc running
	[ "$(grep -c started "$HOSTDIR/log")" -eq 2 ]
}

@test "runc kill as ExecStop, then delete" {
	exec_start
	runc kill svc TERM
	[ "$status" -eq 0 ]
	wait_for_pid_exit "$MAINPID"
	runc delete svc
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/svc" ]
}

@test "delete after the service already stopped by itself" {
	set_cmd 'echo started >> /host/log; sleep 0.3'
	exec_start
	wait_for_pid_exit "$MAINPID"
	runc delete svc
	[ "$status" -eq 0 ]
	exec_start
	testcontainer svc running
}
