#!/usr/bin/env bats
# ID-mapped bind mounts: uidMappings/gidMappings on a mount, and the idmap
# and ridmap options, for containers with and without a user namespace.

load helpers

setup() {
	setup_busybox
	# A mapped container root (host uid 100000) must reach the rootfs.
	chmod 755 "$TESTDIR"
	mkdir -p rootfs/m rootfs/plain
	SRC=$TESTDIR/src
	mkdir -m 777 "$SRC"
	touch "$SRC/by-1000" "$SRC/by-root"
	chown 1000:1000 "$SRC/by-1000"
}

# idmap_mount DEST UIDMAP GIDMAP [OPTION...] -- a bind mount of $SRC with
# one mapping entry each ("containerID:hostID:size").
idmap_mount() {
	local dest=$1 u=$2 g=$3
	shift 3
	local um gm
	IFS=: read -r -a um <<<"$u"
	IFS=: read -r -a gm <<<"$g"
	update_config ".mounts += [{source: \"$SRC\", destination: \"$dest\", type: \"bind\",
		options: $(json_array bind "$@"),
		uidMappings: [{containerID: ${um[0]}, hostID: ${um[1]}, size: ${um[2]}}],
		gidMappings: [{containerID: ${gm[0]}, hostID: ${gm[1]}, size: ${gm[2]}}]}]"
}

host_idmapped_mounts() {
	grep -c idmapped /proc/self/mountinfo || true
}

@test "an idmapped bind mount shows the mapped owner inside, the original on the host" {
	local before
	before=$(host_idmapped_mounts)
	idmap_mount /m 1000:2000:1 1000:3000:1 idmap
	bind_mount "$SRC" /plain
	# Uid 2000 inside writes through the mapping as on-disk uid 1000 (the
	# kernel refuses writes to inodes whose owner the mount does not map:
	# the directory is 1000's too).
	chown 1000:1000 "$SRC"
	update_config '.process.user = {uid: 2000, gid: 3000}'
	set_cmd 'stat -c "%n %u:%g" /m/by-1000 /plain/by-1000 /m/by-root; touch /m/new-by-2000; stat -c "%u:%g" /m/new-by-2000; grep " /m " /proc/self/mountinfo'
	runc run test_idmap
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/m/by-1000 2000:3000" ]
	# The same directory, not id-mapped.
	[ "${lines[1]}" = "/plain/by-1000 1000:1000" ]
	# Ids the mapping does not cover show as the overflow id.
	[ "${lines[2]}" = "/m/by-root 65534:65534" ]
	[ "${lines[3]}" = "2000:3000" ]
	[[ "${lines[4]}" == *idmapped* ]]
	# On the host nothing changed owner, and the new file is on-disk 1000.
	[ "$(stat -c %u:%g "$SRC/by-1000")" = 1000:1000 ]
	[ "$(stat -c %u:%g "$SRC/new-by-2000")" = 1000:1000 ]
	# The mount was the container's only: none is left on the host.
	[ "$(host_idmapped_mounts)" = "$before" ]
}

@test "ids the mapping does not cover cannot be written through it" {
	idmap_mount /m 1000:2000:1 1000:3000:1
	set_cmd 'touch /m/by-root-inside'
	runc run test_idmap
	[ "$status" -ne 0 ]
	[[ "$output" == *"Value too large"* ]]
	[ ! -e "$SRC/by-root-inside" ]
}

@test "idmap without mappings uses the container's user namespace mappings" {
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	update_config ".mounts += [{source: \"$SRC\", destination: \"/m\", type: \"bind\", options: [\"bind\", \"idmap\"]}]"
	bind_mount "$SRC" /plain
	set_cmd 'stat -c "%n %u:%g" /m/by-root /m/by-1000 /plain/by-root; touch /m/new-by-root; cat /proc/self/uid_map'
	runc run test_idmap
	[ "$status" -eq 0 ]
	# Host root's file is the container root's through the mapping...
	[ "${lines[0]}" = "/m/by-root 0:0" ]
	[ "${lines[1]}" = "/m/by-1000 1000:1000" ]
	# ...and nobody's on the plain bind mount.
	[ "${lines[2]}" = "/plain/by-root 65534:65534" ]
	[ "$(awk '{print $1, $2, $3}' <<<"${lines[3]}")" = "0 100000 65536" ]
	# The container root's new file is host root's on disk.
	[ "$(stat -c %u:%g "$SRC/new-by-root")" = 0:0 ]
}

@test "several mounts of one source with different mappings" {
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	mkdir rootfs/m2
	idmap_mount /m 1000:100010:1 1000:100020:1
	idmap_mount /m2 1000:100500:1 1000:100600:1 idmap
	set_cmd 'stat -c "%n %u:%g" /m/by-1000 /m2/by-1000'
	runc run test_idmap
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/m/by-1000 10:20" ]
	[ "${lines[1]}" = "/m2/by-1000 500:600" ]
}

@test "idmap maps the top mount of an rbind tree, ridmap every mount of it" {
	mkdir "$SRC/sub"
	mount -t tmpfs -o mode=777 tmpfs "$SRC/sub"
	touch "$SRC/sub/in-sub"
	chown 1000:1000 "$SRC/sub/in-sub"
	mkdir rootfs/r
	idmap_mount /m 1000:2000:1 1000:2000:1 rbind idmap
	idmap_mount /r 1000:2000:1 1000:2000:1 rbind ridmap
	set_cmd 'stat -c "%n %u:%g" /m/by-1000 /m/sub/in-sub /r/by-1000 /r/sub/in-sub'
	runc run test_idmap
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/m/by-1000 2000:2000" ]
	[ "${lines[1]}" = "/m/sub/in-sub 1000:1000" ]
	[ "${lines[2]}" = "/r/by-1000 2000:2000" ]
	[ "${lines[3]}" = "/r/sub/in-sub 2000:2000" ]
}

@test "idmapped mount options combine with the usual ones" {
	idmap_mount /m 1000:2000:1 1000:2000:1 idmap ro nosuid
	set_cmd 'grep " /m " /proc/self/mountinfo; touch /m/x'
	runc run test_idmap
	[ "$status" -ne 0 ]
	[[ "${lines[0]}" == *" /m ro,nosuid,"*idmapped* ]]
	[[ "$output" == *"Read-only file system"* ]]
}

@test "invalid idmapped mounts are refused before anything is made" {
	# Not a bind mount.
	update_config '.mounts += [{source: "tmpfs", destination: "/m", type: "tmpfs", options: ["idmap"],
		uidMappings: [{containerID: 0, hostID: 1000, size: 1}], gidMappings: [{containerID: 0, hostID: 1000, size: 1}]}]'
	runc run test_idmap
	[ "$status" -ne 0 ]
	[[ "$output" == *"/m"*"only supported for bind mounts"* ]]

	# One mapping without the other.
	update_config 'del(.mounts[-1])'
	idmap_mount /m 1000:2000:1 1000:2000:1
	update_config 'del(.mounts[-1].gidMappings)'
	runc run test_idmap
	[ "$status" -ne 0 ]
	[[ "$output" == *"both uidMappings and gidMappings"* ]]

	# idmap alone, and no user namespace to take mappings from.
	update_config 'del(.mounts[-1])'
	bind_mount "$SRC" /m idmap
	runc run test_idmap
	[ "$status" -ne 0 ]
	[[ "$output" == *"/m"*"no user namespace"* ]]
	[ -z "$(__runc list -q)" ]
}
