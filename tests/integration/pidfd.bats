#!/usr/bin/env bats
# --pidfd-socket on create, run and exec: the runtime sends a pidfd of the
# container's process over a unix socket (SCM_RIGHTS, with "standard" for
# a container's init and "setns" for an exec'd process as the message).
# tests/cmd/pidfdrecv receives it, signals the process through it and waits
# for it to exit by polling it.

load helpers

setup_file() {
	PIDFDRECV=$BATS_FILE_TMPDIR/pidfdrecv
	local go
	go=$(command -v go || echo /usr/local/go/bin/go)
	(cd "$REPO_ROOT" && CGO_ENABLED=0 "$go" build -o "$PIDFDRECV" ./tests/cmd/pidfdrecv) ||
		fail "building tests/cmd/pidfdrecv failed"
	export PIDFDRECV
}

setup() {
	setup_busybox
	PIDFD_SOCK=$TESTDIR/pidfd.sock
	PIDFD_OUT=$TESTDIR/pidfd.out
}

# start_receiver SIGNAL [READY] -- listen on $PIDFD_SOCK; what it receives
# and does goes to $PIDFD_OUT. With READY, it signals once that file exists.
start_receiver() {
	"$PIDFDRECV" "$PIDFD_SOCK" "$@" >"$PIDFD_OUT" 2>&1 3>&- &
	RECV_PID=$!
	track_pid "$RECV_PID"
	wait_for_file "$PIDFD_SOCK"
}

# receiver_done -- wait for the receiver; it must have succeeded.
receiver_done() {
	local rc=0
	wait "$RECV_PID" || rc=$?
	cat "$PIDFD_OUT" >&2
	[ "$rc" -eq 0 ] || fail "pidfdrecv failed ($rc): $(cat "$PIDFD_OUT")"
	grep -qx exited "$PIDFD_OUT"
}

@test "create --pidfd-socket: a pidfd of init, before start" {
	set_cmd 'sleep 100'
	start_receiver 9
	runc create --pidfd-socket "$PIDFD_SOCK" --pid-file "$TESTDIR/pid" test_pidfd
	[ "$status" -eq 0 ]
	receiver_done
	# The pidfd named the container's init, and SIGKILL through it ended it.
	[ "$(head -n1 "$PIDFD_OUT")" = "standard $(cat "$TESTDIR/pid")" ]
	wait_for_status test_pidfd stopped
}

@test "run -d --pidfd-socket: signal and wait through the pidfd" {
	bind_mount "$HOSTDIR" /host
	set_cmd 'trap "touch /host/term; exit 3" TERM; touch /host/ready; while :; do sleep 0.1; done'
	start_receiver 15 "$HOSTDIR/ready"
	runc run -d --pidfd-socket "$PIDFD_SOCK" --pid-file "$TESTDIR/pid" test_pidfd
	[ "$status" -eq 0 ]
	receiver_done
	[ "$(head -n1 "$PIDFD_OUT")" = "standard $(cat "$TESTDIR/pid")" ]
	wait_for_status test_pidfd stopped
	# The container's own TERM handler ran.
	[ -f "$HOSTDIR/term" ]
}

@test "run --pidfd-socket in the foreground: the exit status of the signalled process" {
	bind_mount "$HOSTDIR" /host
	set_cmd 'touch /host/ready; sleep 100'
	start_receiver 9 "$HOSTDIR/ready"
	runc run --pidfd-socket "$PIDFD_SOCK" test_pidfd
	[ "$status" -eq 137 ]
	receiver_done
	grep -q '^standard [0-9][0-9]*$' "$PIDFD_OUT"
}

@test "exec --pidfd-socket: a pidfd of the exec'd process, not of init" {
	set_cmd 'sleep 100'
	runc run -d test_pidfd
	[ "$status" -eq 0 ]
	local init
	init=$(container_pid test_pidfd)

	start_receiver 9
	runc exec -d --pidfd-socket "$PIDFD_SOCK" --pid-file "$TESTDIR/pid" test_pidfd sleep 100
	[ "$status" -eq 0 ]
	receiver_done
	[ "$(head -n1 "$PIDFD_OUT")" = "setns $(cat "$TESTDIR/pid")" ]
	[ "$(cat "$TESTDIR/pid")" != "$init" ]
	# Only the exec'd process was killed.
	testcontainer test_pidfd running

	# In the foreground, exec reports the signal the receiver sent.
	start_receiver 9
	runc exec --pidfd-socket "$PIDFD_SOCK" test_pidfd sleep 100
	[ "$status" -eq 137 ]
	receiver_done
	grep -q '^setns [0-9][0-9]*$' "$PIDFD_OUT"
	testcontainer test_pidfd running
}

@test "--pidfd-socket: a socket nobody listens on fails before anything is made" {
	set_cmd 'sleep 100'
	runc run -d --pidfd-socket "$TESTDIR/nothing.sock" test_pidfd
	[ "$status" -ne 0 ]
	[[ "$output" == *"pidfd socket"*"$TESTDIR/nothing.sock"* ]]
	runc state test_pidfd
	[ "$status" -ne 0 ]

	runc run -d test_pidfd
	[ "$status" -eq 0 ]
	runc exec --pidfd-socket "$TESTDIR/nothing.sock" test_pidfd true
	[ "$status" -ne 0 ]
	[[ "$output" == *"pidfd socket"* ]]
	testcontainer test_pidfd running
}
