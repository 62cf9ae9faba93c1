#!/usr/bin/env bats
# Process, signal, seccomp and cgroup details where runc (1.2) behaves in a
# particular way that clients rely on: exec --cap, CPU affinity, the
# environment, the cwd, startContainer hooks' environment, the terminal's
# owner, exec -d --pid-file, scheduler with a cpuset, kill 0, containers
# without a pid namespace, exec into a paused container, list --root,
# ENOSYS for exec, device rules on update.

load helpers
load seccomp_helpers

setup_file() {
	build_sysprobe
}

# runc_pinned CPU ARGS...: runc started with its affinity set to CPU.
runc_pinned() {
	local cpu=$1
	shift
	printf '#!/bin/sh\nexec taskset -c %s %s "$@"\n' "$cpu" "$RUNC" >"$TESTDIR/runc-pinned"
	chmod +x "$TESTDIR/runc-pinned"
	RUNC=$TESTDIR/runc-pinned runc_split "$@"
}

# run_bg ID: a detached container running sleep.
run_bg() {
	set_args sleep 1000
	runc run -d "$1"
	[ "$status" -eq 0 ] || fail "run -d $1 failed: $output"
	INIT=$(container_pid "$1")
}

# ---------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------

@test "exec --cap adds the capability to the ambient set when the process has inheritable ones" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities.bounding = ["CAP_KILL", "CAP_CHOWN", "CAP_SYSLOG", "CAP_NET_RAW"]
		| .process.capabilities.effective = ["CAP_KILL"]
		| .process.capabilities.permitted = ["CAP_KILL", "CAP_CHOWN"]
		| .process.capabilities.inheritable = ["CAP_CHOWN", "CAP_SYSLOG"]
		| .process.capabilities.ambient = ["CAP_CHOWN"]'
	run_bg test_caps
	# A uid other than 0 keeps only its ambient capabilities across execve.
	runc_split exec test_caps grep -E '^Cap(Amb|Eff|Bnd):' /proc/self/status
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapAmb:	0000000000000001"* ]] # CAP_CHOWN

	runc_split exec --cap CAP_SYSLOG test_caps grep -E '^Cap(Amb|Eff|Bnd):' /proc/self/status
	[ "$status" -eq 0 ]
	# CAP_CHOWN (0) and CAP_SYSLOG (34), in the ambient and so the
	# effective set of the exec'd program.
	[[ "$output" == *"CapAmb:	0000000400000001"* ]]
	[[ "$output" == *"CapEff:	0000000400000001"* ]]
	# Not inheritable: raised in bounding, effective and permitted only
	# (runc warns that it cannot be ambient).
	runc_split exec --cap CAP_NET_RAW test_caps grep -E '^Cap(Amb|Bnd):' /proc/self/status
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapAmb:	0000000000000001"* ]]
	local bnd
	bnd=$((16#$(awk '/CapBnd/ {print $2}' <<<"$output")))
	[ $((bnd & (1 << 13))) -ne 0 ]
}

@test "exec --cap without inheritable or ambient capabilities leaves the ambient set empty" {
	update_config '.process.capabilities.inheritable = [] | .process.capabilities.ambient = []'
	run_bg test_caps
	runc_split exec --cap CAP_SYS_ADMIN test_caps grep -E '^Cap(Amb|Eff):' /proc/self/status
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
	local eff
	eff=$((16#$(awk '/CapEff/ {print $2}' <<<"$output")))
	[ $((eff & (1 << 21))) -ne 0 ]
	[ -z "$stderr" ]
}

# The CPUs this machine (and so a container without a cpuset) may use.
all_cpus() {
	grep '^Cpus_allowed_list:' /proc/1/status | awk '{print $2}'
}

requires_cpus() {
	command -v taskset >/dev/null || skip "needs taskset (util-linux)"
	[ "$(nproc --all)" -ge 2 ] || skip "needs at least 2 CPUs"
	[ "$(all_cpus)" != 0 ] || skip "pid 1 is pinned to one CPU"
}

@test "run and exec reset the CPU affinity the caller had" {
	requires_cpus
	local all
	all=$(all_cpus)
	set_cmd 'grep ^Cpus_allowed_list: /proc/self/status; sleep 1000'
	runc_pinned 0 run -d test_affinity
	[ "$status" -eq 0 ]
	INIT=$(container_pid test_affinity)
	[ "$(awk '/^Cpus_allowed_list:/ {print $2}' "/proc/$INIT/status")" = "$all" ]
	runc_pinned 0 exec test_affinity grep ^Cpus_allowed_list: /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(awk '{print $2}' <<<"$output")" = "$all" ]
}

@test "the reset affinity is the container's cpuset" {
	requires_cpus
	update_config '.linux.resources.cpu = {"cpus": "1"}'
	set_args sleep 1000
	runc_pinned 0 run -d test_affinity
	[ "$status" -eq 0 ]
	INIT=$(container_pid test_affinity)
	[ "$(awk '/^Cpus_allowed_list:/ {print $2}' "/proc/$INIT/status")" = 1 ]
	runc_pinned 0 exec test_affinity grep ^Cpus_allowed_list: /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(awk '{print $2}' <<<"$output")" = 1 ]
}

@test "execCPUAffinity from config.json and from exec -p" {
	requires_cpus
	update_config '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
	set_args sleep 1000
	runc_pinned 0 run -d test_affinity
	[ "$status" -eq 0 ]
	INIT=$(container_pid test_affinity)
	[ "$(awk '/^Cpus_allowed_list:/ {print $2}' "/proc/$INIT/status")" = 1 ]
	# Initial only: after joining, the process gets every CPU.
	jq '.process | .args = ["grep", "^Cpus_allowed_list:", "/proc/self/status"] | .execCPUAffinity = {"initial": "1"}' \
		config.json >"$TESTDIR/p1.json"
	runc_pinned 0 exec -p "$TESTDIR/p1.json" test_affinity
	[ "$status" -eq 0 ]
	[ "$(awk '{print $2}' <<<"$output")" = "$(all_cpus)" ]
	jq '.process | .args = ["grep", "^Cpus_allowed_list:", "/proc/self/status"] | .execCPUAffinity = {"initial": "1", "final": "0"}' \
		config.json >"$TESTDIR/p2.json"
	runc_pinned 1 exec -p "$TESTDIR/p2.json" test_affinity
	[ "$status" -eq 0 ]
	[ "$(awk '{print $2}' <<<"$output")" = 0 ]
}

@test "a variable given twice is set once, to the last value" {
	update_config '.process.env = ["PATH=/bin:/usr/bin", "A=1", "B=x", "A=2", "HOME=/somewhere", "HOME="]'
	set_args env
	runc_split run test_env
	[ "$status" -eq 0 ]
	[ "$(grep -c '^A=' <<<"$output")" -eq 1 ]
	grep -qx 'A=2' <<<"$output"
	# An empty HOME is replaced with the user's home.
	[ "$(grep -c '^HOME=' <<<"$output")" -eq 1 ]
	grep -qx 'HOME=/root' <<<"$output"
}

@test "exec: duplicate -e overrides, and an empty HOME is the user's home" {
	update_config '.process.env = ["PATH=/bin:/usr/bin", "A=1", "HOME=/x"]'
	run_bg test_env
	runc_split exec -e A=2 -e A=3 -e HOME= -u 1:1 test_env env
	[ "$status" -eq 0 ]
	[ "$(grep -c '^A=' <<<"$output")" -eq 1 ]
	grep -qx 'A=3' <<<"$output"
	[ "$(grep -c '^HOME=' <<<"$output")" -eq 1 ]
	grep -qx 'HOME=/usr/sbin' <<<"$output" # daemon's, from /etc/passwd
	# A user unknown to /etc/passwd gets /.
	runc_split exec -e HOME= -u 4242 test_env sh -c 'echo "$HOME"'
	[ "$output" = / ]
}

@test "a cwd only root may enter works for another user" {
	chmod 700 "$BUNDLE/rootfs/root"
	update_config '.process.cwd = "/root" | .process.user = {"uid": 42, "gid": 42}'
	set_cmd 'pwd; id -u; ls . >/dev/null 2>&1 || echo cannot-list'
	runc run test_cwd
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /root ]
	[ "${lines[1]}" = 42 ]
	# The process itself still may not read it.
	[ "${lines[2]}" = cannot-list ]
}

@test "exec --user 0 into a cwd of another user with mode 700, without CAP_DAC_OVERRIDE" {
	mkdir "$BUNDLE/rootfs/work"
	chown 42:42 "$BUNDLE/rootfs/work"
	chmod 700 "$BUNDLE/rootfs/work"
	update_config '.process.cwd = "/work" | .process.user = {"uid": 42, "gid": 42}'
	# The default capability set has no CAP_DAC_OVERRIDE nor CAP_DAC_READ_SEARCH.
	run_bg test_cwd
	runc_split exec --user 0 test_cwd sh -c 'pwd; grep ^CapEff: /proc/self/status'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /work ]
	local eff
	eff=$((16#$(awk '{print $2}' <<<"${lines[1]}")))
	[ $((eff & 6)) -eq 0 ]
}

@test "a cwd that cannot be entered, before or after the user switch, is an error" {
	run_bg test_cwd
	runc exec --cwd /nonexistent-dir test_cwd pwd
	[ "$status" -eq 255 ]
	[[ "$output" == *'chdir to cwd'*'/nonexistent-dir'*'set in config.json failed'* ]]
	testcontainer test_cwd running
}

@test "a startContainer hook without env gets the container process's environment" {
	update_config '.root.readonly = false
		| .process.env = ["PATH=/bin:/usr/bin", "FROM_PROCESS=yes"]
		| .hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "env >/hook.env"]},
			{"path": "/bin/sh", "args": ["sh", "-c", "env >/hook2.env"], "env": ["OWN=1"]}]'
	runc run test_hook
	[ "$status" -eq 0 ]
	grep -qx 'FROM_PROCESS=yes' "$BUNDLE/rootfs/hook.env"
	grep -qx 'HOME=/root' "$BUNDLE/rootfs/hook.env"
	# A hook with an env of its own gets only that.
	grep -qx 'OWN=1' "$BUNDLE/rootfs/hook2.env"
	! grep -q FROM_PROCESS "$BUNDLE/rootfs/hook2.env"
}

# pty_text: $output of run_in_pty without the "^@" the pty may echo (a
# NUL written to it) and the empty lines.
pty_text() {
	printf '%s\n' "${output//^@/}" | grep -v '^$'
}

@test "the terminal of a non-root process is its user's, with the tty group" {
	update_config '.process.terminal = true | .process.user = {"uid": 1000, "gid": 1000}'
	set_cmd 'stat -c "%u %g %a" "$(tty)"'
	run_in_pty "$RUNC --root $ROOT run test_tty"
	[ "$status" -eq 0 ]
	# gid=5 is the devpts mount option of the default config.
	# (The pty may echo a NUL as "^@" before the output.)
	[ "$(pty_text)" = "1000 5 620" ]
}

@test "exec -t: the terminal is the exec'd user's" {
	set_args sleep 1000
	runc run -d test_tty
	[ "$status" -eq 0 ]
	run_in_pty "$RUNC --root $ROOT exec -t -u 1000:1000 test_tty sh -c 'stat -c \"%u %g\" \"\$(tty)\"'"
	[ "$status" -eq 0 ]
	[ "$(pty_text)" = "1000 5" ]
	run_in_pty "$RUNC --root $ROOT exec -t test_tty sh -c 'stat -c \"%u %g\" \"\$(tty)\"'"
	[ "$status" -eq 0 ]
	[ "$(pty_text)" = "0 5" ]
}

@test "exec -d --pid-file returns once the program runs" {
	run_bg test_pidfile
	# Long arguments make execve itself take a while.
	local big i pid first
	big=$(head -c 100000 /dev/zero | tr '\0' x)
	local bigs=()
	for i in $(seq 15); do bigs+=("$big"); done
	for i in $(seq 60); do
		__runc exec -d --pid-file "$TESTDIR/p.pid" test_pidfile sh -c 'exec sleep 1000' "${bigs[@]}" \
			</dev/null >"$TESTDIR/exec.out" 2>&1 || fail "exec $i failed: $(cat "$TESTDIR/exec.out")"
		pid=$(cat "$TESTDIR/p.pid")
		# sh, or already the sleep it execs; never the runtime's init.
		first=$(tr '\0' '\n' </proc/$pid/cmdline | head -n1)
		[ "$first" = sh ] || [ "$first" = sleep ] ||
			fail "exec $i: pid $pid ran '$first' when exec returned"
		kill -9 "$pid"
	done
}

@test "a process scheduler with a cpuset is refused up front" {
	update_config '.process.scheduler = {"policy": "SCHED_BATCH"} | .linux.resources.cpu = {"cpus": "0"}'
	runc_split run test_sched
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"process scheduler can't be used together with AllowedCPUs"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]

	update_config 'del(.process.scheduler)'
	run_bg test_sched
	jq '.process | .args = ["true"] | .scheduler = {"policy": "SCHED_BATCH"}' config.json >"$TESTDIR/p.json"
	runc_split exec -p "$TESTDIR/p.json" test_sched
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"process scheduler can't be used together with AllowedCPUs"* ]]
	testcontainer test_sched running
}

# ---------------------------------------------------------------------------
# Signals and teardown
# ---------------------------------------------------------------------------

@test "kill ID 0 checks that the container is alive" {
	run_bg test_kill0
	runc kill test_kill0 0
	[ "$status" -eq 0 ]
	testcontainer test_kill0 running
	runc kill test_kill0 KILL
	[ "$status" -eq 0 ]
	wait_for_status test_kill0 stopped
	runc kill test_kill0 0
	[ "$status" -ne 0 ]
}

# pids_of_cgroup ID: the processes in the container's pids cgroup.
cgroup_pids_file() {
	local d
	for d in $(cgroup_dirs_of_pid "$1"); do
		case $d in */pids/* | /sys/fs/cgroup/unified/*)
			echo "$d/cgroup.procs"
			return
			;;
		esac
	done
}

start_without_pidns() {
	remove_namespace pid
	set_cmd 'sleep 1001 & sleep 1002 & exec sleep 1003'
	runc run -d test_nopidns
	[ "$status" -eq 0 ]
	INIT=$(container_pid test_nopidns)
	track_cgroups "$INIT"
	PROCS=$(cgroup_pids_file "$INIT")
	[ -n "$PROCS" ]
	local tries=100
	while [ "$(wc -l <"$PROCS")" -lt 3 ] && ((tries-- > 0)); do sleep 0.05; done
	[ "$(wc -l <"$PROCS")" -eq 3 ]
	PIDS=$(cat "$PROCS")
}

@test "without a pid namespace, kill KILL kills every process of the container" {
	start_without_pidns
	runc kill test_nopidns KILL
	[ "$status" -eq 0 ]
	local p
	for p in $PIDS; do wait_for_pid_exit "$p"; done
	[ -z "$(cat "$PROCS" 2>/dev/null)" ]
	runc delete test_nopidns
	[ "$status" -eq 0 ]
}

@test "without a pid namespace, delete -f kills everything, also once init is gone" {
	start_without_pidns
	runc delete -f test_nopidns
	[ "$status" -eq 0 ]
	local p
	for p in $PIDS; do wait_for_pid_exit "$p"; done

	start_without_pidns
	kill -9 "$INIT"
	wait_for_status test_nopidns stopped
	# The other two live on.
	[ "$(wc -l <"$PROCS")" -eq 2 ]
	runc delete -f test_nopidns
	[ "$status" -eq 0 ]
	for p in $PIDS; do wait_for_pid_exit "$p"; done
	[ ! -e "$PROCS" ]
	runc state test_nopidns
	[ "$status" -ne 0 ]
}

@test "exec into a paused container: refused with 255, or with --ignore-paused completes after resume" {
	run_bg test_paused
	runc pause test_paused
	[ "$status" -eq 0 ]
	runc exec test_paused true
	[ "$status" -eq 255 ]
	[[ "$output" == *"cannot exec in a paused container (use --ignore-paused to override)"* ]]

	local procs n
	procs=$(cgroup_pids_file "$INIT")
	n=$(wc -l <"$procs")
	RUNC_TEST_MARKER=$TESTDIR timeout 60 "$RUNC" --root "$ROOT" exec --ignore-paused test_paused echo from-paused \
		>"$TESTDIR/exec.out" 2>&1 </dev/null 3>&- &
	local execpid=$!
	track_pid "$execpid"
	# The new process is in the frozen cgroup.
	local tries=200
	while [ "$(wc -l <"$procs")" -le "$n" ] && ((tries-- > 0)); do sleep 0.05; done
	[ "$(wc -l <"$procs")" -gt "$n" ]
	# resume does not wait for the exec.
	RUNC_TIMEOUT=10 runc resume test_paused
	[ "$status" -eq 0 ]
	local rc=0
	wait "$execpid" || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(cat "$TESTDIR/exec.out")" = from-paused ]
	testcontainer test_paused running
}

@test "list --root with a missing directory fails with one line" {
	runc_split --root "$TESTDIR/no/such/dir" list
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"no such file or directory"* ]]
	# An existing, empty one lists nothing.
	mkdir "$TESTDIR/empty"
	runc_split --root "$TESTDIR/empty" list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

# ---------------------------------------------------------------------------
# Seccomp
# ---------------------------------------------------------------------------

@test "exec: syscalls newer than the profile, and named ones libseccomp does not know, get ENOSYS" {
	requires_sysprobe
	# mseal (462 on x86_64) and listmount (458): unknown to Debian's
	# libseccomp 2.5.4, so above the newest syscall it resolves.
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": '"$(seccomp_arches)"',
		"syscalls": [{"names": ['"$NEEDED_SYSCALLS"', "mseal", "listmount", "no_such_syscall"], "action": "SCMP_ACT_ALLOW"}]}'
	run_bg test_enosys
	local cmd='sysprobe getpriority; sysprobe 1000; sysprobe getppid'
	[ "$(uname -m)" = x86_64 ] && cmd+='; sysprobe 462; sysprobe 458'
	runc_split exec test_enosys sh -c "$cmd"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "errno 1" ]
	[ "${lines[1]}" = "errno 38" ]
	[[ "${lines[2]}" == "ret "* ]]
	if [ "$(uname -m)" = x86_64 ]; then
		[ "${lines[3]}" = "errno 38" ]
		[ "${lines[4]}" = "errno 38" ]
	fi
}

# ---------------------------------------------------------------------------
# Cgroups
# ---------------------------------------------------------------------------

@test "a device access of \"rwa\" is taken as runc takes it" {
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwa"}]'
	set_cmd 'echo x >/dev/null && echo ok'
	runc run test_rwa
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

requires_devices_v1() {
	[ -d /sys/fs/cgroup/devices ] || skip "needs the cgroup v1 devices controller"
}

@test "update re-applies the device rules without a moment of other access" {
	requires_devices_v1
	# /dev/kmsg exists in the container but its access is denied.
	update_config '.linux.devices += [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 420}]'
	set_cmd 'i=0; while :; do
		if true 2>/dev/null </dev/kmsg; then echo KMSG-OPENED >>/dev/shm/log; fi
		if ! true >/dev/null 2>/dev/shm/err; then echo NULL-FAILED >>/dev/shm/log; fi
		echo >>/dev/shm/ticks
	done'
	runc run -d test_devices
	[ "$status" -eq 0 ]
	INIT=$(container_pid test_devices)
	local i before after
	runc_split exec test_devices sh -c 'while [ ! -s /dev/shm/ticks ]; do :; done; wc -l </dev/shm/ticks'
	before=$output
	for i in $(seq 30); do
		runc update --pids-limit $((100 + i)) test_devices
		[ "$status" -eq 0 ]
	done
	runc_split exec test_devices sh -c 'wc -l </dev/shm/ticks'
	after=$output
	# The loop ran all along, and never saw a change.
	[ "$after" -gt "$before" ]
	runc_split exec test_devices sh -c 'cat /dev/shm/log 2>/dev/null; true'
	[ "$status" -eq 0 ]
	[ -z "$output" ] || fail "the loop saw: $output"

	# Rules changed behind the runtime's back are put back by an update.
	local dev
	dev=$(cgroup_dirs_of_pid "$INIT" | grep '/devices/')
	echo 'c 1:3 rwm' >"$dev/devices.deny"
	runc exec test_devices sh -c 'true >/dev/null'
	[ "$status" -ne 0 ]
	runc update --pids-limit 200 test_devices
	[ "$status" -eq 0 ]
	runc exec test_devices sh -c 'true >/dev/null && ! true 2>/dev/null </dev/kmsg'
	[ "$status" -eq 0 ]
}
