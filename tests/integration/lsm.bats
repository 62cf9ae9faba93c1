#!/usr/bin/env bats
# process.apparmorProfile, process.selinuxLabel, linux.mountLabel.
#
# On a host without the security module, runc fails a container that asks
# for a profile or a label; so do we, before anything is made. Where the
# module is loaded, the profile or label must be what the process gets.

load helpers

apparmor_enabled() {
	[ -d /sys/kernel/security/apparmor ] && grep -q '^Y' /sys/module/apparmor/parameters/enabled 2>/dev/null
}

selinux_enabled() {
	[ "$(stat -f -c %t /sys/fs/selinux 2>/dev/null)" = f97cff8c ]
}

@test "an AppArmor profile on a host without AppArmor is an error, and nothing is left behind" {
	apparmor_enabled && skip "AppArmor is enabled on this host"
	update_config '.process.apparmorProfile = "docker-default"'
	runc_split run test_lsm
	[ "$status" -ne 0 ]
	[[ "$stderr" == *apparmor* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	no_leftover_processes
}

@test "an SELinux process label on a host without SELinux is an error" {
	selinux_enabled && skip "SELinux is enabled on this host"
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
	runc_split run test_lsm
	[ "$status" -ne 0 ]
	[[ "$stderr" == *selinux* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "an SELinux mount label on a host without SELinux is an error" {
	selinux_enabled && skip "SELinux is enabled on this host"
	update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	runc_split run test_lsm
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	no_leftover_processes
}

@test "empty profile and labels ask for nothing" {
	update_config '.process.apparmorProfile = "" | .process.selinuxLabel = "" | .linux.mountLabel = ""'
	set_cmd 'echo ok'
	runc run test_lsm
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "exec with a profile or a label the host cannot apply is an error" {
	apparmor_enabled && skip "AppArmor is enabled on this host"
	selinux_enabled && skip "SELinux is enabled on this host"
	set_args sleep 100
	runc run -d test_lsm
	[ "$status" -eq 0 ]
	runc_split exec --apparmor docker-default test_lsm true
	[ "$status" -ne 0 ]
	[[ "$stderr" == *apparmor* ]]
	runc_split exec --process-label "system_u:system_r:container_t:s0" test_lsm true
	[ "$status" -ne 0 ]
	[[ "$stderr" == *selinux* ]]
	# The container is unharmed.
	testcontainer test_lsm running
}

@test "the AppArmor profile is the process's" {
	apparmor_enabled || skip "AppArmor is not enabled on this host"
	grep -q '^docker-default ' /sys/kernel/security/apparmor/profiles 2>/dev/null ||
		skip "no docker-default profile loaded"
	update_config '.process.apparmorProfile = "docker-default"'
	set_cmd 'cat /proc/self/attr/current'
	runc run test_lsm
	[ "$status" -eq 0 ]
	[[ "$output" == "docker-default"* ]]
}

@test "the SELinux label is the process's, the mount label the mounts'" {
	selinux_enabled || skip "SELinux is not enabled on this host"
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"
		| .linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	set_cmd 'cat /proc/self/attr/current; echo; ls -Zd /dev'
	runc run test_lsm
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "system_u:system_r:container_t:s0:c1,c2"* ]]
	[[ "${lines[1]}" == *"container_file_t:s0:c1,c2"* ]]
}
