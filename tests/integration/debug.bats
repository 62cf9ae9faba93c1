#!/usr/bin/env bats
# --debug: debug lines from every stage (the runtime, the C stage of init,
# the Go side of init), each stage's duration, in both log formats; and
# nothing but warnings and errors without it.

load helpers

setup() {
	setup_busybox
	# A seccomp filter, so that its loading is logged and timed too, and a
	# hook, so that hooks are.
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["swapon"], "action": "SCMP_ACT_ERRNO"}]}
		| .hooks.createRuntime = [{"path": "/bin/true"}]'
}

# check_text_log FILE: the lines of a run (or create) in the text format.
check_text_log() {
	local log=$1
	# Every line is a logrus text line.
	! grep -vE '^time="[^"]+" level=(debug|info|warning) msg=' "$log" || fail "not logrus text"
	local want
	for want in \
		'level=debug msg="runc exeseal: ' \
		'level=debug msg="cgroup manager: ' \
		'level=debug msg="nsexec\[[0-9]+\]: => nsexec container setup"' \
		'level=debug msg="nsexec-0\[[0-9]+\]: cpu affinity: [0-9]' \
		'level=debug msg="nsexec-0\[[0-9]+\]: unshare namespaces ' \
		'level=debug msg="nsexec-1\[1\]: ' \
		'level=debug msg="init: config received' \
		'level=debug msg="init: mount \\"proc\\" \(proc\) on \\"/proc\\""' \
		'level=debug msg="seccomp filter flags: [0-9]+"' \
		'level=debug msg="running createRuntime hook #0: /bin/true"' \
		'msg="stage done" phase=config took=[0-9]+\.[0-9]{3}ms$' \
		'msg="stage done" phase=cgroup took=[0-9.]+ms$' \
		'msg="stage done" phase=nsexec took=[0-9.]+ms$' \
		'msg="stage done" phase="init:mounts" took=[0-9.]+ms$' \
		'msg="stage done" phase="init:seccomp" took=[0-9.]+ms$' \
		'msg="stage done" phase="init:user" took=[0-9.]+ms$' \
		'msg="stage done" phase="hooks:createRuntime" took=[0-9.]+ms$' \
		'msg="stage done" phase=create took=[0-9.]+ms$'; do
		grep -qE -- "$want" "$log" || fail "no line matching '$want' in: $(cat "$log")"
	done
}

@test "--debug --log FILE: lines from the runtime, the C stage and init, with timings (text)" {
	runc_split --debug --log "$TESTDIR/runc.log" run test_debug
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	check_text_log "$TESTDIR/runc.log"
	grep -qE 'msg="stage done" phase=start took=[0-9.]+ms$' "$TESTDIR/runc.log"
	# The C stage's lines came through the log pipe, before init's own.
	local c i
	c=$(grep -n 'nsexec-0\[' "$TESTDIR/runc.log" | head -1 | cut -d: -f1)
	i=$(grep -n 'init: config received' "$TESTDIR/runc.log" | head -1 | cut -d: -f1)
	[ "$c" -lt "$i" ]
}

@test "--debug without --log writes to stderr; the process's output stays on stdout" {
	set_args echo hello
	runc_split --debug run test_debug
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	echo "$stderr" >"$TESTDIR/stderr.log"
	check_text_log "$TESTDIR/stderr.log"
}

@test "--debug --log-format json: the same lines as JSON, fields kept" {
	runc_split --debug --log "$TESTDIR/runc.log" --log-format json run test_debug
	[ "$status" -eq 0 ]
	jq -se 'all(.[]; has("time") and has("level") and has("msg"))' "$TESTDIR/runc.log"
	local want
	for want in '^runc exeseal: ' '^cgroup manager: ' '^nsexec\[[0-9]+\]: => nsexec container setup$' \
		'^nsexec-0\[[0-9]+\]: cpu affinity: ' '^nsexec-1\[1\]: ' '^init: mount ' '^seccomp filter flags: [0-9]+$'; do
		jq -se --arg re "$want" 'any(.[]; .level == "debug" and (.msg | test($re)))' "$TESTDIR/runc.log" >/dev/null ||
			fail "no JSON line matching '$want'"
	done
	local p
	for p in config cgroup nsexec init:mounts init:seccomp init:user hooks:createRuntime create start; do
		jq -se --arg p "$p" 'any(.[]; .msg == "stage done" and .phase == $p and (.took | test("^[0-9]+\\.[0-9]{3}ms$")))' \
			"$TESTDIR/runc.log" >/dev/null || fail "no timing line for phase $p"
	done
}

@test "--debug exec: lines from the runtime, the C stage and init (text and JSON)" {
	set_args sleep 100
	runc run -d test_debug
	[ "$status" -eq 0 ]
	runc_split --debug --log "$TESTDIR/exec.log" exec test_debug sh -c 'exit 3'
	[ "$status" -eq 3 ]
	local want
	for want in \
		'level=debug msg="exec in test_debug: ' \
		'level=debug msg="runc exeseal: ' \
		'level=debug msg="nsexec-0\[[0-9]+\]: join namespace /proc/[0-9]+/ns/pid"' \
		'level=debug msg="nsexec-1\[[0-9]+\]: ' \
		'level=debug msg="init: config received \(exec: true\)' \
		'level=debug msg="seccomp filter flags: [0-9]+"' \
		'level=debug msg="init: exec /bin/sh"' \
		'level=debug msg="exec: process [0-9]+ exited with status 3"' \
		'msg="stage done" phase=nsexec took=[0-9.]+ms$' \
		'msg="stage done" phase="init:seccomp" took=[0-9.]+ms$' \
		'msg="stage done" phase=exec took=[0-9.]+ms$'; do
		grep -qE -- "$want" "$TESTDIR/exec.log" || fail "no line matching '$want' in: $(cat "$TESTDIR/exec.log")"
	done

	runc_split --debug --log "$TESTDIR/exec.json" --log-format json exec test_debug true
	[ "$status" -eq 0 ]
	jq -se 'any(.[]; .msg | test("^nsexec-0\\[[0-9]+\\]: join namespace"))' "$TESTDIR/exec.json"
	jq -se 'any(.[]; .msg == "init: exec /bin/true")' "$TESTDIR/exec.json"
	jq -se 'any(.[]; .phase == "init:seccomp" and (.took | endswith("ms")))' "$TESTDIR/exec.json"
}

@test "without --debug a successful run, exec and delete log nothing" {
	set_args sleep 100
	runc_split --log "$TESTDIR/runc.log" run -d test_debug
	[ "$status" -eq 0 ]
	runc_split --log "$TESTDIR/runc.log" exec test_debug true
	[ "$status" -eq 0 ]
	runc_split --log "$TESTDIR/runc.log" --log-format json exec test_debug true
	[ "$status" -eq 0 ]
	runc_split --log "$TESTDIR/runc.log" delete -f test_debug
	[ "$status" -eq 0 ]
	set_args true
	runc_split run test_debug
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ ! -s "$TESTDIR/runc.log" ] || fail "log: $(cat "$TESTDIR/runc.log")"
}

@test "a failure of the C stage is one error line; its debug line tells where" {
	update_config '.linux.namespaces += [{"type": "ipc", "path": "/no/such/ns"}] | .linux.namespaces |= (map(select(.type != "ipc" or .path)))'
	runc_split --log "$TESTDIR/runc.log" run test_debug
	[ "$status" -eq 1 ]
	[ "$(grep -c . "$TESTDIR/runc.log")" -eq 1 ]
	grep -q 'level=error msg="runc run failed: unable to start container process: error during container init: .*/no/such/ns' "$TESTDIR/runc.log"
	runc_split --debug --log "$TESTDIR/debug.log" run test_debug
	[ "$status" -eq 1 ]
	grep -qE 'level=debug msg="nsexec-0\[[0-9]+\]: failed: .*/no/such/ns' "$TESTDIR/debug.log"
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}
