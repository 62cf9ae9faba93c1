#!/usr/bin/env bats
# hostname and domainname in a new UTS namespace.

load helpers

@test "the container has the configured hostname" {
	update_config '.hostname = "myhostname"'
	set_cmd 'hostname; cat /proc/sys/kernel/hostname'
	runc run test_uts
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = myhostname ]
	[ "${lines[1]}" = myhostname ]
	# The host is not affected.
	[ "$(hostname)" != myhostname ]
}

@test "the container has the configured domainname" {
	update_config '.hostname = "h1" | .domainname = "example.org"'
	set_cmd 'cat /proc/sys/kernel/domainname'
	runc run test_uts
	[ "$status" -eq 0 ]
	[ "$output" = example.org ]
	[ "$(cat /proc/sys/kernel/domainname)" != example.org ]
}

@test "the default spec's hostname is runc" {
	set_args hostname
	runc run test_uts
	[ "$status" -eq 0 ]
	[ "$output" = runc ]
}

@test "without a hostname the new UTS namespace keeps the host's name" {
	update_config 'del(.hostname)'
	set_args hostname
	runc run test_uts
	[ "$status" -eq 0 ]
	[ "$output" = "$(hostname)" ]
}

@test "hostname without a UTS namespace is an error" {
	remove_namespace uts
	update_config '.hostname = "nope"'
	set_args hostname
	runc run test_uts
	[ "$status" -ne 0 ]
	[[ "$output" == *hostname* ]] || [[ "$output" == *UTS* ]] || [[ "$output" == *uts* ]]
	[ "$(hostname)" != nope ]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}
