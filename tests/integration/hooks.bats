#!/usr/bin/env bats
# OCI hooks: prestart, createRuntime, createContainer, startContainer,
# poststart and poststop.

load helpers

setup() {
	setup_busybox
	LOG=$HOSTDIR/hooks.log
	# A host hook: records its kind, where it ran (mount and pid namespace,
	# what its root holds) and the state it read on stdin, one line each.
	cat >"$TESTDIR/hook" <<-'EOF'
		#!/bin/sh
		kind=$1 log=$2
		state=$(cat)
		root=host; [ -e /container-marker ] && root=container
		printf '%s|%s|%s|%s|%s|%s\n' "$kind" "$(readlink /proc/self/ns/mnt)" \
			"$(readlink /proc/self/ns/pid)" "$root" "$PWD" "$state" >>"$log"
		[ -z "$HOOK_EXIT" ] || { echo "hook $kind says no" >&2; exit "$HOOK_EXIT"; }
		exit 0
	EOF
	chmod 755 "$TESTDIR/hook"
	# The same script inside the rootfs, for startContainer (it runs after
	# pivot_root, so its path is the container's).
	cp "$TESTDIR/hook" rootfs/hook
	touch rootfs/container-marker
	mkdir -p rootfs/hostdir
	bind_mount "$HOSTDIR" /hostdir
	set_cmd 'sleep 100'
}

# jq_config [JQ-ARGS...] FILTER -- update_config with jq arguments.
jq_config() {
	jq "$@" config.json >config.json.tmp || fail "jq $* failed"
	mv config.json.tmp config.json
}

# all_hooks [ENV-JSON]: one hook of every kind, each logging to $LOG.
all_hooks() {
	local env=${1:-null}
	jq_config --arg h "$TESTDIR/hook" --arg log "$LOG" --argjson env "$env" '
		def hk($k; $p; $l): {path: $p, args: ["hook", $k, $l]} + (if $env then {env: $env} else {} end);
		.hooks = {
			prestart: [hk("prestart"; $h; $log)],
			createRuntime: [hk("createRuntime"; $h; $log)],
			createContainer: [hk("createContainer"; $h; $log)],
			startContainer: [hk("startContainer"; "/hook"; "/hostdir/hooks.log")],
			poststart: [hk("poststart"; $h; $log)],
			poststop: [hk("poststop"; $h; $log)]
		}'
}

field() { # field LINE N
	echo "$1" | cut -d'|' -f"$2"
}

@test "all six hooks run in order, each with the state of its moment" {
	all_hooks
	runc create test_hooks
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_hooks)
	# Created: the first three have run, in order, and no more.
	run cut -d'|' -f1 "$LOG"
	[ "$output" = "$(printf 'prestart\ncreateRuntime\ncreateContainer')" ]

	runc start test_hooks
	[ "$status" -eq 0 ]
	wait_for_file "$LOG" 5
	grep -q '^poststart|' "$LOG"
	runc kill test_hooks KILL
	[ "$status" -eq 0 ]
	wait_for_status test_hooks stopped 5
	runc delete test_hooks
	[ "$status" -eq 0 ]

	run cut -d'|' -f1 "$LOG"
	[ "$output" = "$(printf 'prestart\ncreateRuntime\ncreateContainer\nstartContainer\npoststart\npoststop')" ]
	local line state want
	while IFS= read -r line; do
		state=$(field "$line" 6-)
		[ "$(jq -r .id <<<"$state")" = test_hooks ]
		[ "$(jq -r .bundle <<<"$state")" = "$BUNDLE" ]
		[ -n "$(jq -r .ociVersion <<<"$state")" ]
		case $(field "$line" 1) in
		prestart | createRuntime | createContainer) want=creating ;;
		startContainer) want=created ;;
		poststart) want=running ;;
		poststop) want=stopped ;;
		esac
		[ "$(jq -r .status <<<"$state")" = "$want" ] || fail "$line: want status $want"
		if [ "$want" = stopped ]; then
			[ "$(jq -r '.pid // 0' <<<"$state")" = 0 ]
		else
			# The pid as the host sees it, also from inside.
			[ "$(jq -r .pid <<<"$state")" = "$pid" ] || fail "$line: want pid $pid"
		fi
	done <"$LOG"
}

@test "hooks run in the namespaces the spec gives them" {
	all_hooks
	runc run -d test_hooks
	[ "$status" -eq 0 ]
	local pid host_mnt host_pid ct_mnt ct_pid
	pid=$(container_pid test_hooks)
	host_mnt=$(readlink /proc/self/ns/mnt)
	host_pid=$(readlink /proc/self/ns/pid)
	ct_mnt=$(readlink "/proc/$pid/ns/mnt")
	ct_pid=$(readlink "/proc/$pid/ns/pid")
	[ "$ct_mnt" != "$host_mnt" ]
	wait_for_file "$LOG" 5
	grep -q '^poststart|' "$LOG"
	runc delete -f test_hooks
	[ "$status" -eq 0 ]

	local line kind
	while IFS= read -r line; do
		kind=$(field "$line" 1)
		case $kind in
		prestart | createRuntime | poststart | poststop)
			# The runtime's namespaces, in the bundle.
			[ "$(field "$line" 2)" = "$host_mnt" ] || fail "$kind: mount ns $(field "$line" 2)"
			[ "$(field "$line" 3)" = "$host_pid" ] || fail "$kind: pid ns"
			[ "$(field "$line" 4)" = host ]
			[ "$(field "$line" 5)" = "$BUNDLE" ] || fail "$kind: cwd $(field "$line" 5)"
			;;
		createContainer)
			# The container's namespaces, but the runtime's root still.
			[ "$(field "$line" 2)" = "$ct_mnt" ] || fail "$kind: mount ns $(field "$line" 2)"
			[ "$(field "$line" 3)" = "$ct_pid" ] || fail "$kind: pid ns"
			[ "$(field "$line" 4)" = host ]
			;;
		startContainer)
			# The container's namespaces and its root.
			[ "$(field "$line" 2)" = "$ct_mnt" ] || fail "$kind: mount ns $(field "$line" 2)"
			[ "$(field "$line" 3)" = "$ct_pid" ] || fail "$kind: pid ns"
			[ "$(field "$line" 4)" = container ]
			;;
		esac
	done <"$LOG"
	[ "$(wc -l <"$LOG")" -eq 6 ]
}

@test "hook args and env are passed as given" {
	# busybox picks its applet from argv[0], so "sh" proves argv[0] is ours.
	jq_config --arg h "$BUSYBOX_ROOTFS/bin/busybox" --arg out "$HOSTDIR/argv" \
		'.hooks.createRuntime = [{path: $h, args: ["sh", "-c", "env >\($out).env; echo \"$0|$1|$2\" >\($out)", "zero", "a b", "c"], env: ["FOO=bar baz"]}]'
	runc create test_hooks
	[ "$status" -eq 0 ]
	[ "$(cat "$HOSTDIR/argv")" = "zero|a b|c" ]
	grep -qx 'FOO=bar baz' "$HOSTDIR/argv.env"
	# Only what env gives: none of the runtime's environment.
	! grep -q RUNC_TEST_MARKER "$HOSTDIR/argv.env"
}

@test "a hook without env gets the runtime's environment" {
	jq_config --arg h "$BUSYBOX_ROOTFS/bin/busybox" --arg out "$HOSTDIR/env" \
		'.hooks.createRuntime = [{path: $h, args: ["sh", "-c", "env >\($out)"]}]'
	runc create test_hooks
	[ "$status" -eq 0 ]
	grep -qx "RUNC_TEST_MARKER=$TESTDIR" "$HOSTDIR/env"
}

@test "a failing prestart hook stops the container and cleans up" {
	all_hooks
	update_config '.hooks.prestart[0].env = ["HOOK_EXIT=3"]'
	runc run -d test_hooks
	[ "$status" -ne 0 ]
	[[ "$output" == *"prestart hook #0"*"exit status 3"*"hook prestart says no"* ]]
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	runc list -q
	[ -z "$output" ]
	[ ! -e "$ROOT/test_hooks" ]
	# The lifecycle went on at delete: poststop ran; nothing in between did.
	run cut -d'|' -f1 "$LOG"
	[ "$output" = "$(printf 'prestart\npoststop')" ]
	no_leftover_processes
}

@test "a failing createRuntime or createContainer hook stops the container" {
	local kind
	for kind in createRuntime createContainer; do
		all_hooks
		jq_config --arg k "$kind" '.hooks[$k][0].env = ["HOOK_EXIT=1"]'
		rm -f "$LOG"
		runc create test_hooks
		[ "$status" -ne 0 ]
		[[ "$output" == *"$kind hook #0"*"hook $kind says no"* ]] || fail "$kind: $output"
		runc list -q
		[ -z "$output" ]
		grep -q '^poststop|' "$LOG"
		! grep -q '^startContainer|' "$LOG" || fail "negated check failed (hooks.bats:193)"
	done
	no_leftover_processes
}

@test "a failing startContainer hook stops the container before its process runs" {
	all_hooks
	update_config '.hooks.startContainer[0].env = ["HOOK_EXIT=1"]
		| .process.args = ["sh", "-c", "touch /hostdir/ran; sleep 100"]'
	runc create test_hooks
	[ "$status" -eq 0 ]
	runc start test_hooks
	[ "$status" -ne 0 ]
	[[ "$output" == *"startContainer hook #0"*"hook startContainer says no"* ]]
	wait_for_status test_hooks stopped 5
	[ ! -e "$HOSTDIR/ran" ]
	grep -q '^startContainer|' "$LOG"
}

@test "failing poststart and poststop hooks are warnings" {
	all_hooks
	update_config '.hooks.poststart[0].env = ["HOOK_EXIT=1"] | .hooks.poststop[0].env = ["HOOK_EXIT=1"]'
	runc run -d test_hooks
	[ "$status" -eq 0 ]
	[[ "$output" == *"poststart hook #0"*"hook poststart says no"* ]]
	runc state test_hooks
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	runc delete -f test_hooks
	[ "$status" -eq 0 ]
	[[ "$output" == *"poststop hook #0"* ]]
	[ ! -e "$ROOT/test_hooks" ]
}

@test "a hook that runs past its timeout is killed and fails the create" {
	cat >"$TESTDIR/slow" <<-EOF
		#!/bin/sh
		echo \$\$ >"$HOSTDIR/slow.pid"
		exec sleep 30
	EOF
	chmod 755 "$TESTDIR/slow"
	jq_config --arg h "$TESTDIR/slow" '.hooks.createRuntime = [{path: $h, timeout: 1}]'
	runc create test_hooks
	[ "$status" -ne 0 ]
	[[ "$output" == *"createRuntime hook #0"*"hook ran past specified timeout of 1.0s"* ]]
	local pid
	pid=$(cat "$HOSTDIR/slow.pid")
	! kill -0 "$pid" 2>/dev/null || fail "negated check failed (hooks.bats:240)"
	runc list -q
	[ -z "$output" ]
}

@test "hooks with a relative path or a zero timeout are refused" {
	update_config '.hooks.prestart = [{path: "bin/true"}]'
	runc create test_hooks
	[ "$status" -ne 0 ]
	[[ "$output" == *"hooks.prestart[0].path"*"absolute"* ]]
	update_config '.hooks = {poststop: [{path: "/bin/true", timeout: 0}]}'
	runc create test_hooks
	[ "$status" -ne 0 ]
	[[ "$output" == *"hooks.poststop[0].timeout"* ]]
	runc list -q
	[ -z "$output" ]
}

@test "foreground run runs poststop when the container exits" {
	all_hooks
	set_cmd 'true'
	runc run test_hooks
	[ "$status" -eq 0 ]
	run cut -d'|' -f1 "$LOG"
	[ "$output" = "$(printf 'prestart\ncreateRuntime\ncreateContainer\nstartContainer\npoststart\npoststop')" ]
}

@test "createContainer and startContainer hooks hold no descriptor of init's" {
	# Each hook logs what its descriptors lead to.
	jq_config --arg log "$LOG" '
		def fds($k; $l): {path: "/bin/sh", args: ["sh", "-c", "echo \($k) $(ls -l /proc/self/fd | sed \"s/.*-> //\") >>\($l)"]};
		.hooks = {
			createContainer: [fds("createContainer"; $log)],
			startContainer: [fds("startContainer"; "/hostdir/hooks.log")]
		}'
	runc run -d test_hooks
	[ "$status" -eq 0 ]
	run cat "$LOG"
	[ "${#lines[@]}" -eq 2 ]
	# Their stdio at least (the state on stdin, output captured).
	[[ "${lines[0]}" == "createContainer "*pipe:* ]]
	[[ "${lines[1]}" == "startContainer "*pipe:* ]]
	# Not init's socket to the runtime, nor the exec fifo.
	[[ "$output" != *socket:* ]]
	[[ "$output" != *exec.fifo* ]]
}
