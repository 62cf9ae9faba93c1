#!/usr/bin/env bats
# User namespaces made by a root runtime: several mapping ranges, file
# ownership through the maps, device nodes and /sys inside, flags the
# kernel locks on bind mounts, and failures that say why.

load helpers

setup() {
	setup_busybox
	# The container's root is host uid 100000: it must be able to reach
	# the rootfs under the private (0700) test directory.
	chmod 755 "$TESTDIR"
	chown 100000:100000 "$HOSTDIR"
	# Two ranges each: container 0-999 and 1000-1999, at different host ids.
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 1000}, {containerID: 1000, hostID: 200000, size: 1000}]
		| .linux.gidMappings = [{containerID: 0, hostID: 300000, size: 1000}, {containerID: 1000, hostID: 400000, size: 1000}]'
}

# The mountinfo line of a mount point, from `cat /proc/self/mountinfo`
# output in $output.
mountinfo_of() {
	awk -v m="$1" '$5 == m' <<<"$output" | tail -1
}

@test "several mapping ranges: the maps inside are the configured ones" {
	set_cmd 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g'
	runc run test_userns
	[ "$status" -eq 0 ]
	[ "$(awk 'NR <= 2 {print $1, $2, $3}' <<<"$output")" = "0 100000 1000
1000 200000 1000" ]
	[ "$(awk 'NR == 3 || NR == 4 {print $1, $2, $3}' <<<"$output")" = "0 300000 1000
1000 400000 1000" ]
	[ "${lines[4]}" = 0 ]
	[ "${lines[5]}" = 0 ]
}

@test "files made in the container belong to the mapped host ids, and back" {
	chmod 777 "$HOSTDIR"
	touch "$HOSTDIR/host-root" "$HOSTDIR/host-mapped"
	chown 100042:300042 "$HOSTDIR/host-mapped"
	# The container's root may not write the root-owned rootfs: the mount
	# point has to be there.
	mkdir rootfs/out
	bind_mount "$HOSTDIR" /out
	# As container root (first range), then as uid/gid 1500 (second range).
	set_cmd 'touch /out/by-root; ls -ln /out | awk "{print \$3, \$4, \$9}"'
	runc run test_userns
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g "$HOSTDIR/by-root")" = 100000:300000 ]
	# Host ids outside the maps show as the overflow id.
	grep -qx "65534 65534 host-root" <<<"$output"
	grep -qx "42 42 host-mapped" <<<"$output"

	update_config '.process.user = {uid: 1500, gid: 1500}'
	set_cmd 'touch /out/by-1500; ls -ln /out/by-1500 | awk "{print \$3, \$4}"; id -u'
	runc run test_userns
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g "$HOSTDIR/by-1500")" = 200500:400500 ]
	[ "${lines[0]}" = "1500 1500" ]
	[ "${lines[1]}" = 1500 ]
}

@test "the container's processes run as the mapped host ids" {
	update_config '.process.user = {uid: 1001, gid: 1002}'
	set_args sleep 100
	runc run -d test_userns
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_userns)
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 200001 ]
	[ "$(awk '/^Gid:/ {print $2}' "/proc/$pid/status")" = 400002 ]
	# exec joins the same user namespace.
	runc exec test_userns sh -c 'cat /proc/self/uid_map; id -u'
	[ "$status" -eq 0 ]
	[ "$(awk 'NF == 3 {print $1, $2, $3}' <<<"$output")" = "0 100000 1000
1000 200000 1000" ]
	[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
}

@test "a privileged runtime leaves setgroups allowed: additionalGids apply" {
	update_config '.process.user = {uid: 0, gid: 0, additionalGids: [5, 1001]}'
	set_cmd 'cat /proc/self/setgroups; id -G'
	runc run test_userns
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = allow ]
	[[ " ${lines[1]} " == *" 5 "* ]]
	[[ " ${lines[1]} " == *" 1001 "* ]]
}

@test "device nodes are bind mounts of the host's nodes, and work" {
	set_cmd 'cat /proc/self/mountinfo; echo data > /dev/null && head -c 4 /dev/zero | wc -c'
	runc run test_userns
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 4 ]
	local d mi
	for d in null zero full random urandom tty; do
		mi=$(mountinfo_of "/dev/$d")
		[ -n "$mi" ] || fail "/dev/$d is not a mount point"
		# The host's node: its path in the host's devtmpfs is the mount root.
		[ "$(awk '{print $4}' <<<"$mi")" = "/$d" ] || fail "/dev/$d: $mi"
	done
	# Without a user namespace they are nodes made in the container's /dev.
	remove_namespace user
	update_config 'del(.linux.uidMappings, .linux.gidMappings)'
	set_cmd 'cat /proc/self/mountinfo'
	runc run test_userns
	[ "$status" -eq 0 ]
	[ -z "$(mountinfo_of /dev/null)" ]
}

@test "sysfs with a network namespace of its own; a read-only rbind of the host's /sys without" {
	set_cmd 'ls /sys/class/net; cat /proc/self/mountinfo'
	runc run test_userns
	[ "$status" -eq 0 ]
	# A fresh sysfs: only the container's loopback.
	[ "${lines[0]}" = lo ]
	[[ "$(mountinfo_of /sys)" == *" - sysfs "* ]]

	remove_namespace network
	set_cmd 'ls /sys/class/net | sort | tr "\n" " "; echo; cat /proc/self/mountinfo; touch /sys/fs/cgroup/x; echo 1 > /sys/kernel/uevent_helper'
	runc run test_userns
	[ "$status" -ne 0 ]
	# The host's interfaces, and the host's mounts under /sys, all read-only.
	[ "${lines[0]}" = "$(ls /sys/class/net | sort | tr '\n' ' ')" ]
	local mi
	mi=$(mountinfo_of /sys)
	[[ "$(awk '{print $6}' <<<"$mi")" == ro,* ]]
	awk '$5 ~ /^\/sys\// {print $6}' <<<"$output" | while read -r o; do
		[[ "$o" == ro* ]] || fail "a mount under /sys is not read-only: $o"
	done
	[[ "$output" == *"Read-only file system"* ]]
}

@test "a bind mount keeps the flags the kernel locks on its source" {
	mkdir "$TESTDIR/locked"
	echo content >"$TESTDIR/locked/f"
	mount --bind "$TESTDIR/locked" "$TESTDIR/locked"
	mount -o remount,bind,ro,noexec,nosuid,noatime "$TESTDIR/locked"
	# Only nodev asked for: ro, noexec, nosuid and noatime must stay.
	mkdir rootfs/locked
	bind_mount "$TESTDIR/locked" /locked nodev
	set_cmd 'cat /locked/f; cat /proc/self/mountinfo'
	runc run test_userns
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = content ]
	local o
	o=$(mountinfo_of /locked | awk '{print $6}')
	for f in ro nodev noexec nosuid noatime; do
		[[ ",$o," == *",$f,"* ]] || fail "/locked lacks $f: $o"
	done

	# Asking to clear a locked flag is refused, with the reason.
	update_config '.mounts[-1].options = ["bind", "rw"]'
	runc run test_userns
	[ "$status" -ne 0 ]
	[[ "$output" == *"/locked"* ]]
	[[ "$output" == *"locks"* ]]
	[[ "$output" == *"remove rw"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]

	# Without a user namespace a root runtime may clear it.
	remove_namespace user
	update_config 'del(.linux.uidMappings, .linux.gidMappings)'
	set_cmd 'touch /locked/new && echo written'
	runc run test_userns
	[ "$status" -eq 0 ]
	[ "$output" = written ]
}

@test "a mount point the container's root may not create: the error says so" {
	bind_mount "$HOSTDIR" /not-there
	runc run test_userns
	[ "$status" -ne 0 ]
	[[ "$output" == *"/not-there"*"permission denied"*"create it in the rootfs"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
}

@test "a mount option naming an unmapped id fails with a hint" {
	# The default /dev/pts mount has gid=5; map gid 0 alone.
	update_config '.linux.gidMappings = [{containerID: 0, hostID: 300000, size: 1}]'
	jq -e '.mounts[] | select(.destination == "/dev/pts") | .options | index("gid=5")' config.json
	runc run test_userns
	[ "$status" -ne 0 ]
	[[ "$output" == *"gid=5"* ]]
	[[ "$output" == *"user namespace"* ]]
	[ -z "$(__runc list -q)" ]
}

@test "maps the kernel refuses fail at once, and nothing is left behind" {
	# Overlapping ranges.
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 10}, {containerID: 5, hostID: 200000, size: 10}]'
	set_args sleep 100
	runc run -d test_userns
	[ "$status" -ne 0 ]
	[[ "$output" == *uid_map* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	[ -z "$(__runc list -q)" ]
	[ ! -e "$ROOT/test_userns" ]
	no_leftover_processes
}

@test "user namespace without maps, or maps without a user namespace, are refused" {
	update_config 'del(.linux.uidMappings)'
	runc run test_userns
	[ "$status" -ne 0 ]
	[[ "$output" == *"uidMappings"* ]]
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 10}]'
	remove_namespace user
	runc run test_userns
	[ "$status" -ne 0 ]
	[[ "$output" == *"user namespace"* ]]
}

# Joining namespaces of another container (the "owner", started with the
# user namespace of setup()) by path.

# start_owner: run the owner container and set OWNER to its init's pid.
start_owner() {
	set_args sleep 100
	runc run -d ns_owner
	[ "$status" -eq 0 ] || fail "owner: $output"
	OWNER=$(container_pid ns_owner)
	pid_alive "$OWNER"
}

# join_ns TYPE PATH: namespace TYPE of config.json is joined at PATH.
join_ns() {
	update_config '.linux.namespaces |= map(if .type == "'"$1"'" then .path = "'"$2"'" else . end)'
}

# bind_ns PID NS FILE: bind-mount /proc/PID/ns/NS on $TESTDIR/FILE (teardown
# unmounts what is under $TESTDIR).
bind_ns() {
	touch "$TESTDIR/$3"
	mount --bind "/proc/$1/ns/$2" "$TESTDIR/$3"
}

ns_of() {
	readlink "/proc/$1/ns/$2"
}

@test "a container joins another container's user namespace by a bind-mounted path and its net namespace by /proc" {
	start_owner
	bind_ns "$OWNER" user owner-user
	join_ns user "$TESTDIR/owner-user"
	join_ns network "/proc/$OWNER/ns/net"
	# The ids come from the joined namespace.
	update_config 'del(.linux.uidMappings, .linux.gidMappings)'
	set_cmd 'id -u; id -g; cat /proc/self/uid_map; ls /dev/pts; stat -c %g /dev/pts/ptmx; sleep 100'
	runc run -d ns_joiner
	[ "$status" -eq 0 ]
	local joiner
	joiner=$(container_pid ns_joiner)
	pid_alive "$joiner"
	[ "$(ns_of "$joiner" user)" = "$(ns_of "$OWNER" user)" ]
	[ "$(ns_of "$joiner" net)" = "$(ns_of "$OWNER" net)" ]
	# Its other namespaces are new.
	[ "$(ns_of "$joiner" mnt)" != "$(ns_of "$OWNER" mnt)" ]
	[ "$(ns_of "$joiner" uts)" != "$(ns_of "$OWNER" uts)" ]
	# On the host it runs as the namespace's root.
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$joiner/status")" = 100000 ]
	[ "$(awk '/^Gid:/ {print $2}' "/proc/$joiner/status")" = 300000 ]
	# Inside: root, the owner's maps, and a /dev/pts (a devpts with gid=5,
	# which needs ids mapped in the joined namespace).
	runc exec ns_joiner sh -c 'id -u; id -g; cat /proc/self/uid_map; ls /dev/pts; grep " /dev/pts " /proc/self/mounts'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[ "$(awk 'NF == 3 {print $1, $2, $3}' <<<"$output")" = "0 100000 1000
1000 200000 1000" ]
	[[ "$output" == *ptmx* ]]
	# (the kernel shows the option's host id: container gid 5 is 300005).
	[[ "$output" == *"devpts /dev/pts devpts"*"gid=300005"* ]]
}

@test "a user namespace owned by another user is refused by an unprivileged runtime" {
	# A user namespace of root's, reachable by another user through a bind mount.
	unshare --user sleep 100 &
	local holder=$!
	track_pid "$holder"
	sleep 0.1
	while [ "$(ns_of "$holder" user)" = "$(ns_of self user)" ]; do sleep 0.05; done
	bind_ns "$holder" user root-user
	join_ns user "$TESTDIR/root-user"
	update_config 'del(.linux.uidMappings, .linux.gidMappings)'
	mkdir -p "$TESTDIR/nobody-root"
	chown 65534:65534 "$TESTDIR/nobody-root"
	local out=$TESTDIR/nobody.out rc=0
	RUNC_TEST_MARKER=$TESTDIR setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$RUNC" --root "$TESTDIR/nobody-root" run ns_nobody >"$out" 2>&1 </dev/null || rc=$?
	cat "$out" >&2
	[ "$rc" -ne 0 ]
	grep -q "user namespace $TESTDIR/root-user is owned by uid 0: uid 65534 cannot join it" "$out"
	[ "$(wc -l <"$out")" -eq 1 ]
	[ -z "$(ls -A "$TESTDIR/nobody-root")" ]
	no_leftover_processes
}

@test "with a joined user namespace, namespaces the host owns are joined before it and those it owns after" {
	start_owner
	# A net namespace the owner's user namespace owns: recognisable by its mtu.
	nsenter -t "$OWNER" -n ip link set lo mtu 1234
	bind_ns "$OWNER" user owner-user
	bind_ns "$OWNER" net owner-net
	# A uts namespace the host's user namespace owns.
	touch "$TESTDIR/host-uts"
	unshare --uts="$TESTDIR/host-uts" hostname host-owned-uts
	join_ns user "$TESTDIR/owner-user"
	join_ns network "$TESTDIR/owner-net"
	join_ns uts "$TESTDIR/host-uts"
	update_config 'del(.linux.uidMappings, .linux.gidMappings) | del(.hostname)'
	set_cmd 'hostname; ip link show lo; sleep 100'
	runc run -d ns_joiner
	[ "$status" -eq 0 ]
	local joiner
	joiner=$(container_pid ns_joiner)
	[ "$(ns_of "$joiner" user)" = "$(ns_of "$OWNER" user)" ]
	[ "$(ns_of "$joiner" net)" = "net:[$(stat -L -c %i "$TESTDIR/owner-net")]" ]
	[ "$(ns_of "$joiner" uts)" = "uts:[$(stat -L -c %i "$TESTDIR/host-uts")]" ]
	runc exec ns_joiner sh -c 'hostname; ip link show lo'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = host-owned-uts ]
	[[ "$output" == *"mtu 1234"* ]]
	[ "$(hostname)" != host-owned-uts ]
}

@test "a new time namespace with timeOffsets together with a new user namespace" {
	update_config '.linux.namespaces += [{type: "time"}]
		| .linux.timeOffsets = {monotonic: {secs: 864000, nanosecs: 0}, boottime: {secs: 1728000, nanosecs: 0}}'
	set_cmd 'cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime; sleep 100'
	runc run -d test_userns
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_userns)
	# From the host: a time namespace of its own, owned by the container's
	# user namespace, with the offsets.
	[ "$(ns_of "$pid" time)" != "$(ns_of self time)" ]
	[ "$(ns_of "$pid" user)" != "$(ns_of self user)" ]
	grep -qE '^monotonic +864000 +0$' "/proc/$pid/timens_offsets"
	grep -qE '^boottime +1728000 +0$' "/proc/$pid/timens_offsets"
	# Inside: the boot time clock is 20 days ahead of the host's (the
	# host's read first: the clocks only move forward).
	local host
	host=$(cut -d. -f1 /proc/uptime)
	runc exec test_userns sh -c 'cut -d. -f1 /proc/uptime'
	[ "$status" -eq 0 ]
	[ "$output" -ge $((host + 1728000)) ]
	[ "$output" -lt $((host + 1728000 + 100)) ]
}

@test "a container that joins all of another container's namespaces works" {
	update_config '.linux.namespaces += [{type: "cgroup"}] | .hostname = "owner-host"'
	start_owner
	local t f
	for t in pid network ipc uts mount cgroup user; do
		f=$t
		[ "$t" = network ] && f=net
		[ "$t" = mount ] && f=mnt
		join_ns "$t" "/proc/$OWNER/ns/$f"
	done
	update_config 'del(.linux.uidMappings, .linux.gidMappings) | del(.hostname)'
	set_args sleep 100
	runc run -d ns_joiner
	[ "$status" -eq 0 ]
	local joiner
	joiner=$(container_pid ns_joiner)
	pid_alive "$joiner"
	for f in pid net ipc uts mnt cgroup user; do
		[ "$(ns_of "$joiner" "$f")" = "$(ns_of "$OWNER" "$f")" ] || fail "$f namespace differs"
	done
	# Inside the joiner: the owner's processes (its sleep is pid 1), its
	# hostname, its root filesystem, its ids.
	runc exec ns_joiner sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; hostname; id -u; ps -o args | grep -cx "sleep 100"; touch /dev/shm/from-joiner'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "sleep 100 " ]
	[ "${lines[1]}" = owner-host ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = 2 ]
	# The owner sees the joiner's file: one filesystem.
	runc exec ns_owner ls /dev/shm/from-joiner
	[ "$status" -eq 0 ]
	# The joiner ends on its own; the owner lives on.
	runc delete -f ns_joiner
	[ "$status" -eq 0 ]
	! pid_alive "$joiner" || fail "negated check failed (userns.bats:386)"
	pid_alive "$OWNER"
}
