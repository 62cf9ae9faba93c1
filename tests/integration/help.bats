#!/usr/bin/env bats
# runc --help, help for each command, unknown flags and commands.

load helpers

# runc's commands.
COMMANDS=(checkpoint create delete events exec features kill list pause ps restore resume run spec start state update)

check_main_help() {
	[ "$status" -eq 0 ]
	[[ "$output" == *USAGE* ]] || [[ "$output" == *Usage* ]]
	local cmd
	for cmd in "${COMMANDS[@]}"; do
		grep -qE "^[[:space:]]+$cmd([,[:space:]]|$)" <<<"$output" ||
			fail "command $cmd not listed in help"
	done
	local opt
	for opt in --root --log --log-format --debug --systemd-cgroup --rootless --criu; do
		grep -qE -- "(^|[[:space:]])$opt([ ,=]|$)" <<<"$output" ||
			fail "global option $opt not listed in help"
	done
}

@test "runc --help lists commands and global options" {
	runc_split --help
	check_main_help
}

@test "runc --help lists runc's commands and no others" {
	runc_split --help
	[ "$status" -eq 0 ]
	local listed
	listed=$(awk '/^COMMANDS:/ {on = 1; next} on && /^[^ ]/ {on = 0} on && NF {sub(/,$/, "", $1); print $1}' <<<"$output" | grep -vx help | sort | tr '\n' ' ')
	[ "$listed" = "$(printf '%s\n' "${COMMANDS[@]}" | sort | tr '\n' ' ')" ] ||
		fail "commands listed: $listed"
}

@test "runc -h lists commands" {
	runc_split -h
	check_main_help
}

@test "runc help lists commands" {
	runc_split help
	check_main_help
}

@test "runc without arguments prints the help" {
	runc_split
	check_main_help
}

@test "runc COMMAND --help describes each command" {
	local cmd
	for cmd in "${COMMANDS[@]}"; do
		runc_split "$cmd" --help
		[ "$status" -eq 0 ] || fail "$cmd --help exited $status"
		[[ "$output" == *"runc $cmd"* ]] || fail "$cmd --help does not name the command"
	done
}

@test "runc COMMAND -h describes each command" {
	local cmd
	for cmd in create start run delete kill state list ps spec; do
		runc_split "$cmd" -h
		[ "$status" -eq 0 ] || fail "$cmd -h exited $status"
		[[ "$output" == *"runc $cmd"* ]]
	done
}

@test "runc help COMMAND describes the command" {
	runc_split help create
	[ "$status" -eq 0 ]
	[[ "$output" == *"runc create"* ]]
	[[ "$output" == *--bundle* ]]
	[[ "$output" == *--console-socket* ]]
	[[ "$output" == *--pid-file* ]]
	[[ "$output" == *--no-pivot* ]]
	[[ "$output" == *--no-new-keyring* ]]
}

@test "run --help lists its options" {
	runc_split run --help
	[ "$status" -eq 0 ]
	local opt
	for opt in --bundle --console-socket --detach --keep --pid-file --no-pivot --no-new-keyring --preserve-fds; do
		[[ "$output" == *"$opt"* ]] || fail "run --help lacks $opt"
	done
}

@test "unknown global flag is an error" {
	runc --no-such-flag list
	[ "$status" -ne 0 ]
	[[ "$output" == *no-such-flag* ]]
}

@test "unknown command flag is an error" {
	runc list --no-such-flag
	[ "$status" -ne 0 ]
	[[ "$output" == *no-such-flag* ]]
}

@test "unknown command is an error" {
	runc no-such-command
	[ "$status" -ne 0 ]
	[[ "$output" == *no-such-command* ]]
}

@test "commands check their argument count" {
	runc start
	[ "$status" -ne 0 ]
	runc state
	[ "$status" -ne 0 ]
	runc state a b
	[ "$status" -ne 0 ]
	runc delete
	[ "$status" -ne 0 ]
	runc kill
	[ "$status" -ne 0 ]
	runc create
	[ "$status" -ne 0 ]
	runc checkpoint
	[ "$status" -ne 0 ]
	[[ "$output" == *checkpoint*'requires exactly 1 argument(s)'* ]]
	runc restore
	[ "$status" -ne 0 ]
	[[ "$output" == *restore*'requires exactly 1 argument(s)'* ]]
	# None of this created anything.
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}
