#!/usr/bin/env bats
# Mounts and the root filesystem as runc (1.2 and later) sets them up: one
# test per rule, each checking from inside the container and from the host.

load helpers

# The mountinfo line of a mount point, from `cat /proc/self/mountinfo`
# output in $output.
mountinfo_of() {
	awk -v m="$1" '$5 == m' <<<"$output" | tail -1
}

# The per-mount options (field 6) of a mountinfo line.
mount_opts() {
	awk '{print $6}' <<<"$1"
}

# has_opt OPTS NAME -- OPTS (comma-separated) contains NAME.
has_opt() {
	[[ ",$1," == *",$2,"* ]]
}

# A host tmpfs at $1 with the given per-mount flags, removed in teardown.
flagged_tmpfs() {
	local dir=$1 flags=$2
	mkdir -p "$dir"
	mount -t tmpfs -o size=1m tmpfs "$dir"
	defer "umount -l '$dir'"
	echo content >"$dir/f"
	mount --bind -o "remount,$flags" "$dir"
}

use_userns() {
	chmod 755 "$TESTDIR"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
}

@test "proc and sysfs are never mounted through a symlink in the rootfs" {
	mkdir -p "$TESTDIR/elsewhere"
	rmdir rootfs/proc
	ln -s "$TESTDIR/elsewhere" rootfs/proc
	runc run test_rules
	[ "$status" -ne 0 ]
	[[ "${output//\\/}" == *'error mounting "proc" to rootfs at "/proc": filesystem "proc" must be mounted on ordinary directory'* ]]
	# Nothing was mounted where the symlink points.
	[ -z "$(ls -A "$TESTDIR/elsewhere")" ]
	! grep -q " $TESTDIR/elsewhere " /proc/self/mountinfo || fail "something is mounted on $TESTDIR/elsewhere"

	# Any proc or sysfs destination, /sys too, and a relative symlink.
	rm rootfs/proc
	mkdir rootfs/proc
	rmdir rootfs/sys
	ln -s ../tmp rootfs/sys
	runc run test_rules
	[ "$status" -ne 0 ]
	[[ "${output//\\/}" == *'filesystem "sysfs" must be mounted on ordinary directory'* ]]
	rm rootfs/sys
	mkdir rootfs/sys
	ln -s /tmp rootfs/proc2
	update_config '.mounts += [{destination: "/proc2", type: "proc", source: "proc"}]'
	runc run test_rules
	[ "$status" -ne 0 ]
	[[ "${output//\\/}" == *'error mounting "proc" to rootfs at "/proc2": filesystem "proc" must be mounted on ordinary directory'* ]]

	# A real directory is fine.
	rm rootfs/proc2
	mkdir rootfs/proc2
	set_cmd 'grep -c " /proc2 .* - proc " /proc/self/mountinfo'
	runc run test_rules
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
}

@test "--no-pivot: no fully visible procfs is left for a nested user namespace" {
	busybox unshare --help 2>&1 | grep -q -- -r || skip "busybox unshare lacks -r"
	# As an ordinary user: mapping root into a new user namespace takes
	# CAP_SETFCAP, which the default capabilities lack.
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_cmd 'unshare -mrpf sh -c "mount -t proc none /proc && echo mounted"; echo rc=$?'
	runc run --no-pivot test_rules
	[ "$status" -eq 0 ]
	[[ "$output" != *mounted* ]]
	[[ "$output" == *"ermission denied"* ]]
	[[ "${lines[-1]}" != rc=0 ]]

	# From the host: the container's mount namespace has no procfs or
	# sysfs mounts but its own.
	update_config '.process.args = ["sleep", "1000"]'
	runc run -d --no-pivot test_rules
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_rules)
	local others
	others=$(awk '$4 == "/" && ($9 == "proc" || $9 == "sysfs") && $5 !~ "^/(proc|sys)$"' "/proc/$pid/mountinfo")
	[ -z "$others" ] || fail "host procfs/sysfs still in the container's namespace: $others"
	# The host's own /proc is untouched.
	grep -q " /proc proc " /proc/mounts
}

@test "a tmpfs without mode= takes the mode of the directory it covers" {
	mkdir -m 0710 rootfs/covered
	mkdir -m 1750 rootfs/sticky
	mkdir -m 0710 rootfs/explicit
	update_config '.mounts += [
		{destination: "/covered", type: "tmpfs", source: "tmpfs", options: ["size=1m"]},
		{destination: "/sticky", type: "tmpfs", source: "tmpfs"},
		{destination: "/explicit", type: "tmpfs", source: "tmpfs", options: ["mode=755"]},
		{destination: "/created", type: "tmpfs", source: "tmpfs"}]'
	set_cmd 'stat -c %a /covered /sticky /explicit /created; touch /covered/x; grep -E " /(covered|explicit) " /proc/self/mountinfo'
	runc run test_rules
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 710 ]
	[ "${lines[1]}" = 1750 ]
	[ "${lines[2]}" = 755 ]
	[ "${lines[3]}" = 1777 ]
	[[ "${lines[4]}" == *" - tmpfs "*"mode=710"* ]]
	[[ "${lines[5]}" == *" - tmpfs "*"mode=755"* ]]
	# On the host the directories keep their modes, and stay empty.
	[ "$(stat -c %a rootfs/covered)" = 710 ]
	[ "$(stat -c %a rootfs/explicit)" = 710 ]
	[ ! -e rootfs/covered/x ]
}

@test "tmpcopyup: the tmpfs starts with a copy of the rootfs's content" {
	mkdir -p rootfs/seed/sub
	echo hello >rootfs/seed/file
	chmod 604 rootfs/seed/file
	chown 123:456 rootfs/seed/file
	chmod 2751 rootfs/seed/sub
	chown 7:8 rootfs/seed/sub
	ln -s file rootfs/seed/link
	ln rootfs/seed/file rootfs/seed/hard
	mkfifo rootfs/seed/fifo
	chmod 0711 rootfs/seed
	update_config '.mounts += [{destination: "/seed", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "nosuid"]},
		{destination: "/seed-ro", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "ro"]}]'
	mkdir rootfs/seed-ro
	echo ro-content >rootfs/seed-ro/f
	set_cmd 'cd /seed && stat -c "%n %a %u:%g %F %h" . file sub link hard fifo && cat file && readlink link &&
		echo changed >new && cat /seed-ro/f && (touch /seed-ro/g 2>/dev/null || echo ro-ok) &&
		grep -E " /seed(-ro)? " /proc/self/mountinfo'
	runc run test_rules
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ". 711 0:0 directory 3" ]
	[ "${lines[1]}" = "file 604 123:456 regular file 2" ]
	[ "${lines[2]}" = "sub 2751 7:8 directory 2" ]
	[ "${lines[3]}" = "link 777 0:0 symbolic link 1" ]
	[ "${lines[4]}" = "hard 604 123:456 regular file 2" ]
	[ "${lines[5]}" = "fifo 644 0:0 fifo 1" ]
	[ "${lines[6]}" = hello ]
	[ "${lines[7]}" = file ]
	[ "${lines[8]}" = ro-content ]
	[ "${lines[9]}" = ro-ok ]
	[[ "${lines[10]}" == *" /seed "*" - tmpfs "* ]]
	[[ "$(mount_opts "${lines[11]}")" == ro,* ]]
	# The rootfs on the host is unchanged: the write went to the tmpfs.
	[ "$(cat rootfs/seed/file)" = hello ]
	[ ! -e rootfs/seed/new ]
}

@test "mounts are made in config order: later bind sources see earlier mounts" {
	mkdir -p "$HOSTDIR/vol/sub"
	echo from-volume >"$HOSTDIR/vol/sub/f"
	mkdir -p rootfs/in-rootfs
	echo from-rootfs >rootfs/in-rootfs/f
	update_config '.mounts += [
		{destination: "/scratch", type: "tmpfs", source: "tmpfs"},
		{destination: "/vol", type: "bind", source: "'"$HOSTDIR"'/vol", options: ["bind"]},
		{destination: "/again", type: "bind", source: "'"$BUNDLE"'/rootfs/vol/sub", options: ["bind"]},
		{destination: "/copy", type: "bind", source: "'"$BUNDLE"'/rootfs/in-rootfs", options: ["bind"]},
		{destination: "/scratch-bind", type: "bind", source: "'"$BUNDLE"'/rootfs/scratch", options: ["bind"]},
		{destination: "/idm", type: "bind", source: "'"$BUNDLE"'/rootfs/vol/sub", options: ["bind"],
			uidMappings: [{containerID: 0, hostID: 1000, size: 10}], gidMappings: [{containerID: 0, hostID: 1000, size: 10}]}]'
	set_cmd 'cat /again/f /copy/f; echo shared > /scratch/x; cat /scratch-bind/x; stat -c %u /idm/f'
	runc run test_rules
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = from-volume ]
	[ "${lines[1]}" = from-rootfs ]
	# /scratch-bind is the tmpfs of /scratch, not the rootfs directory.
	[ "${lines[2]}" = shared ]
	# An id-mapped mount of a source inside the earlier /vol.
	[ "${lines[3]}" = 1000 ]
	[ ! -e rootfs/scratch/x ]
	[ ! -e rootfs/vol/sub ]
}

@test "mounts are made in config order with a user namespace, from sources the container cannot read" {
	use_userns
	mkdir -p "$TESTDIR/private/vol/sub"
	echo from-volume >"$TESTDIR/private/vol/sub/f"
	chmod 700 "$TESTDIR/private"
	mkdir -p rootfs/in-rootfs
	echo from-rootfs >rootfs/in-rootfs/f
	mkdir -p rootfs/scratch rootfs/vol rootfs/again rootfs/copy rootfs/scratch-bind rootfs/idm rootfs/idm-again
	chown -R 100000:100000 rootfs
	update_config '.mounts += [
		{destination: "/scratch", type: "tmpfs", source: "tmpfs"},
		{destination: "/vol", type: "bind", source: "'"$TESTDIR"'/private/vol", options: ["bind"]},
		{destination: "/again", type: "bind", source: "'"$BUNDLE"'/rootfs/vol/sub", options: ["bind"]},
		{destination: "/copy", type: "bind", source: "'"$BUNDLE"'/rootfs/in-rootfs", options: ["bind"]},
		{destination: "/scratch-bind", type: "bind", source: "'"$BUNDLE"'/rootfs/scratch", options: ["bind"]},
		{destination: "/idm", type: "bind", source: "'"$TESTDIR"'/private/vol", options: ["bind", "idmap"]},
		{destination: "/idm-again", type: "bind", source: "'"$BUNDLE"'/rootfs/idm/sub", options: ["bind"]}]'
	set_cmd 'cat /again/f /copy/f; echo shared > /scratch/x; cat /scratch-bind/x; stat -c %u /idm/sub/f /idm-again/f'
	runc run test_rules
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = from-volume ]
	[ "${lines[1]}" = from-rootfs ]
	[ "${lines[2]}" = shared ]
	# Through the id-mapped mount host root is the container's root.
	[ "${lines[3]}" = 0 ]
	[ "${lines[4]}" = 0 ]
	[ ! -e rootfs/scratch/x ]
}

@test "a bind destination through a dangling symlink is created inside the rootfs" {
	echo bound >"$HOSTDIR/file"
	mkdir "$HOSTDIR/dir"
	echo in-dir >"$HOSTDIR/dir/f"
	# A middle component, an absolute last one, a relative one that climbs.
	ln -s /made/by/runtime rootfs/middle
	ln -s /missing-last rootfs/last
	ln -s ../../../../../../escaped-target rootfs/climb
	ln -s /missing-file rootfs/file-last
	update_config '.mounts += [
		{destination: "/middle/sub", type: "bind", source: "'"$HOSTDIR"'/dir", options: ["bind"]},
		{destination: "/last", type: "bind", source: "'"$HOSTDIR"'/dir", options: ["bind"]},
		{destination: "/climb/x", type: "bind", source: "'"$HOSTDIR"'/dir", options: ["bind"]},
		{destination: "/file-last", type: "bind", source: "'"$HOSTDIR"'/file", options: ["bind"]}]'
	set_cmd 'cat /middle/sub/f /made/by/runtime/sub/f /last/f /missing-last/f /climb/x/f /escaped-target/x/f /file-last /missing-file'
	runc run test_rules
	[ "$status" -eq 0 ]
	[ "$output" = "in-dir
in-dir
in-dir
in-dir
in-dir
in-dir
bound
bound" ]
	# On the host: made inside the rootfs, nothing outside it.
	[ -d rootfs/made/by/runtime/sub ]
	[ -d rootfs/missing-last ]
	[ -d rootfs/escaped-target/x ]
	[ -f rootfs/missing-file ]
	[ ! -e /made ] && [ ! -e /missing-last ] && [ ! -e /escaped-target ] && [ ! -e /missing-file ]
	[ ! -e "$TESTDIR/escaped-target" ] && [ ! -e "$(dirname "$TESTDIR")/escaped-target" ]
}

@test "bind flags: none named keeps the source's; any named gives exactly those" {
	flagged_tmpfs "$TESTDIR/src" ro,nosuid,nodev,noexec,nosymfollow,nodiratime
	update_config '.mounts += [
		{destination: "/keep", type: "bind", source: "'"$TESTDIR"'/src", options: ["rbind"]},
		{destination: "/dev-only", type: "bind", source: "'"$TESTDIR"'/src", options: ["bind", "dev"]},
		{destination: "/noatime", type: "bind", source: "'"$TESTDIR"'/src", options: ["rbind", "noatime"]},
		{destination: "/strict", type: "bind", source: "'"$TESTDIR"'/src", options: ["rbind", "strictatime"]},
		{destination: "/relatime", type: "bind", source: "'"$TESTDIR"'/src", options: ["rbind", "relatime", "ro"]}]'
	set_cmd 'touch /dev-only/new && echo wrote; cat /proc/self/mountinfo'
	runc run test_rules
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = wrote ]
	local o f
	o=$(mount_opts "$(mountinfo_of /keep)")
	for f in ro nosuid nodev noexec nosymfollow nodiratime; do
		has_opt "$o" "$f" || fail "/keep lacks $f: $o"
	done
	o=$(mount_opts "$(mountinfo_of /dev-only)")
	for f in rw; do has_opt "$o" "$f" || fail "/dev-only lacks $f: $o"; done
	for f in ro nosuid nodev noexec nosymfollow; do
		! has_opt "$o" "$f" || fail "/dev-only has $f: $o"
	done
	# No atime option named: the source's atime setting stays.
	has_opt "$o" nodiratime || fail "/dev-only lost nodiratime: $o"
	o=$(mount_opts "$(mountinfo_of /noatime)")
	has_opt "$o" noatime && ! has_opt "$o" nodiratime && ! has_opt "$o" relatime || fail "/noatime: $o"
	o=$(mount_opts "$(mountinfo_of /strict)")
	! has_opt "$o" noatime && ! has_opt "$o" nodiratime && ! has_opt "$o" relatime || fail "/strict: $o"
	o=$(mount_opts "$(mountinfo_of /relatime)")
	has_opt "$o" relatime && has_opt "$o" ro && ! has_opt "$o" nodiratime && ! has_opt "$o" nosuid || fail "/relatime: $o"
	# The host's source mount is unchanged.
	o=$(awk -v m="$TESTDIR/src" '$5 == m {print $6}' /proc/self/mountinfo | tail -1)
	has_opt "$o" ro && has_opt "$o" nodiratime || fail "host source changed: $o"
}

@test "bind flags in a user namespace: locked flags stay, clearing one is refused" {
	use_userns
	flagged_tmpfs "$TESTDIR/src" nosuid,nodev,noexec,noatime,nosymfollow
	mkdir rootfs/named rootfs/plain rootfs/cleared
	update_config '.mounts += [
		{destination: "/plain", type: "bind", source: "'"$TESTDIR"'/src", options: ["bind"]},
		{destination: "/named", type: "bind", source: "'"$TESTDIR"'/src", options: ["bind", "ro"]}]'
	set_cmd 'cat /proc/self/mountinfo'
	runc run test_rules
	[ "$status" -eq 0 ]
	local o f
	for d in /plain /named; do
		o=$(mount_opts "$(mountinfo_of $d)")
		for f in nosuid nodev noexec noatime; do
			has_opt "$o" "$f" || fail "$d lacks locked $f: $o"
		done
	done
	has_opt "$(mount_opts "$(mountinfo_of /named)")" ro
	# nosymfollow is not locked: named flags replace it; unnamed keep it.
	! has_opt "$(mount_opts "$(mountinfo_of /named)")" nosymfollow || fail "/named kept nosymfollow: $(mountinfo_of /named)"
	has_opt "$(mount_opts "$(mountinfo_of /plain)")" nosymfollow
	# The host's source is unchanged.
	o=$(awk -v m="$TESTDIR/src" '$5 == m {print $6}' /proc/self/mountinfo | tail -1)
	[ "$o" = "rw,nosuid,nodev,noexec,noatime,nosymfollow" ] || fail "host source: $o"

	update_config '.mounts += [{destination: "/cleared", type: "bind", source: "'"$TESTDIR"'/src", options: ["bind", "dev"]}]'
	runc run test_rules
	[ "$status" -ne 0 ]
	[[ "${output//\\/}" == *"error mounting \"$TESTDIR/src\" to rootfs at \"/cleared\": operation not permitted"* ]]
	[ -z "$(__runc list -q)" ]
}

@test "a read-only /dev: devpts, shm, nodes and links are made before it turns read-only" {
	update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]
		| .linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 438}]'
	set_cmd 'ls /dev/pts/ptmx >/dev/null && readlink /dev/ptmx && readlink /dev/fd && test -c /dev/null && test -c /dev/fuse &&
		echo x > /dev/shm/x && cat /dev/shm/x; touch /dev/new 2>/dev/null || echo ro-dev; grep " /dev " /proc/self/mountinfo'
	runc run test_rules
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = pts/ptmx ]
	[ "${lines[1]}" = /proc/self/fd ]
	[ "${lines[2]}" = x ]
	[ "${lines[3]}" = ro-dev ]
	[[ "$(mount_opts "${lines[4]}")" == ro,* ]]
	[[ "${lines[4]}" == *" - tmpfs tmpfs ro,"* ]]
	# On the host the rootfs's dev directory got none of it.
	[ -z "$(ls -A rootfs/dev)" ]
}

@test "maskedPaths: a path listed twice is masked once; masked directories share one tmpfs" {
	mkdir -p rootfs/secret1 rootfs/secret2
	echo s >rootfs/secret1/f
	update_config '.linux.maskedPaths = ["/secret1", "/secret2", "/secret1", "/proc/keys", "/proc/keys"]'
	set_cmd 'ls -A /secret1 /secret2; grep -E " /(secret1|secret2|proc/keys) " /proc/self/mountinfo'
	runc run test_rules
	[ "$status" -eq 0 ]
	local mi
	mi=$(grep " /secret1 " <<<"$output")
	[ "$(wc -l <<<"$mi")" -eq 1 ]
	[ "$(grep -c " /proc/keys " <<<"$output")" -eq 1 ]
	[ "$(grep -c " /secret2 " <<<"$output")" -eq 1 ]
	# Same device (one tmpfs), read-only.
	local dev1 dev2
	dev1=$(awk '{print $3}' <<<"$mi")
	dev2=$(grep " /secret2 " <<<"$output" | awk '{print $3}')
	[ "$dev1" = "$dev2" ]
	[[ "$(mount_opts "$mi")" == ro,* ]]
	[[ "$mi" == *" - tmpfs "* ]]
	# The rootfs keeps its content on the host.
	[ "$(cat rootfs/secret1/f)" = s ]
}

@test "rootfsPropagation unbindable, private, slave and shared on a bind-mounted rootfs" {
	mount --bind rootfs rootfs
	mount --make-shared rootfs
	defer "umount -l '$BUNDLE/rootfs'"
	local host_before
	host_before=$(awk '$5 == "/" {print $7}' /proc/self/mountinfo)
	set_cmd 'grep -E "^[0-9]+ [0-9]+ [^ ]+ [^ ]+ / " /proc/self/mountinfo'
	local p
	for p in unbindable private slave shared; do
		update_config ".linux.rootfsPropagation = \"$p\""
		runc run test_rules
		[ "$status" -eq 0 ] || fail "$p: $output"
		case $p in
		unbindable) [[ "$output" == *" unbindable "* ]] ;;
		private) [[ "$output" != *"shared:"* && "$output" != *"master:"* && "$output" != *unbindable* ]] ;;
		slave) [[ "$output" != *"shared:"* && "$output" != *unbindable* ]] ;;
		shared) [[ "$output" == *" shared:"* ]] ;;
		esac || fail "$p: $output"
	done
	# The host's mounts keep their propagation.
	[ "$(awk '$5 == "/" {print $7}' /proc/self/mountinfo)" = "$host_before" ]
	awk -v m="$BUNDLE/rootfs" '$5 == m' /proc/self/mountinfo | grep -q " shared:"
}

@test "idmap without mappings on a container joining a user namespace takes that namespace's maps" {
	chmod 755 "$TESTDIR"
	mkdir -m 777 "$TESTDIR/src"
	touch "$TESTDIR/src/f"
	chown 5:6 "$TESTDIR/src/f"
	mkdir rootfs/idm
	# A user namespace held by a sleeping process, as a pod's would be;
	# its maps are written from here.
	unshare --user sleep 1000 &
	local holder=$!
	track_pid "$holder"
	local i
	for i in $(seq 50); do
		[ "$(readlink /proc/$holder/ns/user)" != "$(readlink /proc/self/ns/user)" ] && break
		sleep 0.1
	done
	echo "0 100000 65536" >"/proc/$holder/uid_map"
	echo "0 100000 65536" >"/proc/$holder/gid_map"
	update_config '.linux.namespaces += [{type: "user", path: "/proc/'"$holder"'/ns/user"}]
		| del(.linux.uidMappings, .linux.gidMappings)
		| .mounts += [{destination: "/idm", type: "bind", source: "'"$TESTDIR"'/src", options: ["bind", "idmap"]}]'
	set_cmd 'stat -c %u:%g /idm/f; cat /proc/self/uid_map'
	runc run test_rules
	[ "$status" -eq 0 ]
	# 5 on disk is host 100005 through the namespace's maps: 5 inside
	# (without them it would be the overflow id).
	[ "${lines[0]}" = 5:6 ]
	[ "${lines[1]}" = "0 100000 65536" ] || [ "$(echo ${lines[1]})" = "0 100000 65536" ]
	# On the host the file keeps its owner.
	[ "$(stat -c %u:%g "$TESTDIR/src/f")" = 5:6 ]
}

@test "twenty idmapped mounts work with RLIMIT_NOFILE 20" {
	use_userns
	mkdir -m 777 "$TESTDIR/src"
	touch "$TESTDIR/src/f"
	local before
	before=$(grep -c idmapped /proc/self/mountinfo || true)
	local i mounts=""
	for i in $(seq 20); do
		mkdir rootfs/m$i
		mounts+="{destination: \"/m$i\", type: \"bind\", source: \"$TESTDIR/src\", options: [\"bind\", \"idmap\"]},"
	done
	update_config ".mounts += [${mounts%,}]
		| .process.rlimits = [{type: \"RLIMIT_NOFILE\", hard: 20, soft: 20}]"
	set_cmd 'stat -c %u /m1/f /m20/f; grep -c idmapped /proc/self/mountinfo'
	runc run test_rules
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = 20 ]
	# On the host: the owner is unchanged and no idmapped mount is left.
	[ "$(stat -c %u "$TESTDIR/src/f")" = 0 ]
	[ "$(grep -c idmapped /proc/self/mountinfo)" = "$before" ]
}

@test "no mount namespace and a terminal: the process gets one, hooks run" {
	remove_namespace mount
	update_config '.process.terminal = true | .linux.maskedPaths = [] | .linux.readonlyPaths = []
		| .hooks = {createContainer: [{path: "/bin/sh", args: ["sh", "-c", "echo cc > '"$TESTDIR"'/hook.cc"]}],
			poststart: [{path: "/bin/sh", args: ["sh", "-c", "echo ps > '"$TESTDIR"'/hook.ps"]}]}'
	set_cmd 'tty; [ -t 0 ] && echo stdin-is-a-tty; ls /proc/self/fd >/dev/null && echo has-proc'
	# runc makes the container's mounts in the host's mount namespace.
	defer "umount -R -l '$BUNDLE/rootfs' 2>/dev/null"
	run_in_pty "$RUNC --root $ROOT run test_rules"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/dev/pts/"* ]]
	[[ "$output" == *stdin-is-a-tty* ]]
	[[ "$output" == *has-proc* ]]
	[ "$(cat "$TESTDIR/hook.cc")" = cc ]
	[ "$(cat "$TESTDIR/hook.ps")" = ps ]
	# Made in the host's namespace, under the rootfs only, and not shared.
	grep " $BUNDLE/rootfs/dev/pts " /proc/self/mountinfo | grep -qv shared:
}
