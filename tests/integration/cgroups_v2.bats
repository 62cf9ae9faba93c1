#!/usr/bin/env bats
# Cgroup v2 (the fs2 manager, cgroup.procs/freeze/kill, hugetlb, unified,
# the cgroup2 mount inside the container).
#
# On a pure cgroup v2 host the runtime runs as it is. On a hybrid host
# (cgroup2 at /sys/fs/cgroup/unified) every runtime invocation runs in a
# private mount namespace where that same cgroup2 hierarchy is mounted on
# /sys/fs/cgroup, so that the runtime takes the host for a pure v2 one.
# The hierarchy is real, but there it only has the controllers that are not
# bound to v1 (here: hugetlb); the tests of the others (memory, cpu, cpuset,
# pids, io) skip with a reason and their files are covered by the unit test
# TestCgroupV2Files.

load helpers

setup() {
	if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
		CG2_MODE=native
		CG2_ROOT=/sys/fs/cgroup
	elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		command -v unshare >/dev/null || skip "unshare(1) is needed to emulate a cgroup v2 host"
		CG2_MODE=emulated
		CG2_ROOT=/sys/fs/cgroup/unified
	else
		skip "no cgroup2 hierarchy on this host"
	fi
	setup_busybox
	if [ "$CG2_MODE" = emulated ]; then
		# The mount is made in the wrapper's own mount namespace only.
		cat >"$TESTDIR/runc-v2" <<-EOF
			#!/bin/sh
			exec unshare --mount --propagation private sh -c 'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "\$0" "\$@"' "$RUNC" "\$@"
		EOF
		chmod +x "$TESTDIR/runc-v2"
		RUNC=$TESTDIR/runc-v2
		# fs2 enables the available controllers in the parent of the
		# cgroups it makes: give the host's root back as it was.
		local before
		before=$(cat "$CG2_ROOT/cgroup.subtree_control")
		defer "restore_subtree_control '$before'"
	fi
	CGNAME=rt-v2-$(basename "$TESTDIR" | tr -dc 'a-zA-Z0-9')
	CG=$CG2_ROOT/$CGNAME
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"
		| .linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
	set_cmd 'exec sleep 100'
}

# Replaces the helper for teardown: on an emulated v2 host a container's
# v1 cgroups are the runtime's own, i.e. the test harness's; only its
# cgroup2 cgroup is its own.
cgroup_dirs_of_pid() {
	local p
	p=$(sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null)
	[ -n "$p" ] && [ "$p" != / ] && ! grep -qxF "0::$p" /proc/$$/cgroup && echo "$CG2_ROOT$p"
	return 0
}

restore_subtree_control() {
	local c
	for c in $(cat "$CG2_ROOT/cgroup.subtree_control"); do
		[[ " $1 " == *" $c "* ]] || echo "-$c" >"$CG2_ROOT/cgroup.subtree_control" 2>/dev/null || true
	done
}

# This shell's cgroup2 path (relative cgroupsPaths are under it).
own_cgroup2() {
	sed -n 's/^0:://p' /proc/$$/cgroup
}

# The host cgroup2 directory of a container process.
cg2_dir_of() {
	echo "$CG2_ROOT$(sed -n 's/^0:://p' "/proc/$1/cgroup")"
}

# has_controller NAME -- is NAME enabled for our cgroups?
has_controller() {
	grep -qw "$1" "$CG2_ROOT/cgroup.controllers"
}

requires_controller() {
	has_controller "$1" || skip "controller $1 is not on the cgroup2 hierarchy here ($CG2_MODE v2; its v2 files: unit test TestCgroupV2Files)"
}

# cg_check FILE WANT -- FILE of the container's cgroup holds WANT, on the
# host and inside (test_v2 running, with a cgroup namespace).
cg_check() {
	local host
	host=$(cat "$CG/$1") || fail "no $CG/$1"
	[ "$host" = "$2" ] || fail "host $1 = '$host', want '$2'"
	runc_split exec test_v2 cat "/sys/fs/cgroup/$1"
	[ "$status" -eq 0 ] || fail "exec cat $1: $stderr"
	[ "$output" = "$2" ] || fail "inside $1 = '$output', want '$2'"
}

# The configuration is refused with a message matching $1; no container
# and no cgroup is left.
refused() {
	runc run -d test_v2
	[ "$status" -ne 0 ] || fail "run succeeded"
	[[ "$output" == *$1* ]] || fail "error lacks '$1': $output"
	runc_split list -q
	[ -z "$output" ] || fail "containers left: $output"
	[ ! -d "$CG" ] || fail "$CG left behind"
}

@test "v2: the fs2 manager puts the container in <cgroup2>/<cgroupsPath>, only there" {
	runc run -d test_v2
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_v2)
	grep -qx "0::/$CGNAME" "/proc/$pid/cgroup"
	grep -qx "$pid" "$CG/cgroup.procs"
	if [ "$CG2_MODE" = emulated ]; then
		# Not the v1 (fs) manager: the v1 cgroups are the runtime's own.
		[ ! -d "/sys/fs/cgroup/pids/$CGNAME" ]
		[ ! -d "/sys/fs/cgroup/memory/$CGNAME" ]
		[ "$(grep ':pids:' "/proc/$pid/cgroup")" = "$(grep ':pids:' /proc/$$/cgroup)" ]
	fi
}

@test "v2: a relative cgroupsPath, and the default one, are under the runtime's own cgroup" {
	local own
	own=$(own_cgroup2)
	update_config '.linux.cgroupsPath = "'"$CGNAME"'/inner"'
	# delete removes the container's cgroup, not the parent made for it.
	defer "rmdir '$CG2_ROOT${own%/}/$CGNAME'"
	runc run -d test_v2
	[ "$status" -eq 0 ]
	[ "$(cg2_dir_of "$(container_pid test_v2)")" = "$CG2_ROOT${own%/}/$CGNAME/inner" ]

	update_config 'del(.linux.cgroupsPath)'
	runc run -d test_v2b
	[ "$status" -eq 0 ]
	[ "$(cg2_dir_of "$(container_pid test_v2b)")" = "$CG2_ROOT${own%/}/test_v2b" ]
}

@test "v2: with a cgroup namespace /sys/fs/cgroup is a read-only cgroup2 mount of the container's cgroup" {
	set_cmd 'sleep 100 & cat /proc/self/cgroup; while read -r _ _ _ root mp opts rest; do [ "$mp" = /sys/fs/cgroup ] && echo "$root $opts ${rest#*- }"; done </proc/self/mountinfo; wc -l </sys/fs/cgroup/cgroup.procs; mkdir /sys/fs/cgroup/sub && echo made; true'
	runc_split run test_v2
	[ "$status" -eq 0 ]
	# On a hybrid host the v1 lines come first (all "/" too: the namespace
	# is rooted where the runtime was).
	grep -qx '0::/' <<<"$output"
	! grep -v ':/$' <<<"$output" | grep -q '^[0-9]*:' || fail "negated check failed (cgroups_v2.bats:145)"
	grep -q "^/ ro,.* cgroup2 " <<<"$output"
	# sh and sleep at least
	[ "${lines[-1]}" -ge 2 ]
	[[ "$output" != *made* ]]
	[[ "$stderr" == *"Read-only file system"* ]]
}

@test "v2: without a cgroup namespace /sys/fs/cgroup is the whole hierarchy, read-only (as runc)" {
	update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
	set_cmd 'grep "^0::" /proc/self/cgroup; while read -r _ _ _ root mp opts rest; do [ "$mp" = /sys/fs/cgroup ] && echo "$root $opts ${rest#*- }"; done </proc/self/mountinfo; cat /sys/fs/cgroup/$(sed -n "s/^0:://p" /proc/self/cgroup)/cgroup.procs | wc -l; mkdir /sys/fs/cgroup/x && echo made; true'
	runc_split run test_v2
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0::/$CGNAME" ]
	[[ "${lines[1]}" == "/ ro,"*" cgroup2 "* ]]
	# /proc/self/cgroup leads to the container's own cgroup.procs
	[ "${lines[2]}" -ge 2 ]
	[[ "$output" != *made* ]]
}

@test "v2: a user namespace without a cgroup namespace gets a bind of the hierarchy instead (as runc)" {
	update_config '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "user"}])
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	# The mapped root must reach the bundle (mktemp made it 0700).
	chmod 711 "$TESTDIR"
	set_cmd 'grep "^0::" /proc/self/cgroup; while read -r _ _ _ root mp opts rest; do [ "$mp" = /sys/fs/cgroup ] && echo "$root $opts ${rest#*- }"; done </proc/self/mountinfo; cat /sys/fs/cgroup/$(sed -n "s/^0:://p" /proc/self/cgroup)/cgroup.procs | wc -l'
	runc_split run test_v2
	[ "$status" -eq 0 ] || fail "run: $stderr"
	[ "${lines[0]}" = "0::/$CGNAME" ]
	[[ "${lines[1]}" == "/ ro,"*" cgroup2 "* ]]
	[ "${lines[2]}" -ge 2 ]
}

@test "v2: unified values are written (host and inside)" {
	update_config '.linux.resources.unified = {"cgroup.max.depth": "2", "cgroup.max.descendants": "3"}'
	runc run -d test_v2
	[ "$status" -eq 0 ]
	cg_check cgroup.max.depth 2
	cg_check cgroup.max.descendants 3
}

@test "v2: unified cgroup.max.descendants limits the sub-cgroups the container can make" {
	update_config '.linux.resources.unified = {"cgroup.max.descendants": "1"}
		| (.mounts[] | select(.destination == "/sys/fs/cgroup") | .options) |= map(select(. != "ro"))'
	set_cmd 'mkdir /sys/fs/cgroup/a && echo a; mkdir /sys/fs/cgroup/b && echo b; exec sleep 100'
	runc run -d test_v2
	[ "$status" -eq 0 ]
	wait_for_file "$CG/a"
	sleep 0.2
	[ ! -d "$CG/b" ]
	runc delete -f test_v2
	[ "$status" -eq 0 ]
	[ ! -d "$CG" ]
}

@test "v2: unified keys that are not file names are refused" {
	update_config '.linux.resources.unified = {"../cgroup.max.depth": "2"}'
	refused "file name"
}

@test "v2: unified values of a controller the cgroup lacks are refused (as runc)" {
	! has_controller memory || skip "memory is on the cgroup2 hierarchy (see the memory test)"
	update_config '.linux.resources.unified = {"memory.high": "1000000"}'
	refused 'controller*memory*not available'
}

@test "v2: hugepageLimits for every huge page size of the kernel (max and rsvd.max)" {
	requires_controller hugetlb
	local d kb size limits="" sizes=()
	for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
		[ -d "$d" ] || continue
		kb=${d##*hugepages-}
		kb=${kb%kB}
		if [ "$kb" -ge 1048576 ]; then size=$((kb / 1048576))GB
		elif [ "$kb" -ge 1024 ]; then size=$((kb / 1024))MB
		else size=${kb}KB; fi
		sizes+=("$size")
		limits+="${limits:+,}{\"pageSize\": \"$size\", \"limit\": $((kb * 1024 * 4))}"
	done
	[ "${#sizes[@]}" -gt 0 ] || skip "the kernel has no huge page sizes"
	update_config ".linux.resources.hugepageLimits = [$limits]"
	runc run -d test_v2
	[ "$status" -eq 0 ]
	local i=0
	for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
		kb=${d##*hugepages-}
		kb=${kb%kB}
		cg_check "hugetlb.${sizes[i]}.max" $((kb * 1024 * 4))
		if [ -f "$CG/hugetlb.${sizes[i]}.rsvd.max" ]; then
			cg_check "hugetlb.${sizes[i]}.rsvd.max" $((kb * 1024 * 4))
		fi
		i=$((i + 1))
	done
}

@test "v2: a huge page size the kernel lacks is refused" {
	requires_controller hugetlb
	[ ! -d /sys/kernel/mm/hugepages/hugepages-3072kB ] || skip "the kernel has 3MB pages"
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "3MB", "limit": 8388608}]'
	refused hugetlb.3MB.max
}

@test "v2: pause and resume through cgroup.freeze" {
	runc run -d test_v2
	[ "$status" -eq 0 ]
	runc pause test_v2
	[ "$status" -eq 0 ]
	[ "$(cat "$CG/cgroup.freeze")" = 1 ]
	grep -qx 'frozen 1' "$CG/cgroup.events"
	testcontainer test_v2 paused
	runc resume test_v2
	[ "$status" -eq 0 ]
	[ "$(cat "$CG/cgroup.freeze")" = 0 ]
	grep -qx 'frozen 0' "$CG/cgroup.events"
	testcontainer test_v2 running
}

@test "v2: run refuses a frozen cgroup and leaves it frozen" {
	mkdir "$CG"
	defer "rmdir $CG"
	echo 1 >"$CG/cgroup.freeze"
	runc run -d test_v2
	[ "$status" -ne 0 ]
	[[ "$output" == *"container's cgroup unexpectedly frozen"* ]]
	runc_split list -q
	[ -z "$output" ]
	[ "$(cat "$CG/cgroup.freeze")" = 1 ]
	echo 0 >"$CG/cgroup.freeze"
}

@test "v2: run refuses a cgroup that holds a process and leaves both alone" {
	mkdir "$CG"
	defer "rmdir $CG"
	sleep 100 &
	local outsider=$!
	disown "$outsider"
	track_pid "$outsider"
	echo "$outsider" >"$CG/cgroup.procs"
	runc run -d test_v2
	[ "$status" -ne 0 ]
	[[ "$output" == *"container's cgroup is not empty: 1 process(es) found"* ]]
	kill -0 "$outsider"
	grep -qx "$outsider" "$CG/cgroup.procs"
	kill -9 "$outsider"
}

@test "v2: ps lists the processes of cgroup.procs, sub-cgroups included" {
	update_config '(.mounts[] | select(.destination == "/sys/fs/cgroup") | .options) |= map(select(. != "ro"))'
	set_cmd 'sh -c "mkdir /sys/fs/cgroup/sub && echo \$\$ > /sys/fs/cgroup/sub/cgroup.procs; exec sleep 100" & exec sleep 100'
	runc run -d test_v2
	[ "$status" -eq 0 ]
	local i
	for i in $(seq 50); do
		[ -s "$CG/sub/cgroup.procs" ] && break
		sleep 0.1
	done
	local child
	child=$(cat "$CG/sub/cgroup.procs")
	[ -n "$child" ]
	runc_split ps -f json test_v2
	[ "$status" -eq 0 ]
	[ "$(jq -c 'sort' <<<"$output")" = "$(printf '%s\n' "$(container_pid test_v2)" "$child" | sort -n | jq -sc .)" ]
}

# (That cgroup.kill is what does it, where the kernel has it, is checked by
# the unit tests TestCgroupV2Emulated and TestCheckUnusedAndKillV1Root.)
@test "v2: kill --all KILL ends every process, sub-cgroups included; delete removes the tree" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))
		| (.mounts[] | select(.destination == "/sys/fs/cgroup") | .options) |= map(select(. != "ro"))'
	set_cmd 'sh -c "mkdir /sys/fs/cgroup/sub && echo \$\$ > /sys/fs/cgroup/sub/cgroup.procs; exec sleep 100" & sleep 100 & exec sleep 100'
	runc run -d test_v2
	[ "$status" -eq 0 ]
	local i
	for i in $(seq 50); do
		[ -s "$CG/sub/cgroup.procs" ] && break
		sleep 0.1
	done
	local pids
	pids="$(cat "$CG/cgroup.procs" "$CG/sub/cgroup.procs")"
	[ "$(wc -w <<<"$pids")" -eq 3 ]
	runc kill --all test_v2 KILL
	[ "$status" -eq 0 ]
	local p
	for p in $pids; do
		wait_for_pid_exit "$p"
	done
	runc delete test_v2
	[ "$status" -eq 0 ]
	[ ! -d "$CG" ]
}

@test "v2: delete removes the cgroup after a failed start" {
	cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/rootfs/bin/gone"
	set_args /bin/gone sleep 100
	runc create test_v2
	[ "$status" -eq 0 ]
	[ -d "$CG" ]
	rm "$BUNDLE/rootfs/bin/gone"
	runc start test_v2
	wait_for_status test_v2 stopped
	runc delete test_v2
	[ "$status" -eq 0 ]
	[ ! -d "$CG" ]
}

@test "v2: a create that fails after making the cgroup removes it" {
	update_config '.mounts += [{"source": "/nonexistent-'"$CGNAME"'", "destination": "/mnt", "type": "bind", "options": ["bind"]}]'
	refused nonexistent
}

@test "v2: devices (eBPF program): denied by default, allowed by a rule" {
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	bind_mount /dev/fuse /fuse
	set_cmd '{ true </fuse; } && echo opened; { true </dev/null; } && echo null; true'
	runc_split run test_v2
	[ "$status" -eq 0 ]
	[ "$output" = null ]
	[[ "$stderr" == *"Operation not permitted"* ]]

	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "r"}]'
	set_cmd '{ true </fuse; } && echo opened; { true >/fuse; } && echo written; true'
	runc_split run test_v2
	[ "$status" -eq 0 ]
	[ "$output" = opened ]
}

@test "v2: --systemd-cgroup without systemd is an error and leaves nothing" {
	[ ! -d /run/systemd/system ] || skip "systemd is running here"
	update_config '.linux.cgroupsPath = "system.slice:rt:'"$CGNAME"'"'
	RUNC_FLAGS=--systemd-cgroup runc run -d test_v2
	[ "$status" -ne 0 ]
	[[ "$output" == *"systemd"*"not running"* ]]
	runc_split list -q
	[ -z "$output" ]
}

# ---- controllers that are bound to v1 on a hybrid host: pure v2 only ----

@test "v2 (pure v2 host): memory limit, reservation, swap as memory.max, memory.low, memory.swap.max" {
	requires_controller memory
	update_config '.linux.resources.memory = {"limit": 67108864, "reservation": 33554432, "swap": 100663296}'
	runc run -d test_v2
	[ "$status" -eq 0 ]
	cg_check memory.max 67108864
	cg_check memory.low 33554432
	if [ -f "$CG/memory.swap.max" ]; then
		cg_check memory.swap.max 33554432
	fi
}

@test "v2 (pure v2 host): the memory limit is enforced" {
	requires_controller memory
	update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
	set_cmd 'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo "dd=$?"'
	runc_split run test_v2
	[ "$output" = "dd=137" ]
}

@test "v2 (pure v2 host): cpu shares as cpu.weight, quota and period as cpu.max, burst, idle" {
	requires_controller cpu
	update_config '.linux.resources.cpu = {"shares": 2048, "quota": 50000, "period": 200000, "burst": 10000}'
	runc run -d test_v2
	[ "$status" -eq 0 ]
	cg_check cpu.weight 174
	cg_check cpu.max "50000 200000"
	[ ! -f "$CG/cpu.max.burst" ] || cg_check cpu.max.burst 10000
	runc delete -f test_v2
	[ "$status" -eq 0 ]
	update_config '.linux.resources.cpu = {"idle": 1}'
	runc run -d test_v2
	[ "$status" -eq 0 ]
	[ ! -f "$CG/cpu.idle" ] || cg_check cpu.idle 1
}

@test "v2 (pure v2 host): cpus and mems as cpuset.cpus and cpuset.mems" {
	requires_controller cpuset
	[ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs"
	update_config '.linux.resources.cpu = {"cpus": "1", "mems": "0"}'
	runc run -d test_v2
	[ "$status" -eq 0 ]
	cg_check cpuset.cpus 1
	cg_check cpuset.mems 0
	runc_split exec test_v2 grep Cpus_allowed_list /proc/self/status
	[ "$output" = "Cpus_allowed_list:	1" ]
}

@test "v2 (pure v2 host): pids limit as pids.max, and enforced" {
	requires_controller pids
	update_config '.linux.resources.pids = {"limit": 5}'
	set_cmd 'sh -c "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait"; set -- /proc/[0-9]*; echo "procs=$#"; cat /sys/fs/cgroup/pids.max'
	runc_split run test_v2
	[ "$status" -eq 0 ]
	[ "${lines[0]#procs=}" -le 5 ]
	[ "${lines[1]}" = 5 ]
	[[ "$stderr" == *fork* ]]
}

@test "v2 (pure v2 host): blockIO throttles as io.max, weight as io.weight or io.bfq.weight" {
	requires_controller io
	local d dev=""
	for d in /sys/block/*; do
		case ${d##*/} in loop* | ram* | zram*) continue ;; esac
		dev=$(cat "$d/dev") && break
	done
	[ -n "$dev" ] || skip "no block device"
	update_config '.linux.resources.blockIO = {"weight": 500,
		"throttleReadBpsDevice": [{"major": '"${dev%:*}"', "minor": '"${dev#*:}"', "rate": 1048576}],
		"throttleWriteIOPSDevice": [{"major": '"${dev%:*}"', "minor": '"${dev#*:}"', "rate": 400}]}'
	runc run -d test_v2
	[ "$status" -eq 0 ]
	grep -q "^$dev rbps=1048576 wbps=max riops=max wiops=400" "$CG/io.max"
	if [ -f "$CG/io.bfq.weight" ]; then
		grep -q "default 500" "$CG/io.bfq.weight"
	else
		cg_check io.weight "default 4950"
	fi
}

@test "v2 (pure v2 host): memory via unified (memory.high)" {
	requires_controller memory
	update_config '.linux.resources.unified = {"memory.high": "50000000"}'
	runc run -d test_v2
	[ "$status" -eq 0 ]
	# The kernel rounds to whole pages.
	[ "$(cat "$CG/memory.high")" -le 50000000 ]
	[ "$(cat "$CG/memory.high")" -gt 49000000 ]
}

teardown() {
	teardown_busybox
	# Nothing of ours may stay in the host's cgroup2 tree.
	if [ -n "${CG:-}" ] && [ -d "$CG" ]; then
		rmdir "$CG" 2>/dev/null
		fail "teardown: $CG was left behind"
	fi
}
