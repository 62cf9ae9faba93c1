#!/usr/bin/env bats
# linux.maskedPaths and linux.readonlyPaths

load helpers

setup() {
	setup_busybox
	mkdir -p "$BUNDLE/rootfs/secret-dir"
	echo "top secret" >"$BUNDLE/rootfs/secret-dir/file"
	echo "secret file" >"$BUNDLE/rootfs/secret-file"
	mkdir -p "$BUNDLE/rootfs/ro-dir"
	echo "keep me" >"$BUNDLE/rootfs/ro-dir/file"
	update_config '.root.readonly = false'
}

@test "/proc/kcore is masked (empty)" {
	[ -e /proc/kcore ] || skip "no /proc/kcore on this kernel"
	set_cmd 'wc -c < /proc/kcore; stat -c %t:%T /proc/kcore'
	runc run test_mask
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -eq 0 ]
	# Masked with /dev/null.
	[ "${lines[1]}" = 1:3 ]
}

@test "the default spec's masked paths are all masked" {
	set_cmd 'for p in /proc/kcore /proc/keys /proc/timer_list /sys/firmware; do
		if [ -d "$p" ]; then echo "$p dir $(ls -A "$p" | wc -l)"; elif [ -e "$p" ]; then echo "$p file $(wc -c < "$p")"; fi
	done'
	runc run test_mask
	[ "$status" -eq 0 ]
	local line
	for line in "${lines[@]}"; do
		[[ "$line" =~ \ 0$ ]] || fail "not masked: $line"
	done
	# /sys/firmware is not empty on the host.
	if [ -n "$(ls -A /sys/firmware)" ]; then
		[[ "$output" == *"/sys/firmware dir 0"* ]]
	fi
}

@test "a masked directory is empty and cannot be written" {
	update_config '.linux.maskedPaths += ["/secret-dir"]'
	set_cmd 'ls -A /secret-dir | wc -l; cat /secret-dir/file; touch /secret-dir/new && echo wrote'
	runc_split run test_mask
	[ "${lines[0]}" -eq 0 ]
	[[ "$output" != *"top secret"* ]]
	[[ "$output" != *wrote* ]]
	# The rootfs itself is untouched.
	[ "$(cat "$BUNDLE/rootfs/secret-dir/file")" = "top secret" ]
	[ ! -e "$BUNDLE/rootfs/secret-dir/new" ]
}

@test "a masked file reads as empty" {
	update_config '.linux.maskedPaths += ["/secret-file"]'
	set_cmd 'wc -c < /secret-file; cat /secret-file'
	runc run test_mask
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	[ "$(cat "$BUNDLE/rootfs/secret-file")" = "secret file" ]
}

@test "a masked path that does not exist is ignored" {
	update_config '.linux.maskedPaths += ["/no/such/path"]'
	set_args true
	runc run test_mask
	[ "$status" -eq 0 ]
}

@test "/proc/sys is read-only" {
	# Even with CAP_SYS_ADMIN, which would allow writing it otherwise.
	update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	set_cmd 'echo newname > /proc/sys/kernel/hostname; cat /proc/sys/kernel/hostname; grep " /proc/sys " /proc/self/mountinfo'
	runc_split run test_mask
	[ "${lines[0]}" = runc ]
	[[ "$stderr" == *"Read-only file system"* ]]
	[[ "${lines[1]}" =~ \ /proc/sys\ ro[,\ ] ]]
}

@test "without readonlyPaths /proc/sys is writable with CAP_SYS_ADMIN" {
	update_config '.linux.readonlyPaths = [] | .process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	set_cmd 'echo newname > /proc/sys/kernel/hostname; cat /proc/sys/kernel/hostname'
	runc run test_mask
	[ "$status" -eq 0 ]
	[ "$output" = newname ]
	[ "$(hostname)" != newname ]
}

@test "a read-only path in the rootfs" {
	update_config '.linux.readonlyPaths += ["/ro-dir"]'
	set_cmd 'cat /ro-dir/file; echo changed > /ro-dir/file; touch /ro-dir/new; touch /elsewhere && echo rw-elsewhere'
	runc_split run test_mask
	[ "${lines[0]}" = "keep me" ]
	[ "${lines[1]}" = rw-elsewhere ]
	[[ "$stderr" == *"Read-only file system"* ]]
	[ "$(cat "$BUNDLE/rootfs/ro-dir/file")" = "keep me" ]
	[ ! -e "$BUNDLE/rootfs/ro-dir/new" ]
	[ -e "$BUNDLE/rootfs/elsewhere" ]
}

@test "/proc/sysrq-trigger is read-only" {
	[ -e /proc/sysrq-trigger ] || skip "no /proc/sysrq-trigger"
	set_cmd 'grep " /proc/sysrq-trigger " /proc/self/mountinfo'
	runc run test_mask
	[ "$status" -eq 0 ]
	[[ "$output" =~ \ /proc/sysrq-trigger\ ro[,\ ] ]]
}

@test "a file is not masked with a /dev/null that is not the null device" {
	# A /dev of the bundle's, where "null" is a regular file.
	mkdir "$BUNDLE/fakedev"
	echo "not null" >"$BUNDLE/fakedev/null"
	update_config '(.mounts[] | select(.destination == "/dev")) |= {"source": "'"$BUNDLE"'/fakedev", "destination": "/dev", "type": "bind", "options": ["rbind"]}
		| .linux.maskedPaths += ["/secret-file"]'
	set_args cat /secret-file
	runc run test_mask
	[ "$status" -ne 0 ]
	[[ "$output" == *": /dev/null is not the null device"* ]]
	[[ "$output" != *"secret file"* ]]
}
