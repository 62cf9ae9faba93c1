#!/usr/bin/env bats
# Foreground run and exec: signals are forwarded (SIGWINCH is a resize, not
# a signal for the process), orphans are reaped, the status is the
# process's.

load helpers

setup() {
	setup_busybox
	bind_mount "$HOSTDIR" /host
	# Records every signal it gets, in order; TERM ends it with status 3.
	TRAPPER='for s in HUP INT QUIT USR1 USR2 ALRM WINCH CONT; do trap "echo $s >>/host/sigs" $s; done
		trap "echo TERM >>/host/sigs; exit 3" TERM
		touch /host/ready
		while :; do sleep 0.05; done'
}

# fg CMD... -- run the runtime in the background, its pid in RUNC_PID and
# its exit status, when it ends, in $TESTDIR/fg.status.
fg() {
	(
		RUNC_TEST_MARKER=$TESTDIR exec "$RUNC" --root "$ROOT" "$@" </dev/null >"$TESTDIR/fg.out" 2>&1 3>&-
	) &
	RUNC_PID=$!
	track_pid "$RUNC_PID"
}

# fg_wait -- wait for it; its status in FG_STATUS (not in $(...): only
# this shell can wait for its child).
fg_wait() {
	FG_STATUS=0
	wait "$RUNC_PID" || FG_STATUS=$?
}

# Signals go one at a time: each is seen inside before the next is sent
# (a shell runs pending traps in signal-number order, not arrival order).
send_and_see() {
	local sig=$1 n
	n=$(cat "$HOSTDIR/sigs" 2>/dev/null | wc -l)
	kill -s "$sig" "$RUNC_PID"
	local i
	for i in $(seq 200); do
		[ "$(cat "$HOSTDIR/sigs" 2>/dev/null | wc -l)" -gt "$n" ] && break
		sleep 0.05
	done
	[ "$(tail -n1 "$HOSTDIR/sigs")" = "$sig" ] || fail "sent $sig, container saw: $(cat "$HOSTDIR/sigs" 2>/dev/null)"
}

check_forwarding() {
	wait_for_file "$HOSTDIR/ready"
	local s
	for s in HUP INT QUIT USR1 USR2 ALRM CONT; do
		send_and_see "$s"
	done
	# SIGWINCH resizes a terminal (there is none): never forwarded. USR1
	# after it is seen in the same trap run if WINCH had been delivered.
	kill -s WINCH "$RUNC_PID"
	send_and_see USR1
	kill -s TERM "$RUNC_PID"
	fg_wait
	[ "$FG_STATUS" -eq 3 ] || fail "status $FG_STATUS: $(cat "$TESTDIR/fg.out")"
	[ "$(tail -n1 "$HOSTDIR/sigs")" = TERM ]
	! grep -qx WINCH "$HOSTDIR/sigs"
}

@test "run in the foreground forwards signals and exits with the process's status" {
	set_cmd "$TRAPPER"
	fg run test_sig
	check_forwarding
}

@test "exec in the foreground forwards signals and exits with the process's status" {
	set_args sleep 1000
	runc run -d test_sig
	[ "$status" -eq 0 ]
	fg exec test_sig sh -c "$TRAPPER"
	check_forwarding
	# The container itself was not signalled.
	testcontainer test_sig running
}

@test "run as a subreaper reaps the orphans of a container without a pid namespace" {
	remove_namespace pid
	# The grandchild is orphaned at once; it exits after a moment; the
	# runtime, its subreaper, must reap it. Reported: its parent, and
	# whether any child of the runtime is left a zombie.
	set_cmd 'sh -c "sleep 0.3 & echo \$! >/host/orphan"
		sleep 0.1
		o=$(cat /host/orphan)
		awk "/^PPid:/ {print \$2}" /proc/$o/status >/host/orphan.ppid
		sleep 1
		p=$(cat /host/orphan.ppid)
		for s in /proc/[0-9]*/stat; do
			read -r pid comm state ppid rest <$s 2>/dev/null || continue
			[ "$ppid" = "$p" ] && [ "$state" = Z ] && echo "zombie $pid" >>/host/zombies
		done
		true'
	fg run test_sig
	fg_wait
	[ "$FG_STATUS" -eq 0 ] || fail "status $FG_STATUS: $(cat "$TESTDIR/fg.out")"
	[ "$(cat "$HOSTDIR/orphan.ppid")" = "$RUNC_PID" ]
	[ ! -e "$HOSTDIR/zombies" ] || fail "zombies left: $(cat "$HOSTDIR/zombies")"
}

@test "run in the foreground forwards real-time signals, SIGPIPE and SIGTSTP too" {
	# Each is caught by a different way in the runtime (SIGPIPE stays
	# with the Go runtime, the others do not); all reach the process.
	set_cmd 'trap "echo 37 >>/host/sigs" 37
		trap "echo 64 >>/host/sigs" 64
		trap "echo PIPE >>/host/sigs" PIPE
		trap "echo TSTP >>/host/sigs" TSTP
		trap "echo TERM >>/host/sigs; exit 4" TERM
		touch /host/ready
		while :; do sleep 0.05; done'
	fg run test_sig
	wait_for_file "$HOSTDIR/ready"
	send_and_see 37
	send_and_see 64
	send_and_see PIPE
	send_and_see TSTP
	kill -s TERM "$RUNC_PID"
	fg_wait
	[ "$FG_STATUS" -eq 4 ] || fail "status $FG_STATUS: $(cat "$TESTDIR/fg.out")"
}
