#!/usr/bin/env bats
# linux.sysctl, process.oomScoreAdj and linux.personality.

load helpers

@test "namespaced sysctls are set inside, not on the host" {
	local host_fwd host_shm
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	host_shm=$(cat /proc/sys/kernel/shmmax)
	local want_fwd=$((1 - host_fwd))
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "'"$want_fwd"'", "kernel.shmmax": "123456789", "fs.mqueue.msg_max": "42"}'
	set_cmd 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max'
	runc run test_sysctl
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$want_fwd" ]
	[ "${lines[1]}" = 123456789 ]
	[ "${lines[2]}" = 42 ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
	[ "$(cat /proc/sys/kernel/shmmax)" = "$host_shm" ]
}

@test "a sysctl written with slashes works too" {
	update_config '.linux.sysctl = {"net/ipv4/ip_default_ttl": "33"}'
	set_cmd 'cat /proc/sys/net/ipv4/ip_default_ttl'
	runc run test_sysctl
	[ "$status" -eq 0 ]
	[ "$output" = 33 ]
}

@test "a host-wide sysctl is refused and nothing is left behind" {
	update_config '.linux.sysctl = {"vm.swappiness": "10"}'
	runc_split run test_sysctl
	[ "$status" -ne 0 ]
	[[ "$stderr" == *vm.swappiness* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "a net sysctl without a network namespace is refused" {
	remove_namespace network
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	runc_split run test_sysctl
	[ "$status" -ne 0 ]
	[[ "$stderr" == *net.ipv4.ip_forward* ]]
}

@test "an ipc sysctl without an ipc namespace is refused" {
	remove_namespace ipc
	update_config '.linux.sysctl = {"kernel.shmmax": "1000"}'
	runc_split run test_sysctl
	[ "$status" -ne 0 ]
	[[ "$stderr" == *kernel.shmmax* ]]
}

@test "process.oomScoreAdj is applied" {
	update_config '.process.oomScoreAdj = 321'
	set_cmd 'cat /proc/self/oom_score_adj'
	runc run test_oom
	[ "$status" -eq 0 ]
	[ "$output" = 321 ]
}

@test "linux.personality LINUX32 makes uname report a 32-bit machine" {
	[ "$(uname -m)" = x86_64 ] || skip "needs an x86_64 host, this is $(uname -m)"
	update_config '.linux.personality = {"domain": "LINUX32"}'
	set_cmd 'uname -m'
	runc run test_persona
	[ "$status" -eq 0 ]
	[ "$output" = i686 ]
}

@test "an unknown personality domain is an error" {
	update_config '.linux.personality = {"domain": "BSD"}'
	runc_split run test_persona
	[ "$status" -ne 0 ]
	[[ "$stderr" == *BSD* ]]
}
