#!/usr/bin/env bats
# Bad input: every failure exits non-zero with a one-line error naming the
# problem, leaves nothing behind, and never harms an existing container.

load helpers

# The error is a single logrus line on stderr mentioning $1.
check_error() {
	[ "$status" -ne 0 ] || fail "exit status 0"
	[ "$(grep -c . <<<"$stderr")" -eq 1 ] || fail "error is not one line: $stderr"
	[[ "$stderr" =~ ^time=\".*\"\ level=error\ msg=\".*\"$ ]] || fail "not a logrus error line: $stderr"
	[[ "$stderr" == *"$1"* ]] || fail "error does not mention '$1': $stderr"
}

# Nothing of container $1 is left: no state, no cgroup, no process.
check_nothing_left() {
	local id=$1
	[ -z "$id" ] || [ ! -e "$ROOT/$id" ] || fail "state directory $ROOT/$id left"
	runc_split list -q
	[ -z "$output" ] || fail "list shows: $output"
	[ -z "$id" ] || [ -z "$(cgroup_dirs_for_path "$id")" ] || fail "cgroup left: $(cgroup_dirs_for_path "$id")"
	no_leftover_processes
}

@test "missing bundle directory" {
	runc_split run -b "$TESTDIR/no-such-bundle" test_err
	check_error no-such-bundle
	check_nothing_left test_err
	runc_split create -b "$TESTDIR/no-such-bundle" test_err
	check_error no-such-bundle
	check_nothing_left test_err
}

@test "missing config.json" {
	rm "$BUNDLE/config.json"
	runc_split create test_err
	check_error config.json
	check_nothing_left test_err
}

@test "invalid JSON in config.json" {
	echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	runc_split run test_err
	[ "$status" -ne 0 ]
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
	check_nothing_left test_err
}

@test "config.json of the wrong JSON type" {
	echo '[1, 2, 3]' >"$BUNDLE/config.json"
	runc_split run test_err
	[ "$status" -ne 0 ]
	check_nothing_left test_err
}

@test "unsupported ociVersion" {
	update_config '.ociVersion = "0.1.0"'
	runc_split run test_err
	check_error 0.1.0
	check_nothing_left test_err
}

@test "missing rootfs" {
	rm -rf "$BUNDLE/rootfs"
	runc_split run test_err
	check_error rootfs
	check_nothing_left test_err
}

@test "root.path names a file, not a directory" {
	rm -rf "$BUNDLE/rootfs"
	touch "$BUNDLE/rootfs"
	runc_split run test_err
	[ "$status" -ne 0 ]
	check_nothing_left test_err
}

@test "empty process.args" {
	update_config '.process.args = []'
	runc_split run test_err
	check_error args
	check_nothing_left test_err
}

@test "missing process" {
	update_config 'del(.process)'
	runc_split run test_err
	check_error process
	check_nothing_left test_err
}

@test "relative cwd" {
	update_config '.process.cwd = "relative/dir"'
	runc_split run test_err
	[ "$status" -ne 0 ]
	[[ "$stderr" == *[Cc]wd* ]]
	check_nothing_left test_err
}

@test "invalid container ids" {
	local id
	for id in a/b .. . 'a b' 'x:y' '../escape' 'a\b'; do
		runc_split create "$id"
		check_error "" || fail "id '$id' accepted"
		[[ "$stderr" == *[Ii][Dd]* ]] || fail "error for '$id' does not mention the id: $stderr"
	done
	[ ! -e "$TESTDIR/escape" ]
	[ ! -e "$ROOT/a" ]
	runc_split list -q
	[ -z "$output" ]
	no_leftover_processes
}

@test "empty container id" {
	runc_split create ""
	[ "$status" -ne 0 ]
	[[ "$stderr" == *[Ii][Dd]* ]]
	check_nothing_left ""
}

@test "commands on an unknown id name the problem" {
	local cmd
	for cmd in start state delete kill ps pause resume; do
		runc_split "$cmd" no_such_container
		check_error "does not exist" || fail "$cmd"
	done
}

@test "unknown signal" {
	set_args sleep 100
	runc run -d test_err
	[ "$status" -eq 0 ]
	runc_split kill test_err SIGNOPE
	check_error NOPE
	testcontainer test_err running
}

@test "unknown flag on create" {
	runc_split create --no-such-flag test_err
	[ "$status" -ne 0 ]
	[[ "$stderr" == *no-such-flag* ]]
	check_nothing_left test_err
}

@test "a command that cannot be executed leaves nothing behind" {
	set_args /etc/passwd
	runc_split run test_err
	[ "$status" -ne 0 ]
	[[ "$stderr" == */etc/passwd* ]]
	check_nothing_left test_err
}

@test "a failing mount leaves nothing behind" {
	update_config '.mounts += [{"destination": "/data", "type": "bind", "source": "/no/such/source", "options": ["bind"]}]'
	runc_split run test_err
	[ "$status" -ne 0 ]
	[[ "$stderr" == */no/such/source* ]]
	check_nothing_left test_err
}

@test "a failed create after a successful one leaves the first container intact" {
	set_args sleep 100
	runc run -d first
	[ "$status" -eq 0 ]
	runc_split state first
	local before=$output pid
	pid=$(jq -r .pid <<<"$output")

	# Same id, broken bundle.
	cp "$BUNDLE/config.json" "$TESTDIR/good.json"
	echo '{' >"$BUNDLE/config.json"
	runc_split run first
	[ "$status" -ne 0 ]
	runc_split create first
	[ "$status" -ne 0 ]
	cp "$TESTDIR/good.json" "$BUNDLE/config.json"
	# Same id, good bundle.
	runc_split run -d first
	[ "$status" -ne 0 ]
	# Bad ids and bad signals.
	runc_split create ../first
	[ "$status" -ne 0 ]
	runc_split kill first NOSIG
	[ "$status" -ne 0 ]
	runc_split delete first
	[ "$status" -ne 0 ]
	# Missing rootfs for another id.
	mv "$BUNDLE/rootfs" "$BUNDLE/rootfs.away"
	runc_split run second
	[ "$status" -ne 0 ]
	mv "$BUNDLE/rootfs.away" "$BUNDLE/rootfs"

	runc_split state first
	[ "$status" -eq 0 ]
	[ "$output" = "$before" ]
	pid_alive "$pid"
	runc_split list -q
	[ "$output" = first ]
}

@test "a corrupt state file is reported, not fatal to other containers" {
	set_args sleep 100
	runc run -d good
	[ "$status" -eq 0 ]
	runc run -d broken
	[ "$status" -eq 0 ]
	# The runtime will not be able to clean this one up.
	track_cgroups "$(container_pid broken)"
	local f
	for f in "$ROOT"/broken/*.json; do
		echo '{garbage' >"$f"
	done
	runc_split state broken
	[ "$status" -ne 0 ]
	testcontainer good running
	runc_split list -q
	[[ "$output" == *good* ]]
}
