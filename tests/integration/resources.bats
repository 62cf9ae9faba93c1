#!/usr/bin/env bats
# linux.resources on a cgroup v1 (or hybrid) host: every value is read back
# from the host (/sys/fs/cgroup/<controller>/<cgroupsPath>/...) and from
# inside the container (its own cgroup under /sys/fs/cgroup/<controller>),
# and where it is cheap its effect is checked too. The cgroup v2 files are
# covered by cgroups_v2.bats (emulated or real v2) and by the unit test
# TestCgroupV2Files.

load helpers

setup() {
	setup_busybox
	has_cgroup_v1 pids && has_cgroup_v1 memory ||
		skip "needs cgroup v1 controllers at /sys/fs/cgroup/<controller> (cgroups_v2.bats covers v2)"
	CGNAME=rt-res-$(basename "$TESTDIR" | tr -dc 'a-zA-Z0-9')
	update_config '.linux.cgroupsPath = "/'"$CGNAME"'"'
	set_cmd 'exec sleep 100'
}

# res JQ_EXPR -- set .linux.resources.<...> with a jq assignment.
res() {
	update_config ".linux.resources$1"
}

# cg_check CONTROLLER FILE WANT -- the file holds WANT on the host and
# inside the container (test_res must be running).
cg_check() {
	local host inside
	host=$(cat "/sys/fs/cgroup/$1/$CGNAME/$2") || fail "no /sys/fs/cgroup/$1/$CGNAME/$2"
	[ "$host" = "$3" ] || fail "host $1/$2 = '$host', want '$3'"
	runc_split exec test_res cat "/sys/fs/cgroup/$1/$2"
	[ "$status" -eq 0 ] || fail "exec cat $1/$2: $stderr"
	inside=$output
	[ "$inside" = "$3" ] || fail "inside $1/$2 = '$inside', want '$3'"
}

# The configuration is refused: non-zero exit, a message matching $1, and
# neither the container nor any of its cgroups is left.
refused() {
	runc run -d test_res
	[ "$status" -ne 0 ] || fail "run succeeded"
	[[ "$output" == *$1* ]] || fail "error lacks '$1': $output"
	[ "$(wc -l <<<"$output")" -le 2 ] || fail "more than a short error: $output"
	runc_split list -q
	[ -z "$output" ] || fail "containers left: $output"
	local d
	for d in /sys/fs/cgroup/*/; do
		[ ! -d "$d$CGNAME" ] || fail "cgroup $d$CGNAME left behind"
	done
}

# The first whole disk of the host, as MAJOR:MINOR (not loop, ram or zram).
block_device() {
	local d
	for d in /sys/block/*; do
		case ${d##*/} in loop* | ram* | zram* | dm-* | md*) continue ;; esac
		[ -r "$d/dev" ] && cat "$d/dev" && return 0
	done
	return 1
}

@test "memory: limit, reservation, swap, swappiness, disableOOMKiller" {
	res '.memory = {"limit": 67108864, "reservation": 33554432, "swap": 134217728,
		"swappiness": 30, "disableOOMKiller": true}'
	runc run -d test_res
	[ "$status" -eq 0 ]
	cg_check memory memory.limit_in_bytes 67108864
	cg_check memory memory.soft_limit_in_bytes 33554432
	cg_check memory memory.swappiness 30
	if [ -f "/sys/fs/cgroup/memory/$CGNAME/memory.memsw.limit_in_bytes" ]; then
		cg_check memory memory.memsw.limit_in_bytes 134217728
	fi
	grep -qx 'oom_kill_disable 1' "/sys/fs/cgroup/memory/$CGNAME/memory.oom_control"
	runc_split exec test_res cat /sys/fs/cgroup/memory/memory.oom_control
	[[ "$output" == *"oom_kill_disable 1"* ]]
}

@test "memory: the limit is enforced (the OOM killer takes the process)" {
	res '.memory = {"limit": 33554432, "swap": 33554432}'
	# dd allocates, then fills, a 64 MiB buffer.
	set_cmd 'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo "dd=$?"'
	runc_split run test_res
	[ "$status" -eq 0 ]
	[ "$output" = "dd=137" ]
}

@test "memory: without a limit the same allocation works" {
	set_cmd 'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo "dd=$?"'
	runc_split run test_res
	[ "$output" = "dd=0" ]
}

@test "memory: kernel and kernelTCP are ignored with a warning" {
	res '.memory = {"limit": 67108864, "kernel": 1048576, "kernelTCP": 1048576}'
	runc run -d test_res
	[ "$status" -eq 0 ]
	[[ "$output" == *[Kk]ernel* ]]
	cg_check memory memory.limit_in_bytes 67108864
}

@test "cpu: shares, quota, period, burst" {
	res '.cpu = {"shares": 512, "quota": 50000, "period": 200000, "burst": 10000}'
	runc run -d test_res
	[ "$status" -eq 0 ]
	cg_check cpu cpu.shares 512
	cg_check cpu cpu.cfs_quota_us 50000
	cg_check cpu cpu.cfs_period_us 200000
	if [ -f /sys/fs/cgroup/cpu/cpu.cfs_burst_us ]; then
		cg_check cpu cpu.cfs_burst_us 10000
	fi
}

@test "cpu: the quota throttles a busy loop" {
	res '.cpu = {"quota": 10000, "period": 100000}'
	set_cmd 'while :; do :; done'
	runc run -d test_res
	[ "$status" -eq 0 ]
	sleep 0.6
	local throttled
	throttled=$(awk '$1 == "nr_throttled" {print $2}' "/sys/fs/cgroup/cpu/$CGNAME/cpu.stat")
	[ "$throttled" -gt 0 ] || fail "nr_throttled = $throttled"
	runc_split exec test_res cat /sys/fs/cgroup/cpu/cpu.stat
	[[ "$output" == *"nr_throttled "[1-9]* ]]
}

@test "cpu: realtimeRuntime and realtimePeriod" {
	[ -f /sys/fs/cgroup/cpu/cpu.rt_runtime_us ] || skip "kernel without CONFIG_RT_GROUP_SCHED"
	res '.cpu = {"realtimeRuntime": 10000, "realtimePeriod": 500000}'
	runc run -d test_res
	[ "$status" -eq 0 ]
	cg_check cpu cpu.rt_period_us 500000
	cg_check cpu cpu.rt_runtime_us 10000
}

@test "cpu: idle" {
	[ -f /sys/fs/cgroup/cpu/cpu.idle ] || skip "kernel without cpu.idle (Linux 5.15+)"
	res '.cpu = {"idle": 1}'
	runc run -d test_res
	[ "$status" -eq 0 ]
	cg_check cpu cpu.idle 1
}

@test "cpu: cpus and mems (cpuset), also seen by the process" {
	local ncpu last
	ncpu=$(nproc --all)
	[ "$ncpu" -ge 2 ] || skip "needs 2 CPUs"
	last=$((ncpu - 1))
	res '.cpu = {"cpus": "'"$last"'", "mems": "0"}'
	runc run -d test_res
	[ "$status" -eq 0 ]
	cg_check cpuset cpuset.cpus "$last"
	cg_check cpuset cpuset.mems 0
	runc_split exec test_res sh -c 'grep Cpus_allowed_list /proc/self/status; nproc'
	[ "${lines[0]}" = "Cpus_allowed_list:	$last" ]
	[ "${lines[1]}" = 1 ]
}

@test "pids: limit, and -1 for no limit" {
	res '.pids = {"limit": 42}'
	runc run -d test_res
	[ "$status" -eq 0 ]
	cg_check pids pids.max 42
	runc delete -f test_res
	[ "$status" -eq 0 ]

	res '.pids = {"limit": -1}'
	runc run -d test_res
	[ "$status" -eq 0 ]
	cg_check pids pids.max max
}

@test "blockIO: throttles per device" {
	local dev
	dev=$(block_device) || skip "no block device"
	local maj=${dev%:*} min=${dev#*:}
	res '.blockIO = {
		"throttleReadBpsDevice": [{"major": '"$maj"', "minor": '"$min"', "rate": 1048576}],
		"throttleWriteBpsDevice": [{"major": '"$maj"', "minor": '"$min"', "rate": 2097152}],
		"throttleReadIOPSDevice": [{"major": '"$maj"', "minor": '"$min"', "rate": 300}],
		"throttleWriteIOPSDevice": [{"major": '"$maj"', "minor": '"$min"', "rate": 400}]}'
	runc run -d test_res
	[ "$status" -eq 0 ]
	cg_check blkio blkio.throttle.read_bps_device "$dev 1048576"
	cg_check blkio blkio.throttle.write_bps_device "$dev 2097152"
	cg_check blkio blkio.throttle.read_iops_device "$dev 300"
	cg_check blkio blkio.throttle.write_iops_device "$dev 400"
}

@test "blockIO: weight, and a device weight on a BFQ loop device" {
	command -v losetup >/dev/null || skip "no losetup"
	truncate -s 8M "$TESTDIR/disk.img"
	local loop
	loop=$(losetup -f --show "$TESTDIR/disk.img") || skip "cannot set up a loop device"
	defer "losetup -d $loop"
	local name=${loop#/dev/} dev
	dev=$(cat "/sys/block/$name/dev")
	echo bfq >"/sys/block/$name/queue/scheduler" 2>/dev/null || skip "no BFQ I/O scheduler"
	res '.blockIO = {"weight": 300,
		"weightDevice": [{"major": '"${dev%:*}"', "minor": '"${dev#*:}"', "weight": 600}]}'
	runc run -d test_res
	[ "$status" -eq 0 ]
	local wfile=blkio.weight wdfile=blkio.weight_device
	if [ ! -f "/sys/fs/cgroup/blkio/$CGNAME/blkio.weight" ]; then
		wfile=blkio.bfq.weight wdfile=blkio.bfq.weight_device
	fi
	cg_check blkio "$wfile" 300
	cg_check blkio "$wdfile" "default 300
$dev 600"
}

@test "blockIO: leafWeight is refused where the kernel has no blkio.leaf_weight" {
	[ ! -f /sys/fs/cgroup/blkio/blkio.leaf_weight ] || skip "kernel has blkio.leaf_weight (CFQ)"
	res '.blockIO = {"leafWeight": 300}'
	refused blkio.leaf_weight
}

@test "hugepageLimits: hugetlb.<size>.limit_in_bytes, or refused without a v1 hugetlb hierarchy (as runc)" {
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages in this kernel"
	res '.hugepageLimits = [{"pageSize": "2MB", "limit": 8388608}]'
	if ! has_cgroup_v1 hugetlb; then
		# This host: hugetlb is enabled on the cgroup2 hierarchy only,
		# which the v1 manager does not use (cgroups_v2.bats tests it).
		refused "cannot set hugetlb limit"
		return
	fi
	runc run -d test_res
	[ "$status" -eq 0 ]
	cg_check hugetlb hugetlb.2MB.limit_in_bytes 8388608
}

@test "hugepageLimits: a page size the kernel lacks is refused" {
	has_cgroup_v1 hugetlb || skip "no v1 hugetlb hierarchy (refused for any size, see above)"
	res '.hugepageLimits = [{"pageSize": "3MB", "limit": 8388608}]'
	refused 3MB
}

@test "network: classID and priorities, or refused without net_cls/net_prio (as runc)" {
	res '.network = {"classID": 1048577, "priorities": [{"name": "lo", "priority": 5}]}'
	if ! has_cgroup_v1 net_cls; then
		refused "cannot set net_cls limit"
		return
	fi
	runc run -d test_res
	[ "$status" -eq 0 ]
	cg_check net_cls net_cls.classid 1048577
	[[ "$(cat "/sys/fs/cgroup/net_prio/$CGNAME/net_prio.ifpriomap")" == *"lo 5"* ]]
}

# in_stray_cgroup_ns ARGS... -- run the runtime with ARGS in a private mount
# namespace whose /sys/fs/cgroup is a tmpfs of its own, with this host's
# hierarchies bind-mounted back and, as conmon leaves them, plain
# directories with a `tasks` file for net_cls, net_prio and hugetlb. The
# host's /sys/fs/cgroup is not touched.
in_stray_cgroup_ns() {
	cat >"$TESTDIR/stray-ns.sh" <<'EOF'
set -e
dir=$1
shift
mkdir -p "$dir/cg"
mount --rbind /sys/fs/cgroup "$dir/cg"
mount -t tmpfs -o mode=755 tmpfs /sys/fs/cgroup
for d in "$dir"/cg/*; do
	mountpoint -q "$d" || continue
	mkdir "/sys/fs/cgroup/${d##*/}"
	mount --rbind "$d" "/sys/fs/cgroup/${d##*/}"
done
umount -R -l "$dir/cg"
for c in net_cls net_prio hugetlb; do
	mkdir -p "/sys/fs/cgroup/$c/libpod_parent/conmon"
	: >"/sys/fs/cgroup/$c/libpod_parent/conmon/tasks"
done
exec "$@"
EOF
	status=0
	output=$(RUNC_TEST_MARKER=$TESTDIR timeout -k 5 "$RUNC_TIMEOUT" unshare -m --propagation private \
		bash "$TESTDIR/stray-ns.sh" "$TESTDIR" "$RUNC" --root "$ROOT" "$@" 2>&1 </dev/null 3>&-) || status=$?
	echo "in stray ns: runc $* (status=$status): $output" >&2
}

@test "a plain directory /sys/fs/cgroup/net_cls (or hugetlb) is no hierarchy: refused as runc refuses it" {
	has_cgroup_v1 net_cls && skip "net_cls is a mounted v1 hierarchy on this host"
	local host_tmpfs
	host_tmpfs=$(find /sys/fs/cgroup -xdev 2>/dev/null | sort)
	# The namespace works: a container without those resources runs there.
	set_cmd 'test -d /sys/fs/cgroup/pids && echo ok'
	in_stray_cgroup_ns run test_res
	[ "$status" -eq 0 ]
	[ "$output" = ok ]

	res '.network = {"classID": 1048577}'
	in_stray_cgroup_ns run test_res
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot set net_cls limit: container could not join or create cgroup"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	runc_split list -q
	[ -z "$output" ]

	if ! has_cgroup_v1 hugetlb && [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ]; then
		update_config 'del(.linux.resources.network)'
		res '.hugepageLimits = [{"pageSize": "2MB", "limit": 8388608}]'
		in_stray_cgroup_ns run test_res
		[ "$status" -ne 0 ]
		[[ "$output" == *"cannot set hugetlb limit"* ]]
	fi
	# Nothing of it reached the host.
	[ "$(find /sys/fs/cgroup -xdev 2>/dev/null | sort)" = "$host_tmpfs" ]
}

@test "rdma: refused without an rdma hierarchy (as runc)" {
	res '.rdma = {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}}'
	if ! has_cgroup_v1 rdma; then
		refused "cannot set rdma limit"
		return
	fi
	# rdma.max only takes devices the host has.
	skip "rdma hierarchy present: no RDMA device to test with"
}

@test "unified is refused on cgroup v1, and nothing is left" {
	res '.unified = {"pids.max": "10"}'
	refused "cgroup v1"
}

# /dev/fuse: a device outside the default rules that root may open without
# any capability (unlike /dev/kmsg, /dev/mem...), so only the device cgroup
# decides.
@test "devices: the default rules deny a device that linux.resources does not allow" {
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	bind_mount /dev/fuse /fuse
	set_cmd '{ true </fuse; } && echo fuse; { true </dev/null; } && echo null'
	runc_split run test_res
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"Operation not permitted"* ]]
	[ "$output" = null ]
}

@test "devices: a linux.resources.devices rule allows it (host devices.list and inside)" {
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	bind_mount /dev/fuse /fuse
	res '.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "r"}]'
	runc run -d test_res
	[ "$status" -eq 0 ]
	grep -qx 'c 10:229 r' "/sys/fs/cgroup/devices/$CGNAME/devices.list"
	runc_split exec test_res cat /sys/fs/cgroup/devices/devices.list
	[[ "$output" == *"c 10:229 r"* ]]
	runc_split exec test_res sh -c '{ true </fuse; } && echo opened'
	[ "$output" = opened ]
	# Read only: a write open is still denied.
	runc_split exec test_res sh -c '{ true >/fuse; } && echo opened'
	[ -z "$output" ]
	[[ "$stderr" == *"Operation not permitted"* ]]
}

# As with runc, linux.devices only makes the node: the device cgroup allows
# what linux.resources.devices allows (engines add a rule per device).
@test "devices: a linux.devices node is created, and usable once a rule allows it" {
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	update_config '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438}]'
	runc run -d test_res
	[ "$status" -eq 0 ]
	! grep -q '^c 10:229' "/sys/fs/cgroup/devices/$CGNAME/devices.list" || fail "negated check failed (resources.bats:361)"
	runc_split exec test_res sh -c 'ls -l /dev/fuse; { true <>/dev/fuse; } && echo opened'
	[[ "${lines[0]}" == "crw-rw-rw-"*" 10, "*229*/dev/fuse ]]
	[ "${lines[1]:-}" != opened ]
	[[ "$stderr" == *"Operation not permitted"* ]]
	runc delete -f test_res
	[ "$status" -eq 0 ]

	res '.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"}]'
	runc run -d test_res
	[ "$status" -eq 0 ]
	grep -qx 'c 10:229 rwm' "/sys/fs/cgroup/devices/$CGNAME/devices.list"
	runc_split exec test_res sh -c '{ true <>/dev/fuse; } && echo opened'
	[ "$output" = opened ]
}

@test "devices: listing a default device in linux.devices drops its default rule (as runc)" {
	update_config '.linux.devices = [{"path": "/dev/zero", "type": "c", "major": 1, "minor": 5, "fileMode": 438}]'
	runc run -d test_res
	[ "$status" -eq 0 ]
	! grep -q '^c 1:5 ' "/sys/fs/cgroup/devices/$CGNAME/devices.list" || fail "negated check failed (resources.bats:381)"
	grep -qx 'c 1:3 rwm' "/sys/fs/cgroup/devices/$CGNAME/devices.list"
	runc_split exec test_res sh -c '{ true </dev/zero; } && echo zero; { true </dev/null; } && echo null'
	[ "$output" = null ]
}
