#!/usr/bin/env bats
# runc kill: send a signal to the init process (or all with --all).

load helpers

setup() {
	setup_busybox
	bind_mount "$HOSTDIR" /host
}

# The init records every signal it gets in /host/signals and exits on TERM.
trap_signals() {
	set_cmd 'for s in HUP INT USR1 USR2 WINCH; do trap "echo $s >> /host/signals" $s; done
trap "echo TERM >> /host/signals; exit 0" TERM
touch /host/ready
while :; do sleep 0.05; done'
}

signals_received() {
	cat "$HOSTDIR/signals" 2>/dev/null | tr '\n' ' '
}

wait_for_signals() {
	local want=$1 tries=200
	while ((tries-- > 0)); do
		[ "$(signals_received)" = "$want" ] && return 0
		sleep 0.05
	done
	fail "signals received: '$(signals_received)', want '$want'"
}

@test "kill sends SIGTERM by default" {
	trap_signals
	runc run -d test_kill
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/ready"
	runc kill test_kill
	[ "$status" -eq 0 ]
	wait_for_signals "TERM "
	wait_for_status test_kill stopped
}

@test "kill accepts signal names with and without SIG, and numbers" {
	trap_signals
	runc run -d test_kill
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/ready"
	runc kill test_kill USR1
	[ "$status" -eq 0 ]
	wait_for_signals "USR1 "
	runc kill test_kill SIGUSR2
	[ "$status" -eq 0 ]
	wait_for_signals "USR1 USR2 "
	runc kill test_kill 1
	[ "$status" -eq 0 ]
	wait_for_signals "USR1 USR2 HUP "
	runc kill test_kill SIGWINCH
	[ "$status" -eq 0 ]
	wait_for_signals "USR1 USR2 HUP WINCH "
	runc kill test_kill 15
	[ "$status" -eq 0 ]
	wait_for_signals "USR1 USR2 HUP WINCH TERM "
	wait_for_status test_kill stopped
}

@test "kill KILL stops a container that ignores TERM" {
	set_cmd 'trap "" TERM; touch /host/ready; while :; do sleep 1; done'
	runc run -d test_kill
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/ready"
	local pid
	pid=$(container_pid test_kill)
	runc kill test_kill TERM
	[ "$status" -eq 0 ]
	sleep 0.3
	testcontainer test_kill running
	runc kill test_kill KILL
	[ "$status" -eq 0 ]
	wait_for_status test_kill stopped
	wait_for_pid_exit "$pid"
}

@test "kill SIGKILL and 9 work" {
	set_args sleep 100
	runc run -d k1
	[ "$status" -eq 0 ]
	runc run -d k2
	[ "$status" -eq 0 ]
	runc kill k1 SIGKILL
	[ "$status" -eq 0 ]
	runc kill k2 9
	[ "$status" -eq 0 ]
	wait_for_status k1 stopped
	wait_for_status k2 stopped
}

@test "kill --all signals every process in the container" {
	# init survives USR1; its children do not.
	set_cmd 'trap "echo USR1 >> /host/signals" USR1
sleep 100 & sleep 100 &
touch /host/ready
while :; do sleep 0.05; done'
	runc run -d test_kill
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/ready"
	local init children
	init=$(container_pid test_kill)
	children=$(pgrep -P "$init" -f 'sleep 100' | tr '\n' ' ')
	[ -n "$children" ]

	runc kill --all test_kill USR1
	[ "$status" -eq 0 ]
	wait_for_signals "USR1 "
	local c
	for c in $children; do
		wait_for_pid_exit "$c"
	done
	testcontainer test_kill running
	pid_alive "$init"
}

@test "kill without --all signals only init" {
	set_cmd 'trap "echo USR1 >> /host/signals" USR1
sleep 100 &
touch /host/ready
while :; do sleep 0.05; done'
	runc run -d test_kill
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/ready"
	local init child
	init=$(container_pid test_kill)
	child=$(pgrep -P "$init" -f 'sleep 100')
	[ -n "$child" ]
	runc kill test_kill USR1
	[ "$status" -eq 0 ]
	wait_for_signals "USR1 "
	sleep 0.2
	pid_alive "$child"
}

@test "kill -a KILL kills all processes" {
	set_cmd 'sleep 100 & sleep 100 & touch /host/ready; wait'
	runc run -d test_kill
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/ready"
	runc_split ps -f json test_kill
	local pids
	pids=$(jq -r '.[]' <<<"$output")
	[ "$(wc -w <<<"$pids")" -eq 3 ]
	runc kill -a test_kill KILL
	[ "$status" -eq 0 ]
	local p
	for p in $pids; do
		wait_for_pid_exit "$p"
	done
	wait_for_status test_kill stopped
}

@test "kill of a created container stops it" {
	set_args sleep 100
	runc create test_kill
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_kill)
	runc kill test_kill KILL
	[ "$status" -eq 0 ]
	wait_for_status test_kill stopped
	wait_for_pid_exit "$pid"
}

@test "kill with an unknown signal is an error and sends nothing" {
	trap_signals
	runc run -d test_kill
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/ready"
	local sig
	for sig in FOO SIGFOO 999 KILLME; do
		runc kill test_kill "$sig"
		[ "$status" -ne 0 ] || fail "signal '$sig' accepted"
		[ "$(wc -l <<<"$output")" -eq 1 ]
	done
	runc kill test_kill NOSUCHSIG
	[[ "$output" == *NOSUCHSIG* ]]
	sleep 0.2
	[ -z "$(signals_received)" ]
	testcontainer test_kill running
}

@test "kill with a number that is no signal: the kernel refuses it, in runc's words, and nothing is sent" {
	trap_signals
	runc run -d test_kill
	[ "$status" -eq 0 ]
	wait_for_file "$HOSTDIR/ready"
	local sig
	for sig in 99 65 -1; do
		runc_split kill test_kill "$sig"
		[ "$status" -ne 0 ] || fail "signal '$sig' accepted"
		[[ "$stderr" == *'unable to signal init: invalid argument'* ]] || fail "$sig: $stderr"
	done
	sleep 0.2
	[ -z "$(signals_received)" ]
	testcontainer test_kill running
}

@test "kill of a stopped container is an error" {
	set_args true
	runc run -d test_kill
	[ "$status" -eq 0 ]
	wait_for_status test_kill stopped
	runc kill test_kill KILL
	[ "$status" -ne 0 ]
	[[ "$output" == *"not running"* ]]
}

@test "kill of an unknown container is an error" {
	runc kill no_such_container KILL
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
}
