#!/usr/bin/env bats
# NOTIFY_SOCKET: the sd_notify proxy of a systemd Type=notify unit.

load helpers

setup() {
	setup_busybox
	build_ctrtool
	cp "$CTRTOOL" rootfs/bin/ctrtool
	bind_mount "$HOSTDIR" /host
	HOSTSOCK=$TESTDIR/notify.sock
	GOT=$TESTDIR/got
}

# listen N -- a host socket (systemd's) that prints the first N datagrams.
listen() {
	"$CTRTOOL" notify-listen "$HOSTSOCK" "$1" >"$GOT" 2>"$TESTDIR/listen.err" </dev/null 3>&- &
	track_pid $!
	local i
	for i in $(seq 200); do
		grep -q listening "$GOT" && return 0
		sleep 0.05
	done
	fail "notify listener did not start: $(cat "$TESTDIR/listen.err")"
}

# wait_for_lines N -- until the listener has printed N messages.
wait_for_lines() {
	local i
	for i in $(seq 200); do
		[ "$(grep -vc listening "$GOT")" -ge "$1" ] && return 0
		sleep 0.05
	done
	fail "got $(grep -vc listening "$GOT") notify messages, want $1: $(cat "$GOT")"
}

@test "run -d returns once the container is READY, with its init as MAINPID" {
	listen 2
	# The marker is written just before READY=1: a runtime that returned
	# without waiting would find no marker.
	set_cmd 'sleep 1; ctrtool notify STATUS=starting; touch /host/ready; ctrtool notify READY=1 STATUS=up; sleep 100'
	NOTIFY_SOCKET=$HOSTSOCK runc run -d test_notify
	[ "$status" -eq 0 ]
	[ -e "$HOSTDIR/ready" ]
	wait_for_lines 2
	local pid
	pid=$(container_pid test_notify)
	run grep -v listening "$GOT"
	[ "${lines[0]}" = "STATUS=starting" ]
	[ "${lines[1]}" = "READY=1;STATUS=up;MAINPID=$pid" ]
}

@test "the container sees its own socket at /run/notify/notify.sock" {
	listen 1
	set_cmd 'echo "$NOTIFY_SOCKET" >/host/env; ls -l /run/notify >/host/ls; grep " /run/notify " /proc/self/mountinfo >/host/mnt; ctrtool notify READY=1; sleep 100'
	NOTIFY_SOCKET=$HOSTSOCK runc run -d test_notify
	[ "$status" -eq 0 ]
	[ "$(cat "$HOSTDIR/env")" = /run/notify/notify.sock ]
	grep -q '^s.* notify.sock$' "$HOSTDIR/ls"
	# Read-only, no devices, no exec, no suid.
	grep -q ' ro,nosuid,nodev,noexec' "$HOSTDIR/mnt"
}

@test "start waits for READY=1; a MAINPID from inside is not passed on" {
	listen 1
	set_cmd 'sleep 1; touch /host/ready; ctrtool notify MAINPID=1 READY=1; sleep 100'
	NOTIFY_SOCKET=$HOSTSOCK runc create test_notify
	[ "$status" -eq 0 ]
	NOTIFY_SOCKET=$HOSTSOCK runc start test_notify
	[ "$status" -eq 0 ]
	[ -e "$HOSTDIR/ready" ]
	wait_for_lines 1
	run grep -v listening "$GOT"
	[ "$output" = "READY=1;MAINPID=$(container_pid test_notify)" ]
}

@test "in the foreground every message is relayed and runc is MAINPID" {
	listen 3
	set_cmd 'ctrtool notify READY=1; ctrtool notify WATCHDOG=1; ctrtool notify STOPPING=1'
	RUNC_TEST_MARKER=$TESTDIR NOTIFY_SOCKET=$HOSTSOCK timeout 30 bash -c \
		'echo $$ >"$1"; exec "$2" --root "$3" run test_notify' _ "$TESTDIR/runc.pid" "$RUNC" "$ROOT" </dev/null
	wait_for_lines 3
	run grep -v listening "$GOT"
	[ "${lines[0]}" = "READY=1;MAINPID=$(cat "$TESTDIR/runc.pid")" ]
	[ "${lines[1]}" = "WATCHDOG=1" ]
	[ "${lines[2]}" = "STOPPING=1" ]
}

@test "a container stopping before READY=1 ends the wait" {
	listen 1
	set_cmd 'exit 0'
	NOTIFY_SOCKET=$HOSTSOCK runc run -d test_notify
	[ "$status" -eq 0 ]
	[ "$(grep -vc listening "$GOT")" -eq 0 ]
}

@test "without NOTIFY_SOCKET there is no notify mount" {
	set_cmd 'echo "env=${NOTIFY_SOCKET-unset}" >/host/env; ls /run/notify >/host/ls 2>&1; true'
	unset NOTIFY_SOCKET
	runc run test_notify
	[ "$status" -eq 0 ]
	[ "$(cat "$HOSTDIR/env")" = "env=unset" ]
	! grep -q notify.sock "$HOSTDIR/ls"
}
