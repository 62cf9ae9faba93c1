#!/usr/bin/env bats
# linux.memoryPolicy: the NUMA memory policy set with set_mempolicy(2) for
# the container's process and for processes exec'd into it. Seen from
# inside in /proc/self/numa_maps, where every mapping names the policy
# that applies to it ("bind:0", "interleave=static:0", "local", ...).

load helpers

# A shell command printing the policy of the process's first mapping (the
# executable), as numa_maps shows it.
POLICY_CMD='head -n1 /proc/self/numa_maps | sed "s/^[0-9a-f]* //; s/ file=.*//"'

setup() {
	setup_busybox
	[ -r /proc/self/numa_maps ] || skip "kernel without NUMA support (no /proc/self/numa_maps)"
}

# set_policy JSON -- set linux.memoryPolicy.
set_policy() {
	update_config ".linux.memoryPolicy = $1"
}

@test "memoryPolicy MPOL_BIND: the container's process and exec'd processes are bound" {
	set_policy '{"mode": "MPOL_BIND", "nodes": "0"}'
	set_cmd "$POLICY_CMD; grep Mems_allowed_list /proc/self/status; sleep 100"
	runc run -d test_mpol
	[ "$status" -eq 0 ]
	runc exec test_mpol sh -c "$POLICY_CMD"
	[ "$status" -eq 0 ]
	[ "$output" = "bind:0" ]
	# Children of the process inherit it.
	runc exec test_mpol sh -c "sh -c '$POLICY_CMD'"
	[ "$output" = "bind:0" ]
	# Without a policy, a process has the default one.
	update_config 'del(.linux.memoryPolicy)'
	set_cmd "$POLICY_CMD"
	runc run test_mpol2
	[ "$status" -eq 0 ]
	[ "$output" = "default" ]
}

@test "memoryPolicy: each mode and flag reaches the process" {
	local pol want
	while read -r want pol; do
		set_policy "$pol"
		set_cmd "$POLICY_CMD; grep -q '^Mems_allowed_list:' /proc/self/status"
		runc run test_mpol
		[ "$status" -eq 0 ] || fail "$pol: $output"
		[ "$output" = "$want" ] || fail "$pol: numa_maps shows '$output', want '$want'"
	done <<'EOF_POLICIES'
bind:0 {"mode": "MPOL_BIND", "nodes": "0"}
interleave:0 {"mode": "MPOL_INTERLEAVE", "nodes": "0"}
interleave=static:0 {"mode": "MPOL_INTERLEAVE", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}
prefer:0 {"mode": "MPOL_PREFERRED", "nodes": "0"}
prefer=relative:0 {"mode": "MPOL_PREFERRED", "nodes": "0", "flags": ["MPOL_F_RELATIVE_NODES"]}
bind=balancing:0 {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_NUMA_BALANCING"]}
local {"mode": "MPOL_LOCAL"}
default {"mode": "MPOL_DEFAULT"}
EOF_POLICIES
}

@test "memoryPolicy: the newer modes, where the kernel has them" {
	local pol want
	while IFS='|' read -r want pol; do
		set_policy "$pol"
		set_cmd "$POLICY_CMD"
		runc run test_mpol
		if [ "$status" -ne 0 ] && [[ "$output" == *"set_mempolicy"*"invalid argument"* ]]; then
			continue # an older kernel: refused with the call's error
		fi
		[ "$status" -eq 0 ] || fail "$pol: $output"
		[ "$output" = "$want" ] || fail "$pol: numa_maps shows '$output', want '$want'"
	done <<'EOF_POLICIES'
prefer (many):0|{"mode": "MPOL_PREFERRED_MANY", "nodes": "0"}
weighted interleave:0|{"mode": "MPOL_WEIGHTED_INTERLEAVE", "nodes": "0"}
EOF_POLICIES
}

@test "memoryPolicy: bad policies are refused before the container starts" {
	local pol want
	bind_mount "$HOSTDIR" /host
	set_cmd 'touch /host/started'
	while IFS='|' read -r want pol; do
		set_policy "$pol"
		runc run test_mpol
		[ "$status" -ne 0 ] || fail "$pol was accepted"
		# (logrus escapes the quotes of the message)
		[[ "${output//\\\"/\"}" == *"$want"* ]] || fail "$pol: '$output' lacks '$want'"
		[ "${#lines[@]}" -eq 1 ] || fail "$pol: more than one line: $output"
		[ ! -e "$HOSTDIR/started" ] || fail "$pol: the process ran"
		runc state test_mpol
		[ "$status" -ne 0 ] || fail "$pol: a container was left"
	done <<'EOF_POLICIES'
linux.memoryPolicy: mode must be specified|{}
linux.memoryPolicy: mode must be specified|{"nodes": "0"}
linux.memoryPolicy: invalid mode "MPOL_NOPE"|{"mode": "MPOL_NOPE", "nodes": "0"}
linux.memoryPolicy: invalid mode "bind"|{"mode": "bind", "nodes": "0"}
linux.memoryPolicy: invalid flag "MPOL_F_NOPE"|{"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_NOPE"]}
exclude each other|{"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"]}
linux.memoryPolicy: mode MPOL_BIND needs nodes|{"mode": "MPOL_BIND"}
linux.memoryPolicy: mode MPOL_INTERLEAVE needs nodes|{"mode": "MPOL_INTERLEAVE", "nodes": ""}
linux.memoryPolicy: mode MPOL_LOCAL takes no nodes|{"mode": "MPOL_LOCAL", "nodes": "0"}
linux.memoryPolicy: invalid nodes "0-x"|{"mode": "MPOL_BIND", "nodes": "0-x"}
linux.memoryPolicy: invalid nodes "-1"|{"mode": "MPOL_BIND", "nodes": "-1"}
linux.memoryPolicy: node 5000 in "5000" is above the highest node number 4095|{"mode": "MPOL_BIND", "nodes": "5000"}
linux.memoryPolicy: node 4095 does not exist on this host|{"mode": "MPOL_BIND", "nodes": "4095"}
EOF_POLICIES
}

@test "features lists the memory policy modes and flags, and each is accepted" {
	runc_split features
	[ "$status" -eq 0 ]
	local modes flags m
	modes=$(jq -r '.linux.memoryPolicy.modes | join(" ")' <<<"$output")
	flags=$(jq -r '.linux.memoryPolicy.flags | join(" ")' <<<"$output")
	[ "$modes" = "MPOL_BIND MPOL_DEFAULT MPOL_INTERLEAVE MPOL_LOCAL MPOL_PREFERRED MPOL_PREFERRED_MANY MPOL_WEIGHTED_INTERLEAVE" ]
	[ "$flags" = "MPOL_F_NUMA_BALANCING MPOL_F_RELATIVE_NODES MPOL_F_STATIC_NODES" ]
	set_cmd true
	for m in $flags; do
		set_policy "{\"mode\": \"MPOL_BIND\", \"nodes\": \"0\", \"flags\": [\"$m\"]}"
		runc run test_mpol
		[ "$status" -eq 0 ] || fail "$m: $output"
	done
}
