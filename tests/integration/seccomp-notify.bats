#!/usr/bin/env bats
# linux.seccomp with SCMP_ACT_NOTIFY: the listener and the container
# process state go to a seccomp agent (tests/cmd/seccompagent).

load helpers
load seccomp_helpers

setup_file() {
	build_seccompagent
}

setup() {
	setup_busybox
	update_config '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]'
	start_seccompagent
}

# notify_profile SYSCALLS_JSON METADATA: SCMP_ACT_NOTIFY for the syscalls,
# everything else allowed; the agent answers as METADATA says.
notify_profile() {
	update_config '.linux.seccomp = {
		"defaultAction": "SCMP_ACT_ALLOW",
		"listenerPath": '"$(json_string "$AGENT_SOCKET")"',
		"listenerMetadata": '"$(json_string "$2")"',
		"architectures": '"$(seccomp_arches)"',
		"syscalls": [{"names": '"$1"', "action": "SCMP_ACT_NOTIFY"}]
	}'
}

# The messages the agent received, one JSON per line.
agent_messages() {
	grep '^{' "$AGENT_RECORD"
}

@test "the agent's answers reach the container's process" {
	notify_profile '["mkdir", "mkdirat"]' 'mkdir:fake mkdirat:fake'
	set_cmd 'mkdir /tmp/faked; echo "mkdir $?"; [ -d /tmp/faked ] && echo made || echo "not made"'
	runc_split run test_notify
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "mkdir 0" ]
	[ "${lines[1]}" = "not made" ]
	grep -q "syscall=mkdir.* path=/tmp/faked$" "$AGENT_RECORD"

	update_config '.linux.seccomp.listenerMetadata = "mkdir:errno=28 mkdirat:errno=28"'
	set_cmd 'mkdir /tmp/full'
	runc_split run test_notify
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"No space left on device"* ]]
}

@test "the agent receives the container process state with the listener" {
	notify_profile '["mkdir", "mkdirat"]' 'some opaque metadata'
	update_config '.annotations = {"org.example.key": "value"}'
	set_args sleep 100
	runc create test_notify
	[ "$status" -eq 0 ]
	local pid msg
	pid=$(container_pid test_notify)
	[ "$(agent_messages | wc -l)" -eq 1 ]
	msg=$(agent_messages)
	[ "$(jq -r .ociVersion <<<"$msg")" = "$(__runc state test_notify | jq -r .ociVersion)" ]
	[ "$(jq -c .fds <<<"$msg")" = '["seccompFd"]' ]
	[ "$(jq -r .pid <<<"$msg")" = "$pid" ]
	[ "$(jq -r .metadata <<<"$msg")" = "some opaque metadata" ]
	[ "$(jq -r .state.id <<<"$msg")" = test_notify ]
	[ "$(jq -r .state.status <<<"$msg")" = creating ]
	[ "$(jq -r .state.pid <<<"$msg")" = "$pid" ]
	[ "$(jq -r .state.bundle <<<"$msg")" = "$BUNDLE" ]
	[ "$(jq -r '.state.annotations["org.example.key"]' <<<"$msg")" = value ]
}

@test "exec: the exec'd process's listener goes to the agent too" {
	notify_profile '["mkdir", "mkdirat"]' 'mkdir:errno=28 mkdirat:errno=28'
	set_args sleep 100
	runc run -d test_notify
	[ "$status" -eq 0 ]
	local init
	init=$(container_pid test_notify)
	runc_split exec --pid-file "$TESTDIR/exec.pid" test_notify mkdir /tmp/x
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"No space left on device"* ]]
	[ "$(agent_messages | wc -l)" -eq 2 ]
	local msg
	msg=$(agent_messages | tail -1)
	[ "$(jq -r .pid <<<"$msg")" = "$(cat "$TESTDIR/exec.pid")" ]
	[ "$(jq -r .state.pid <<<"$msg")" = "$init" ]
	[ "$(jq -r .state.status <<<"$msg")" = running ]
	grep -q "syscall=mkdir.* path=/tmp/x$" "$AGENT_RECORD"
}

@test "the container's processes hold no seccomp listener" {
	notify_profile '["mkdir", "mkdirat"]' ''
	set_args sleep 100
	runc run -d test_notify
	[ "$status" -eq 0 ]
	runc exec test_notify sh -c 'ls -l /proc/1/fd/ /proc/self/fd/'
	[ "$status" -eq 0 ]
	[[ "$output" != *seccomp* ]]
	[[ "$output" != *anon_inode* ]]
	# Nor does the runtime: only the agent has them.
	local pid
	for pid in $(pgrep -x runc) $(pgrep -f "$RUNC"); do
		! ls -l "/proc/$pid/fd" 2>/dev/null | grep -q "seccomp notify" || fail "runtime process $pid holds a listener"
	done
}

# Whatever the runtime does between loading the filter and the execve may
# be notified: it must get the listener to the agent first, and carry on
# once the agent lets each call through.
runtime_calls_notified() {
	local nnp=$1
	update_config '.process.noNewPrivileges = '"$nnp"
	notify_profile '["execve", "openat", "open", "read", "close", "fcntl", "futex", "mmap", "munmap",
		"rt_sigprocmask", "rt_sigaction", "getpid", "gettid", "tgkill", "prctl", "setresuid", "setresgid",
		"setgroups", "capset", "capget", "chdir", "umask", "getcwd", "newfstatat", "fstat", "epoll_ctl",
		"epoll_pwait", "nanosleep", "sched_yield", "madvise", "mprotect", "sigaltstack", "clone", "dup3",
		"mkdir", "mkdirat"]' 'mkdir:errno=28 mkdirat:errno=28'
	set_cmd 'echo started; mkdir /tmp/d'
	runc_split run test_notify
	[ "$status" -ne 0 ]
	[ "$output" = started ]
	[[ "$stderr" == *"No space left on device"* ]]
	# The agent saw init exec the shell, and the shell's mkdir.
	grep -q "syscall=execve .*path=/bin/sh$" "$AGENT_RECORD"
	grep -q "syscall=mkdir.* path=/tmp/d$" "$AGENT_RECORD"
}

@test "the runtime's own steps after the filter may be notified (noNewPrivileges)" {
	runtime_calls_notified true
	# With no_new_privs the filter comes after the capabilities are set.
	! grep -q "syscall=capset" "$AGENT_RECORD"
}

@test "the runtime's own steps after the filter may be notified (without noNewPrivileges)" {
	runtime_calls_notified false
	# Without it the filter is loaded before the capabilities are set
	# (which needs CAP_SYS_ADMIN): those calls reached the agent.
	grep -q "syscall=capset" "$AGENT_RECORD"
}

# As runc, SCMP_ACT_NOTIFY is refused up front for the syscalls the runtime
# needs once the filter is loaded: write (runc's init reports with it) and
# sendmsg (ours hands the listener over with it). Nothing is made.
@test "write and sendmsg may not be notified" {
	local calls
	for calls in '["write", "mkdir"]' '["mkdir", "sendmsg"]'; do
		notify_profile "$calls" ''
		runc_split run test_notify
		[ "$status" -ne 0 ]
		[ "${#stderr}" -gt 0 ]
		[ "$(wc -l <<<"$stderr")" -eq 1 ]
		[[ "$stderr" == *"SCMP_ACT_NOTIFY cannot be used for"* ]]
		[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	done
	[[ "$stderr" == *sendmsg* ]]
	# Nothing reached the agent.
	[ -z "$(agent_messages)" ]
}

@test "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV with a listener" {
	notify_profile '["mkdir", "mkdirat"]' 'mkdir:errno=28 mkdirat:errno=28'
	update_config '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]'
	set_cmd 'mkdir /tmp/d'
	runc_split run test_notify
	if [[ "$stderr" == *"not supported by this kernel"* ]]; then
		skip "the kernel lacks SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19)"
	fi
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"No space left on device"* ]]
}

@test "SCMP_ACT_NOTIFY without listenerPath is refused, and nothing is left behind" {
	notify_profile '["mkdir", "mkdirat"]' ''
	update_config 'del(.linux.seccomp.listenerPath)'
	runc_split run test_notify
	[ "$status" -ne 0 ]
	[[ "$stderr" == *listenerPath* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "SCMP_ACT_NOTIFY as the default action is refused" {
	notify_profile '["mkdir"]' ''
	update_config '.linux.seccomp.defaultAction = "SCMP_ACT_NOTIFY" | .linux.seccomp.syscalls = []'
	runc_split run test_notify
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"default action"* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	[ ! -s "$AGENT_RECORD" ]
}

@test "an agent that is not listening fails the create, and nothing is left behind" {
	notify_profile '["mkdir", "mkdirat"]' ''
	update_config '.linux.seccomp.listenerPath = "'"$TESTDIR"'/nobody.sock"'
	set_args sleep 100
	runc_split run -d test_notify
	[ "$status" -ne 0 ]
	# runc's words.
	[[ "$stderr" == *'msg="runc run failed: unable to start container process: error during container init: failed to connect with seccomp agent specified in the seccomp profile: '*"nobody.sock"* ]] || fail "$stderr"
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	no_leftover_processes
}
