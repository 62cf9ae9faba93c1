#!/usr/bin/env bats
# runc spec: writes a default config.json for a bundle.

load helpers

setup() {
	setup_busybox
	SPECDIR=$TESTDIR/specdir
	mkdir -p "$SPECDIR"
	cd "$SPECDIR"
}

@test "spec writes a valid config.json in the current directory" {
	runc spec
	[ "$status" -eq 0 ]
	[ -f config.json ]
	jq -e . config.json >/dev/null
	# ociVersion is a 1.x semantic version.
	[[ "$(jq -r .ociVersion config.json)" =~ ^1\.[0-9]+\.[0-9]+ ]]
	# The bundle was not changed.
	[ ! -e "$BUNDLE/config.json.tmp" ]
}

@test "spec: default process (terminal, sh, cwd, env, user)" {
	runc spec
	[ "$status" -eq 0 ]
	[ "$(jq -r .process.terminal config.json)" = true ]
	[ "$(jq -c .process.args config.json)" = '["sh"]' ]
	[ "$(jq -r .process.cwd config.json)" = / ]
	[ "$(jq -r .process.user.uid config.json)" = 0 ]
	[ "$(jq -r .process.user.gid config.json)" = 0 ]
	jq -e '.process.env | any(startswith("PATH="))' config.json
	jq -e '.process.env | index("TERM=xterm")' config.json
	[ "$(jq -r .process.noNewPrivileges config.json)" = true ]
}

@test "spec: RLIMIT_NOFILE 1024" {
	runc spec
	[ "$status" -eq 0 ]
	[ "$(jq -r '.process.rlimits[] | select(.type == "RLIMIT_NOFILE") | .hard' config.json)" = 1024 ]
	[ "$(jq -r '.process.rlimits[] | select(.type == "RLIMIT_NOFILE") | .soft' config.json)" = 1024 ]
}

@test "spec: default capabilities" {
	runc spec
	[ "$status" -eq 0 ]
	local set
	for set in bounding effective permitted; do
		[ "$(jq -c ".process.capabilities.$set | sort" config.json)" = \
			'["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]' ]
	done
}

@test "spec: root, hostname and default mounts" {
	runc spec
	[ "$status" -eq 0 ]
	[ "$(jq -r .root.path config.json)" = rootfs ]
	[ "$(jq -r .root.readonly config.json)" = true ]
	[ "$(jq -r .hostname config.json)" = runc ]
	local dest
	for dest in /proc /dev /dev/pts /dev/shm /dev/mqueue /sys /sys/fs/cgroup; do
		jq -e --arg d "$dest" '.mounts | any(.destination == $d)' config.json >/dev/null ||
			fail "no mount for $dest"
	done
	[ "$(jq -r '.mounts[] | select(.destination == "/proc") | .type' config.json)" = proc ]
	[ "$(jq -r '.mounts[] | select(.destination == "/dev") | .type' config.json)" = tmpfs ]
	[ "$(jq -r '.mounts[] | select(.destination == "/dev/pts") | .type' config.json)" = devpts ]
	[ "$(jq -r '.mounts[] | select(.destination == "/sys") | .type' config.json)" = sysfs ]
	jq -e '.mounts[] | select(.destination == "/sys") | .options | index("ro")' config.json
}

@test "spec: maskedPaths and readonlyPaths" {
	runc spec
	[ "$status" -eq 0 ]
	local p
	for p in /proc/kcore /proc/keys /proc/timer_list /sys/firmware; do
		jq -e --arg p "$p" '.linux.maskedPaths | index($p)' config.json >/dev/null ||
			fail "$p not masked"
	done
	for p in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger; do
		jq -e --arg p "$p" '.linux.readonlyPaths | index($p)' config.json >/dev/null ||
			fail "$p not read-only"
	done
}

@test "spec: namespaces pid, network, ipc, uts, mount and no user namespace" {
	runc spec
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.linux.namespaces[].type] | sort' config.json)" = \
		'["ipc","mount","network","pid","uts"]' ]
	# New namespaces, none joined.
	[ "$(jq '[.linux.namespaces[] | select(.path != null and .path != "")] | length' config.json)" = 0 ]
}

@test "spec: the device cgroup denies everything by default" {
	runc spec
	[ "$status" -eq 0 ]
	[ "$(jq -c '.linux.resources.devices' config.json)" = '[{"allow":false,"access":"rwm"}]' ]
}

@test "spec --bundle writes config.json into the bundle directory" {
	mkdir -p "$TESTDIR/other"
	runc spec --bundle "$TESTDIR/other"
	[ "$status" -eq 0 ]
	[ -f "$TESTDIR/other/config.json" ]
	[ ! -e "$SPECDIR/config.json" ]
	jq -e . "$TESTDIR/other/config.json" >/dev/null
}

@test "spec -b writes config.json into the bundle directory" {
	mkdir -p "$TESTDIR/other2"
	runc spec -b "$TESTDIR/other2"
	[ "$status" -eq 0 ]
	[ -f "$TESTDIR/other2/config.json" ]
	[ ! -e "$SPECDIR/config.json" ]
}

@test "spec refuses to overwrite an existing config.json" {
	echo '{"sentinel": true}' >config.json
	local before
	before=$(sha256sum config.json)
	runc spec
	[ "$status" -ne 0 ]
	[[ "$output" == *config.json* ]]
	[ "$(sha256sum config.json)" = "$before" ]
}

@test "spec -b refuses to overwrite an existing config.json" {
	mkdir -p "$TESTDIR/other3"
	echo 'not json at all' >"$TESTDIR/other3/config.json"
	runc spec -b "$TESTDIR/other3"
	[ "$status" -ne 0 ]
	[[ "$output" == *config.json* ]]
	[ "$(cat "$TESTDIR/other3/config.json")" = 'not json at all' ]
}

@test "spec --bundle with a missing directory fails" {
	runc spec --bundle "$TESTDIR/does-not-exist"
	[ "$status" -ne 0 ]
	[[ "$output" == *does-not-exist* ]]
	[ ! -e "$TESTDIR/does-not-exist" ]
}

@test "spec --rootless adds a user namespace mapping the current user" {
	runc spec --rootless
	[ "$status" -eq 0 ]
	jq -e '.linux.namespaces | any(.type == "user")' config.json
	jq -e '.linux.namespaces | any(.type == "network") | not' config.json
	[ "$(jq -r '.linux.uidMappings[0].hostID' config.json)" = "$(id -u)" ]
	[ "$(jq -r '.linux.uidMappings[0].containerID' config.json)" = 0 ]
	[ "$(jq -r '.linux.gidMappings[0].hostID' config.json)" = "$(id -g)" ]
}

@test "spec output runs: a container from the default config works" {
	# The default config with only the command and terminal changed.
	cp -al "$BUNDLE/rootfs" "$SPECDIR/rootfs"
	runc spec
	[ "$status" -eq 0 ]
	update_config '.process.terminal = false | .process.args = ["sh", "-c", "echo spec-ok"]' "$SPECDIR"
	runc run -b "$SPECDIR" spec_test
	[ "$status" -eq 0 ]
	[[ "$output" == *spec-ok* ]]
}

@test "spec -b: errors are worded from within the bundle, as runc's" {
	mkdir -p "$TESTDIR/other4"
	echo '{}' >"$TESTDIR/other4/config.json"
	runc spec -b "$TESTDIR/other4"
	[ "$status" -eq 1 ]
	[[ "$output" == *'File config.json exists. Remove it first'* ]]
	runc spec -b "$TESTDIR/missing4"
	[ "$status" -eq 1 ]
	[[ "$output" == *"chdir $TESTDIR/missing4: no such file or directory"* ]]
}
