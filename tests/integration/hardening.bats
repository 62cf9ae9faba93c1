#!/usr/bin/env bats
# Attacks and faults of issue 11: out-of-range ids, descriptors a waiting
# init holds, the exec setup process seen from inside (CVE-2016-9962), a
# runtime killed during create, damaged state, paused created containers,
# and bad input that runc refuses.

load helpers

# tests/cmd/attack, built once per file, copied into the test's rootfs.
setup_file() {
	local go
	go=$(command -v go || echo /usr/local/go/bin/go)
	(cd "$REPO_ROOT" && CGO_ENABLED=0 "$go" build -o "$BATS_FILE_TMPDIR/attack" ./tests/cmd/attack) ||
		fail "building tests/cmd/attack failed"
}

setup() {
	setup_busybox
	cp "$BATS_FILE_TMPDIR/attack" "$BUNDLE/rootfs/attack"
	# A cgroup of the test's own, to look for leftovers in.
	CGPATH=/sec-hard-${TESTDIR##*.}
	update_config ".linux.cgroupsPath = \"$CGPATH\""
}

teardown() {
	# A blocked exec setup (see the CVE-2016-9962 test) is let go first.
	if [ -p "$BUNDLE/rootfs/etc/passwd" ]; then
		timeout 5 sh -c "cat '$BUNDLE/rootfs/etc/passwd.orig' > '$BUNDLE/rootfs/etc/passwd'" || true
	fi
	# A frozen process cannot be killed: thaw what a failed pause test left.
	local d
	for d in $(cgroup_dirs_for_path "$CGPATH"); do
		[ -f "$d/freezer.state" ] && echo THAWED >"$d/freezer.state" 2>/dev/null
		[ -f "$d/cgroup.freeze" ] && echo 0 >"$d/cgroup.freeze" 2>/dev/null
	done
	teardown_busybox
}

no_cgroup_left() {
	local left
	left=$(cgroup_dirs_for_path "$CGPATH")
	[ -z "$left" ] || fail "cgroups left behind: $left"
}

# --- 1. user and group ids ------------------------------------------------

@test "ids above 2147483647 are refused in config.json" {
	local f
	for f in '.process.user.uid = 4294967295' '.process.user.gid = 4294967295' \
		'.process.user.additionalGids = [2147483648]'; do
		cp config.json config.orig
		update_config "$f"
		set_args id -u
		runc run test_ids
		[ "$status" -ne 0 ]
		[[ "$output" == *"uids and gids must be in range 0-2147483647"* ]]
		[[ "$output" != *"uid="* ]]
		[ ! -e "$ROOT/test_ids" ]
		mv config.orig config.json
	done
}

@test "exec --user, -g and -p with ids above 2147483647 never run as root" {
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_args sleep 100
	runc run -d test_execids
	[ "$status" -eq 0 ]
	runc exec --user 4294967295:4294967295 test_execids id
	[ "$status" -ne 0 ]
	[[ "$output" == *"uids and gids must be in range 0-2147483647"* ]]
	[[ "$output" != *"uid=0"* ]]
	runc exec --user 4294967295 test_execids id
	[ "$status" -ne 0 ]
	[[ "$output" == *"uids and gids must be in range"* ]]
	# 4294967296 must not wrap to gid 0.
	runc exec -g 4294967296 test_execids id
	[ "$status" -ne 0 ]
	[[ "$output" == *"uids and gids must be in range"* ]]
	jq '.process | .args = ["id"] | .user = {uid: 4294967295, gid: 4294967295}' config.json >"$TESTDIR/proc.json"
	runc exec -p "$TESTDIR/proc.json" test_execids
	[ "$status" -ne 0 ]
	[[ "$output" == *"uids and gids must be in range"* ]]
	# The highest allowed id still works.
	runc exec --user 2147483647:2147483647 test_execids id -u
	[ "$status" -eq 0 ]
	[ "$output" = 2147483647 ]
}

# --- 8. other bad input -----------------------------------------------------

@test "an env entry without = is refused, in config.json and exec" {
	update_config '.process.env += ["NOEQ"]'
	runc run test_env
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid environment variable: "*NOEQ* ]]
	update_config '.process.env -= ["NOEQ"]'
	set_args sleep 100
	runc run -d test_env
	[ "$status" -eq 0 ]
	runc exec --env NOEQ test_env true
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid environment variable: "*NOEQ* ]]
}

@test "an unknown capability name is an error (config, exec --cap, exec -p)" {
	update_config '.process.capabilities.bounding += ["CAP_NO_SUCH"]'
	runc run test_cap
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown capability "*CAP_NO_SUCH* ]]
	update_config '.process.capabilities.bounding -= ["CAP_NO_SUCH"]'
	set_args sleep 100
	runc run -d test_cap
	[ "$status" -eq 0 ]
	runc exec --cap NO_SUCH test_cap true
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown capability "*CAP_NO_SUCH* ]]
	jq '.process | .args = ["true"] | .capabilities.effective += ["CAP_BOGUS"]' config.json >"$TESTDIR/proc.json"
	runc exec -p "$TESTDIR/proc.json" test_cap
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown capability "*CAP_BOGUS* ]]
	# A known one still works.
	runc exec --cap CAP_SYS_ADMIN test_cap true
	[ "$status" -eq 0 ]
}

@test "a relative mount destination gets runc's warning and works" {
	update_config '.mounts += [{destination: "relmnt", type: "tmpfs", source: "tmpfs"}]'
	set_cmd 'grep -c " /relmnt " /proc/self/mountinfo'
	runc run test_relmnt
	[ "$status" -eq 0 ]
	[[ "$output" == *"mount destination relmnt is not absolute. Support for non-absolute mount destinations will be removed in a future release."* ]]
	[[ "$output" == *1* ]]
}

@test "an unknown subcommand exits 3, as runc's CLI does" {
	runc no-such-command
	[ "$status" -eq 3 ]
	[[ "$output" == *"No help topic for 'no-such-command'"* ]]
}

# --- 2. descriptors of a waiting init ----------------------------------------

# What /proc/<init>/fd may show while init waits for start.
check_init_fds() {
	local pid=$1 id=$2 fd n target fstype
	for fd in /proc/"$pid"/fd/*; do
		n=${fd##*/}
		[ "$n" -le 2 ] && continue
		target=$(readlink "$fd") || continue
		case "$target" in
		"$ROOT/$id/exec.fifo" | pipe:* | socket:* | anon_inode:*) continue ;;
		esac
		fstype=$(stat -L -f -c %T "$fd" 2>/dev/null)
		[ "$fstype" = proc ] && continue
		fail "init holds fd $n -> $target ($fstype)"
	done
}

@test "a created container's init holds no runtime descriptor, and none can be opened from an exec" {
	set_args sleep 100
	runc create test_initfds
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_initfds)
	check_init_fds "$pid" test_initfds
	# From inside: every fd of the waiting init, opened for writing.
	runc exec test_initfds /attack fds 1
	[ "$status" -eq 0 ]
	[[ "$output" != *writable* ]]
	# It still starts.
	runc start test_initfds
	[ "$status" -eq 0 ]
	wait_for_status test_initfds running
}

@test "a created init in a shared pid namespace is out of the other container's reach" {
	set_args sleep 100
	runc run -d test_pidA
	[ "$status" -eq 0 ]
	local pidA
	pidA=$(container_pid test_pidA)
	mkdir "$TESTDIR/b2"
	jq --arg ns "/proc/$pidA/ns/pid" --arg root "$BUNDLE/rootfs" \
		'.root.path = $root | .linux.cgroupsPath += "-b" |
		 .linux.namespaces |= map(if .type == "pid" then .path = $ns else . end)' \
		config.json >"$TESTDIR/b2/config.json"
	# Looked up in teardown: the cgroups do not exist yet.
	defer 'for d in $(cgroup_dirs_for_path "$CGPATH-b"); do rmdir "$d"; done'
	runc create -b "$TESTDIR/b2" test_pidB
	[ "$status" -eq 0 ]
	check_init_fds "$(container_pid test_pidB)" test_pidB
	# test_pidB's init, as test_pidA sees it.
	runc exec test_pidA /attack inits
	[ "$status" -eq 0 ]
	local p
	p=$(echo "$output" | head -1)
	[ -n "$p" ]
	runc exec test_pidA /attack fds "$p"
	[ "$status" -eq 0 ]
	[[ "$output" != *writable* ]]
	runc delete -f test_pidB
	[ "$status" -eq 0 ]
}

# --- 3. CVE-2016-9962 ---------------------------------------------------------

# The exec setup reads the container's /etc/passwd (for HOME) after it has
# dropped to the container's user and capabilities: a fifo there holds it
# in that state for as long as the attacker likes.
@test "the exec setup process cannot be traced or read from inside (CVE-2016-9962)" {
	update_config '.root.readonly = false'
	set_args sleep 100
	runc run -d test_dump
	[ "$status" -eq 0 ]
	runc exec test_dump sh -c 'cp /etc/passwd /etc/passwd.orig && rm /etc/passwd && mkfifo /etc/passwd'
	[ "$status" -eq 0 ]
	RUNC_TEST_MARKER=$TESTDIR timeout 60 "$RUNC" --root "$ROOT" exec test_dump true \
		</dev/null >"$TESTDIR/exec.out" 2>&1 3>&- &
	local bg=$!
	track_pid "$bg"
	runc exec --env HOME=/ test_dump /attack setup 20
	local probe=$output pstatus=$status
	# Let the setup go on, and put passwd back.
	runc exec --env HOME=/ test_dump sh -c 'cat /etc/passwd.orig > /etc/passwd; rm /etc/passwd; mv /etc/passwd.orig /etc/passwd'
	[ "$status" -eq 0 ]
	wait "$bg"
	echo "$probe"
	[ "$pstatus" -eq 0 ]
	[[ "$probe" == *"denied ptrace"* ]]
	[[ "$probe" == *"denied mem"* ]]
	[[ "$probe" == *"denied environ"* ]]
	[[ "$probe" == *"denied fd"* ]]
	[[ "$probe" != *"ok "* ]]
}

# --- 4. a runtime killed during create ----------------------------------------

@test "runtime killed in a createRuntime hook: delete -f removes init, cgroup and state" {
	update_config '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "cat > '"$HOSTDIR"'/state.json; echo $$ > '"$HOSTDIR"'/hook.pid; exec sleep 100"]}]'
	set_args sleep 100
	RUNC_TEST_MARKER=$TESTDIR "$RUNC" --root "$ROOT" create test_killhook </dev/null >"$TESTDIR/create.out" 2>&1 3>&- &
	local rt=$!
	track_pid "$rt"
	wait_for_file "$HOSTDIR/hook.pid"
	local init hook
	init=$(jq -r .pid "$HOSTDIR/state.json")
	hook=$(cat "$HOSTDIR/hook.pid")
	kill -9 "$rt"
	wait "$rt" || true
	kill -9 "$hook"
	# init dies with the runtime.
	wait_for_pid_exit "$init"
	runc delete -f test_killhook
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/test_killhook" ]
	no_cgroup_left
}

@test "runtime killed at random moments of create and run -d: delete -f leaves nothing" {
	set_args sleep 100
	cat >"$TESTDIR/loop.sh" <<-LOOP
		# Our parent is a subreaper: what the killed runtime leaves comes to it.
		for i in \$(seq 40); do
			"$RUNC" --root "$ROOT" \$([ \$((i % 2)) = 0 ] && echo create || echo "run -d") test_kill >/dev/null 2>&1 &
			rt=\$!
			sleep 0.0\$((RANDOM % 8))\$((RANDOM % 10))
			kill -9 \$rt 2>/dev/null
			wait \$rt
			"$RUNC" --root "$ROOT" delete -f test_kill || { echo "iteration \$i: delete -f failed"; exit 1; }
			[ -e "$ROOT/test_kill" ] && { echo "iteration \$i: state left"; exit 1; }
			left=\$(pgrep -P \$PPID | grep -vx \$\$)
			[ -z "\$left" ] || { echo "iteration \$i: processes left: \$left"; exit 1; }
			for d in /sys/fs/cgroup/*$CGPATH; do
				[ -d "\$d" ] && { echo "iteration \$i: cgroup left: \$d"; exit 1; }
			done
		done
		exit 0
	LOOP
	run timeout -k 5 300 "$PYTHON" "$INTEGRATION_ROOT/subreaper.py" bash "$TESTDIR/loop.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	no_cgroup_left
}

# --- 5. damaged state.json ------------------------------------------------------

@test "a damaged state.json is never read as stopped; delete -f still kills and removes" {
	set_args sleep 100
	local damage
	for damage in empty truncated braces garbage; do
		runc run -d test_damaged
		[ "$status" -eq 0 ]
		local pid f=$ROOT/test_damaged/state.json
		pid=$(container_pid test_damaged)
		case $damage in
		empty) : >"$f" ;;
		truncated) head -c 100 "$f" >"$f.t" && mv "$f.t" "$f" ;;
		braces) echo '{}' >"$f" ;;
		garbage) echo 'garbage' >"$f" ;;
		esac
		runc state test_damaged
		[ "$status" -ne 0 ]
		[[ "$output" == *"$f"* ]]
		[[ "$output" != *stopped* ]]
		runc delete test_damaged
		[ "$status" -ne 0 ]
		[[ "$output" == *"$f"* ]]
		pid_alive "$pid"
		runc list
		[ "$status" -eq 0 ]
		[[ "$output" == *test_damaged*unknown* ]]
		[[ "$output" == *warning*"$f"* ]]
		runc delete -f test_damaged
		[ "$status" -eq 0 ]
		wait_for_pid_exit "$pid"
		[ ! -e "$ROOT/test_damaged" ]
		no_cgroup_left
	done
}

# --- 6. pause of a created container ----------------------------------------------

@test "a paused created container: start refused, resume then start run it" {
	set_args sleep 100
	runc create test_pausec
	[ "$status" -eq 0 ]
	runc pause test_pausec
	[ "$status" -eq 0 ]
	[ "$(container_status test_pausec)" = paused ]
	runc start test_pausec
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot start a container in the paused state"* ]]
	runc resume test_pausec
	[ "$status" -eq 0 ]
	[ "$(container_status test_pausec)" = created ]
	runc start test_pausec
	[ "$status" -eq 0 ]
	wait_for_status test_pausec running
	# Paused again, delete -f still gets rid of it.
	runc pause test_pausec
	[ "$status" -eq 0 ]
	runc delete -f test_pausec
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/test_pausec" ]
	no_cgroup_left
}

@test "delete -f of a paused created container removes it" {
	set_args sleep 100
	runc create test_pausedel
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_pausedel)
	runc pause test_pausedel
	[ "$status" -eq 0 ]
	runc delete -f test_pausedel
	[ "$status" -eq 0 ]
	wait_for_pid_exit "$pid"
	no_cgroup_left
}

# --- 7. create fails when init cannot live ------------------------------------------

@test "create fails when the memory limit cannot be applied or init dies" {
	[ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || skip "no memory cgroup controller"
	local lim
	for lim in 4096 65536; do
		update_config ".linux.resources.memory = {limit: $lim}"
		runc create test_memlim
		[ "$status" -ne 0 ]
		[[ "$output" == *"unable to set memory limit to $lim (current usage: "* || "$output" == *"container init was OOM-killed"* ]]
		runc state test_memlim
		[ "$status" -ne 0 ]
		[ ! -e "$ROOT/test_memlim" ]
		no_cgroup_left
	done
}
