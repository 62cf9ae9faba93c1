#!/usr/bin/env bats
# process.terminal with --console-socket: the pty master is sent to a unix
# socket (SCM_RIGHTS); recvtty.py receives it and copies the output.

load helpers

setup() {
	setup_busybox
	update_config '.process.terminal = true'
}

@test "create --console-socket + start: the process runs on a pty" {
	start_recvtty
	set_cmd 'tty; echo hi'
	runc create --console-socket "$CONSOLE_SOCKET" test_console
	[ "$status" -eq 0 ]
	testcontainer test_console created
	runc start test_console
	[ "$status" -eq 0 ]
	wait_for_console hi
	wait_for_status test_console stopped
	grep -q '^/dev/pts/[0-9]' "$CONSOLE_OUT"
	grep -q '^hi' "$CONSOLE_OUT"
	# The receiver got a name along with the fd.
	[ -s "$CONSOLE_SOCKET.name" ]
}

@test "nothing reaches the console before start" {
	start_recvtty
	set_cmd 'echo started'
	runc create --console-socket "$CONSOLE_SOCKET" test_console
	[ "$status" -eq 0 ]
	sleep 0.3
	! grep -q started "$CONSOLE_OUT" || fail "negated check failed (console.bats:34)"
	runc start test_console
	[ "$status" -eq 0 ]
	wait_for_console started
}

@test "run -d --console-socket" {
	start_recvtty
	set_cmd 'tty; echo detached-hi; sleep 100'
	runc run -d --console-socket "$CONSOLE_SOCKET" test_console
	[ "$status" -eq 0 ]
	wait_for_console detached-hi
	grep -q '^/dev/pts/[0-9]' "$CONSOLE_OUT"
	testcontainer test_console running
}

@test "stdin, stdout and stderr are the pty; it is the controlling terminal" {
	start_recvtty
	set_cmd 'for fd in 0 1 2; do readlink /proc/self/fd/$fd; done; [ -t 0 ] && echo is-a-tty; read -r _ _ _ _ _ _ ttynr _ </proc/self/stat; echo "tty_nr=$ttynr"'
	runc run -d --console-socket "$CONSOLE_SOCKET" test_console
	[ "$status" -eq 0 ]
	wait_for_console tty_nr=
	wait_for_status test_console stopped
	local out
	out=$(tr -d '\r' <"$CONSOLE_OUT")
	[ "$(grep -c '^/dev/pts/0$' <<<"$out")" -eq 3 ]
	grep -q '^is-a-tty$' <<<"$out"
	! grep -q '^tty_nr=0$' <<<"$out"
}

@test "/dev/console is the pty" {
	start_recvtty
	set_cmd 'stat -c "%F %t" /dev/console'
	runc run -d --console-socket "$CONSOLE_SOCKET" test_console
	[ "$status" -eq 0 ]
	wait_for_console special
	# Unix98 pty slaves have major 136 (0x88).
	grep -q 'character special file 88' "$CONSOLE_OUT"
}

@test "process.consoleSize sets the window size" {
	start_recvtty
	update_config '.process.consoleSize = {"height": 41, "width": 123}'
	set_cmd 'stty size'
	runc run -d --console-socket "$CONSOLE_SOCKET" test_console
	[ "$status" -eq 0 ]
	wait_for_console "41 123"
}

@test "input written to the pty reaches the process" {
	# A foreground run under script(1): what is typed on script's stdin
	# goes through the runtime's pty to the process.
	set_cmd 'read -r line; echo "got:$line"'
	local out=$TESTDIR/typed.out
	status=0
	printf 'typed text\n' | RUNC_TEST_MARKER=$TESTDIR timeout 30 script -qefc "$RUNC --root $ROOT run test_console" /dev/null >"$out" 2>&1 || status=$?
	[ "$status" -eq 0 ]
	grep -q 'got:typed text' "$out"
}

@test "terminal without --console-socket in detached mode is an error" {
	set_args true
	runc run -d test_console
	[ "$status" -ne 0 ]
	[[ "$output" == *console* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	runc create test_console
	[ "$status" -ne 0 ]
	[[ "$output" == *console* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "--console-socket without a terminal is an error" {
	start_recvtty
	update_config '.process.terminal = false'
	runc run -d --console-socket "$CONSOLE_SOCKET" test_console
	[ "$status" -ne 0 ]
	[[ "$output" == *console* ]]
	runc state test_console
	[ "$status" -ne 0 ]
}

@test "a console socket that does not exist is an error and leaves nothing" {
	set_args true
	runc create --console-socket "$TESTDIR/no-such.sock" test_console
	[ "$status" -ne 0 ]
	[[ "$output" == *no-such.sock* ]]
	runc state test_console
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	no_leftover_processes
}
