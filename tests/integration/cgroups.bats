#!/usr/bin/env bats
# Cgroups (v1 controllers under /sys/fs/cgroup/*; this host is hybrid).

load helpers

V1_CONTROLLERS=(cpu cpuacct cpuset memory devices freezer blkio pids)

setup() {
	setup_busybox
	has_cgroup_v1 pids ||
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
		has_cgroup_v1 "$c" || continue
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
		has_cgroup_v1 "$c" || continue
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

# Every hierarchy's directory for $CGNAME (v1 controllers and the hybrid
# cgroup2 one) that exists, one per line.
cg_dirs_left() {
	local d
	for d in /sys/fs/cgroup/*/; do
		[ -d "$d$CGNAME" ] && echo "$d$CGNAME"
	done
	return 0
}

# Mount lines of /proc/self/mountinfo under /sys/fs/cgroup, as seen inside.
INSIDE_CG_MOUNTS='while read -r _ _ _ root mp opts rest; do case $mp in /sys/fs/cgroup*) echo "$mp $root $opts ${rest#*- }";; esac; done </proc/self/mountinfo'

@test "--systemd-cgroup without systemd is a one-line error and leaves nothing" {
	[ ! -d /run/systemd/system ] || skip "systemd is running here"
	update_config '.linux.cgroupsPath = "system.slice:rt:'"$CGNAME"'"'
	RUNC_FLAGS=--systemd-cgroup runc run -d test_cg
	[ "$status" -ne 0 ]
	[[ "$output" == *"systemd"*"not running"* ]]
	[ "${#lines[@]}" -eq 1 ]
	runc_split list -q
	[ -z "$output" ]
	[ -z "$(cg_dirs_left)" ]
}

@test "--systemd-cgroup: a cgroupsPath not of the form slice:prefix:name is reported first" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"'
	RUNC_FLAGS=--systemd-cgroup runc run -d test_cg
	[ "$status" -ne 0 ]
	[[ "$output" == *"slice:prefix:name"* ]]
	[ -z "$(cg_dirs_left)" ]
}

@test "cgroup namespace: the container's cgroups are its roots, mounted per hierarchy, read-only" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"
		| .linux.namespaces += [{"type": "cgroup"}]
		| .linux.resources.pids = {"limit": 77}'
	set_cmd 'cat /proc/self/cgroup; echo ==; '"$INSIDE_CG_MOUNTS"'; echo ==; cat /sys/fs/cgroup/pids/pids.max; mkdir /sys/fs/cgroup/pids/sub && echo made; true'
	runc_split run test_cg
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"Read-only file system"* ]]
	local part=0 line cgroup_lines=0 pids_mount=""
	for line in "${lines[@]}"; do
		if [ "$line" = == ]; then
			part=$((part + 1))
			continue
		fi
		case $part in
		0) # every hierarchy: the container's cgroup is "/"
			[[ "$line" == *:/ ]] || fail "not a cgroupns root: $line"
			cgroup_lines=$((cgroup_lines + 1)) ;;
		1) # a tmpfs at /sys/fs/cgroup, then one cgroup mount per hierarchy
			set -- $line
			# (The tmpfs itself we remount read-only too; runc 1.1.5
			# leaves it writable when there is a cgroup namespace.)
			[ "$1" = /sys/fs/cgroup ] || [[ ",$3," == *,ro,* ]] || fail "not read-only: $line"
			if [ "$1" != /sys/fs/cgroup ]; then
				[ "$4" = cgroup ] || fail "not a cgroup mount: $line"
				[ "$2" = / ] || fail "mount root is not the namespace root: $line"
			fi
			[ "$1" = /sys/fs/cgroup/pids ] && pids_mount=$line ;;
		2) [ "$line" = 77 ] || fail "pids.max inside: $line" ;;
		esac
	done
	[ "$cgroup_lines" -ge 8 ]
	[ -n "$pids_mount" ]
	[[ "$output" != *made* ]]
	# As runc: the cgroup2 hierarchy of a hybrid host is not mounted.
	[[ "$output" != *"/sys/fs/cgroup/unified "* ]]
	[ ! -d "/sys/fs/cgroup/pids/$CGNAME/sub" ]
}

@test "no cgroup namespace: each hierarchy is a read-only bind of the container's cgroup" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"
		| .linux.namespaces |= map(select(.type != "cgroup"))'
	set_cmd "$INSIDE_CG_MOUNTS"
	runc_split run test_cg
	[ "$status" -eq 0 ]
	grep -qx "/sys/fs/cgroup/pids /$CGNAME [^ ]*ro[, ].*cgroup .*" <<<"$output" ||
		grep -q "^/sys/fs/cgroup/pids /$CGNAME ro," <<<"$output" ||
		fail "pids is not a bind of /$CGNAME"
	grep -q "^/sys/fs/cgroup/memory /$CGNAME ro," <<<"$output"
	grep -q "^/sys/fs/cgroup/freezer /$CGNAME ro," <<<"$output"
}

@test "an rw cgroup mount: the container makes a sub-cgroup; ps lists it; delete removes it all" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"
		| (.mounts[] | select(.destination == "/sys/fs/cgroup") | .options) |= map(select(. != "ro"))'
	# A child moves itself into a new sub-cgroup of every hierarchy.
	set_cmd 'sh -c "for d in /sys/fs/cgroup/*/; do mkdir \$d/sub && echo \$\$ > \$d/sub/cgroup.procs; done; exec sleep 100" & exec sleep 100'
	runc run -d test_cg
	[ "$status" -eq 0 ]
	local i
	for i in $(seq 50); do
		[ -s "/sys/fs/cgroup/pids/$CGNAME/sub/cgroup.procs" ] && break
		sleep 0.1
	done
	local child
	child=$(cat "/sys/fs/cgroup/pids/$CGNAME/sub/cgroup.procs")
	[ -n "$child" ]
	grep -q "^[0-9]*:memory:/$CGNAME/sub$" "/proc/$child/cgroup"
	runc_split ps -f json test_cg
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -eq 2 ]
	jq -e --argjson p "$child" 'index($p) != null' <<<"$output"

	runc delete -f test_cg
	[ "$status" -eq 0 ]
	[ -z "$(cg_dirs_left)" ] || fail "left: $(cg_dirs_left)"
	! kill -0 "$child" 2>/dev/null
}

@test "run refuses a cgroup that already holds a process, and leaves it alone" {
	local c
	for c in "${V1_CONTROLLERS[@]}"; do
		has_cgroup_v1 "$c" && mkdir -p "/sys/fs/cgroup/$c/$CGNAME"
	done
	defer "rmdir /sys/fs/cgroup/*/$CGNAME"
	sleep 100 &
	local outsider=$!
	disown "$outsider"
	track_pid "$outsider"
	echo "$outsider" >"/sys/fs/cgroup/pids/$CGNAME/cgroup.procs"
	echo "$outsider" >"/sys/fs/cgroup/devices/$CGNAME/cgroup.procs"
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"'
	runc run -d test_cg
	[ "$status" -ne 0 ]
	[[ "$output" == *"container's cgroup is not empty: 1 process(es) found"* ]]
	runc_split list -q
	[ -z "$output" ]
	kill -0 "$outsider"
	grep -qx "$outsider" "/sys/fs/cgroup/pids/$CGNAME/cgroup.procs"
	[ -d "/sys/fs/cgroup/memory/$CGNAME" ]
	kill -9 "$outsider"
}

@test "run refuses a frozen cgroup and does not thaw or remove it" {
	mkdir "/sys/fs/cgroup/freezer/$CGNAME"
	defer "echo THAWED > /sys/fs/cgroup/freezer/$CGNAME/freezer.state; rmdir /sys/fs/cgroup/freezer/$CGNAME"
	echo FROZEN >"/sys/fs/cgroup/freezer/$CGNAME/freezer.state"
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"'
	runc run -d test_cg
	[ "$status" -ne 0 ]
	[[ "$output" == *"container's cgroup unexpectedly frozen"* ]]
	runc_split list -q
	[ -z "$output" ]
	[ "$(cat "/sys/fs/cgroup/freezer/$CGNAME/freezer.state")" = FROZEN ]
	[ ! -d "/sys/fs/cgroup/pids/$CGNAME" ]
}

@test "a second container on the cgroupsPath of a running one is refused; the first keeps running" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"'
	runc run -d test_cg
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_cg)
	runc run -d test_cg2
	[ "$status" -ne 0 ]
	[[ "$output" == *"container's cgroup is not empty"* ]]
	testcontainer test_cg running
	grep -qx "$pid" "/sys/fs/cgroup/pids/$CGNAME/cgroup.procs"
	runc_split list -q
	[ "$output" = test_cg ]
}

@test "delete removes the cgroup on every hierarchy after a failed start" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"'
	cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/rootfs/bin/gone"
	set_args /bin/gone sleep 100
	runc create test_cg
	[ "$status" -eq 0 ]
	[ "$(cg_dirs_left | wc -l)" -ge 8 ]
	# The program disappears before start: the exec fails.
	rm "$BUNDLE/rootfs/bin/gone"
	runc start test_cg
	wait_for_status test_cg stopped
	runc delete test_cg
	[ "$status" -eq 0 ]
	[ -z "$(cg_dirs_left)" ] || fail "left: $(cg_dirs_left)"
}

@test "a create that fails after making the cgroups removes them from every hierarchy" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"
		| .mounts += [{"source": "/nonexistent-'"$CGNAME"'", "destination": "/mnt", "type": "bind", "options": ["bind"]}]'
	runc run -d test_cg
	[ "$status" -ne 0 ]
	runc_split list -q
	[ -z "$output" ]
	[ -z "$(cg_dirs_left)" ] || fail "left: $(cg_dirs_left)"
}

@test "kill --all KILL ends every process of the cgroup, also in sub-cgroups" {
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"
		| .linux.namespaces |= map(select(.type != "pid"))
		| (.mounts[] | select(.destination == "/sys/fs/cgroup") | .options) |= map(select(. != "ro"))'
	set_cmd 'sh -c "mkdir /sys/fs/cgroup/unified/sub 2>/dev/null; exec sleep 100" & sleep 100 & exec sleep 100'
	runc run -d test_cg
	[ "$status" -eq 0 ]
	sleep 0.3
	local pids
	pids=$(cat "/sys/fs/cgroup/pids/$CGNAME/cgroup.procs")
	[ "$(wc -w <<<"$pids")" -eq 3 ]
	runc kill --all test_cg KILL
	[ "$status" -eq 0 ]
	local p
	for p in $pids; do
		wait_for_pid_exit "$p"
	done
}
