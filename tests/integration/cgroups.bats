#!/usr/bin/env bats
# Cgroups (v1 controllers under /sys/fs/cgroup/*; this host is hybrid).

load helpers

V1_CONTROLLERS=(cpu cpuacct cpuset memory devices freezer blkio pids)

setup() {
	setup_busybox
	[ -d /sys/fs/cgroup/pids ] && [ -f /sys/fs/cgroup/pids/cgroup.procs ] ||
		skip "needs cgroup v1 controllers at /sys/fs/cgroup/<controller>"
	set_cmd 'sleep 100 & exec sleep 100'
	CGNAME=rt-cg-$(basename "$TESTDIR" | tr -dc 'a-zA-Z0-9')
}

# Path of PID in a v1 controller's hierarchy.
cgroup_path_of() {
	awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$1/cgroup"
}

# This shell's cgroup in a controller (runc puts relative paths under it).
own_cgroup() {
	cgroup_path_of $$ "$1"
}

@test "by default the container's cgroup is <own cgroup>/<id>" {
	runc run -d test_cg
	[ "$status" -eq 0 ]
	local pid c expected got
	pid=$(container_pid test_cg)
	for c in "${V1_CONTROLLERS[@]}"; do
		[ -d "/sys/fs/cgroup/$c" ] || continue
		expected=$(own_cgroup "$c")
		expected=${expected%/}/test_cg
		got=$(cgroup_path_of "$pid" "$c")
		[ "$got" = "$expected" ] || fail "$c: $got, want $expected"
		[ -d "/sys/fs/cgroup/$c$expected" ] || fail "no /sys/fs/cgroup/$c$expected"
		grep -qx "$pid" "/sys/fs/cgroup/$c$expected/cgroup.procs"
	done
}

@test "on this host (own cgroup /) the cgroup is /<id>" {
	[ "$(own_cgroup pids)" = / ] || skip "this shell is not in the root pids cgroup"
	runc run -d test_cg
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_cg)
	[ "$(cgroup_path_of "$pid" pids)" = /test_cg ]
	[ -d /sys/fs/cgroup/pids/test_cg ]
}

@test "an absolute cgroupsPath is used as is" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'/inner"'
	defer "find /sys/fs/cgroup/*/$CGNAME -depth -type d -exec rmdir {} \\;"
	runc run -d test_cg
	[ "$status" -eq 0 ]
	local pid c
	pid=$(container_pid test_cg)
	for c in "${V1_CONTROLLERS[@]}"; do
		[ -d "/sys/fs/cgroup/$c" ] || continue
		[ "$(cgroup_path_of "$pid" "$c")" = "/$CGNAME/inner" ] || fail "$c: $(cgroup_path_of "$pid" "$c")"
		[ -d "/sys/fs/cgroup/$c/$CGNAME/inner" ]
	done
	[ -d "/sys/fs/cgroup/memory/$CGNAME/inner" ]
}

@test "every process of the container is in its cgroup" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"'
	runc run -d test_cg
	[ "$status" -eq 0 ]
	sleep 0.2
	local procs
	procs=$(sort -n "/sys/fs/cgroup/pids/$CGNAME/cgroup.procs" | tr '\n' ' ')
	[ "$(wc -w <<<"$procs")" -eq 2 ]
	runc_split ps -f json test_cg
	[ "$(jq -r '.[]' <<<"$output" | sort -n | tr '\n' ' ')" = "$procs" ]
}

@test "a relative cgroupsPath is under the runtime's own cgroup" {
	update_config '.linux.cgroupsPath = "'"$CGNAME"'"'
	runc run -d test_cg
	[ "$status" -eq 0 ]
	local pid own
	pid=$(container_pid test_cg)
	own=$(own_cgroup pids)
	[ "$(cgroup_path_of "$pid" pids)" = "${own%/}/$CGNAME" ]
}

@test "delete removes the configured cgroup" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'/inner"'
	defer "find /sys/fs/cgroup/*/$CGNAME -depth -type d -exec rmdir {} \\;"
	runc run -d test_cg
	[ "$status" -eq 0 ]
	[ -d "/sys/fs/cgroup/pids/$CGNAME/inner" ]
	[ -d "/sys/fs/cgroup/memory/$CGNAME/inner" ]
	runc delete -f test_cg
	[ "$status" -eq 0 ]
	local c
	for c in "${V1_CONTROLLERS[@]}"; do
		[ ! -d "/sys/fs/cgroup/$c/$CGNAME/inner" ] || fail "$c cgroup left"
	done
}

@test "resources: memory, pids and cpu limits are written to the cgroup" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"
		| .linux.resources.memory = {"limit": 33554432}
		| .linux.resources.pids = {"limit": 42}
		| .linux.resources.cpu = {"shares": 512}'
	runc run -d test_cg
	[ "$status" -eq 0 ]
	[ "$(cat "/sys/fs/cgroup/memory/$CGNAME/memory.limit_in_bytes")" = 33554432 ]
	[ "$(cat "/sys/fs/cgroup/pids/$CGNAME/pids.max")" = 42 ]
	[ "$(cat "/sys/fs/cgroup/cpu/$CGNAME/cpu.shares")" = 512 ]
}

@test "the pids limit is enforced" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'" | .linux.resources.pids = {"limit": 5}'
	# The inner shell forks until it cannot; the outer one counts the
	# processes with builtins only.
	set_cmd 'sh -c "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait"; echo "inner=$?"; set -- /proc/[0-9]*; echo "procs=$#"'
	runc_split run test_cg
	[ "$status" -eq 0 ]
	[ "${lines[0]}" != inner=0 ]
	[[ "${lines[1]}" =~ ^procs=[0-9]+$ ]]
	[ "${lines[1]#procs=}" -le 5 ]
	[[ "$stderr" == *"fork"* ]]
}

@test "the container sees its cgroups read-only under /sys/fs/cgroup" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'" | .linux.resources.pids = {"limit": 77}'
	set_cmd 'cat /sys/fs/cgroup/pids/pids.max; mkdir /sys/fs/cgroup/pids/sub && echo made'
	runc_split run test_cg
	[ "${lines[0]}" = 77 ]
	[[ "$output" != *made* ]]
	[ ! -d "/sys/fs/cgroup/pids/$CGNAME/sub" ]
}

@test "a created container is already in its cgroup" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"'
	runc create test_cg
	[ "$status" -eq 0 ]
	grep -qx "$(container_pid test_cg)" "/sys/fs/cgroup/pids/$CGNAME/cgroup.procs"
	grep -qx "$(container_pid test_cg)" "/sys/fs/cgroup/memory/$CGNAME/cgroup.procs"
}
