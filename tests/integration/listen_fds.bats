#!/usr/bin/env bats
# Socket activation: LISTEN_FDS/LISTEN_PID sockets handed on to the
# container, renumbered from 3, before the --preserve-fds ones.

load helpers

setup() {
	setup_busybox
	build_ctrtool
	cp "$CTRTOOL" rootfs/bin/ctrtool
	bind_mount "$HOSTDIR" /host
	SOCK=$TESTDIR/listen.sock
	# As systemd does: a listening socket on fd 3, LISTEN_FDS=1 and
	# LISTEN_PID naming the process it execs (or, with "other", not).
	cat >"$TESTDIR/activate.py" <<-'EOF'
		import os, socket, sys
		path, who = sys.argv[1], sys.argv[2]
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		s.bind(path)
		s.listen(1)
		os.dup2(s.fileno(), 3)
		os.set_inheritable(3, True)
		os.environ["LISTEN_FDS"] = "1"
		os.environ["LISTEN_PID"] = str(os.getpid()) if who == "us" else "1"
		os.execv(sys.argv[3], sys.argv[3:])
	EOF
}

# A shell snippet writing the fds 3-9 of the shell to /host/fds.
LISTFDS='fds=; for n in 3 4 5 6 7 8 9; do [ -e /proc/$$/fd/$n ] && fds="$fds $n"; done; echo "$fds" >/host/fds'

# activate us|other RUNC-ARGS... -- run the runtime under socket activation.
activate() {
	local who=$1
	shift
	RUNC_TEST_MARKER=$TESTDIR timeout 30 "$PYTHON" "$TESTDIR/activate.py" "$SOCK" "$who" \
		"$RUNC" --root "$ROOT" "$@" </dev/null >"$TESTDIR/activate.out" 2>&1
}

# connect -- talk to the container through the socket; prints its greeting.
connect() {
	"$PYTHON" - "$SOCK" <<-'EOF'
		import socket, sys
		c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		c.settimeout(10)
		c.connect(sys.argv[1])
		print(c.makefile().readline().strip())
		c.sendall(b"ping from host\n")
		c.close()
	EOF
}

@test "a LISTEN_FDS socket reaches the container as fd 3 and accepts there" {
	set_cmd 'echo "$LISTEN_FDS $LISTEN_PID" >/host/env; '"$LISTFDS"'; ctrtool accept 3 hello-from-container >/host/got'
	activate us run -d test_lfd
	wait_for_file "$HOSTDIR/fds"
	[ "$(cat "$HOSTDIR/env")" = "1 1" ]
	run connect
	[ "$status" -eq 0 ]
	[ "$output" = hello-from-container ]
	wait_for_status test_lfd stopped
	[ "$(cat "$HOSTDIR/got")" = "ping from host" ]
	# Of the fds above stdio, the shell has the socket and nothing else.
	[ "$(cat "$HOSTDIR/fds")" = " 3" ]
}

@test "--preserve-fds come after the LISTEN_FDS ones" {
	set_cmd 'echo "$LISTEN_FDS" >/host/env; readlink /proc/self/fd/3 >/host/fd3; echo via-fd-4 >&4; '"$LISTFDS"
	activate us run --preserve-fds 1 test_lfd 4>"$HOSTDIR/extra"
	wait_for_file "$HOSTDIR/fds"
	[ "$(cat "$HOSTDIR/env")" = 1 ]
	grep -q '^socket:' "$HOSTDIR/fd3"
	[ "$(cat "$HOSTDIR/extra")" = via-fd-4 ]
	[ "$(cat "$HOSTDIR/fds")" = " 3 4" ]
}

@test "LISTEN_FDS meant for another process are not passed on" {
	set_cmd 'echo "${LISTEN_FDS-unset}" >/host/env; '"$LISTFDS"
	activate other run test_lfd
	wait_for_file "$HOSTDIR/fds"
	[ "$(cat "$HOSTDIR/env")" = unset ]
	[ "$(cat "$HOSTDIR/fds")" = "" ]
}

@test "create holds the sockets until start" {
	set_cmd 'ctrtool accept 3 hello-after-start >/host/got'
	activate us create test_lfd
	runc start test_lfd
	[ "$status" -eq 0 ]
	run connect
	[ "$status" -eq 0 ]
	[ "$output" = hello-after-start ]
}
