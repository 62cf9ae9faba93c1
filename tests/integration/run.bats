#!/usr/bin/env bats
# runc run: create + start + wait (+ delete), or detached with -d.

load helpers

@test "run returns the exit status of the container process" {
	set_cmd 'exit 7'
	runc run test_run
	[ "$status" -eq 7 ]
}

@test "run returns 0 and passes the process's output through" {
	set_cmd 'echo "hello from $(hostname)"; echo to-stderr >&2'
	runc_split run test_run
	[ "$status" -eq 0 ]
	[ "$output" = "hello from runc" ]
	[ "$stderr" = to-stderr ]
}

@test "run passes stdin to the process" {
	set_args cat
	local out
	out=$(echo "piped input" | __runc run test_run)
	[ "$out" = "piped input" ]
}

@test "run: a process killed by a signal gives 128+N" {
	# Not pid 1 of a new pid namespace, so SIGKILL from itself works.
	remove_namespace pid
	set_cmd 'kill -KILL $$'
	runc run test_run
	[ "$status" -eq 137 ]

	set_cmd 'kill -USR1 $$'
	runc run test_run
	[ "$status" -eq 138 ]
}

@test "run: init killed from the host gives 128+9" {
	set_args sleep 100
	(
		status=0
		__runc run test_run >"$TESTDIR/run.out" 2>&1 </dev/null || status=$?
		echo "$status" >"$TESTDIR/run.status"
	) &
	track_pid $!
	wait_for_status test_run running
	runc kill test_run KILL
	[ "$status" -eq 0 ]
	wait_for_file "$TESTDIR/run.status"
	[ "$(cat "$TESTDIR/run.status")" -eq 137 ]
}

@test "run deletes the container when it exits" {
	set_cmd 'exit 3'
	runc run test_run
	[ "$status" -eq 3 ]
	runc_split list -q
	[ "$status" -eq 0 ]
	[[ "$output" != *test_run* ]]
	runc state test_run
	[ "$status" -ne 0 ]
	# The id can be used again at once.
	set_args true
	runc run test_run
	[ "$status" -eq 0 ]
}

@test "run --keep keeps the stopped container" {
	set_cmd 'exit 5'
	runc run --keep test_run
	[ "$status" -eq 5 ]
	testcontainer test_run stopped
	runc_split list -q
	[[ "$output" == *test_run* ]]
	runc delete test_run
	[ "$status" -eq 0 ]
	runc state test_run
	[ "$status" -ne 0 ]
}

@test "run -d returns while the container runs" {
	set_args sleep 100
	local start end
	start=$(date +%s)
	runc run -d --pid-file "$TESTDIR/pid" test_run
	[ "$status" -eq 0 ]
	end=$(date +%s)
	[ $((end - start)) -lt 20 ]
	testcontainer test_run running
	[ -s "$TESTDIR/pid" ]
	local pid
	pid=$(cat "$TESTDIR/pid")
	[ "$pid" = "$(container_pid test_run)" ]
	pid_alive "$pid"
	[ "$(cat /proc/$pid/comm)" = sleep ]
}

@test "run --detach leaves no runtime process as the container's parent" {
	set_args sleep 100
	runc run --detach --pid-file "$TESTDIR/pid" test_run
	[ "$status" -eq 0 ]
	local pid ppid
	pid=$(cat "$TESTDIR/pid")
	ppid=$(awk '/^PPid:/ {print $2}' /proc/$pid/status)
	[ -n "$ppid" ]
	! is_runtime_process "$ppid" || fail "negated check failed (run.bats:107)"
	# No runtime process is left for this container at all.
	local p
	for p in $(pgrep -f -- "$ROOT" || true); do
		! is_runtime_process "$p" || fail "runtime process $p still running: $(tr '\0' ' ' </proc/$p/cmdline)"
	done
}

@test "run -d: the container keeps running after the runtime exits, then stops" {
	set_cmd 'sleep 0.5; exit 0'
	runc run -d test_run
	[ "$status" -eq 0 ]
	wait_for_status test_run stopped
	# A detached container is not deleted automatically.
	runc delete test_run
	[ "$status" -eq 0 ]
}

@test "run --bundle uses another directory" {
	set_cmd 'echo bundle-ok'
	cd "$TESTDIR"
	runc run --bundle "$BUNDLE" test_run
	[ "$status" -eq 0 ]
	[ "$output" = bundle-ok ]
	runc run -b "$BUNDLE" test_run2
	[ "$status" -eq 0 ]
	[ "$output" = bundle-ok ]
}

@test "run with terminal: the process gets a pty" {
	update_config '.process.terminal = true'
	set_cmd 'tty; [ -t 0 ] && [ -t 1 ] && echo interactive; exit 4'
	run_in_pty "$RUNC --root $ROOT run test_tty"
	[ "$status" -eq 4 ]
	[[ "$output" == */dev/pts/* ]]
	[[ "$output" == *interactive* ]]
	runc state test_tty
	[ "$status" -ne 0 ]
}

@test "run without terminal: the process uses the runtime's stdio" {
	set_cmd '[ -t 0 ] || [ -t 1 ] && echo tty || echo notty; readlink /proc/self/fd/1'
	runc run test_notty
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = notty ]
	# stdout is the very file the runtime's stdout was redirected to.
	[[ "${lines[1]}" == */runc.*.out ]] || [[ "${lines[1]}" == *pipe:* ]] || [[ "${lines[1]}" == /* ]]
	[[ "${lines[1]}" != /dev/pts/* ]]
}

@test "run of a missing executable fails and leaves nothing behind" {
	set_args /no/such/binary
	runc run test_run
	[ "$status" -ne 0 ]
	[[ "$output" == */no/such/binary* ]]
	runc state test_run
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "run: a process not found in PATH is reported" {
	set_args no-such-command
	runc run test_run
	[ "$status" -ne 0 ]
	[[ "$output" == *no-such-command* ]]
}

# Without a PID namespace an orphan of the container is reparented to the
# nearest subreaper: the foreground `run` (init's parent), unless
# --no-subreaper.  The script prints "same" when the orphan's parent is
# init's parent.
orphan_parent_script='sh -c "sleep 100 & echo \$! > /tmp/orphan"; o=$(cat /tmp/orphan); pp=$(sed -n "s/^PPid:[[:space:]]*//p" /proc/$o/status); kill $o; if [ "$pp" = "$PPID" ]; then echo same; else echo other; fi'

@test "run: the foreground runtime is the subreaper of the container's orphans" {
	remove_namespace pid
	update_config '.root.readonly = false'
	set_cmd "$orphan_parent_script"
	runc run test_run
	[ "$status" -eq 0 ]
	[ "$output" = "same" ]
}

@test "run --no-subreaper: orphans are not reparented to the runtime" {
	remove_namespace pid
	update_config '.root.readonly = false'
	set_cmd "$orphan_parent_script"
	runc run --no-subreaper test_run
	[ "$status" -eq 0 ]
	[ "$output" = "other" ]
}
