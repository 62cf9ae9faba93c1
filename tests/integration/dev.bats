#!/usr/bin/env bats
# /dev: default device nodes and symlinks, linux.devices, and the device
# cgroup.

load helpers

add_caps() {
	local c
	for c in "$@"; do
		update_config '.process.capabilities.bounding += ["'"$c"'"] | .process.capabilities.effective += ["'"$c"'"] | .process.capabilities.permitted += ["'"$c"'"]'
	done
}

@test "default device nodes exist as char devices with the right numbers" {
	set_cmd 'for d in null zero full tty random urandom; do echo "$d $(stat -c "%F %t:%T %a" /dev/$d)"; done'
	runc run test_dev
	[ "$status" -eq 0 ]
	# stat prints major and minor in hex.
	[ "${lines[0]}" = "null character special file 1:3 666" ]
	[ "${lines[1]}" = "zero character special file 1:5 666" ]
	[ "${lines[2]}" = "full character special file 1:7 666" ]
	[ "${lines[3]}" = "tty character special file 5:0 666" ]
	[ "${lines[4]}" = "random character special file 1:8 666" ]
	[ "${lines[5]}" = "urandom character special file 1:9 666" ]
}

@test "default devices work" {
	set_cmd 'echo discard > /dev/null && head -c 4 /dev/zero | od -An -tx1 | tr -d " \n"; echo; head -c 16 /dev/urandom | wc -c; echo x > /dev/full || echo full-ok'
	runc_split run test_dev
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 00000000 ]
	[ "${lines[1]}" = 16 ]
	[ "${lines[2]}" = full-ok ]
	[[ "$stderr" == *"No space left on device"* ]]
}

@test "/dev symlinks: fd, stdin, stdout, stderr, ptmx" {
	set_cmd 'for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done'
	runc run test_dev
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "fd -> /proc/self/fd" ]
	[ "${lines[1]}" = "stdin -> /proc/self/fd/0" ]
	[ "${lines[2]}" = "stdout -> /proc/self/fd/1" ]
	[ "${lines[3]}" = "stderr -> /proc/self/fd/2" ]
	[ "${lines[4]}" = "ptmx -> pts/ptmx" ]
}

@test "/dev holds only the default nodes" {
	set_cmd 'ls /dev | tr "\n" " "'
	runc run test_dev
	[ "$status" -eq 0 ]
	[ "$output" = "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero " ]
}

@test "linux.devices entries are created with type, numbers, mode and owner" {
	update_config '.linux.devices = [
		{"path": "/dev/mychar", "type": "c", "major": 1, "minor": 3, "fileMode": 384, "uid": 1, "gid": 1},
		{"path": "/dev/sub/myblock", "type": "b", "major": 7, "minor": 100, "fileMode": 432},
		{"path": "/dev/myfifo", "type": "p"}
	]'
	set_cmd 'stat -c "%F %t:%T %a %u:%g" /dev/mychar /dev/sub/myblock; stat -c %F /dev/myfifo'
	runc run test_dev
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "character special file 1:3 600 1:1" ]
	[ "${lines[1]}" = "block special file 7:64 660 0:0" ]
	[ "${lines[2]}" = "fifo" ]
}

# A character device the host can open but the default rules do not allow:
# /dev/loop-control (10:237).  Opening it needs no capability.  (Block
# devices are no good here: this VM refuses opening its disks even to root
# on the host.)
probe_device() {
	[ -c /dev/loop-control ] || skip "no /dev/loop-control on the host"
	: </dev/loop-control || skip "the host cannot open /dev/loop-control"
	add_caps CAP_MKNOD
	set_cmd 'mknod /dev/probe c 10 237 && : </dev/probe && echo open-ok'
}

@test "the device cgroup denies devices that are not allowed" {
	probe_device
	runc_split run test_dev
	[[ "$output" != *open-ok* ]]
	[[ "$stderr" == *"Operation not permitted"* ]]
}

@test "an allow rule in linux.resources.devices grants access" {
	probe_device
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 237, "access": "rw"}]'
	runc_split run test_dev
	[ "$status" -eq 0 ]
	[ "$output" = open-ok ]
}

@test "a later deny rule wins over an earlier allow" {
	probe_device
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 237, "access": "rw"}, {"allow": false, "type": "c", "major": 10, "minor": 237, "access": "r"}]'
	runc_split run test_dev
	[[ "$output" != *open-ok* ]]
	[[ "$stderr" == *"Operation not permitted"* ]]
}

@test "the device cgroup's list is not allow-all" {
	set_args sleep 100
	runc run -d test_dev
	[ "$status" -eq 0 ]
	local d
	d=$(cgroup_dirs_of_pid "$(container_pid test_dev)" | grep '^/sys/fs/cgroup/devices/')
	[ -n "$d" ]
	run cat "$d/devices.list"
	[ "$status" -eq 0 ]
	[[ "$output" != *"a *:* rwm"* ]]
	grep -qx 'c 1:3 rwm' <<<"$output"
	grep -qx 'c 1:5 rwm' <<<"$output"
	grep -qx 'c 5:0 rwm' <<<"$output"
	! grep -q '^b .* r' <<<"$output"
}
