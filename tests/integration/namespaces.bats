#!/usr/bin/env bats
# linux.namespaces: new namespaces, and joining existing ones by path.

load helpers

# Start a long-running container and set PID to its init's host pid.
start_sleeper() {
	set_args sleep 100
	runc run -d test_ns
	[ "$status" -eq 0 ] || fail "run -d failed: $output"
	PID=$(container_pid test_ns)
	pid_alive "$PID"
}

ns_of() {
	readlink "/proc/$1/ns/$2"
}

@test "configured namespaces are new, the others are the host's" {
	start_sleeper
	local t
	for t in pid net ipc uts mnt; do
		[ "$(ns_of "$PID" "$t")" != "$(ns_of self "$t")" ] || fail "$t namespace is the host's"
	done
	for t in user cgroup; do
		[ "$(ns_of "$PID" "$t")" = "$(ns_of self "$t")" ] || fail "$t namespace is not the host's"
	done
}

@test "two containers get different namespaces" {
	set_args sleep 100
	runc run -d ns1
	[ "$status" -eq 0 ]
	runc run -d ns2
	[ "$status" -eq 0 ]
	local p1 p2 t
	p1=$(container_pid ns1)
	p2=$(container_pid ns2)
	for t in pid net ipc uts mnt; do
		[ "$(ns_of "$p1" "$t")" != "$(ns_of "$p2" "$t")" ]
	done
}

@test "the pid namespace shows only the container's processes" {
	set_cmd 'sleep 100 & ls -d /proc/[0-9]* | wc -l'
	runc run test_ns
	[ "$status" -eq 0 ]
	# sh (pid 1), sleep, ls/wc: a handful, far fewer than on the host.
	[ "$output" -le 5 ]
	[ "$(ls -d /proc/[0-9]* | wc -l)" -gt 20 ]
}

@test "without a network namespace the container uses the host's" {
	remove_namespace network
	start_sleeper
	[ "$(ns_of "$PID" net)" = "$(ns_of self net)" ]
	[ "$(ns_of "$PID" pid)" != "$(ns_of self pid)" ]
}

@test "without a pid namespace the container sees host processes" {
	remove_namespace pid
	set_cmd 'echo $$; ls -d /proc/[0-9]* | wc -l'
	runc run test_ns
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -gt 1 ]
	[ "${lines[1]}" -gt 20 ]
}

@test "a new cgroup namespace" {
	update_config '.linux.namespaces += [{"type": "cgroup"}]'
	start_sleeper
	[ "$(ns_of "$PID" cgroup)" != "$(ns_of self cgroup)" ]
	# Inside, the container's own cgroup is the root.
	runc_split exec test_ns cat /proc/self/cgroup
	if [ "$status" -eq 0 ]; then
		! grep -v ':/$' <<<"$output" || fail "cgroup paths not rooted"
	fi
}

@test "a network namespace is joined by path" {
	local nsfile=$TESTDIR/netns
	touch "$nsfile"
	unshare --net="$nsfile" true
	defer "umount -l '$nsfile'"
	# Something to recognise it by.
	nsenter --net="$nsfile" ip link set lo mtu 1234
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "'"$nsfile"'" else . end)'
	set_cmd 'ip link show lo; sleep 100'
	runc run -d test_ns
	[ "$status" -eq 0 ]
	PID=$(container_pid test_ns)
	[ "$(ns_of "$PID" net)" = "net:[$(stat -L -c %i "$nsfile")]" ]
	# The other namespaces are still new.
	[ "$(ns_of "$PID" uts)" != "$(ns_of self uts)" ]
	[[ "$output" == *"mtu 1234"* ]]
}

@test "a uts namespace is joined by path" {
	local nsfile=$TESTDIR/utsns
	touch "$nsfile"
	unshare --uts="$nsfile" hostname joined-uts-ns
	defer "umount -l '$nsfile'"
	update_config 'del(.hostname) | .linux.namespaces |= map(if .type == "uts" then .path = "'"$nsfile"'" else . end)'
	set_args hostname
	runc run test_ns
	[ "$status" -eq 0 ]
	[ "$output" = joined-uts-ns ]
	[ "$(hostname)" != joined-uts-ns ]
}

@test "an ipc namespace of another container is joined via /proc/PID/ns" {
	set_args sleep 100
	runc run -d ns_owner
	[ "$status" -eq 0 ]
	local owner
	owner=$(container_pid ns_owner)
	update_config '.linux.namespaces |= map(if .type == "ipc" then .path = "/proc/'"$owner"'/ns/ipc" else . end)'
	runc run -d ns_joiner
	[ "$status" -eq 0 ]
	local joiner
	joiner=$(container_pid ns_joiner)
	[ "$(ns_of "$joiner" ipc)" = "$(ns_of "$owner" ipc)" ]
	[ "$(ns_of "$joiner" net)" != "$(ns_of "$owner" net)" ]
}

@test "joining a namespace path that does not exist is an error" {
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "/no/such/netns" else . end)'
	runc run test_ns
	[ "$status" -ne 0 ]
	[[ "$output" == */no/such/netns* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "joining a namespace of the wrong type is an error" {
	set_args sleep 100
	runc run -d ns_owner
	[ "$status" -eq 0 ]
	local owner
	owner=$(container_pid ns_owner)
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "/proc/'"$owner"'/ns/uts" else . end)'
	runc run test_ns
	[ "$status" -ne 0 ]
	runc state test_ns
	[ "$status" -ne 0 ]
}
