#!/usr/bin/env bats
# runc exec: run another process in a running container.

load helpers

setup() {
	setup_busybox
	update_config '.hostname = "exechost"'
	set_args sleep 100
}

start_container() {
	runc run -d test_exec
	[ "$status" -eq 0 ] || fail "run -d failed: $output"
	INIT=$(container_pid test_exec)
}

@test "exec runs a command inside the container" {
	start_container
	runc_split exec test_exec hostname
	[ "$status" -eq 0 ]
	[ "$output" = exechost ]
}

@test "exec joins the container's namespaces and cgroup" {
	start_container
	runc_split exec test_exec sh -c 'for n in pid net ipc uts mnt; do readlink /proc/self/ns/$n; done; cat /proc/self/cgroup'
	[ "$status" -eq 0 ]
	local n i=0
	for n in pid net ipc uts mnt; do
		[ "${lines[i]}" = "$(readlink /proc/$INIT/ns/$n)" ] || fail "$n namespace differs"
		i=$((i + 1))
	done
	local pids_cg
	pids_cg=$(grep ':pids:' "/proc/$INIT/cgroup")
	printf '%s\n' "${lines[@]}" | grep -qxF "$pids_cg"
}

@test "exec returns the process's exit status" {
	start_container
	runc exec test_exec sh -c 'exit 42'
	[ "$status" -eq 42 ]
	testcontainer test_exec running
}

@test "exec --env, --cwd and --user" {
	start_container
	runc_split exec --env FOO=bar --env BAZ=qux --cwd /usr --user 1:1 test_exec sh -c 'echo "$FOO $BAZ"; pwd; id -u; id -g'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "bar qux" ]
	[ "${lines[1]}" = /usr ]
	[ "${lines[2]}" = 1 ]
	[ "${lines[3]}" = 1 ]
}

@test "exec --process reads a process.json" {
	start_container
	cat >"$TESTDIR/process.json" <<'JSON'
{
	"terminal": false,
	"user": {"uid": 0, "gid": 0},
	"args": ["sh", "-c", "echo from-process-json $XVAR; pwd"],
	"env": ["PATH=/bin:/usr/bin", "XVAR=xvalue"],
	"cwd": "/etc"
}
JSON
	runc_split exec --process "$TESTDIR/process.json" test_exec
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "from-process-json xvalue" ]
	[ "${lines[1]}" = /etc ]
}

@test "exec -t gives the process a terminal" {
	start_container
	run_in_pty "$RUNC --root $ROOT exec -t test_exec sh -c 'tty; exit 3'"
	[ "$status" -eq 3 ]
	[[ "$output" == */dev/pts/* ]]
}

@test "exec -d with --pid-file" {
	start_container
	runc exec -d --pid-file "$TESTDIR/exec.pid" test_exec sleep 77
	[ "$status" -eq 0 ]
	local pid
	pid=$(cat "$TESTDIR/exec.pid")
	pid_alive "$pid"
	[ "$(tr '\0' ' ' </proc/$pid/cmdline)" = "sleep 77 " ]
	[ "$(readlink /proc/$pid/ns/pid)" = "$(readlink /proc/$INIT/ns/pid)" ]
	runc_split ps -f json test_exec
	jq -e --argjson p "$pid" 'index($p) != null' <<<"$output"
}

@test "exec in a stopped container is an error" {
	set_args true
	runc run -d test_exec
	[ "$status" -eq 0 ]
	wait_for_status test_exec stopped
	runc exec test_exec true
	[ "$status" -ne 0 ]
}

@test "exec in an unknown container is an error" {
	runc exec no_such_container true
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
}

@test "exec of a missing binary is an error and the container keeps running" {
	start_container
	runc exec test_exec /no/such/binary
	[ "$status" -ne 0 ]
	[[ "$output" == */no/such/binary* ]]
	testcontainer test_exec running
}

@test "exec'd processes get the container's capabilities" {
	start_container
	runc_split exec test_exec grep ^CapBnd: /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" = "$(grep ^CapBnd: /proc/$INIT/status)" ]
}

@test "exec'd processes get the container's oomScoreAdj, not the caller's" {
	# docker exec: the shim that runs exec has a score of its own.
	update_config '.process.oomScoreAdj = 500'
	start_container
	[ "$(cat "/proc/$INIT/oom_score_adj")" = 500 ]
	[ "$(cat /proc/self/oom_score_adj)" != 500 ]
	runc_split exec test_exec cat /proc/self/oom_score_adj
	[ "$status" -eq 0 ]
	[ "$output" = 500 ]
	# A process.json's own value is not used (runc 1.1 ignores it too).
	cat >"$TESTDIR/process.json" <<'JSON'
{"user": {"uid": 0, "gid": 0}, "args": ["cat", "/proc/self/oom_score_adj"], "env": ["PATH=/bin"], "cwd": "/", "oomScoreAdj": 3}
JSON
	runc_split exec --process "$TESTDIR/process.json" test_exec
	[ "$status" -eq 0 ]
	[ "$output" = 500 ]
}

@test "exec short options -e and -u" {
	start_container
	runc_split exec -e FOO=short -u 65534 test_exec sh -c 'echo "$FOO"; id -u'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = short ]
	[ "${lines[1]}" = 65534 ]
}

# make_sub_cgroups NAME -- a child cgroup NAME of the container's cgroup in
# every hierarchy it has; prints nothing.  Teardown removes them with the
# container's cgroups.
make_sub_cgroups() {
	local d f
	for d in $(cgroup_dirs_of_pid "$INIT"); do
		mkdir -p "$d/$1"
		# A cpuset cgroup takes no process until it has cpus and mems.
		for f in cpuset.cpus cpuset.mems; do
			[ -f "$d/$f" ] && cat "$d/$f" >"$d/$1/$f"
		done
	done
	return 0
}

@test "exec --cgroup runs the process in a sub-cgroup of every controller" {
	start_container
	make_sub_cgroups sub
	runc_split exec --cgroup sub test_exec sh -c 'cat /proc/$$/cgroup; sleep 0.1'
	[ "$status" -eq 0 ]
	# Every hierarchy of the container: the init's line with /sub added.
	local line want
	while IFS= read -r line; do
		want="${line%/}/sub"
		[[ "$line" == *:/ ]] && want="${line}sub"
		# The exec'd process sees the same paths the init sees (cgroupns
		# or not), plus /sub.
		printf '%s\n' "${lines[@]}" | grep -qxF "$want" || fail "no '$want' in: ${lines[*]}"
	done < <(runc_split exec test_exec cat /proc/self/cgroup >/dev/null; printf '%s\n' "${lines[@]}" | grep -v '^0::')
}

@test "exec --cgroup controller:path moves only that controller" {
	start_container
	make_sub_cgroups sub
	runc_split exec --cgroup memory,pids:sub test_exec cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	printf '%s\n' "${lines[@]}" | grep -q ':memory:.*/sub$'
	printf '%s\n' "${lines[@]}" | grep -q ':pids:.*/sub$'
	! printf '%s\n' "${lines[@]}" | grep -q ':freezer:.*/sub$' || fail "negated check failed (exec.bats:187)"
	! printf '%s\n' "${lines[@]}" | grep -q ':devices:.*/sub$'
}

@test "exec --cgroup cannot leave the container's cgroup" {
	start_container
	make_sub_cgroups sub
	# As runc: a path that climbs above the container's cgroup is refused.
	local p
	for p in ../../../../sub .. sub/../../x memory:../sub; do
		runc exec --cgroup "$p" test_exec true
		[ "$status" -ne 0 ]
		[[ "$output" == *"bad sub cgroup path"* ]]
	done
	# ".." that stays below it is fine.
	runc_split exec --cgroup x/../sub test_exec sh -c 'cat /proc/$$/cgroup'
	[ "$status" -eq 0 ]
	local own
	own=$(grep ':pids:' "/proc/$INIT/cgroup")
	printf '%s\n' "${lines[@]}" | grep -qxF "${own%/}/sub"
	testcontainer test_exec running
	no_leftover_processes
}

@test "exec --cgroup with a missing cgroup or controller fails cleanly" {
	start_container
	runc exec --cgroup nosuch test_exec true
	[ "$status" -ne 0 ]
	[[ "$output" == *"nosuch"*"does not exist"* ]]
	runc exec --cgroup nosuchctl:sub test_exec true
	[ "$status" -ne 0 ]
	[[ "$output" == *"nosuchctl"* ]]
	runc exec --cgroup sub --cgroup other test_exec true
	[ "$status" -ne 0 ]
	runc exec --cgroup memory: test_exec true
	[ "$status" -ne 0 ]
	[[ "$output" == *"empty path"* ]]
	testcontainer test_exec running
	no_leftover_processes
}

@test "exec --env keeps a value with commas whole" {
	start_container
	runc_split exec --env A=1,2,3 -e B=x,y test_exec sh -c 'echo "$A|$B"'
	[ "$status" -eq 0 ]
	[ "$output" = "1,2,3|x,y" ]
}

@test "exec --additional-gids, --cap and --no-new-privs" {
	update_config '.process.noNewPrivileges = false'
	start_container
	runc_split exec -u 1000:1000 -g 10 --additional-gids 20 test_exec id -G
	[ "$status" -eq 0 ]
	[ "$output" = "1000 10 20" ]

	# The container's default set lacks CAP_SYS_ADMIN (bit 21) and CAP_NET_ADMIN (12).
	runc_split exec test_exec grep ^CapEff: /proc/self/status
	local before=$((16#$(awk '{print $2}' <<<"$output")))
	[ $((before & (1 << 21))) -eq 0 ]
	runc_split exec --cap CAP_SYS_ADMIN --cap CAP_NET_ADMIN test_exec grep -E '^Cap(Eff|Bnd):' /proc/self/status
	[ "$status" -eq 0 ]
	local eff bnd
	eff=$((16#$(awk '/CapEff/ {print $2}' <<<"$output")))
	bnd=$((16#$(awk '/CapBnd/ {print $2}' <<<"$output")))
	[ $((eff & (1 << 21))) -ne 0 ]
	[ $((eff & (1 << 12))) -ne 0 ]
	[ $((bnd & (1 << 21))) -ne 0 ]
	# The rest of the container's set is kept.
	[ $((eff & before)) -eq "$before" ]

	runc_split exec test_exec grep ^NoNewPrivs: /proc/self/status
	[ "$(awk '{print $2}' <<<"$output")" = 0 ]
	runc_split exec --no-new-privs test_exec grep ^NoNewPrivs: /proc/self/status
	[ "$(awk '{print $2}' <<<"$output")" = 1 ]
}

@test "exec -t -d --console-socket sends the pty to the socket" {
	start_container
	start_recvtty
	runc exec -t -d --console-socket "$CONSOLE_SOCKET" test_exec sh -c 'tty; echo exec-on-pty'
	[ "$status" -eq 0 ]
	wait_for_console exec-on-pty
	grep -q '^/dev/pts/[0-9]' "$CONSOLE_OUT"
}

@test "exec --preserve-fds passes the descriptors on" {
	start_container
	echo preserved-for-exec >"$TESTDIR/pf"
	status=0
	output=$(RUNC_TEST_MARKER=$TESTDIR timeout 60 "$RUNC" --root "$ROOT" exec --preserve-fds 1 test_exec sh -c 'cat /proc/self/fd/3; [ ! -e /proc/$$/fd/4 ]' 3<"$TESTDIR/pf" 4</dev/null </dev/null 2>&1) || status=$?
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$output" = preserved-for-exec ]
}

@test "exec joins the user and time namespaces and gets seccomp and rlimits" {
	update_config '.linux.namespaces += [{type: "user"}, {type: "time"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 0, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 0, size: 65536}]
		| .linux.timeOffsets = {boottime: {secs: 86400, nanosecs: 0}}
		| .process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1234, hard: 1234}]
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["sethostname"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}'
	start_container
	runc_split exec test_exec sh -c 'readlink /proc/self/ns/user; readlink /proc/self/ns/time; grep ^Seccomp: /proc/self/status; ulimit -n; hostname foo 2>&1 || echo refused'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(readlink /proc/$INIT/ns/user)" ]
	[ "${lines[0]}" != "$(readlink /proc/self/ns/user)" ]
	[ "${lines[1]}" = "$(readlink /proc/$INIT/ns/time)" ]
	[ "${lines[1]}" != "$(readlink /proc/self/ns/time)" ]
	[[ "${lines[2]}" == *2 ]]
	[ "${lines[3]}" = 1234 ]
	[ "${lines[4]}" = refused ] || [[ "${lines[4]}" == *"not permitted"* ]]
	# The boot clock is the init's, a day ahead of ours.
	runc_split exec test_exec cat /proc/uptime
	local inside host
	inside=$(cut -d. -f1 <<<"$output")
	host=$(cut -d. -f1 /proc/uptime)
	[ $((inside - host)) -ge 86000 ]
}

@test "exec into a created container runs while the init still waits" {
	runc create test_exec
	[ "$status" -eq 0 ]
	runc_split exec test_exec echo exec-before-start
	[ "$status" -eq 0 ]
	[ "$output" = exec-before-start ]
	testcontainer test_exec created
}

@test "exec -g adds to the container's additionalGids" {
	update_config '.process.user.additionalGids = [5]'
	start_container
	runc_split exec -u 1000:1000 -g 10 -g 20 test_exec id -G
	[ "$status" -eq 0 ]
	[ "$output" = "1000 5 10 20" ]
	# Without -g the container's own are kept.
	runc_split exec -u 1000:1000 test_exec id -G
	[ "$status" -eq 0 ]
	[ "$output" = "1000 5" ]
}

@test "exec without a command: runc's message, after the container's status" {
	start_container
	runc exec test_exec
	[ "$status" -eq 255 ]
	[[ "$output" == *'exec failed: process args cannot be empty'* ]]
	runc exec test_exec --
	[ "$status" -eq 255 ]
	[[ "$output" == *'exec failed: process args cannot be empty'* ]]

	runc kill test_exec KILL
	[ "$status" -eq 0 ]
	wait_for_status test_exec stopped
	# A stopped container is reported as such, command or not.
	runc exec test_exec
	[ "$status" -eq 255 ]
	[[ "$output" == *'exec failed: cannot exec in a stopped container'* ]]
}

@test "exec -p and --cwd: the cwd must be given and absolute" {
	start_container
	jq '.process | .args = ["pwd"] | .cwd = "etc"' config.json >"$TESTDIR/rel.json"
	runc exec -p "$TESTDIR/rel.json" test_exec
	[ "$status" -eq 255 ]
	[[ "$output" == *'exec failed: Cwd must be an absolute path'* ]]
	[[ "$output" != */etc* ]]

	jq '.process | .args = ["pwd"] | del(.cwd)' config.json >"$TESTDIR/nocwd.json"
	runc exec -p "$TESTDIR/nocwd.json" test_exec
	[ "$status" -eq 255 ]
	[[ "$output" == *'exec failed: Cwd property must not be empty'* ]]

	runc exec --cwd etc test_exec pwd
	[ "$status" -eq 255 ]
	[[ "$output" == *'exec failed: Cwd must be an absolute path'* ]]
	runc_split exec --cwd /etc test_exec pwd
	[ "$status" -eq 0 ]
	[ "$output" = /etc ]

	# The container is not harmed.
	runc_split exec test_exec true
	[ "$status" -eq 0 ]
}

@test "exec -u and -g: ids that are not numbers or negative get runc's messages" {
	start_container
	runc exec -u abc test_exec id
	[ "$status" -eq 255 ]
	[[ "$output" == *'exec failed: parsing abc as int for uid failed: strconv.Atoi: parsing \"abc\": invalid syntax'* ]]
	# The gid is read first, as runc does.
	runc exec -u abc:x test_exec id
	[ "$status" -eq 255 ]
	[[ "$output" == *'exec failed: parsing x as int for gid failed: strconv.Atoi'* ]]
	runc exec -u -1 test_exec id
	[ "$status" -eq 255 ]
	[[ "$output" == *"uids and gids must be in range 0-2147483647"* ]]
	runc exec -g -1 test_exec id
	[ "$status" -eq 255 ]
	[[ "$output" == *"exec failed: additional-gids must be a positive number -1"* ]]
}
