#!/usr/bin/env bats
# process.capabilities: the sets seen in /proc/self/status.

load helpers

setup() {
	setup_busybox
	update_config '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1777"]}]'
}

# Print "CapInh CapPrm CapEff CapBnd CapAmb" of the container process.
cap_status() {
	set_cmd 'for k in CapInh CapPrm CapEff CapBnd CapAmb; do grep "^$k:" /proc/self/status | cut -f2; done | tr "\n" " "'
	runc_split run test_caps
	[ "$status" -eq 0 ] || fail "run failed: $stderr"
	read -r INH PRM EFF BND AMB <<<"$output"
}

@test "the default spec's capabilities" {
	local bnd eff prm
	# shellcheck disable=SC2046
	bnd=$(cap_mask $(jq -r '.process.capabilities.bounding[]' config.json))
	eff=$(cap_mask $(jq -r '.process.capabilities.effective[]' config.json))
	prm=$(cap_mask $(jq -r '.process.capabilities.permitted[]' config.json))
	cap_status
	[ "$BND" = "$bnd" ]
	[ "$EFF" = "$eff" ]
	[ "$PRM" = "$prm" ]
	[ "$INH" = 0000000000000000 ]
	# CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE
	[ "$BND" = 0000000020000420 ]
}

@test "configured capability sets" {
	update_config '.process.capabilities = {
		"bounding": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID"],
		"effective": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
		"permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
		"inheritable": ["CAP_KILL"]
	}'
	cap_status
	[ "$BND" = "$(cap_mask CAP_CHOWN CAP_DAC_OVERRIDE CAP_KILL CAP_NET_RAW CAP_SYS_ADMIN CAP_SETUID CAP_SETGID)" ]
	[ "$PRM" = "$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_RAW)" ]
	# For uid 0, execve makes the effective set equal to the permitted set.
	[ "$EFF" = "$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_RAW)" ]
	[ "$INH" = "$(cap_mask CAP_KILL)" ]
	[ "$AMB" = 0000000000000000 ]
}

@test "no capabilities at all" {
	update_config '.process.capabilities = {}'
	cap_status
	[ "$BND" = 0000000000000000 ]
	[ "$EFF" = 0000000000000000 ]
	[ "$PRM" = 0000000000000000 ]
	[ "$INH" = 0000000000000000 ]
}

@test "high capability numbers (CAP_PERFMON, CAP_BPF, CAP_CHECKPOINT_RESTORE)" {
	[ "$(cat /proc/sys/kernel/cap_last_cap)" -ge 40 ] || skip "kernel too old"
	update_config '.process.capabilities = {
		"bounding": ["CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE", "CAP_AUDIT_READ"],
		"effective": ["CAP_BPF", "CAP_CHECKPOINT_RESTORE"],
		"permitted": ["CAP_BPF", "CAP_CHECKPOINT_RESTORE"]
	}'
	cap_status
	[ "$BND" = "$(cap_mask CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE CAP_AUDIT_READ)" ]
	[ "$BND" = 000001e000000000 ]
	[ "$PRM" = "$(cap_mask CAP_BPF CAP_CHECKPOINT_RESTORE)" ]
	[ "$EFF" = "$(cap_mask CAP_BPF CAP_CHECKPOINT_RESTORE)" ]
	[ "$EFF" = 0000018000000000 ]
}

@test "ambient capabilities for a non-root user" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities = {
		"bounding": ["CAP_NET_BIND_SERVICE", "CAP_KILL"],
		"effective": ["CAP_NET_BIND_SERVICE"],
		"permitted": ["CAP_NET_BIND_SERVICE"],
		"inheritable": ["CAP_NET_BIND_SERVICE"],
		"ambient": ["CAP_NET_BIND_SERVICE"]
	}'
	cap_status
	local m
	m=$(cap_mask CAP_NET_BIND_SERVICE)
	[ "$AMB" = "$m" ]
	[ "$EFF" = "$m" ]
	[ "$PRM" = "$m" ]
	[ "$INH" = "$m" ]
	[ "$BND" = "$(cap_mask CAP_NET_BIND_SERVICE CAP_KILL)" ]
}

@test "a non-root user without ambient capabilities has none effective" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities = {
		"bounding": ["CAP_CHOWN"],
		"effective": ["CAP_CHOWN"],
		"permitted": ["CAP_CHOWN"]
	}'
	cap_status
	[ "$EFF" = 0000000000000000 ]
	[ "$PRM" = 0000000000000000 ]
	[ "$BND" = "$(cap_mask CAP_CHOWN)" ]
}

@test "a capability that is not granted cannot be used" {
	update_config '.process.capabilities = {
		"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]
	}'
	set_cmd 'touch /tmp/f && chown 1:1 /tmp/f && echo chowned || echo refused'
	runc_split run test_caps
	[ "$status" -eq 0 ]
	[ "$output" = refused ]
}

@test "a granted capability can be used" {
	update_config '.process.capabilities = {
		"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"]
	}'
	set_cmd 'touch /tmp/f && chown 1:1 /tmp/f && stat -c %u:%g /tmp/f'
	runc_split run test_caps
	[ "$status" -eq 0 ]
	[ "$output" = 1:1 ]
}

@test "ambient capabilities without inheritable ones are a warning, not a failure" {
	# runc's own spec template has this shape.
	update_config '.process.capabilities = {
		"bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"ambient": ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
	}'
	cap_status
	[ "$AMB" = 0000000000000000 ]
	[ "$EFF" = "$(cap_mask CAP_KILL CAP_NET_BIND_SERVICE)" ]
	[[ "$stderr" == *"ambient capability CAP_KILL"* ]]
}
