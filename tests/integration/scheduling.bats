#!/usr/bin/env bats
# process.scheduler, process.ioPriority, process.execCPUAffinity, linux.intelRdt.

load helpers

@test "process.scheduler sets the policy and nice value" {
	update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
	# /proc/self/stat: field 19 is nice, field 41 the policy (3 = SCHED_BATCH).
	set_cmd 'cut -d" " -f19,41 /proc/self/stat'
	runc run test_sched
	[ "$status" -eq 0 ]
	[ "$output" = "7 3" ]
}

@test "process.scheduler with an unknown policy is an error" {
	update_config '.process.scheduler = {"policy": "SCHED_NOSUCH"}'
	runc_split run test_sched
	[ "$status" -ne 0 ]
	[[ "$stderr" == *SCHED_NOSUCH* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "process.ioPriority sets the I/O class and level" {
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}'
	set_cmd 'ionice -p $$'
	runc run test_sched
	[ "$status" -eq 0 ]
	[[ "$output" == idle* ]]
}

@test "process.ioPriority best-effort level 6" {
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
	set_cmd 'ionice -p $$'
	runc run test_sched
	[ "$status" -eq 0 ]
	[[ "$output" == *"best-effort"*"6"* ]]
}

@test "process.execCPUAffinity.final pins the process" {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	update_config '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
	set_cmd 'grep Cpus_allowed_list /proc/self/status'
	runc run test_sched
	[ "$status" -eq 0 ]
	[[ "$output" =~ Cpus_allowed_list:[[:space:]]+1$ ]]
}

@test "process.execCPUAffinity with a bad list is an error" {
	update_config '.process.execCPUAffinity = {"final": "1-0"}'
	runc_split run test_sched
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"CPU list"* ]]
}

@test "linux.intelRdt is refused cleanly where the host has no resctrl" {
	[ ! -e /sys/fs/resctrl/schemata ] || skip "this host has Intel RDT"
	update_config '.linux.intelRdt = {"closID": "x"}'
	runc_split run test_sched
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"Intel RDT"* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}
