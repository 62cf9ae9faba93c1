#!/usr/bin/env bats
# Rootless: the runtime run by an unprivileged user made for these tests,
# with `spec --rootless`, with and without a delegated cgroup, with its own
# single id mapping or several ranges through newuidmap/newgidmap.

load helpers

RL_USER=ocirunc-rl
# Cgroup directories delegated to the user (one per v1 hierarchy, and the
# cgroup v2 one), under this name.
RL_CG=ocirunc-rl-test

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "test requires root"
	# A user left behind by an interrupted run is replaced.
	if id "$RL_USER" >/dev/null 2>&1; then
		rl_cleanup_user
	fi
	useradd --no-create-home --user-group --shell /bin/sh "$RL_USER"
	# Subordinate ids for newuidmap/newgidmap (useradd may have added some).
	if ! grep -q "^$RL_USER:" /etc/subuid; then
		usermod --add-subuids 700000-765535 "$RL_USER"
	fi
	if ! grep -q "^$RL_USER:" /etc/subgid; then
		usermod --add-subgids 700000-765535 "$RL_USER"
	fi
}

teardown_file() {
	rl_cleanup_user
}

# Remove the test user: its processes first (each by pid), then the user
# and its subordinate ids, and the cgroups delegated to it.
rl_cleanup_user() {
	local pid
	for pid in $(ps -o pid= -u "$RL_USER" 2>/dev/null); do
		kill -9 "$pid" 2>/dev/null || true
	done
	rl_remove_cgroups
	# -f: zombies of the user's (pid 1 may reap them late) must not stop it.
	userdel -f "$RL_USER" 2>/dev/null || true
	# userdel removes the subordinate ids; make sure of it.
	sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
}

rl_remove_cgroups() {
	local d try
	for d in /sys/fs/cgroup/*/"$RL_CG" /sys/fs/cgroup/"$RL_CG"; do
		[ -d "$d" ] || continue
		for try in $(seq 25); do
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
			[ -d "$d" ] || break
			sleep 0.02
		done
	done
}

setup() {
	setup_busybox
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	read -r RL_SUBUID RL_SUBUID_N < <(awk -F: -v u="$RL_USER" '$1 == u {print $2, $3; exit}' /etc/subuid)
	read -r RL_SUBGID RL_SUBGID_N < <(awk -F: -v u="$RL_USER" '$1 == u {print $2, $3; exit}' /etc/subgid)
	# The user must reach the bundle under the private test directory, own
	# a runtime directory (as $XDG_RUNTIME_DIR), and write the bundle's
	# config.json. The rootfs stays root's: it is only read.
	chmod 755 "$TESTDIR"
	RL_XDG=$TESTDIR/xdg
	mkdir -m 700 "$RL_XDG"
	chown "$RL_UID:$RL_GID" "$RL_XDG" "$BUNDLE"
	rm -f "$BUNDLE/config.json"
	# The binary must be executable by the user (a private build dir is not).
	RL_RUNC=$RUNC
	if ! setpriv --reuid "$RL_UID" --regid "$RL_GID" --clear-groups "$RL_RUNC" --version >/dev/null 2>&1; then
		RL_RUNC=$TESTDIR/runc
		install -m 755 "$RUNC" "$RL_RUNC"
	fi
	urunc spec --rootless
	[ "$status" -eq 0 ] || fail "spec --rootless as $RL_USER: $output"
	update_config '.process.terminal = false | .process.args = ["true"]'
}

teardown() {
	# The user's containers, wherever their state is; then anything of the
	# user's still running.
	local root id pid
	for root in "$RL_XDG/runc" "$TESTDIR/ustate"; do
		[ -d "$root" ] || continue
		for id in $(ls "$root"); do
			RUNC_TIMEOUT=20 urunc --root "$root" delete -f "$id" || true
		done
	done
	for pid in $(ps -o pid= -u "$RL_USER" 2>/dev/null); do
		kill -9 "$pid" 2>/dev/null || true
	done
	rl_remove_cgroups
	teardown_busybox
}

# Fail if a process of the test user is alive (zombies, which pid 1 reaps
# in its own time, do not count).
no_user_processes() {
	local left
	left=$(ps -o pid=,stat=,args= -u "$RL_USER" | awk '$2 !~ /^Z/')
	[ -z "$left" ] || fail "processes left: $left"
}

# urunc ARGS... -- the runtime as the test user, with a clean environment
# ($XDG_RUNTIME_DIR set); sets $status, $output and $lines like runc.
urunc() {
	RUNC_CALLS=$((RUNC_CALLS + 1))
	local out="$TESTDIR/urunc.$RUNC_CALLS.out"
	status=0
	(cd "$BUNDLE" && timeout -k 5 "$RUNC_TIMEOUT" \
		setpriv --reuid "$RL_UID" --regid "$RL_GID" --clear-groups \
		env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/ USER="$RL_USER" \
		XDG_RUNTIME_DIR="$RL_XDG" RUNC_TEST_MARKER="$TESTDIR" \
		"$RL_RUNC" "$@" >"$out" 2>&1 </dev/null 3>&-) || status=$?
	output=$(cat "$out")
	lines=()
	[ -n "$output" ] && mapfile -t lines <<<"$output"
	echo "urunc $* (status=$status):" >&2
	[ -n "$output" ] && echo "$output" >&2
	return 0
}

ustate_field() {
	RUNC_CALLS=$((RUNC_CALLS + 1))
	local out="$TESTDIR/urunc.$RUNC_CALLS.out"
	(cd "$BUNDLE" && setpriv --reuid "$RL_UID" --regid "$RL_GID" --clear-groups \
		env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$RL_XDG" "$RL_RUNC" state "$1" >"$out" 2>/dev/null </dev/null 3>&-)
	jq -r "$2" <"$out"
}

# Delegate a cgroup to the user on every hierarchy, as an administrator
# (or systemd's Delegate=) would.
delegate_cgroup() {
	local d
	for d in /sys/fs/cgroup/*/; do
		d=${d%/}
		[ -f "$d/cgroup.procs" ] || continue
		mkdir -p "$d/$RL_CG"
		chown -R "$RL_UID:$RL_GID" "$d/$RL_CG"
	done
}

@test "spec --rootless writes runc's rootless template for the caller" {
	local cfg=$BUNDLE/config.json
	rm -f "$cfg"
	urunc spec --rootless
	[ "$status" -eq 0 ]
	[ "$(stat -c %U "$cfg")" = "$RL_USER" ]
	jq -e --argjson u "$RL_UID" --argjson g "$RL_GID" '
		.linux.uidMappings == [{containerID: 0, hostID: $u, size: 1}] and
		.linux.gidMappings == [{containerID: 0, hostID: $g, size: 1}] and
		(.linux.namespaces | map(.type) | index("user") != null and index("network") == null) and
		.linux.resources == null' "$cfg"
	# /sys is the host's, bound read-only; the cgroup mount stays; no
	# option names a uid or gid the namespace does not map.
	jq -e '.mounts[] | select(.destination == "/sys") | .type == "none" and .source == "/sys" and .options == ["rbind", "nosuid", "noexec", "nodev", "ro"]' "$cfg"
	jq -e '.mounts | any(.destination == "/sys/fs/cgroup" and .type == "cgroup")' "$cfg"
	jq -e '[.mounts[].options[]? | select(startswith("uid=") or startswith("gid="))] == []' "$cfg"
	# The same as runc's own template, where runc is installed.
	if [ -x /usr/sbin/runc ] && [ "$(readlink -f /usr/sbin/runc)" != "$(readlink -f "$RUNC")" ]; then
		mkdir "$TESTDIR/theirs"
		chown "$RL_UID" "$TESTDIR/theirs"
		setpriv --reuid "$RL_UID" --regid "$RL_GID" --clear-groups /usr/sbin/runc spec --rootless -b "$TESTDIR/theirs"
		local f='{mounts, root, hostname, linux}'
		diff <(jq -S "$f" "$TESTDIR/theirs/config.json") <(jq -S "$f" "$cfg")
	fi
}

@test "an unprivileged user runs a busybox container: its own ids map to root" {
	update_config '.process.args = ["sh", "-c", "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; ls /proc | grep -c \"^[0-9]\""]'
	urunc run rl_run
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[ "$(awk '{print $1, $2, $3}' <<<"${lines[2]}")" = "0 $RL_UID 1" ]
	[ "$(awk '{print $1, $2, $3}' <<<"${lines[3]}")" = "0 $RL_GID 1" ]
	# The runtime wrote the gid map itself: setgroups had to be denied.
	[ "${lines[4]}" = deny ]
	# A pid namespace of its own.
	[ "${lines[5]}" -le 3 ]
	# Its state went under $XDG_RUNTIME_DIR/runc, now gone again.
	[ -d "$RL_XDG/runc" ]
	[ "$(stat -c %U "$RL_XDG/runc")" = "$RL_USER" ]
	[ -z "$(ls "$RL_XDG/runc")" ]
}

@test "rootless lifecycle without a cgroup: create, start, state, list, ps, exec, kill, delete" {
	update_config '.process.args = ["sleep", "100"]'
	urunc create rl_life
	[ "$status" -eq 0 ]
	# The default root is $XDG_RUNTIME_DIR/runc.
	[ -f "$RL_XDG/runc/rl_life/state.json" ]
	[ "$(ustate_field rl_life .status)" = created ]
	urunc list
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == rl_life*created*"$RL_USER" ]]
	urunc start rl_life
	[ "$status" -eq 0 ]
	local pid
	pid=$(ustate_field rl_life .pid)
	[ "$(ustate_field rl_life .status)" = running ]
	[ "$(stat -c %u "/proc/$pid")" = "$RL_UID" ]
	# --rootless auto turned the rootless cgroup handling on.
	[ "$(jq -r .rootless "$RL_XDG/runc/rl_life/state.json")" = true ]

	urunc exec rl_life sh -c 'id -u; cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "$(awk '{print $2}' <<<"${lines[1]}")" = "$RL_UID" ]

	# Without a cgroup, ps finds the container's processes through its pid
	# namespace.
	urunc exec -d rl_life sleep 77
	[ "$status" -eq 0 ]
	urunc ps -f json rl_life
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -eq 2 ]
	jq -e --argjson p "$pid" 'index($p) != null' <<<"$output"
	local other
	other=$(jq -r --argjson p "$pid" 'map(select(. != $p))[0]' <<<"$output")
	[ "$(tr '\0' ' ' <"/proc/$other/cmdline")" = "sleep 77 " ]

	# kill --all reaches them all; then the container stops.
	urunc kill --all rl_life KILL
	[ "$status" -eq 0 ]
	wait_for_pid_exit "$other"
	wait_for_pid_exit "$pid"
	[ "$(ustate_field rl_life .status)" = stopped ]
	urunc delete rl_life
	[ "$status" -eq 0 ]
	[ ! -e "$RL_XDG/runc/rl_life" ]
	urunc list -q
	[ -z "$output" ]
}

@test "--rootless: auto and true skip cgroups the user cannot make; false fails on them" {
	urunc --rootless bogus list
	[ "$status" -ne 0 ]
	[[ "$output" == *"--rootless"* ]]
	urunc --rootless true run rl_flag
	[ "$status" -eq 0 ]
	urunc --rootless false run rl_flag
	[ "$status" -ne 0 ]
	[[ "$output" == *"ermission denied"* ]]
	[ ! -e "$RL_XDG/runc/rl_flag" ]
}

@test "a resource limit without a writable cgroup fails clearly, leaving nothing" {
	update_config '.linux.resources = {memory: {limit: 33554432}}'
	urunc run rl_limit
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot set memory limit"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	[ ! -e "$RL_XDG/runc/rl_limit" ]
	no_user_processes
}

@test "with a delegated cgroup the container is in it and its limits apply" {
	delegate_cgroup
	update_config ".linux.cgroupsPath = \"/$RL_CG/rl_cg\"
		| .linux.resources = {memory: {limit: 33554432}, pids: {limit: 42}}
		| .process.args = [\"sleep\", \"100\"]"
	urunc run -d rl_cg
	[ "$status" -eq 0 ]
	local pid
	pid=$(ustate_field rl_cg .pid)
	grep -qx "[0-9]*:memory:/$RL_CG/rl_cg" "/proc/$pid/cgroup"
	grep -qx "[0-9]*:pids:/$RL_CG/rl_cg" "/proc/$pid/cgroup"
	[ "$(cat "/sys/fs/cgroup/memory/$RL_CG/rl_cg/memory.limit_in_bytes")" = 33554432 ]
	[ "$(cat "/sys/fs/cgroup/pids/$RL_CG/rl_cg/pids.max")" = 42 ]
	# The container sees its own cgroup.
	urunc exec rl_cg cat /sys/fs/cgroup/pids/pids.max
	[ "$status" -eq 0 ]
	[ "$output" = 42 ]
	# ps reads the cgroup.
	urunc ps -f json rl_cg
	[ "$status" -eq 0 ]
	[ "$output" = "[$pid]" ]
	urunc delete -f rl_cg
	[ "$status" -eq 0 ]
	# The user's runtime removed the cgroups it made.
	[ ! -d "/sys/fs/cgroup/memory/$RL_CG/rl_cg" ]
	[ ! -d "/sys/fs/cgroup/pids/$RL_CG/rl_cg" ]
}

@test "several id ranges go through newuidmap and newgidmap" {
	command -v newuidmap >/dev/null && command -v newgidmap >/dev/null || skip "newuidmap/newgidmap (package uidmap) not installed"
	update_config ".linux.uidMappings = [{containerID: 0, hostID: $RL_UID, size: 1}, {containerID: 1, hostID: $RL_SUBUID, size: $RL_SUBUID_N}]
		| .linux.gidMappings = [{containerID: 0, hostID: $RL_GID, size: 1}, {containerID: 1, hostID: $RL_SUBGID, size: $RL_SUBGID_N}]
		| .process.user = {uid: 1000, gid: 1000, additionalGids: [5, 100]}
		| .process.args = [\"sh\", \"-c\", \"cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -G; sleep 100\"]"
	urunc run -d rl_ranges
	[ "$status" -eq 0 ]
	local pid
	pid=$(ustate_field rl_ranges .pid)
	# Uid 1000 of the container is subordinate id 999 on the host.
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = $((RL_SUBUID + 999)) ]
	[ "$(awk '/^Gid:/ {print $2}' "/proc/$pid/status")" = $((RL_SUBGID + 999)) ]
	urunc exec rl_ranges sh -c 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
	[ "$status" -eq 0 ]
	[ "$(awk 'NF == 3 {print $1, $2, $3}' <<<"$output" | head -2)" = "0 $RL_UID 1
1 $RL_SUBUID $RL_SUBUID_N" ]
	[ "$(awk 'NF == 3 {print $1, $2, $3}' <<<"$output" | tail -2)" = "0 $RL_GID 1
1 $RL_SUBGID $RL_SUBGID_N" ]
	# newgidmap leaves setgroups allowed: additional groups apply.
	[ "${lines[-1]}" = allow ]
	[ "$(awk '/^Groups:/ {$1 = ""; print}' "/proc/$pid/status" | xargs)" = "$((RL_SUBGID + 4)) $((RL_SUBGID + 99))" ]
}

@test "one's own ids alone: additionalGids are refused with the reason" {
	update_config '.process.user = {uid: 0, gid: 0, additionalGids: [5]}'
	urunc run rl_groups
	[ "$status" -ne 0 ]
	[[ "$output" == *"additionalGids"*"setgroups is denied"* ]]
	[ ! -e "$RL_XDG/runc/rl_groups" ]
}

@test "ids that /etc/subuid does not grant: newuidmap's refusal is reported, nothing is left" {
	command -v newuidmap >/dev/null || skip "newuidmap (package uidmap) not installed"
	update_config ".linux.uidMappings = [{containerID: 0, hostID: $RL_UID, size: 1}, {containerID: 1, hostID: 12345, size: 10}]
		| .process.args = [\"sleep\", \"100\"]"
	urunc run -d rl_denied
	[ "$status" -ne 0 ]
	[[ "$output" == *newuidmap*"not allowed"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	[ ! -e "$RL_XDG/runc/rl_denied" ]
	no_user_processes
}

@test "a rootless container needs a user namespace; idmapped mounts are refused" {
	update_config 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != "user"))'
	urunc run rl_nouserns
	[ "$status" -ne 0 ]
	[[ "$output" == *"rootless container requires user namespaces"* ]]

	rm -f "$BUNDLE/config.json"
	urunc spec --rootless
	update_config '.process.terminal = false
		| .mounts += [{destination: "/mnt", type: "bind", source: "/tmp", options: ["bind", "idmap"]}]'
	urunc run rl_idmap
	[ "$status" -ne 0 ]
	[[ "$output" == *"idmapped mounts need privilege"* ]]
}

@test "a non-root state root: --root in a directory the user owns" {
	mkdir -m 700 "$TESTDIR/ustate"
	chown "$RL_UID:$RL_GID" "$TESTDIR/ustate"
	update_config '.process.args = ["sleep", "100"]'
	urunc --root "$TESTDIR/ustate" run -d rl_root
	[ "$status" -eq 0 ]
	[ -f "$TESTDIR/ustate/rl_root/state.json" ]
	[ ! -e "$RL_XDG/runc/rl_root" ]
	urunc --root "$TESTDIR/ustate" delete -f rl_root
	[ "$status" -eq 0 ]
	[ ! -e "$TESTDIR/ustate/rl_root" ]
}

@test "the runtime binary is out of the container's reach: in place if only root may write it, else a sealed copy" {
	urunc create rl_exe
	[ "$status" -eq 0 ]
	local pid
	pid=$(ustate_field rl_exe .pid)
	# A root-owned binary, not writable by others, is executed as it is.
	[ "$(stat -c %u "$RL_RUNC")" = 0 ]
	[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$RL_RUNC")" ]
	urunc delete -f rl_exe
	[ "$status" -eq 0 ]

	# One the user may write is copied into a sealed memfd first.
	install -m 755 -o "$RL_UID" -g "$RL_GID" "$RUNC" "$TESTDIR/user-runc"
	RL_RUNC=$TESTDIR/user-runc
	urunc create rl_exe
	[ "$status" -eq 0 ]
	pid=$(ustate_field rl_exe .pid)
	[[ "$(readlink "/proc/$pid/exe")" == *memfd:runc_cloned* ]]
	# Sealed against writes, growing, shrinking and unsealing (F_GET_SEALS),
	# so that a reopened handle to it cannot change it either.
	run "$PYTHON" -c 'import fcntl, os, sys; print(fcntl.fcntl(os.open(sys.argv[1], os.O_RDONLY), 1034))' "/proc/$pid/exe"
	[ "$status" -eq 0 ]
	[ "$output" = 15 ]
	urunc start rl_exe
	[ "$status" -eq 0 ]
}
