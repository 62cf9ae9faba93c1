#!/usr/bin/env bats
# runc update: change the cgroup limits of a live container, record them in
# its state.

load helpers

setup() {
	setup_busybox
	has_cgroup_v1 pids && has_cgroup_v1 memory ||
		skip "needs cgroup v1 controllers at /sys/fs/cgroup/<controller>"
	set_args sleep 1000
}

start_container() {
	runc run -d test_update
	[ "$status" -eq 0 ] || fail "run -d failed: $output"
	INIT=$(container_pid test_update)
	track_cgroups "$INIT"
}

# cgdir CONTROLLER: the container's cgroup directory on the host.
cgdir() {
	cgroup_dirs_of_pid "$INIT" | grep -m1 "^/sys/fs/cgroup/$1/"
}

# host_value CONTROLLER FILE
host_value() {
	cat "$(cgdir "$1")/$2"
}

# inner_value CONTROLLER FILE: the file as the container sees it, through
# its cgroup mount.
inner_value() {
	__runc exec test_update cat "/sys/fs/cgroup/$1/$2" </dev/null
}

# recorded JQ_PATH: a value of linux.resources in the state file.
recorded() {
	jq -r ".config.linux.resources$1" "$ROOT/test_update/state.json"
}

# The blkio weight file: blkio.weight with CFQ, blkio.bfq.weight with BFQ.
blkio_weight_file() {
	local d
	d=$(cgdir blkio)
	if [ -f "$d/blkio.weight" ]; then
		echo blkio.weight
	elif [ -f "$d/blkio.bfq.weight" ]; then
		echo blkio.bfq.weight
	fi
}

# check_update FLAG VALUE CONTROLLER FILE EXPECTED JQ_PATH RECORDED
check_update() {
	local flag=$1 value=$2 ctrl=$3 file=$4 want=$5 path=$6 rec=$7
	runc update "$flag" "$value" test_update
	[ "$status" -eq 0 ] || fail "update $flag $value: $output"
	local got
	got=$(host_value "$ctrl" "$file")
	[ "$got" = "$want" ] || fail "host $ctrl/$file = $got after $flag $value, want $want"
	got=$(inner_value "$ctrl" "$file")
	[ "$got" = "$want" ] || fail "container's $ctrl/$file = $got after $flag $value, want $want"
	got=$(recorded "$path")
	[ "$got" = "$rec" ] || fail "recorded $path = $got after $flag $value, want $rec"
}

@test "update: each flag reaches the cgroup, the container's view of it and the state" {
	start_container
	check_update --memory 64m memory memory.limit_in_bytes 67108864 .memory.limit 67108864
	check_update --memory-swap 128M memory memory.memsw.limit_in_bytes 134217728 .memory.swap 134217728
	check_update --memory-reservation "32 MiB" memory memory.soft_limit_in_bytes 33554432 .memory.reservation 33554432
	check_update --cpu-share 512 cpu cpu.shares 512 .cpu.shares 512
	check_update --cpu-period 200000 cpu cpu.cfs_period_us 200000 .cpu.period 200000
	check_update --cpu-quota 50000 cpu cpu.cfs_quota_us 50000 .cpu.quota 50000
	if [ -f "$(cgdir cpu)/cpu.cfs_burst_us" ]; then
		check_update --cpu-burst 10000 cpu cpu.cfs_burst_us 10000 .cpu.burst 10000
	fi
	if [ -f "$(cgdir cpu)/cpu.rt_runtime_us" ]; then
		check_update --cpu-rt-period 900000 cpu cpu.rt_period_us 900000 .cpu.realtimePeriod 900000
		check_update --cpu-rt-runtime 9000 cpu cpu.rt_runtime_us 9000 .cpu.realtimeRuntime 9000
	fi
	if [ -f "$(cgdir cpu)/cpu.idle" ]; then
		# The kernel takes no shares for an idle group: later updates
		# must still work, and leaving idle puts the shares back.
		check_update --cpu-idle 1 cpu cpu.idle 1 .cpu.idle 1
		check_update --pids-limit 25 pids pids.max 25 .pids.limit 25
		check_update --cpu-idle 0 cpu cpu.idle 0 .cpu.idle 0
		[ "$(host_value cpu cpu.shares)" = 512 ]
	fi
	check_update --cpuset-cpus 0 cpuset cpuset.cpus 0 .cpu.cpus 0
	check_update --cpuset-mems 0 cpuset cpuset.mems 0 .cpu.mems 0
	check_update --pids-limit 20 pids pids.max 20 .pids.limit 20
	check_update --pids-limit -1 pids pids.max max .pids.limit -1
	local wf
	wf=$(blkio_weight_file)
	if [ -n "$wf" ]; then
		check_update --blkio-weight 500 blkio "$wf" 500 .blockIO.weight 500
	fi

	# Every value is still recorded: an update keeps what it is not given.
	[ "$(recorded .memory.limit)" = 67108864 ]
	[ "$(recorded .cpu.shares)" = 512 ]
	[ "$(recorded .cpu.cpus)" = 0 ]
	# And the container is still running.
	testcontainer test_update running
}

@test "update: memory sizes are read as runc reads them" {
	start_container
	local v
	for v in 16777216:16777216 20m:20971520 24M:25165824 28MiB:29360128 "32 MB:33554432" 0.5g:536870912 40960k:41943040; do
		runc update --memory "${v%%:*}" --memory-swap -1 test_update
		[ "$status" -eq 0 ] || fail "update --memory ${v%%:*}: $output"
		[ "$(host_value memory memory.limit_in_bytes)" = "${v##*:}" ] || fail "--memory ${v%%:*}: $(host_value memory memory.limit_in_bytes)"
	done
	# -1 is unlimited, for memory and swap alike.
	runc update --memory -1 test_update
	[ "$status" -eq 0 ]
	[ "$(host_value memory memory.limit_in_bytes)" -gt $((1 << 40)) ]
	[ "$(recorded .memory.limit)" = -1 ]
	[ "$(recorded .memory.swap)" = -1 ]
}

@test "update: the limits take effect inside the container" {
	start_container

	# pids: the container's shell cannot fork past the limit...
	runc update --pids-limit 4 test_update
	[ "$status" -eq 0 ]
	runc exec test_update sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; set -- /proc/[0-9]*; echo procs=$#'
	[ "$status" -ne 0 ]
	[[ "$output" == *"can't fork"* ]]
	[[ "$output" != *procs=* ]]
	# ... and can once it is raised.
	runc update --pids-limit 50 test_update
	[ "$status" -eq 0 ]
	runc_split exec test_update sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; set -- /proc/[0-9]*; echo procs=$#'
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^procs=[0-9]+$ ]]
	[ "${output#procs=}" -ge 10 ]

	# memory: 32M of one "line" does not fit in 16M (swap included)...
	local big='head -c 33554432 /dev/zero | tail -n 1 | wc -c'
	runc update --memory 16m --memory-swap 16m test_update
	[ "$status" -eq 0 ]
	runc_split exec test_update sh -c "$big"
	[ "$output" != 33554432 ]
	# ... and does in 128M.
	runc update --memory 128m --memory-swap 128m test_update
	[ "$status" -eq 0 ]
	runc_split exec test_update sh -c "$big"
	[ "$status" -eq 0 ]
	[ "$output" = 33554432 ]

	# cpuset: the running init's affinity follows the cgroup.
	runc update --cpuset-cpus 0 test_update
	[ "$status" -eq 0 ]
	runc_split exec test_update sh -c 'grep Cpus_allowed_list /proc/1/status'
	[[ "$output" =~ Cpus_allowed_list:[[:space:]]+0$ ]]
	if [ "$(nproc)" -ge 2 ]; then
		runc update --cpuset-cpus 0-1 test_update
		[ "$status" -eq 0 ]
		runc_split exec test_update sh -c 'grep Cpus_allowed_list /proc/1/status'
		[[ "$output" =~ Cpus_allowed_list:[[:space:]]+0-1$ ]]
	fi
}

@test "update -r FILE: runtime-spec resources from a file" {
	start_container
	cat >"$TESTDIR/res.json" <<-EOF
		{"memory": {"limit": 50331648, "swap": 100663296},
		 "cpu": {"shares": 300, "quota": 20000, "period": 100000},
		 "pids": {"limit": 33},
		 "blockIO": {"weight": 400}}
	EOF
	runc update -r "$TESTDIR/res.json" test_update
	[ "$status" -eq 0 ]
	[ "$(host_value memory memory.limit_in_bytes)" = 50331648 ]
	[ "$(host_value memory memory.memsw.limit_in_bytes)" = 100663296 ]
	[ "$(host_value cpu cpu.shares)" = 300 ]
	[ "$(host_value cpu cpu.cfs_quota_us)" = 20000 ]
	[ "$(host_value pids pids.max)" = 33 ]
	[ "$(inner_value pids pids.max)" = 33 ]
	local wf
	wf=$(blkio_weight_file)
	[ -z "$wf" ] || [ "$(host_value blkio "$wf")" = 400 ]
	[ "$(recorded .memory.limit)" = 50331648 ]
	[ "$(recorded .cpu.quota)" = 20000 ]
	[ "$(recorded .pids.limit)" = 33 ]

	# With -r the other flags are ignored.
	echo '{"pids": {"limit": 44}}' >"$TESTDIR/res2.json"
	runc update --pids-limit 55 --resources "$TESTDIR/res2.json" test_update
	[ "$status" -eq 0 ]
	[ "$(host_value pids pids.max)" = 44 ]
	# What the file leaves out keeps its value.
	[ "$(host_value memory memory.limit_in_bytes)" = 50331648 ]
	[ "$(recorded .memory.limit)" = 50331648 ]
}

@test "update -r -: resources on stdin, as containerd sends them" {
	start_container
	# containerd sends the whole linux.resources object, device rules
	# included (they cannot be updated and are left alone).
	jq '.linux.resources + {memory: {limit: 41943040, swap: 83886080}, pids: {limit: 21}, cpu: {shares: 256}}' \
		"$BUNDLE/config.json" >"$TESTDIR/res.json"
	run bash -c '"$0" --root "$1" update --resources - test_update <"$2"' "$RUNC" "$ROOT" "$TESTDIR/res.json"
	[ "$status" -eq 0 ] || fail "update --resources -: $output"
	[ "$(host_value memory memory.limit_in_bytes)" = 41943040 ]
	[ "$(host_value pids pids.max)" = 21 ]
	[ "$(host_value cpu cpu.shares)" = 256 ]
	[ "$(inner_value memory memory.limit_in_bytes)" = 41943040 ]
	[ "$(recorded .pids.limit)" = 21 ]
	# The device rules are what they were: /dev/null works, the recorded
	# rules are the config's.
	runc exec test_update sh -c 'echo x >/dev/null'
	[ "$status" -eq 0 ]
	[ "$(recorded .devices)" = "$(jq -r .linux.resources.devices "$BUNDLE/config.json")" ]

	# -r - in the short form.
	run bash -c 'echo "{\"pids\":{\"limit\":22}}" | "$0" --root "$1" update -r - test_update' "$RUNC" "$ROOT"
	[ "$status" -eq 0 ]
	[ "$(host_value pids pids.max)" = 22 ]
}

# assert_unchanged: the state file and the cgroup are as saved by
# save_before.
save_before() {
	cp "$ROOT/test_update/state.json" "$TESTDIR/state.before"
	MEM_BEFORE=$(host_value memory memory.limit_in_bytes)
	PIDS_BEFORE=$(host_value pids pids.max)
	CPUS_BEFORE=$(host_value cpuset cpuset.cpus)
}

assert_unchanged() {
	cmp -s "$ROOT/test_update/state.json" "$TESTDIR/state.before" || fail "state.json changed"
	[ "$(host_value memory memory.limit_in_bytes)" = "$MEM_BEFORE" ] || fail "memory limit changed"
	[ "$(host_value pids pids.max)" = "$PIDS_BEFORE" ] || fail "pids.max changed"
	[ "$(host_value cpuset cpuset.cpus)" = "$CPUS_BEFORE" ] || fail "cpuset.cpus changed"
}

# One line on stderr, non-zero status; $1 is a part of the message.
assert_clean_error() {
	[ "$status" -ne 0 ] || fail "succeeded"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "error is not one line: $stderr"
	[[ "$stderr" == *"$1"* ]] || fail "error lacks '$1': $stderr"
}

@test "update: bad values, flags and input are refused and change nothing" {
	update_config '.linux.resources.memory = {"limit": 33554432, "swap": 67108864} | .linux.resources.pids = {"limit": 30}'
	start_container
	save_before

	runc_split update --memory 10x test_update
	assert_clean_error "invalid value for memory"
	assert_unchanged
	runc_split update --memory-swap -2 test_update
	assert_clean_error "invalid value for memory-swap"
	runc_split update --pids-limit many test_update
	assert_clean_error "invalid value for pids-limit"
	runc_split update --cpu-share -5 test_update
	assert_clean_error "invalid value for cpu-share"
	runc_split update --no-such-flag 1 test_update
	assert_clean_error "no-such-flag"
	assert_unchanged

	# Values the kernel refuses: a limit below the usage, a CPU that does
	# not exist, memory above the recorded memory+swap limit.
	runc_split update --memory 4k test_update
	assert_clean_error "memory"
	assert_unchanged
	runc_split update --cpuset-cpus 4095 test_update
	assert_clean_error "cpuset.cpus"
	assert_unchanged
	runc_split update --memory 128m test_update
	[ "$status" -ne 0 ]
	assert_unchanged
	local wf
	wf=$(blkio_weight_file)
	if [ -n "$wf" ]; then
		# pids.max is written before the blkio weight, which the
		# kernel refuses: it is put back.
		runc_split update --pids-limit 7 --blkio-weight 5000 test_update
		[ "$status" -ne 0 ]
		assert_unchanged
	fi

	echo '{"memory": {"limit": "lots"}}' >"$TESTDIR/bad.json"
	runc_split update -r "$TESTDIR/bad.json" test_update
	assert_clean_error "parse resources"
	echo '{"memory": ' >"$TESTDIR/bad.json"
	runc_split update -r "$TESTDIR/bad.json" test_update
	assert_clean_error "parse resources"
	runc_split update -r "$TESTDIR/none.json" test_update
	assert_clean_error "none.json"
	runc_split update -r - test_update
	assert_clean_error "parse resources"
	assert_unchanged

	runc_split update
	assert_clean_error "requires exactly 1 argument"
	runc_split update --pids-limit 5 no_such_container
	assert_clean_error "container does not exist"
	[ ! -e "$ROOT/no_such_container" ]
	testcontainer test_update running
}

@test "update: Intel RDT schemata are refused on a host without RDT" {
	[ ! -d /sys/fs/resctrl/info ] || skip "this host has resctrl"
	start_container
	save_before
	runc_split update --l3-cache-schema "L3:0=f" test_update
	assert_clean_error "Intel RDT/CAT: l3 cache schema is not enabled"
	runc_split update --mem-bw-schema "MB:0=70" test_update
	assert_clean_error "Intel RDT/MBA: memory bandwidth schema is not enabled"
	assert_unchanged
}

@test "update: kernel memory flags are accepted with a warning and ignored" {
	start_container
	save_before
	runc_split update --kernel-memory 16m --kernel-memory-tcp 8m test_update
	[ "$status" -eq 0 ]
	[[ "$stderr" == *[Kk]ernel*ignored* ]]
	assert_unchanged
	[ "$(recorded .memory.kernel)" = null ]
}

@test "update of a stopped container is refused" {
	set_args true
	runc run -d test_update
	[ "$status" -eq 0 ]
	wait_for_status test_update stopped
	cp "$ROOT/test_update/state.json" "$TESTDIR/state.before"
	runc_split update --memory 64m test_update
	assert_clean_error "container not running"
	cmp "$ROOT/test_update/state.json" "$TESTDIR/state.before"
}

@test "update of a created container, then start" {
	runc create test_update
	[ "$status" -eq 0 ]
	INIT=$(container_pid test_update)
	track_cgroups "$INIT"
	runc update --pids-limit 12 --memory 48m test_update
	[ "$status" -eq 0 ]
	[ "$(host_value pids pids.max)" = 12 ]
	[ "$(host_value memory memory.limit_in_bytes)" = 50331648 ]
	testcontainer test_update created
	runc start test_update
	[ "$status" -eq 0 ]
	testcontainer test_update running
	[ "$(inner_value pids pids.max)" = 12 ]
	[ "$(recorded .pids.limit)" = 12 ]
}

@test "update of a paused container leaves it paused" {
	start_container
	runc pause test_update
	[ "$status" -eq 0 ]
	runc update --pids-limit 17 --cpu-share 700 test_update
	[ "$status" -eq 0 ]
	[ "$(host_value pids pids.max)" = 17 ]
	[ "$(host_value cpu cpu.shares)" = 700 ]
	testcontainer test_update paused
	[ "$(host_value freezer freezer.state)" = FROZEN ]
	runc resume test_update
	[ "$status" -eq 0 ]
	[ "$(inner_value pids pids.max)" = 17 ]
}

@test "update --help names its options" {
	runc_split update --help
	[ "$status" -eq 0 ]
	local opt
	for opt in --resources --memory --memory-swap --memory-reservation --cpu-share --cpu-quota --cpu-period \
		--cpu-burst --cpu-rt-period --cpu-rt-runtime --cpuset-cpus --cpuset-mems --pids-limit --blkio-weight \
		--l3-cache-schema --mem-bw-schema; do
		[[ "$output" == *"$opt"* ]] || fail "update --help lacks $opt"
	done
}
