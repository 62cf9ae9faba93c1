#!/usr/bin/env bats
# The runtime speaks as runc: error texts, warnings, exit codes and the
# command line's usage texts (urfave/cli v1 style), one test per family.

load helpers

# The command failed, and the one error line on stderr is a logrus error
# whose message is exactly $1.
error_is() {
	[ "$status" -ne 0 ] || fail "exit status 0 with: $stderr" || return 1
	[ "$(grep -c . <<<"$stderr")" -eq 1 ] || fail "error is not one line: $stderr"
	local want
	want=$(jq -Rr . <<<"$1")
	[[ "$stderr" =~ ^time=\"[^\"]+\"\ level=error\ msg=\"(.*)\"$ ]] || fail "not a logrus error line: $stderr"
	local got=${BASH_REMATCH[1]}
	# logrus quotes the message as Go does: undo \" and \\.
	got=${got//\\\"/\"}
	got=${got//\\\\/\\}
	[ "$got" = "$want" ] || fail "error message
  got:  $got
  want: $want"
}

@test "create and run failures read 'runc <command> failed: <cause>'" {
	runc_split run -b "$TESTDIR/nope" test_msg
	[ "$status" -eq 1 ]
	error_is "runc run failed: chdir $TESTDIR/nope: no such file or directory"
	runc_split create -b "$TESTDIR/nope" test_msg
	[ "$status" -eq 1 ]
	error_is "runc create failed: chdir $TESTDIR/nope: no such file or directory"
	# As runc's, which reads config.json from within the bundle.
	touch "$TESTDIR/afile"
	runc_split create -b "$TESTDIR/afile" test_msg
	[ "$status" -eq 1 ]
	error_is "runc create failed: chdir $TESTDIR/afile: not a directory"
	mkdir "$TESTDIR/empty"
	runc_split create -b "$TESTDIR/empty" test_msg
	[ "$status" -eq 1 ]
	error_is "runc create failed: JSON specification file config.json not found"
	# Other commands say the cause alone, as runc's do.
	runc_split state test_msg
	error_is "container does not exist"
}

@test "invalid configuration: <cause>, with the JSON path of the field" {
	update_config '.process.cwd = "relative/dir"'
	runc_split run test_msg
	[ "$status" -eq 1 ]
	error_is 'runc run failed: invalid configuration: process.cwd "relative/dir" must be an absolute path'
	update_config '.process.cwd = "/" | .process.args = []'
	runc_split create test_msg
	error_is 'runc create failed: invalid configuration: process.args must not be empty'
	update_config '.process.args = ["true"] | .linux.resources.devices += [{"allow": true, "type": "x", "access": "rwm"}]'
	runc_split run test_msg
	error_is "runc run failed: invalid configuration: linux.resources.devices[1]: invalid device type \"x\" (want a, b or c)"
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "a JSON syntax error in config.json names its line and column" {
	printf '{\n  "ociVersion": "1.0.2",\n  "process": {\n    "args": ["true",]\n  }\n}\n' >"$BUNDLE/config.json"
	runc_split run test_msg
	[ "$status" -eq 1 ]
	error_is "runc run failed: $BUNDLE/config.json: invalid JSON at line 4, column 21: invalid character ']' looking for beginning of value"
	# A value of the wrong type too.
	printf '{\n  "ociVersion": 5\n}\n' >"$BUNDLE/config.json"
	runc_split create test_msg
	[[ "$stderr" == *"config.json: invalid JSON at line 2, column 17: "* ]] || fail "$stderr"
}

@test "a failure in init: unable to start container process: error during container init" {
	update_config '.mounts += [{"destination": "/data", "type": "bind", "source": "/no/such/source", "options": ["bind"]}]'
	runc_split create test_msg
	[ "$status" -eq 1 ]
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *'level=error msg="runc create failed: unable to start container process: error during container init: error mounting \"/no/such/source\" to rootfs at \"/data\": '*'no such file or directory"' ]] || fail "$stderr"
	runc_split run test_msg
	[[ "$stderr" == *'msg="runc run failed: unable to start container process: error during container init: error mounting \"/no/such/source\" to rootfs at \"/data\": '* ]] || fail "$stderr"
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "an executable that cannot be run: runc's exec wording" {
	set_args /no/such/binary
	runc_split run test_msg
	error_is 'runc run failed: unable to start container process: error during container init: exec: "/no/such/binary": stat /no/such/binary: no such file or directory'
	set_args no-such-command
	runc_split run test_msg
	error_is 'runc run failed: unable to start container process: error during container init: exec: "no-such-command": executable file not found in $PATH'
	set_args /etc/passwd
	runc_split create test_msg
	error_is 'runc create failed: unable to start container process: error during container init: exec: "/etc/passwd": permission denied'
	set_args /etc
	runc_split run test_msg
	error_is 'runc run failed: unable to start container process: error during container init: exec: "/etc": permission denied'
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]

	# The same for exec, which says "exec failed" as runc's does.
	set_args sleep 100
	runc run -d test_msg
	[ "$status" -eq 0 ]
	runc_split exec test_msg /no/such/binary
	[ "$status" -eq 255 ]
	error_is 'exec failed: unable to start container process: error during container init: exec: "/no/such/binary": stat /no/such/binary: no such file or directory'
	runc_split exec test_msg /etc/passwd
	[ "$status" -eq 255 ]
	error_is 'exec failed: unable to start container process: error during container init: exec: "/etc/passwd": permission denied'
}

@test "an execve that fails after the lookup is one error line" {
	# Executable bits, but no format the kernel knows: ENOEXEC at execve.
	printf 'not a program\n' >rootfs/bin/bogus
	chmod 755 rootfs/bin/bogus
	set_args /bin/bogus
	runc_split run test_msg
	[ "$status" -eq 1 ]
	error_is 'runc run failed: container process failed to start: exec /bin/bogus: exec format error'
	set_args sleep 100
	runc run -d test_msg
	[ "$status" -eq 0 ]
	runc_split exec test_msg /bin/bogus
	[ "$status" -eq 255 ]
	error_is 'exec failed: unable to start container process: error during container init: exec /bin/bogus: exec format error'
}

@test "a failing hook: error running <kind> hook #<index>" {
	local h
	h=$(json_string "$BUSYBOX_ROOTFS/bin/busybox")
	update_config '.hooks.createRuntime = [
		{"path": '"$h"', "args": ["true"]},
		{"path": '"$h"', "args": ["sh", "-c", "echo no way >&2; exit 3"]}]'
	runc_split create test_msg
	[ "$status" -eq 1 ]
	error_is 'runc create failed: unable to start container process: error during container init: error running createRuntime hook #1: exit status 3, stderr: no way'
	# A createContainer hook runs in init.
	update_config 'del(.hooks.createRuntime) | .hooks.createContainer = [{"path": '"$h"', "args": ["false"]}]'
	runc_split run test_msg
	error_is 'runc run failed: unable to start container process: error during container init: error running createContainer hook #0: exit status 1'
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "an ambient capability that cannot be raised is runc's warning" {
	update_config '.process.capabilities = {
		"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"],
		"ambient": ["CAP_KILL"]}'
	runc_split --log "$TESTDIR/runc.log" run test_msg
	[ "$status" -eq 0 ]
	[ "$(grep -c . "$TESTDIR/runc.log")" -eq 1 ]
	grep -qE '^time="[^"]+" level=warning msg="can.t raise ambient capability CAP_KILL: operation not permitted"$' "$TESTDIR/runc.log"
}

@test "exec exits 255 when the runtime fails, with the process's status otherwise" {
	runc_split exec no_such_container true
	[ "$status" -eq 255 ]
	error_is "exec failed: container does not exist"

	set_args sleep 100
	runc run -d test_msg
	[ "$status" -eq 0 ]
	runc exec test_msg sh -c 'exit 7'
	[ "$status" -eq 7 ]
	runc exec test_msg sh -c 'exit 1'
	[ "$status" -eq 1 ]
	runc_split exec --pid-file "$TESTDIR/no/such/dir/pid" test_msg true
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'msg="exec failed: '*"$TESTDIR/no/such/dir"* ]] || fail "$stderr"
	runc pause test_msg
	[ "$status" -eq 0 ]
	runc_split exec test_msg true
	[ "$status" -eq 255 ]
	error_is "exec failed: cannot exec in a paused container (use --ignore-paused to override)"
	runc resume test_msg
	runc kill test_msg KILL
	wait_for_status test_msg stopped
	runc_split exec test_msg true
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'msg="exec failed: '*stopped* ]] || fail "$stderr"
	# A wrong command line is a usage error, as runc's: status 1.
	runc_split exec
	[ "$status" -eq 1 ]
}

@test "run exits with the process's status, and 1 when the runtime fails" {
	set_cmd 'exit 9'
	runc run test_msg
	[ "$status" -eq 9 ]
	set_args /no/such/binary
	runc run test_msg
	[ "$status" -eq 1 ]
}

@test "runc FOO -h: No help topic for 'FOO', status 3" {
	runc_split foo -h
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[[ "$stderr" == 'time="'*'" level=error msg="No help topic for '"'foo'"'\n"' ]] || fail "$stderr"
	runc_split help foo
	[ "$status" -eq 3 ]
	runc_split foo
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"No help topic for 'foo'"* ]]
}

@test "runc COMMAND -h exits 0 for every command runc has" {
	local cmd
	for cmd in checkpoint create delete events exec features kill list pause ps restore resume run spec start state update; do
		# checkpoint and restore may not be built in yet: then runc's
		# "No help topic" is what must be said.
		runc_split "$cmd" -h
		if [ "$status" -eq 3 ] && [[ "$cmd" == checkpoint || "$cmd" == restore ]]; then
			[[ "$stderr" == *"No help topic for '$cmd'"* ]] || fail "$cmd: $stderr"
			continue
		fi
		[ "$status" -eq 0 ] || fail "$cmd -h exited $status"
		[[ "$output" == *"runc $cmd - "* ]] || fail "$cmd -h: $output"
		[ -z "$stderr" ] || fail "$cmd -h wrote to stderr: $stderr"
	done
}

@test "an unknown flag prints runc's Incorrect Usage text" {
	runc_split state --no-such-flag x
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "Incorrect Usage: flag provided but not defined: -no-such-flag" ]
	[ -z "${lines[1]}" ]
	[ "${lines[2]}" = "NAME:" ]
	[[ "${lines[3]}" == *"runc state - "* ]]
	error_is "flag provided but not defined: -no-such-flag"
	# A global one: runc says "Incorrect Usage." and shows the main help.
	runc_split --no-such-flag list
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "Incorrect Usage. flag provided but not defined: -no-such-flag" ]
	[[ "$output" == *COMMANDS:* ]]
	error_is "flag provided but not defined: -no-such-flag"
}

@test "lifecycle errors: runc's texts" {
	set_args sleep 100
	runc run -d test_msg
	[ "$status" -eq 0 ]
	runc_split run -d test_msg
	error_is "runc run failed: container with given ID already exists"
	runc_split create test_msg
	error_is "runc create failed: container with given ID already exists"
	runc_split start test_msg
	error_is "cannot start an already running container"
	runc_split delete test_msg
	error_is "cannot delete container test_msg that is not stopped: running"
	runc_split resume test_msg
	error_is "container not paused"
	runc kill test_msg KILL
	wait_for_status test_msg stopped
	runc_split kill test_msg
	error_is "container not running"
	runc_split pause test_msg
	error_is "container not running"
}

@test "bad logging options: runc's texts" {
	runc_split --log-format xml list
	[ "$status" -eq 1 ]
	error_is "invalid log-format: xml"
	runc_split --log "$TESTDIR/no/dir/log" list
	[ "$status" -eq 1 ]
	error_is "open $TESTDIR/no/dir/log: no such file or directory"
}

@test "a wrong argument count prints runc's text" {
	runc_split state
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "Incorrect Usage." ]
	[[ "$output" == *"runc state - "* ]]
	error_is "$RUNC: \"state\" requires exactly 1 argument(s)"
	runc_split list extra
	error_is "$RUNC: \"list\" requires exactly 0 argument(s)"
	runc_split exec
	[ "$status" -eq 1 ]
	error_is "$RUNC: \"exec\" requires a minimum of 1 argument(s)"
	runc_split create
	error_is "$RUNC: \"create\" requires exactly 1 argument(s)"
	runc_split kill a b c
	[ "$status" -eq 1 ]
	error_is "$RUNC: \"kill\" requires a maximum of 2 argument(s)"
	runc_split ps
	error_is "$RUNC: \"ps\" requires a minimum of 1 argument(s)"
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}
