#!/usr/bin/env bats
# linux.seccomp

load helpers
load seccomp_helpers

setup_file() {
	build_sysprobe
}

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

@test "a rule with the default action is skipped" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ALLOW"},
			{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
	set_cmd 'mkdir /tmp/d'
	runc_split run test_seccomp
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"No space left on device"* ]]
}

# The tests below filter getpriority, which neither the shell, init nor
# sysprobe's start-up makes: only the call the test makes is affected.

@test "SCMP_ACT_KILL_THREAD kills only the calling thread" {
	requires_sysprobe
	seccomp_profile SCMP_ACT_ALLOW '[{"names": ["getpriority"], "action": "SCMP_ACT_KILL_THREAD"}]'
	set_cmd 'sysprobe -T getpriority; echo "status $?"'
	runc run test_seccomp
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "main alive" ]
	[ "${lines[1]}" = "status 0" ]
}

@test "SCMP_ACT_KILL_PROCESS kills every thread of the process" {
	requires_sysprobe
	seccomp_profile SCMP_ACT_ALLOW '[{"names": ["getpriority"], "action": "SCMP_ACT_KILL_PROCESS"}]'
	set_cmd 'sysprobe -T getpriority; echo "status $?"'
	runc_split run test_seccomp
	[ "$status" -eq 0 ]
	# 128 + SIGSYS, and the main thread never got to say it was alive.
	[ "$output" = "status 159" ]
}

@test "SCMP_ACT_TRAP sends SIGSYS for the call" {
	requires_sysprobe
	seccomp_profile SCMP_ACT_ALLOW '[{"names": ["getpriority"], "action": "SCMP_ACT_TRAP"}]'
	set_args sysprobe -t getpriority
	runc run test_seccomp
	[ "$status" -eq 0 ]
	[ "$output" = "SIGSYS syscall=$("$SYSPROBE" -n getpriority) errno=0" ]
}

@test "SCMP_ACT_TRACE without a tracer fails the call with ENOSYS" {
	requires_sysprobe
	seccomp_profile SCMP_ACT_ALLOW '[{"names": ["getpriority"], "action": "SCMP_ACT_TRACE"}]'
	set_args sysprobe getpriority
	runc run test_seccomp
	[ "$status" -eq 0 ]
	[ "$output" = "errno 38" ]
}

@test "SCMP_ACT_LOG lets the call run and logs it" {
	requires_sysprobe
	kernel_log_mark
	local exe=lg$RANDOM$RANDOM
	mv "$BUNDLE/rootfs/bin/sysprobe" "$BUNDLE/rootfs/bin/$exe"
	seccomp_profile SCMP_ACT_ALLOW '[{"names": ["getpriority"], "action": "SCMP_ACT_LOG"}]'
	set_args "$exe" getpriority
	runc run test_seccomp
	[ "$status" -eq 0 ]
	# The raw syscall answers 20 - nice.
	[ "$output" = "ret 20" ]
	local nr
	nr=$("$SYSPROBE" -n getpriority)
	kernel_log_after | grep "exe=\"/bin/$exe\"" | grep -q "syscall=$nr .*code=0x7ffc0000"
}

@test "SECCOMP_FILTER_FLAG_LOG logs the actions that are not allow" {
	requires_sysprobe
	kernel_log_mark
	local exe=fl$RANDOM$RANDOM
	mv "$BUNDLE/rootfs/bin/sysprobe" "$BUNDLE/rootfs/bin/$exe"
	seccomp_profile SCMP_ACT_ALLOW '[{"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5}]' \
		'| .linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_LOG"]'
	set_args "$exe" getpriority
	runc run test_seccomp
	[ "$status" -eq 0 ]
	[ "$output" = "errno 5" ]
	local nr
	nr=$("$SYSPROBE" -n getpriority)
	kernel_log_after | grep "exe=\"/bin/$exe\"" | grep -q "syscall=$nr .*code=0x50000"

	# Without the flag the same filter logs nothing.
	kernel_log_mark
	update_config '.linux.seccomp.flags = []'
	runc run test_seccomp
	[ "$status" -eq 0 ]
	[ "$output" = "errno 5" ]
	sleep 0.2
	! kernel_log_after | grep -q "exe=\"/bin/$exe\""
}

@test "SECCOMP_FILTER_FLAG_TSYNC and _SPEC_ALLOW are accepted" {
	requires_sysprobe
	seccomp_profile SCMP_ACT_ALLOW '[{"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5}]' \
		'| .linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]'
	set_cmd 'sysprobe getpriority; grep -E "^(Seccomp|Speculation_Store_Bypass):" /proc/self/status'
	runc run test_seccomp
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "errno 5" ]
	[[ "${lines[1]}" =~ ^Seccomp:[[:space:]]+2$ ]]
	# Where the kernel mitigates speculative store bypass for seccomp'd
	# tasks, SPEC_ALLOW leaves the mitigation off.
	if grep -q seccomp /sys/devices/system/cpu/vulnerabilities/spec_store_bypass 2>/dev/null; then
		[[ "${lines[2]}" != *"force mitigated"* ]]
		[[ "${lines[2]}" != *"thread mitigated"* ]]
	fi
}

@test "an unknown seccomp flag is an error and nothing is left behind" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NOSUCH"]}'
	runc_split run test_seccomp
	[ "$status" -ne 0 ]
	[[ "$stderr" == *SECCOMP_FILTER_FLAG_NOSUCH* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

# probe_hits RULES_ARGS_JSON CALL_ARGS...: with the rule "getpriority with
# these args -> ERRNO(5)", runs sysprobe getpriority once per CALL_ARGS
# (a quoted word list) and sets HITS to a word per call: hit (errno 5) or
# miss (anything else the call answered).
probe_hits() {
	seccomp_profile SCMP_ACT_ALLOW '[{"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5, "args": '"$1"'}]'
	shift
	local script="" a
	for a in "$@"; do
		script+="sysprobe getpriority $a; "
	done
	set_cmd "$script"
	runc run test_seccomp
	[ "$status" -eq 0 ] || return 1
	[ "${#lines[@]}" -eq $# ] || fail "expected $# answers: $output" || return 1
	HITS=""
	local l
	for l in "${lines[@]}"; do
		case "$l" in
		"errno 5") HITS+="hit " ;;
		"errno "* | "ret "*) HITS+="miss " ;;
		*) fail "unexpected answer '$l'" || return 1 ;;
		esac
	done
	HITS=${HITS% }
}

# check_op OP VALUE VALUE_TWO EXPECTED ARG...: arg0 OP VALUE (VALUE_TWO for
# the masked compare), called with each ARG, gives the EXPECTED hits.
check_op() {
	local op=$1 value=$2 value2=$3 want=$4
	shift 4
	probe_hits '[{"index": 0, "value": '"$value"', "valueTwo": '"$value2"', "op": "'"$op"'"}]' "$@" || return 1
	[ "$HITS" = "$want" ] || fail "$op $value: arguments $*: got '$HITS', want '$want'"
}

@test "every argument operator compares as libseccomp does" {
	requires_sysprobe
	check_op SCMP_CMP_EQ 7 0 "miss hit miss" 6 7 8
	check_op SCMP_CMP_NE 7 0 "hit miss hit" 6 7 8
	check_op SCMP_CMP_LT 7 0 "hit miss miss" 6 7 8
	check_op SCMP_CMP_LE 7 0 "hit hit miss" 6 7 8
	check_op SCMP_CMP_GT 7 0 "miss miss hit" 6 7 8
	check_op SCMP_CMP_GE 7 0 "miss hit hit" 6 7 8
	# (arg & 0xf0) == 0x50
	check_op SCMP_CMP_MASKED_EQ 240 80 "hit hit miss hit miss" 0x5a 0x50 0x4a 0x15a 0x05
	# All 64 bits are compared.
	check_op SCMP_CMP_EQ 4294967303 0 "miss hit" 7 0x100000007
	check_op SCMP_CMP_GT 4294967296 0 "miss hit" 0xffffffff 0x100000001
}

@test "conditions on different arguments must all match" {
	requires_sysprobe
	probe_hits '[{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": 3, "op": "SCMP_CMP_EQ"}]' \
		"1 0 3" "1 0 4" "2 0 3"
	[ "$HITS" = "hit miss miss" ]
}

@test "conditions on the same argument are alternatives" {
	requires_sysprobe
	probe_hits '[{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 3, "op": "SCMP_CMP_EQ"}]' \
		1 2 3
	[ "$HITS" = "hit miss hit" ]
}

# A default of ERRNO(EPERM) for every syscall the profile does not name;
# those newer than the newest it names get ENOSYS instead.
@test "a syscall newer than the profile fails with ENOSYS, an older one with the default errno" {
	requires_sysprobe
	# Newest of the list: rseq. getpriority is left out on purpose.
	seccomp_profile SCMP_ACT_ERRNO '[{"names": ['"$NEEDED_SYSCALLS"'], "action": "SCMP_ACT_ALLOW"}]'
	# pidfd_open is newer than all of them (and exists); so is 1000 (which
	# does not). Without the ENOSYS answer both would get EPERM.
	set_cmd 'sysprobe getpriority; sysprobe pidfd_open 1 0; sysprobe 1000; sysprobe getppid'
	runc run test_seccomp
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "errno 1" ]
	[ "${lines[1]}" = "errno 38" ]
	[ "${lines[2]}" = "errno 38" ]
	[[ "${lines[3]}" == "ret "* ]]
}

@test "a syscall newer than the profile gets ENOSYS with a default that kills, too" {
	requires_sysprobe
	seccomp_profile SCMP_ACT_KILL_PROCESS '[{"names": ['"$NEEDED_SYSCALLS"'], "action": "SCMP_ACT_ALLOW"}]'
	set_cmd 'sysprobe 1000; sysprobe -T getpriority; echo "status $?"'
	runc_split run test_seccomp
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "errno 38" ]
	[ "${lines[1]}" = "status 159" ]
}

@test "with a default that allows, no syscall gets ENOSYS from the filter" {
	requires_sysprobe
	seccomp_profile SCMP_ACT_ALLOW '[{"names": ["getpriority"], "action": "SCMP_ACT_ERRNO"}]'
	# pidfd_open(our own pid) works; 1000 is no syscall: the kernel itself
	# answers ENOSYS.
	set_cmd 'sysprobe getpriority; sysprobe pidfd_open $$ 0; sysprobe 1000'
	runc run test_seccomp
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "errno 1" ]
	[[ "${lines[1]}" == "ret "* ]]
	[ "${lines[2]}" = "errno 38" ]
}

@test "every filter flag features reports as supported is accepted, all at once" {
	runc features
	[ "$status" -eq 0 ]
	local known supported
	known=$(jq -c '.linux.seccomp.knownFlags' <<<"$output")
	supported=$(jq -c '.linux.seccomp.supportedFlags' <<<"$output")
	[[ "$known" == *SECCOMP_FILTER_FLAG_LOG* ]]
	[[ "$supported" == *SECCOMP_FILTER_FLAG_LOG* ]]
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "flags": '"$supported"',
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
	set_cmd 'grep ^Seccomp: /proc/self/status; mkdir /tmp/d'
	runc_split run test_seccomp
	[ "$status" -ne 0 ]
	[[ "$output" =~ Seccomp:[[:space:]]+2 ]]
	[[ "$stderr" == *"No space left on device"* ]]
}
