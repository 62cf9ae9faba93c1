#!/usr/bin/env bats
# mounts, root.readonly, --no-pivot, rootfsPropagation, and symlinks in the
# rootfs that try to lead mounts out of it.

load helpers

# The mountinfo line of a mount point inside the container, from `cat
# /proc/self/mountinfo` output in $output.
mountinfo_of() {
	awk -v m="$1" '$5 == m' <<<"$output" | tail -1
}

@test "a bind mount from the host is visible with its content" {
	echo "hello from the host" >"$HOSTDIR/file"
	bind_mount "$HOSTDIR" /data
	set_cmd 'cat /data/file; echo "written inside" > /data/out'
	runc run test_mounts
	[ "$status" -eq 0 ]
	[ "$output" = "hello from the host" ]
	[ "$(cat "$HOSTDIR/out")" = "written inside" ]
}

@test "a read-only bind mount cannot be written" {
	echo original >"$HOSTDIR/file"
	bind_mount "$HOSTDIR" /data ro
	set_cmd 'cat /data/file; echo changed > /data/file; touch /data/new; grep " /data " /proc/self/mountinfo'
	runc run test_mounts
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = original ]
	[[ "$output" == *"Read-only file system"* ]]
	[ "$(cat "$HOSTDIR/file")" = original ]
	[ ! -e "$HOSTDIR/new" ]
	# The mount options start with ro.
	[[ "${lines[-1]}" =~ ^[0-9]+\ [0-9]+\ [0-9:]+\ [^\ ]+\ /data\ ro[,\ ] ]]
}

@test "a bind mount of a single file" {
	echo "just a file" >"$HOSTDIR/single"
	bind_mount "$HOSTDIR/single" /etc/single.conf
	set_args cat /etc/single.conf
	runc run test_mounts
	[ "$status" -eq 0 ]
	[ "$output" = "just a file" ]
	# The mount point was created in the rootfs, empty.
	[ -f "$BUNDLE/rootfs/etc/single.conf" ]
	[ ! -s "$BUNDLE/rootfs/etc/single.conf" ]
}

@test "a tmpfs mount with options" {
	update_config '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
		"options": ["nosuid", "nodev", "noexec", "size=1m", "mode=700"]}]'
	set_cmd 'stat -c %a /scratch; cat /proc/self/mountinfo'
	runc run test_mounts
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 700 ]
	local mi
	mi=$(mountinfo_of /scratch)
	[ -n "$mi" ]
	[[ "$mi" == *" - tmpfs "* ]]
	local opts=${mi#* /scratch }
	opts=${opts%% *}
	[[ ",$opts," == *,nosuid,* ]]
	[[ ",$opts," == *,nodev,* ]]
	[[ ",$opts," == *,noexec,* ]]
	[[ "$mi" == *size=1024k* ]]
	[[ "$mi" == *mode=700* ]]
}

@test "a tmpfs is writable even when the root is read-only" {
	update_config '.root.readonly = true | .mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs"}]'
	set_cmd 'echo x > /scratch/f && cat /scratch/f'
	runc run test_mounts
	[ "$status" -eq 0 ]
	[ "$output" = x ]
}

@test "mount points missing in the rootfs are created" {
	update_config '.root.readonly = false'
	bind_mount "$HOSTDIR" /a/b/c
	touch "$HOSTDIR/marker"
	set_args ls /a/b/c
	runc run test_mounts
	[ "$status" -eq 0 ]
	[ "$output" = marker ]
	[ -d "$BUNDLE/rootfs/a/b/c" ]
}

@test "root.readonly makes / read-only" {
	update_config '.root.readonly = true'
	set_cmd 'touch /newfile && echo created; grep -E "^[0-9]+ [0-9]+ [^ ]+ [^ ]+ / " /proc/self/mountinfo'
	runc run test_mounts
	[ "$status" -eq 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" != *created* ]]
	[ ! -e "$BUNDLE/rootfs/newfile" ]
	[[ "${lines[-1]}" =~ \ /\ ro[,\ ] ]]
}

@test "root.readonly false lets the container write its rootfs" {
	update_config '.root.readonly = false'
	set_cmd 'echo data > /newfile'
	runc run test_mounts
	[ "$status" -eq 0 ]
	[ "$(cat "$BUNDLE/rootfs/newfile")" = data ]
}

@test "the default mounts: proc, sysfs (ro), devpts, shm, mqueue" {
	set_args cat /proc/self/mountinfo
	runc run test_mounts
	[ "$status" -eq 0 ]
	[[ "$(mountinfo_of /proc)" == *" - proc "* ]]
	[[ "$(mountinfo_of /sys)" == *" - sysfs "* ]]
	[[ "$(mountinfo_of /sys)" =~ \ /sys\ ro[,\ ] ]]
	[[ "$(mountinfo_of /dev)" == *" - tmpfs "* ]]
	[[ "$(mountinfo_of /dev/pts)" == *" - devpts "* ]]
	[[ "$(mountinfo_of /dev/shm)" == *" - tmpfs "* ]]
	[[ "$(mountinfo_of /dev/mqueue)" == *" - mqueue "* ]]
	# Nothing of the host's mount table is visible.
	[ -z "$(mountinfo_of "$BUNDLE")" ]
	! awk '{print $5}' <<<"$output" | grep -q "^$TESTDIR" || fail "negated check failed (mounts.bats:120)"
}

@test "the host's files are not visible" {
	set_cmd 'ls /; test -e /etc/debian_version && echo host-visible; true'
	runc run test_mounts
	[ "$status" -eq 0 ]
	[[ "$output" != *host-visible* ]]
	[[ "$output" == *bin* ]]
}

@test "--no-pivot runs the container in its rootfs" {
	set_cmd 'test -e /etc/debian_version && echo host-visible; cat /etc/hostname; touch /x 2>&1 | grep -c "Read-only"'
	runc run --no-pivot test_mounts
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = busybox ]
	[ "${lines[1]}" = 1 ]
	[[ "$output" != *host-visible* ]]
}

@test "a symlink to .. in the rootfs does not lead a mount outside" {
	# rootfs/evil -> ../../host, i.e. $HOSTDIR when followed on the host.
	ln -s ../../host "$BUNDLE/rootfs/evil"
	update_config '.mounts += [{"destination": "/evil/newdir", "type": "tmpfs", "source": "tmpfs"}]'
	set_cmd 'grep -c " /host/newdir " /proc/self/mountinfo; echo x > /evil/newdir/f && echo wrote'
	runc run test_mounts
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = wrote ]
	# Nothing was created on the host side.
	[ ! -e "$HOSTDIR/newdir" ]
	[ -z "$(ls -A "$HOSTDIR")" ]
	# The mount point was made inside the rootfs instead.
	[ -d "$BUNDLE/rootfs/host/newdir" ]
}

@test "a symlink to / in the rootfs does not lead a mount to the host's /" {
	local name
	name=rt-escape-$(basename "$TESTDIR")
	defer "rmdir '/$name'"
	ln -s / "$BUNDLE/rootfs/evil"
	update_config '.mounts += [{"destination": "/evil/'"$name"'", "type": "tmpfs", "source": "tmpfs"}]'
	set_cmd 'grep -c " /'"$name"' " /proc/self/mountinfo'
	runc run test_mounts
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	[ ! -e "/$name" ]
	[ -d "$BUNDLE/rootfs/$name" ]
}

@test "a bind mount onto an absolute symlink stays in the rootfs" {
	# /etc/passwd of the host must not be covered, even in the container's
	# mount namespace: the container must see the bind on its own path.
	echo "bound" >"$HOSTDIR/content"
	mkdir -p "$BUNDLE/rootfs/target"
	ln -s /target "$BUNDLE/rootfs/link"
	bind_mount "$HOSTDIR/content" /link/file
	set_cmd 'cat /target/file; cat /link/file'
	runc run test_mounts
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = bound ]
	[ "${lines[1]}" = bound ]
	[ -e "$BUNDLE/rootfs/target/file" ]
}

make_shared_bundle() {
	# The bundle sits on a shared mount, as on a systemd host.
	mount --bind "$BUNDLE" "$BUNDLE"
	mount --make-rshared "$BUNDLE"
	defer "umount -l '$BUNDLE'"
	set_cmd 'touch /host-ready; i=0; while [ $i -lt 40 ] && [ ! -e /mnt/fromhost ]; do sleep 0.05; i=$((i+1)); done; ls /mnt; grep -E "^[0-9]+ [0-9]+ [^ ]+ [^ ]+ / " /proc/self/mountinfo'
	update_config '.root.readonly = false'
}

# Mount a tmpfs on the host under the container's rootfs after it started,
# and report what the container saw.
host_mount_after_start() {
	runc run -d test_prop
	[ "$status" -eq 0 ] || fail "run -d: $output"
	# The container writes to the file the runtime's stdout went to.
	local runout="$TESTDIR/runc.$RUNC_CALLS.out"
	wait_for_file "$BUNDLE/rootfs/host-ready"
	mount -t tmpfs -o size=1m tmpfs "$BUNDLE/rootfs/mnt"
	defer "umount -l '$BUNDLE/rootfs/mnt'"
	touch "$BUNDLE/rootfs/mnt/fromhost"
	wait_for_status test_prop stopped
	umount "$BUNDLE/rootfs/mnt"
	output=$(cat "$runout")
	echo "container output: $output" >&2
}

@test "rootfsPropagation rslave: host mounts propagate into the container" {
	make_shared_bundle
	update_config '.linux.rootfsPropagation = "rslave"'
	host_mount_after_start
	[[ "$output" == *fromhost* ]]
	[[ "$output" == *master:* ]]
}

@test "default root propagation is slave" {
	make_shared_bundle
	update_config 'del(.linux.rootfsPropagation)'
	host_mount_after_start
	[[ "$output" == *fromhost* ]]
}

@test "rootfsPropagation rprivate: host mounts do not propagate" {
	make_shared_bundle
	update_config '.linux.rootfsPropagation = "rprivate"'
	host_mount_after_start
	[[ "$output" != *fromhost* ]]
	[[ "$output" != *master:* ]]
}

@test "mounts made in the container do not reach the host" {
	update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"] | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
	bind_mount "$HOSTDIR" /data
	set_cmd 'mount -t tmpfs tmpfs /data && touch /data/inside && echo mounted'
	runc run test_mounts
	[ "$status" -eq 0 ]
	[ "$output" = mounted ]
	[ ! -e "$HOSTDIR/inside" ]
	! grep -q " $HOSTDIR " /proc/self/mountinfo
}
