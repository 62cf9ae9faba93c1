#!/usr/bin/env bats
# checkpoint and restore with CRIU (tests/install-criu.sh installs it).

load helpers

setup() {
	requires_criu
	setup_busybox
	IMG=$TESTDIR/img
	# A counter that lives in the shell's memory: after a restore it goes
	# on from where it was, a fresh start would begin at 0 again.
	set_cmd 'echo $$ > /tmp/pid; i=0; while :; do echo $i > /tmp/cnt.new; mv /tmp/cnt.new /tmp/cnt; i=$((i+1)); sleep 0.1; done'
	update_config '.root.readonly = false'
}

teardown() {
	teardown_busybox
}

requires_criu() {
	command -v criu >/dev/null ||
		skip "criu is not installed (tests/install-criu.sh installs it)"
	criu check >/dev/null 2>&1 ||
		skip "criu check fails on this kernel: $(criu check 2>&1 | tail -1)"
}

# The counter's value as the container last wrote it.
counter() {
	cat "$BUNDLE/rootfs/tmp/cnt" 2>/dev/null
}

# wait_counter_above N -- wait until the counter is above N.
wait_counter_above() {
	local n=$1 tries=100 v
	while ((tries-- > 0)); do
		v=$(counter)
		[ -n "$v" ] && [ "$v" -gt "$n" ] && return 0
		sleep 0.1
	done
	fail "counter stayed at '$(counter)' (expected above $n)"
}

# checkpoint_ok ID [FLAGS...] -- checkpoint into $IMG; the container goes.
checkpoint_ok() {
	local id=$1
	shift
	runc checkpoint --image-path "$IMG" "$@" "$id"
	[ "$status" -eq 0 ] || fail "checkpoint failed: $output"
	[ -f "$IMG/inventory.img" ] || fail "no images in $IMG"
}

# restore_ok ID [FLAGS...] -- restore detached from $IMG.
restore_ok() {
	local id=$1
	shift
	runc restore -d --image-path "$IMG" "$@" "$id"
	[ "$status" -eq 0 ] || fail "restore failed: $output"
}

@test "checkpoint and restore: state, counter, pid namespace and mounts" {
	runc run -d ct
	[ "$status" -eq 0 ]
	wait_counter_above 3
	local pid1 mounts1
	pid1=$(container_pid ct)
	mounts1=$(__runc exec ct awk '{print $5}' /proc/self/mountinfo | sort)
	local inner
	inner=$(cat "$BUNDLE/rootfs/tmp/pid")
	[ "$inner" = 1 ]

	checkpoint_ok ct
	# As runc: the processes are gone, and so is the container.
	! pid_alive "$pid1" || fail "the checkpointed process $pid1 is still alive"
	runc state ct
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	local before
	before=$(counter)
	[ -n "$before" ]

	restore_ok ct
	testcontainer ct running
	local pid2
	pid2=$(container_pid ct)
	[ "$pid2" != "$pid1" ]
	pid_alive "$pid2"
	# The same process, resumed: the counter goes on from where it was.
	wait_counter_above "$before"
	local after
	after=$(counter)
	[ "$after" -ge "$before" ]
	# The state file has the new init and its cgroups.
	jq -e --argjson p "$pid2" '.init_process_pid == $p' "$ROOT/ct/state.json"
	local cg
	cg=$(jq -r '.cgroup_paths.memory' "$ROOT/ct/state.json")
	grep -qx "$pid2" "$cg/cgroup.procs"
	# Same pid namespace view and the same mounts inside.
	runc exec ct sh -c 'cat /proc/1/cmdline | tr "\0" " "'
	[ "$status" -eq 0 ]
	[[ "$output" == "sh -c echo \$\$ > /tmp/pid"* ]]
	[ "$(__runc exec ct awk '{print $5}' /proc/self/mountinfo | sort)" = "$mounts1" ]

	runc kill ct KILL
	wait_for_status ct stopped
	runc delete ct
	[ "$status" -eq 0 ]
}

@test "checkpoint --leave-running keeps the container; exec after restore" {
	runc run -d ct
	[ "$status" -eq 0 ]
	wait_counter_above 1
	local pid1
	pid1=$(container_pid ct)
	checkpoint_ok ct --leave-running
	testcontainer ct running
	[ "$(container_pid ct)" = "$pid1" ]
	runc delete -f ct
	[ "$status" -eq 0 ]

	restore_ok ct
	testcontainer ct running
	runc exec ct sh -c 'echo in-restored; test -e /tmp/cnt; exit 7'
	[ "$status" -eq 7 ]
	[ "$output" = in-restored ]
	runc exec --user 65534 ct id -u
	[ "$status" -eq 0 ]
	[ "$output" = 65534 ]
	runc ps ct
	[ "$status" -eq 0 ]
	[[ "$output" == *"while :"* ]]
	runc pause ct
	[ "$status" -eq 0 ]
	testcontainer ct paused
	runc resume ct
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid ct)
	runc delete -f ct
	[ "$status" -eq 0 ]
	! pid_alive "$pid"
}

@test "checkpoint and restore with a terminal (console socket)" {
	set_cmd 'i=0; while :; do echo tick-$i; i=$((i+1)); sleep 0.1; done'
	update_config '.process.terminal = true'
	start_recvtty --count 2
	runc run -d --console-socket "$CONSOLE_SOCKET" ct
	[ "$status" -eq 0 ]
	wait_for_console tick-3
	checkpoint_ok ct
	restore_ok ct --console-socket "$CONSOLE_SOCKET"
	testcontainer ct running
	# The restored shell writes to the new pty, which reached the socket.
	local last
	last=$(grep -o 'tick-[0-9]*' "$CONSOLE_OUT" | tail -1)
	wait_for_console "tick-$((${last#tick-} + 2))"
	runc exec ct sh -c 'readlink /proc/1/fd/1'
	[ "$status" -eq 0 ]
	[[ "$output" == /dev/pts/* ]]
}

@test "checkpoint and restore with a bind mount whose destination is a symlink" {
	mkdir -p "$BUNDLE/rootfs/real"
	ln -s /real "$BUNDLE/rootfs/link"
	bind_mount "$HOSTDIR" /link
	runc run -d ct
	[ "$status" -eq 0 ]
	wait_counter_above 1
	checkpoint_ok ct
	restore_ok ct
	runc exec ct sh -c 'echo restored > /link/f && echo again > /real/g'
	[ "$status" -eq 0 ]
	[ "$(cat "$HOSTDIR/f")" = restored ]
	[ "$(cat "$HOSTDIR/g")" = again ]
}

@test "checkpoint and restore with nested bind mounts" {
	mkdir -p "$HOSTDIR/outer/inner" "$TESTDIR/other"
	bind_mount "$HOSTDIR/outer" /mnt
	bind_mount "$TESTDIR/other" /mnt/inner
	runc run -d ct
	[ "$status" -eq 0 ]
	wait_counter_above 1
	checkpoint_ok ct
	restore_ok ct
	runc exec ct sh -c 'echo o > /mnt/o && echo i > /mnt/inner/i && grep -c " /mnt" /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
	[ "$(cat "$HOSTDIR/outer/o")" = o ]
	[ "$(cat "$TESTDIR/other/i")" = i ]
	[ ! -e "$HOSTDIR/outer/inner/i" ]
}

@test "checkpoint and restore with --debug" {
	runc run -d ct
	[ "$status" -eq 0 ]
	wait_counter_above 1
	# The debug log goes to a file of its own: the restored process gets
	# restore's stdout back, which CRIU wants as it was (empty).
	runc --debug --log "$TESTDIR/debug.log" checkpoint --image-path "$IMG" ct
	[ "$status" -eq 0 ]
	grep -q 'level=debug.*criu DUMP of ct' "$TESTDIR/debug.log"
	[ -s "$IMG/dump.log" ]
	runc --debug --log "$TESTDIR/debug.log" restore -d --image-path "$IMG" ct
	[ "$status" -eq 0 ]
	grep -q 'level=debug.*post-restore' "$TESTDIR/debug.log"
	[ -s "$IMG/restore.log" ]
	testcontainer ct running
	local before
	before=$(counter)
	wait_counter_above "$before"
}

@test "checkpoint and restore with a cgroup namespace" {
	update_config '.linux.namespaces += [{"type": "cgroup"}]'
	runc run -d ct
	[ "$status" -eq 0 ]
	wait_counter_above 1
	local before
	before=$(__runc exec ct cat /proc/self/cgroup | sort)
	checkpoint_ok ct
	restore_ok ct
	runc exec ct cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	# Inside its own cgroup namespace, the container is at the root.
	[ "$(sort <<<"$output")" = "$before" ]
	grep -q ':memory:/$' <<<"$output"
	local pid
	pid=$(container_pid ct)
	[ "$(readlink "/proc/$pid/ns/cgroup")" != "$(readlink /proc/self/ns/cgroup)" ]
}

@test "restore with --manage-cgroups-mode ignore into a different cgroup" {
	update_config '.linux.cgroupsPath = "/ocirun-criu-a-'"${TESTDIR##*.}"'"'
	runc run -d ct
	[ "$status" -eq 0 ]
	wait_counter_above 1
	checkpoint_ok ct --manage-cgroups-mode ignore
	local b=/ocirun-criu-b-${TESTDIR##*.}
	update_config ".linux.cgroupsPath = \"$b\""
	restore_ok ct2 --manage-cgroups-mode ignore
	local pid
	pid=$(container_pid ct2)
	track_cgroups "$pid"
	grep -q ":memory:.*$b\$" "/proc/$pid/cgroup"
	! grep -q "ocirun-criu-a-" "/proc/$pid/cgroup" || fail "restored into the old cgroup: $(cat "/proc/$pid/cgroup")"
	jq -e --arg b "$b" '.cgroup_paths.memory | endswith($b)' "$ROOT/ct2/state.json"
	runc delete -f ct2
	[ "$status" -eq 0 ]
	[ ! -d "/sys/fs/cgroup/memory$b" ]
}

@test "restore: an unknown --manage-cgroups-mode is refused" {
	runc restore --image-path "$IMG" --manage-cgroups-mode sometimes ct
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"invalid manage-cgroups-mode"* ]]
}

@test "checkpoint --pre-dump, then a dump with --parent-path" {
	runc run -d ct
	[ "$status" -eq 0 ]
	wait_counter_above 1
	runc checkpoint --pre-dump --image-path "$TESTDIR/parent" ct
	if ! criu check --feature mem_dirty_track >/dev/null 2>&1; then
		# No soft-dirty bits in this kernel: CRIU refuses, in one line,
		# and the container goes on.
		[ "$status" -ne 0 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *"Tracking memory is not available"* ]]
		testcontainer ct running
		skip "this kernel has no memory dirty tracking (criu check --feature mem_dirty_track), which --pre-dump needs"
	fi
	[ "$status" -eq 0 ]
	testcontainer ct running
	checkpoint_ok ct --parent-path ../parent
	[ "$(readlink "$IMG/parent")" = ../parent ]
	restore_ok ct
	testcontainer ct running
}

@test "checkpoint: a bad --parent-path is one clear error" {
	runc run -d ct
	[ "$status" -eq 0 ]
	runc checkpoint --image-path "$IMG" --parent-path ../nowhere ct
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"invalid --parent-path"* ]]
	runc checkpoint --image-path "$IMG" --parent-path /abs ct
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"--parent-path must be relative"* ]]
	testcontainer ct running
}

@test "checkpoint: --empty-ns other than network and a --page-server without address are refused" {
	runc run -d ct
	[ "$status" -eq 0 ]
	local ns
	for ns in pid ipc mount; do
		runc checkpoint --image-path "$IMG" --leave-running --empty-ns "$ns" ct
		[ "$status" -ne 0 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *'namespace \"'"$ns"'\" is not supported'* ]]
		# Refused before CRIU was asked to do anything.
		[ ! -e "$IMG/dump.log" ]
	done
	runc checkpoint --image-path "$IMG" --leave-running --page-server :27270 ct
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *'invalid --page-server \":27270\"'* ]]
	[ ! -e "$IMG/dump.log" ]
	testcontainer ct running

	# network is what runc takes.
	runc checkpoint --image-path "$IMG" --leave-running --empty-ns network ct
	[ "$status" -eq 0 ]
	testcontainer ct running
}

@test "checkpoint and restore without criu: one clear error" {
	runc run -d ct
	[ "$status" -eq 0 ]
	runc --criu "$TESTDIR/no-criu" checkpoint --image-path "$IMG" ct
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"CRIU version check failed"*"no-criu"* ]]
	testcontainer ct running
	# Without --criu, criu is looked up in $PATH.
	run env PATH=/nonexistent "$RUNC" --root "$ROOT" checkpoint --image-path "$IMG" ct
	[ "$status" -ne 0 ]
	[[ "$output" == *'criu'*'executable file not found in $PATH'* ]]
	testcontainer ct running
	runc --criu "$TESTDIR/no-criu" restore -d --image-path "$IMG" ct2
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e "$ROOT/ct2" ]
}

@test "checkpoint of a container that is not running fails" {
	runc checkpoint --image-path "$IMG" nosuch
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	set_args true
	runc create ct
	[ "$status" -eq 0 ]
	runc checkpoint --image-path "$IMG" ct
	[ "$status" -ne 0 ]
	# runc's words.
	[[ "$output" == *"Container cannot be checkpointed in created state"* ]]
	testcontainer ct created
}

@test "checkpoint and restore with an external network namespace" {
	local ns=$TESTDIR/netns
	touch "$ns"
	unshare --net="$ns" ip link set lo up || fail "cannot make a network namespace"
	defer "umount -l '$ns'"
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "'"$ns"'" else . end)'
	runc run -d ct
	[ "$status" -eq 0 ]
	wait_counter_above 1
	local ino
	ino=$(stat -L -c %i "$ns")
	checkpoint_ok ct
	restore_ok ct
	local pid
	pid=$(container_pid ct)
	# The restored container is in that very namespace, not in a copy.
	[ "$(stat -L -c %i "/proc/$pid/ns/net")" = "$ino" ]
	runc exec ct readlink /proc/self/ns/net
	[ "$status" -eq 0 ]
	[ "$output" = "net:[$ino]" ]
}

@test "restore runs the prestart and createRuntime hooks with the new pid" {
	runc run -d ct
	[ "$status" -eq 0 ]
	wait_counter_above 1
	checkpoint_ok ct
	update_config '.hooks = {
		"prestart": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > '"$TESTDIR"'/prestart.json"]}],
		"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > '"$TESTDIR"'/createRuntime.json"]}]
	}'
	restore_ok ct
	local pid
	pid=$(container_pid ct)
	jq -e --argjson p "$pid" '.pid == $p and .id == "ct"' "$TESTDIR/prestart.json"
	jq -e --argjson p "$pid" '.pid == $p' "$TESTDIR/createRuntime.json"
}

@test "the org.criu.config annotation gives CRIU a configuration file" {
	echo "log-file=custom.log" >"$TESTDIR/criu.conf"
	update_config '.annotations["org.criu.config"] = "'"$TESTDIR"'/criu.conf"'
	runc run -d ct
	[ "$status" -eq 0 ]
	wait_counter_above 1
	checkpoint_ok ct
	[ -s "$IMG/custom.log" ]
	[ ! -e "$IMG/dump.log" ]
	restore_ok ct
	testcontainer ct running
}

@test "restore in the foreground waits for the process and exits with its status" {
	set_cmd 'i=0; while [ $i -lt 30 ]; do echo $i > /tmp/cnt; i=$((i+1)); sleep 0.1; done; exit 3'
	runc run -d ct
	[ "$status" -eq 0 ]
	wait_counter_above 2
	checkpoint_ok ct
	runc restore --image-path "$IMG" ct
	[ "$status" -eq 3 ]
	[ "$(counter)" = 29 ]
	# As run without --keep: the container is gone afterwards.
	[ ! -e "$ROOT/ct" ]
}

@test "checkpoint --lazy-pages with a page server" {
	criu check --feature uffd-noncoop >/dev/null 2>&1 ||
		skip "no non-cooperative userfaultfd in this kernel"
	runc run -d ct
	[ "$status" -eq 0 ]
	wait_counter_above 1
	local port=$((27000 + RANDOM % 1000))
	mkfifo "$TESTDIR/status"
	exec 7<>"$TESTDIR/status"
	RUNC_TEST_MARKER=$TESTDIR timeout 60 "$RUNC" --root "$ROOT" checkpoint --image-path "$IMG" \
		--lazy-pages --page-server "0.0.0.0:$port" --status-fd 7 ct \
		>"$TESTDIR/ck.out" 2>&1 </dev/null &
	local ck=$!
	track_pid "$ck"
	exec 7>&-
	# CRIU writes \0 to the status fd once the images (without the
	# memory) are written and the page server listens.
	[ "$(timeout 20 head -c1 "$TESTDIR/status" | od -An -c | tr -d ' ')" = '\0' ]
	RUNC_TEST_MARKER=$TESTDIR timeout 60 criu lazy-pages --page-server --address 127.0.0.1 \
		--port "$port" -D "$IMG" -o lazy-pages.log </dev/null >/dev/null 2>&1 &
	track_pid $!
	# The checkpointed container lives on until its memory has moved:
	# restore under another name.
	RUNC_TIMEOUT=20 runc restore -d --lazy-pages --image-path "$IMG" ct2
	local rst=$status
	wait "$ck" || true
	if grep -q "page-pipe: splice: -1: Bad file descriptor" "$IMG/dump.log"; then
		skip "criu's lazy page transfer fails on this kernel (page-pipe: splice: Bad file descriptor; same with criu dump/lazy-pages/restore by hand)"
	fi
	[ "$rst" -eq 0 ]
	testcontainer ct2 running
	wait_counter_above "$(counter)"
}

@test "a restore whose runtime is killed halfway: delete -f kills what CRIU left in the cgroups" {
	update_config '.linux.cgroupsPath = "/ckpt-kill-'"${TESTDIR##*.}"'"'
	runc run -d ct
	[ "$status" -eq 0 ]
	track_cgroups "$(container_pid ct)"
	wait_counter_above 1
	checkpoint_ok ct
	# CRIU's action script SIGKILLs the runtime once CRIU has set up the
	# namespaces, in the container's cgroups, before the state is saved.
	cat >"$TESTDIR/die.sh" <<-EOF
		#!/bin/sh
		[ "\$CRTOOLS_SCRIPT_ACTION" = post-setup-namespaces ] || exit 0
		p=\$PPID
		while [ "\$p" -gt 1 ]; do
			if [ "\$(readlink -f /proc/\$p/exe)" = "$(readlink -f "$RUNC")" ]; then
				echo "\$p" >"$TESTDIR/killed"
				kill -9 "\$p"
				exit 0
			fi
			p=\$(awk '{print \$4}' /proc/\$p/stat)
		done
	EOF
	chmod +x "$TESTDIR/die.sh"
	echo "action-script $TESTDIR/die.sh" >"$TESTDIR/criu.conf"
	update_config '.annotations["org.criu.config"] = "'"$TESTDIR"'/criu.conf"'
	runc restore -d --image-path "$IMG" ct
	[ "$status" -ne 0 ]
	[ -s "$TESTDIR/killed" ] || fail "the action script did not find the runtime: $output"
	# CRIU stays behind in the container's cgroups, waiting for an answer.
	local left d
	left=$(cat $(cgroup_dirs_for_path "/ckpt-kill-${TESTDIR##*.}" | sed 's|$|/cgroup.procs|') 2>/dev/null | sort -u)
	[ -n "$left" ] || fail "nothing left in the cgroups to clean up (the test did not stop the restore halfway)"

	runc delete -f ct
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/ct" ]
	local p
	for p in $left; do
		wait_for_pid_exit "$p"
	done
	[ -z "$(cgroup_dirs_for_path "/ckpt-kill-${TESTDIR##*.}")" ]
}
