#!/usr/bin/env bats
# linux.seccomp

load helpers

setup() {
	setup_busybox
	update_config '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]'
}

@test "a syscall filtered with SCMP_ACT_ERRNO fails with EPERM" {
	update_config '.linux.seccomp = {
		"defaultAction": "SCMP_ACT_ALLOW",
		"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]
	}'
	set_cmd 'mkdir /tmp/dir && echo made; touch /tmp/file && echo touched'
	runc_split run test_seccomp
	[ "$status" -eq 0 ]
	[ "$output" = touched ]
	[[ "$stderr" == *"Operation not permitted"* ]]
}

@test "errnoRet chooses the error" {
	update_config '.linux.seccomp = {
		"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]
	}'
	set_cmd 'mkdir /tmp/dir'
	runc_split run test_seccomp
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"No space left on device"* ]]
}

@test "SCMP_ACT_KILL kills the process" {
	update_config '.linux.seccomp = {
		"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]
	}'
	# mkdir runs in a child of the shell, which reports 128 + SIGSYS (31).
	set_cmd 'mkdir /tmp/dir; echo "child status $?"'
	runc_split run test_seccomp
	[ "$status" -eq 0 ]
	[ "$output" = "child status 159" ]
}

@test "an argument filter only matches the given arguments" {
	# Deny chmod/fchmodat to mode 0777 (511) only; other modes are allowed.
	update_config '.linux.seccomp = {
		"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["fchmodat", "chmod"], "action": "SCMP_ACT_ERRNO",
			"args": [{"index": 2, "value": 511, "op": "SCMP_CMP_EQ"}]},
			{"names": ["chmod"], "action": "SCMP_ACT_ERRNO",
			"args": [{"index": 1, "value": 511, "op": "SCMP_CMP_EQ"}]}]
	}'
	set_cmd 'touch /tmp/f; chmod 700 /tmp/f && echo 700-ok; chmod 777 /tmp/f && echo 777-ok; stat -c %a /tmp/f'
	runc_split run test_seccomp
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 700-ok ]
	[ "${lines[1]}" = 700 ]
}

@test "a seccomp profile with an unknown action is an error" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_NOSUCH"}'
	runc_split run test_seccomp
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "the process reports a seccomp filter in /proc/self/status" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}'
	set_cmd 'grep ^Seccomp: /proc/self/status'
	runc run test_seccomp
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^Seccomp:[[:space:]]+2$ ]]
}

@test "without linux.seccomp there is no filter" {
	update_config 'del(.linux.seccomp)'
	set_cmd 'grep ^Seccomp: /proc/self/status'
	runc run test_seccomp
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^Seccomp:[[:space:]]+0$ ]]
}

@test "without noNewPrivileges the filter is loaded before the user change and still applies" {
	update_config '.process.noNewPrivileges = false | .process.user = {"uid": 65534, "gid": 65534}
		| .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
	set_cmd 'id -u; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; mkdir /tmp/d 2>&1'
	runc_split run test_seccomp
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = 65534 ]
	[[ "$output" =~ NoNewPrivs:[[:space:]]+0 ]]
	[[ "$output" =~ Seccomp:[[:space:]]+2 ]]
	[[ "$output" == *"No space left on device"* ]]
}

@test "an exec'd process gets the container's filter" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
	set_args sleep 100
	runc run -d test_seccomp
	[ "$status" -eq 0 ]
	runc_split exec test_seccomp sh -c 'grep ^Seccomp: /proc/self/status; mkdir /tmp/d'
	[ "$status" -ne 0 ]
	[[ "$output" =~ Seccomp:[[:space:]]+2 ]]
	[[ "$stderr" == *"No space left on device"* ]]
}

@test "syscall names libseccomp does not know are skipped" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["no_such_syscall_ever", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
	set_cmd 'mkdir /tmp/d'
	runc_split run test_seccomp
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"No space left on device"* ]]
}
