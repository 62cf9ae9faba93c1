#!/usr/bin/env bats
# Global logging flags: --log, --log-format, --debug.

load helpers

@test "errors are one logrus text line on stderr" {
	runc_split state no_such_container
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" =~ ^time=\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[^\"]+\"\ level=error\ msg=\"container\ does\ not\ exist\"$ ]]
}

@test "--log-format json writes errors as JSON" {
	runc_split --log-format json state no_such_container
	[ "$status" -eq 1 ]
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
	[ "$(jq -r .level <<<"$stderr")" = error ]
	[ "$(jq -r .msg <<<"$stderr")" = "container does not exist" ]
	jq -e '.time | test("^[0-9]{4}-")' <<<"$stderr"
}

@test "--log FILE gets the log line; stderr keeps the message" {
	runc_split --log "$TESTDIR/runc.log" state no_such_container
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"container does not exist"* ]]
	grep -q 'level=error msg="container does not exist"' "$TESTDIR/runc.log"
}

@test "--log appends, and honours --log-format json" {
	runc_split --log "$TESTDIR/runc.log" --log-format json state one
	runc_split --log "$TESTDIR/runc.log" --log-format json state two
	[ "$(wc -l <"$TESTDIR/runc.log")" -eq 2 ]
	jq -se 'length == 2 and all(.[]; .level == "error")' "$TESTDIR/runc.log"
}

@test "an unknown --log-format is an error" {
	runc_split --log-format xml list
	[ "$status" -ne 0 ]
	[[ "$stderr" == *xml* ]]
}

@test "--debug still runs the command" {
	set_args true
	runc_split --debug run test_debug
	[ "$status" -eq 0 ]
	runc_split --debug list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "--log captures messages of a failing run" {
	set_args /no/such/binary
	runc_split --log "$TESTDIR/runc.log" --log-format json run test_log
	[ "$status" -ne 0 ]
	grep -q '/no/such/binary' "$TESTDIR/runc.log"
	jq -se 'any(.[]; .level == "error")' "$TESTDIR/runc.log"
}
