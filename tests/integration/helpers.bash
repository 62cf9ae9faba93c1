#!/bin/bash
# Common set-up for the integration tests.  Load it with `load helpers`.
#
# Every test gets:
#   TESTDIR   a private temporary directory, removed in teardown
#   ROOT      the runtime's state directory (always passed as --root)
#   BUNDLE    a bundle (config.json from `runc spec` + a copy of the busybox
#             root filesystem); setup() cd's into it
#   HOSTDIR   an empty host directory, handy as a bind-mount source
#
# The default setup() and teardown() below may be replaced by a test file;
# a replacement must still call setup_busybox / teardown_busybox.

INTEGRATION_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$INTEGRATION_ROOT/../.." && pwd)

# The binary under test, resolved as run.sh resolves it (tests/runc-binary.bash).
# shellcheck source=../runc-binary.bash
source "$REPO_ROOT/tests/runc-binary.bash"
RUNC=$(resolve_runc) || exit 1
export RUNC

# Seconds any single runtime invocation may take before it is killed, so a
# hung runtime fails one test instead of hanging the whole run.
RUNC_TIMEOUT=${RUNC_TIMEOUT:-60}

RECVTTY="$INTEGRATION_ROOT/recvtty.py"
if [ -x /usr/bin/python3 ]; then
	PYTHON=/usr/bin/python3
else
	PYTHON=$(command -v python3 || echo python3)
fi

# Capability names in bit order (see capabilities(7)); index == bit number.
ALL_CAPS=(CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID
	CAP_KILL CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE
	CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_ADMIN CAP_NET_RAW
	CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE CAP_SYS_RAWIO CAP_SYS_CHROOT
	CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE
	CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE
	CAP_AUDIT_WRITE CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE
	CAP_MAC_ADMIN CAP_SYSLOG CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ
	CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE)

# ---------------------------------------------------------------------------
# The busybox root filesystem, built once per run.
#
# tests/integration/run.sh builds it and exports BUSYBOX_ROOTFS.  When bats is
# started by hand the first test builds it under BATS_RUN_TMPDIR (removed by
# bats at the end of the run); a lock keeps parallel jobs from racing.
# ---------------------------------------------------------------------------
ensure_busybox_rootfs() {
	if [ -n "${BUSYBOX_ROOTFS:-}" ] && [ -x "$BUSYBOX_ROOTFS/bin/busybox" ]; then
		return 0
	fi
	local base=${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}
	BUSYBOX_ROOTFS=$base/busybox-rootfs
	(
		flock 9
		if [ ! -e "$BUSYBOX_ROOTFS/.complete" ]; then
			rm -rf "$BUSYBOX_ROOTFS"
			"$INTEGRATION_ROOT/build-rootfs.sh" "$BUSYBOX_ROOTFS" >&2 &&
				touch "$BUSYBOX_ROOTFS/.complete"
		fi
	) 9>"$base/busybox-rootfs.lock"
	[ -e "$BUSYBOX_ROOTFS/.complete" ] || fail "could not build the busybox rootfs"
	export BUSYBOX_ROOTFS
}

# ---------------------------------------------------------------------------
# Per-test set-up and tear-down.
# ---------------------------------------------------------------------------
setup_busybox() {
	[ -x "$RUNC" ] || fail "runtime binary $RUNC not found (run make first, or set RUNC)"
	ensure_busybox_rootfs

	# Keep paths short: unix socket paths are limited to 108 bytes.
	TESTDIR=$(mktemp -d "${TMPDIR:-/tmp}/rt.XXXXXX")
	ROOT=$TESTDIR/state
	BUNDLE=$TESTDIR/bundle
	HOSTDIR=$TESTDIR/host
	RUNC_CALLS=0
	CLEANUPS=()
	# The state root exists, as a client's does: `list --root` of a
	# missing directory is an error (runc 1.2).
	mkdir -p "$BUNDLE" "$HOSTDIR" "$ROOT"
	# Hard links: creating ~300 symlinks per test is slow on this disk.
	# Directories are new, so files a container creates stay private; the
	# small files a test might rewrite in place are real copies.  Nothing
	# may write into the shared /bin/busybox.
	cp -al "$BUSYBOX_ROOTFS" "$BUNDLE/rootfs"
	rm -f "$BUNDLE/rootfs/.complete"
	local f
	for f in etc/passwd etc/group etc/hosts etc/resolv.conf etc/hostname; do
		[ -f "$BUSYBOX_ROOTFS/$f" ] && cp --remove-destination -p "$BUSYBOX_ROOTFS/$f" "$BUNDLE/rootfs/$f"
	done

	cd "$BUNDLE" || fail "cd $BUNDLE"
	"$RUNC" spec >"$TESTDIR/spec.out" 2>&1 ||
		fail "$RUNC spec failed: $(cat "$TESTDIR/spec.out")"
	# Tests run without a terminal unless they ask for one, and run a
	# harmless command unless they set their own.
	update_config '.process.terminal = false | .process.args = ["true"]'
}

teardown_busybox() {
	[ -n "${TESTDIR:-}" ] && [ -d "$TESTDIR" ] || return 0
	cd / || true

	# Background processes the test started (runc run &, recvtty, ...),
	# with everything they started.
	local pid
	if [ -f "$TESTDIR/bg.pids" ]; then
		while read -r pid; do
			kill_tree "$pid"
		done <"$TESTDIR/bg.pids"
	fi
	# Runtime invocations still in progress would hold the containers'
	# locks; nothing of the test's own should run any more.
	kill_marked_processes

	# Every container the state root knows about: note its cgroups, then
	# force-delete it.
	local ids=() id cgpaths=()
	if [ -d "$ROOT" ]; then
		mapfile -t ids < <(
			{
				timeout 10 "$RUNC" --root "$ROOT" list -q 2>/dev/null
				find "$ROOT" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null
			} | sort -u
		)
	fi
	for id in "${ids[@]}"; do
		[ -n "$id" ] || continue
		pid=$(timeout 5 "$RUNC" --root "$ROOT" state "$id" 2>/dev/null | jq -r '.pid // 0' 2>/dev/null)
		if [ -n "$pid" ] && [ "$pid" != 0 ] && [ -r "/proc/$pid/cgroup" ]; then
			mapfile -t -O "${#cgpaths[@]}" cgpaths < <(cgroup_dirs_of_pid "$pid")
		fi
		timeout 20 "$RUNC" --root "$ROOT" delete -f "$id" >/dev/null 2>&1 </dev/null || true
		if [ -n "$pid" ] && [ "$pid" != 0 ]; then
			kill -9 "$pid" 2>/dev/null || true
		fi
	done

	# Whatever is still alive: processes the runtime started for this test
	# (they carry RUNC_TEST_MARKER in their environment until they exec the
	# container process) and processes left in the cgroups our containers
	# were seen in.  Cgroups are only found through our own containers'
	# pids: other test runs on this machine may use the same container ids.
	kill_marked_processes
	local d
	for d in "${cgpaths[@]}"; do
		[ -n "$d" ] && [ -d "$d" ] || continue
		if [ -f "$d/cgroup.procs" ]; then
			while read -r pid; do
				kill -9 "$pid" 2>/dev/null || true
			done <"$d/cgroup.procs"
		fi
	done
	# Cgroups a test asked us to watch (track_cgroups).
	if [ -f "$TESTDIR/cgroups.list" ]; then
		while read -r d; do
			cgpaths+=("$d")
			[ -f "$d/cgroup.procs" ] || continue
			while read -r pid; do
				kill -9 "$pid" 2>/dev/null || true
			done <"$d/cgroup.procs"
		done <"$TESTDIR/cgroups.list"
	fi
	# Empty cgroups named after our containers (one try each: the same id
	# may be in use by another test run); rmdir never removes a populated
	# cgroup.
	for id in "${ids[@]}"; do
		[ -n "$id" ] || continue
		for d in $(cgroup_dirs_for_path "$id"); do
			rmdir "$d" 2>/dev/null || true
		done
	done
	# A cgroupsPath the test configured is its own: anything left in it goes.
	local cgp
	cgp=$(jq -r '.linux.cgroupsPath // empty' "$BUNDLE/config.json" 2>/dev/null)
	if [ -n "$cgp" ]; then
		for d in $(cgroup_dirs_for_path "$cgp"); do
			cgpaths+=("$d")
			[ -f "$d/cgroup.procs" ] || continue
			while read -r pid; do
				kill -9 "$pid" 2>/dev/null || true
			done <"$d/cgroup.procs"
		done
	fi
	local try
	for d in "${cgpaths[@]}"; do
		for try in $(seq 25); do
			[ -n "$d" ] && [ -d "$d" ] || break
			# Child cgroups first; rmdir refuses anything still populated
			# (a killed process may take a moment to leave).
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
			[ -d "$d" ] && sleep 0.02
		done
	done

	# Cleanup actions registered by the test, newest first.
	local i
	for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUPS[i]}" >/dev/null 2>&1 || true
	done
	CLEANUPS=()

	# Mounts a test made under its directory (namespace files, ...).
	local m
	for m in $(awk -v dir="$TESTDIR" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	# Never recurse into something still mounted (a bind mount of a host
	# directory would have its contents deleted).
	if awk -v dir="$TESTDIR" 'index($5, dir) == 1 {found = 1} END {exit !found}' /proc/self/mountinfo; then
		echo "teardown: mounts remain under $TESTDIR; not removing it" >&2
		return 0
	fi
	rm -rf --one-file-system "$TESTDIR" 2>/dev/null || true
}

setup() {
	setup_busybox
}

teardown() {
	teardown_busybox
}

# Register a shell command to run in teardown (also when the test fails).
defer() {
	CLEANUPS+=("$*")
}

# Assert that no process started by the runtime for this test is alive
# (apart from container processes that already exec'd their command).
no_leftover_processes() {
	local left
	sleep 0.1
	left=$(grep -lzxF "RUNC_TEST_MARKER=$TESTDIR" /proc/[0-9]*/environ 2>/dev/null | grep -v "^/proc/$$/" || true)
	[ -z "$left" ] || fail "processes left behind: $left"
}

# Remember the cgroups of a container's process so teardown empties and
# removes them even if the runtime cannot (e.g. its state was destroyed).
track_cgroups() {
	cgroup_dirs_of_pid "$1" >>"$TESTDIR/cgroups.list"
}

# Remember a background process so teardown kills it.
track_pid() {
	echo "$1" >>"$TESTDIR/bg.pids"
}

# kill_tree PID -- SIGKILL a process and all its descendants.
kill_tree() {
	local child
	kill -STOP "$1" 2>/dev/null || true
	for child in $(pgrep -P "$1" 2>/dev/null); do
		kill_tree "$child"
	done
	kill -9 "$1" 2>/dev/null || true
}

kill_marked_processes() {
	local f p
	for f in $(grep -lzxF "RUNC_TEST_MARKER=$TESTDIR" /proc/[0-9]*/environ 2>/dev/null); do
		p=${f#/proc/}
		p=${p%/environ}
		[ "$p" = "$$" ] && continue
		kill -9 "$p" 2>/dev/null || true
	done
}

# ---------------------------------------------------------------------------
# Running the runtime.
# ---------------------------------------------------------------------------

# runc ARGS...: like bats' `run "$RUNC" --root "$ROOT" ARGS...`: sets
# $status, $output (stdout and stderr together) and $lines.
#
# Output goes to a fresh file rather than a pipe: a detached container
# inherits the runtime's stdio and would hold a pipe open forever.  stdin is
# /dev/null and bats' fd 3 is closed for the same reason.
runc() {
	RUNC_CALLS=$((RUNC_CALLS + 1))
	local out="$TESTDIR/runc.$RUNC_CALLS.out"
	status=0
	RUNC_TEST_MARKER=$TESTDIR timeout -k 5 "$RUNC_TIMEOUT" \
		"$RUNC" ${RUNC_FLAGS:-} --root "$ROOT" "$@" >"$out" 2>&1 </dev/null 3>&- || status=$?
	output=$(cat "$out")
	lines=()
	[ -n "$output" ] && mapfile -t lines <<<"$output"
	# Shown by bats when the test fails.
	echo "runc $* (status=$status):" >&2
	[ -n "$output" ] && echo "$output" >&2
	return 0
}

# Like runc, but stdout and stderr are kept apart: $output is stdout only,
# $stderr is stderr.  For commands whose stdout is parsed (state, list, ps).
runc_split() {
	RUNC_CALLS=$((RUNC_CALLS + 1))
	local out="$TESTDIR/runc.$RUNC_CALLS.out" err="$TESTDIR/runc.$RUNC_CALLS.err"
	status=0
	RUNC_TEST_MARKER=$TESTDIR timeout -k 5 "$RUNC_TIMEOUT" \
		"$RUNC" ${RUNC_FLAGS:-} --root "$ROOT" "$@" >"$out" 2>"$err" </dev/null 3>&- || status=$?
	output=$(cat "$out")
	stderr=$(cat "$err")
	lines=()
	[ -n "$output" ] && mapfile -t lines <<<"$output"
	echo "runc $* (status=$status):" >&2
	[ -n "$output" ] && echo "$output" >&2
	[ -n "$stderr" ] && echo "stderr: $stderr" >&2
	return 0
}

# The runtime's raw invocation, for use in pipelines and $(...).  Callers
# must not use it to start detached containers inside $(...).
__runc() {
	RUNC_TEST_MARKER=$TESTDIR timeout -k 2 "$RUNC_TIMEOUT" \
		"$RUNC" ${RUNC_FLAGS:-} --root "$ROOT" "$@" 3>&-
}

# Run a command under a pseudo-terminal (util-linux script); sets $status
# and $output like bats' run.  The command is a single shell string.
run_in_pty() {
	RUNC_CALLS=$((RUNC_CALLS + 1))
	local out="$TESTDIR/pty.$RUNC_CALLS.out"
	status=0
	RUNC_TEST_MARKER=$TESTDIR timeout -k 5 "$RUNC_TIMEOUT" \
		script -qefc "$1" /dev/null >"$out" 2>&1 </dev/null 3>&- || status=$?
	# The pty turns \n into \r\n.
	output=$(tr -d '\r' <"$out")
	lines=()
	[ -n "$output" ] && mapfile -t lines <<<"$output"
	echo "pty: $1 (status=$status):" >&2
	[ -n "$output" ] && echo "$output" >&2
	return 0
}

# ---------------------------------------------------------------------------
# config.json
# ---------------------------------------------------------------------------

# update_config JQ_FILTER [BUNDLE] -- edit config.json in place.
update_config() {
	local cfg="${2:-$BUNDLE}/config.json"
	jq "$1" "$cfg" >"$cfg.tmp" || fail "update_config: jq '$1' failed"
	mv "$cfg.tmp" "$cfg"
}

# set_args ARG... -- set process.args to the given words.
set_args() {
	update_config ".process.args = $(json_array "$@")"
}

# json_string WORD -- print WORD as a JSON string.
json_string() {
	printf '%s' "$1" | jq -Rs .
}

# json_array WORD... -- print a JSON array of strings.
json_array() {
	local a sep="" out="["
	for a in "$@"; do
		out+=$sep$(json_string "$a")
		sep=,
	done
	printf '%s]\n' "$out"
}

# set_cmd 'SHELL SCRIPT' -- process.args = ["sh", "-c", SCRIPT]
set_cmd() {
	set_args sh -c "$1"
}

# Add a bind mount of a host path: bind_mount SRC DEST [OPTION...]
bind_mount() {
	local src=$1 dst=$2
	shift 2
	update_config ".mounts += [{source: $(json_string "$src"), destination: $(json_string "$dst"), type: \"bind\", options: $(json_array bind "$@")}]"
}

# Remove a namespace type from linux.namespaces.
remove_namespace() {
	update_config '.linux.namespaces |= map(select(.type != "'"$1"'"))'
}

# ---------------------------------------------------------------------------
# Container state.
# ---------------------------------------------------------------------------

# Print the status of a container ("" if state fails).  `state` must answer
# promptly whatever else is going on (e.g. a foreground `run`), so it gets
# only a few seconds.
container_status() {
	RUNC_TIMEOUT=5 __runc state "$1" 2>/dev/null | jq -r '.status // empty' 2>/dev/null
}

# Print the host pid of the container's init (0/empty if none).
container_pid() {
	RUNC_TIMEOUT=5 __runc state "$1" 2>/dev/null | jq -r '.pid // empty' 2>/dev/null
}

# wait_for_status ID STATUS [TIMEOUT_SECONDS] -- poll `state` until the
# container has the given status; fails the test after the timeout
# (default 10s).
wait_for_status() {
	local id=$1 want=$2 limit=${3:-10}
	local deadline=$((SECONDS + limit)) st=""
	while :; do
		st=$(container_status "$id")
		[ "$st" = "$want" ] && return 0
		[ "$SECONDS" -ge "$deadline" ] && break
		sleep 0.05
	done
	fail "container $id: status is '$st' after ${limit}s, want '$want'"
}

# testcontainer ID STATUS -- assert `state` reports the given status.
testcontainer() {
	runc_split state "$1"
	[ "$status" -eq 0 ] || fail "state $1 failed: $stderr"
	local st
	st=$(jq -r .status <<<"$output")
	[ "$st" = "$2" ] || fail "container $1 has status '$st', want '$2'"
}

# wait_for_file PATH [TIMEOUT_SECONDS] -- wait until PATH exists.
wait_for_file() {
	local f=$1 limit=${2:-10}
	local tries=$((limit * 20))
	while ((tries-- > 0)); do
		[ -e "$f" ] && return 0
		sleep 0.05
	done
	fail "$f did not appear within ${limit}s"
}

# wait_for_pid_exit PID [TIMEOUT_SECONDS]
wait_for_pid_exit() {
	local pid=$1 limit=${2:-10}
	local tries=$((limit * 20))
	while ((tries-- > 0)); do
		kill -0 "$pid" 2>/dev/null || return 0
		# A zombie counts as gone.
		[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
		sleep 0.05
	done
	fail "process $pid still alive after ${limit}s"
}

# Is PID a live (non-zombie) process?
pid_alive() {
	[ -n "$1" ] && [ "$1" != 0 ] && kill -0 "$1" 2>/dev/null &&
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# ---------------------------------------------------------------------------
# cgroups (v1 controllers under /sys/fs/cgroup/*, cgroup2 under unified).
# ---------------------------------------------------------------------------

# Which cgroup hierarchies exist is read from /proc/self/mountinfo (and the
# cgroup2 root's cgroup.controllers), as the runtime decides it, never from
# a directory's presence: /sys/fs/cgroup is a tmpfs, and a plain directory
# on it (conmon makes some for controllers it expects) is no hierarchy.

# cgroup_v1_mounts -- "MOUNTPOINT OPTIONS" of every cgroup v1 hierarchy
# mounted in this mount namespace, one per line (OPTIONS: the superblock's,
# e.g. rw,cpu,cpuacct or rw,name=systemd). Only mounts of a hierarchy's
# root count (not bind mounts of a cgroup somewhere else).
cgroup_v1_mounts() {
	awk '{
		for (i = 7; i <= NF && $i != "-"; i++) ;
		if ($(i + 1) == "cgroup" && $4 == "/") print $5, $(i + 3)
	}' /proc/self/mountinfo
}

# cgroup_v1_mount CONTROLLER -- print where the v1 hierarchy with CONTROLLER
# (or name=NAME) is mounted; fails if there is none.
cgroup_v1_mount() {
	local mp opts o
	while read -r mp opts; do
		IFS=, read -ra o <<<"$opts"
		for opts in "${o[@]}"; do
			if [ "$opts" = "$1" ]; then
				echo "$mp"
				return 0
			fi
		done
	done < <(cgroup_v1_mounts)
	return 1
}

# has_cgroup_v1 CONTROLLER -- is a v1 hierarchy with CONTROLLER mounted?
has_cgroup_v1() {
	cgroup_v1_mount "$1" >/dev/null
}

# cgroup2_mount -- print where the cgroup2 hierarchy is mounted (the first
# one); fails if there is none.
cgroup2_mount() {
	awk '{
		for (i = 7; i <= NF && $i != "-"; i++) ;
		if ($(i + 1) == "cgroup2" && $4 == "/") { print $5; found = 1; exit }
	} END { exit !found }' /proc/self/mountinfo
}

# has_cgroup2_controller CONTROLLER -- is CONTROLLER enabled on the cgroup2
# hierarchy (listed in its root's cgroup.controllers)?
has_cgroup2_controller() {
	local mp
	mp=$(cgroup2_mount) || return 1
	grep -qw -- "$1" "$mp/cgroup.controllers" 2>/dev/null
}

# cgroup_v1_controllers -- every controller (and name=NAME) of a mounted v1
# hierarchy, one per line.
cgroup_v1_controllers() {
	local mp opts o
	while read -r mp opts; do
		IFS=, read -ra o <<<"$opts"
		for opts in "${o[@]}"; do
			case $opts in
			rw | ro | relatime | noatime | nosuid | nodev | noexec | clone_children | xattr | noprefix | release_agent=* | cpuset_v2_mode | favordynmods) ;;
			*) echo "$opts" ;;
			esac
		done
	done < <(cgroup_v1_mounts)
}

# The directories of every cgroup PID belongs to, one per line.
cgroup_dirs_of_pid() {
	local line ctrls path c cs
	while IFS= read -r line; do
		# A cgroup this shell is in too is not the container's own (it
		# may be the test harness's): never offer it for killing.
		grep -qxF -- "$line" /proc/$$/cgroup && continue
		line=${line#*:}
		ctrls=${line%%:*}
		path=${line#*:}
		[ "$path" = / ] && continue
		if [ -z "$ctrls" ]; then
			c=$(cgroup2_mount) && echo "$c$path"
			continue
		fi
		IFS=, read -ra cs <<<"$ctrls"
		for c in "${cs[@]}"; do
			c=$(cgroup_v1_mount "$c") && echo "$c$path"
		done
	done <"/proc/$1/cgroup"
}

# Existing directories that a cgroup path (absolute, or relative to this
# process's own cgroup as runc treats relative paths) maps to.
cgroup_dirs_for_path() {
	local p=$1 d base line ctrl self
	[ -n "$p" ] && [ "$p" != / ] || return 0
	for d in $({
		cgroup_v1_mounts | cut -d' ' -f1
		cgroup2_mount
	} | sort -u); do
		if [[ "$p" == /* ]]; then
			[ -d "$d$p" ] && echo "$d$p"
			continue
		fi
		ctrl=${d##*/}
		self=""
		while IFS= read -r line; do
			case "$line" in
			*:"$ctrl":* | *:name="$ctrl":* | *,"$ctrl":* | *:"$ctrl",*)
				self=${line#*:*:}
				;;
			0::*) [ "$ctrl" = unified ] && self=${line#0::} ;;
			esac
		done </proc/self/cgroup
		base=${self%/}
		[ -d "$d$base/$p" ] && echo "$d$base/$p"
		[ -d "$d/$p" ] && echo "$d/$p"
	done
	return 0
}

# ---------------------------------------------------------------------------
# Misc.
# ---------------------------------------------------------------------------

fail() {
	echo "FAIL: $*" >&2
	return 1
}

# Hex capability mask (as in /proc/PID/status) for a list of cap names.
cap_mask() {
	local mask=0 name i found
	for name in "$@"; do
		found=
		for i in "${!ALL_CAPS[@]}"; do
			if [ "${ALL_CAPS[i]}" = "$name" ]; then
				mask=$((mask | (1 << i)))
				found=1
			fi
		done
		[ -n "$found" ] || fail "unknown capability $name" || return 1
	done
	printf '%016x\n' "$mask"
}

# Is the process with this pid an instance of the runtime binary?
is_runtime_process() {
	local exe comm
	exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
	comm=$(cat "/proc/$1/comm" 2>/dev/null)
	[[ "$exe" == "$RUNC" || "$exe" == *runc* || "$comm" == runc* || "$exe" == *crun* ]]
}

requires_root() {
	[ "$(id -u)" -eq 0 ] || skip "test requires root"
}

# ---------------------------------------------------------------------------
# Console socket.
# ---------------------------------------------------------------------------

# start_recvtty [--count N] -- start recvtty.py on $TESTDIR/console.sock;
# the pty output goes to $CONSOLE_OUT.  Sets CONSOLE_SOCKET.
start_recvtty() {
	CONSOLE_SOCKET=$TESTDIR/console.sock
	CONSOLE_OUT=$TESTDIR/console.out
	"$PYTHON" "$RECVTTY" "$@" "$CONSOLE_SOCKET" "$CONSOLE_OUT" \
		</dev/null >"$TESTDIR/recvtty.log" 2>&1 3>&- &
	RECVTTY_PID=$!
	track_pid "$RECVTTY_PID"
	wait_for_file "$CONSOLE_SOCKET.ready"
}

# wait_for_console TEXT [TIMEOUT] -- wait until $CONSOLE_OUT contains TEXT.
wait_for_console() {
	local text=$1 limit=${2:-10}
	local tries=$((limit * 20))
	while ((tries-- > 0)); do
		grep -qF -- "$text" "$CONSOLE_OUT" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "console output lacks '$text': $(cat "$CONSOLE_OUT" 2>/dev/null)"
}

# ---------------------------------------------------------------------------
# tests/cmd/ctrtool: a static helper binary (sd_notify, socket activation).
# ---------------------------------------------------------------------------

# build_ctrtool -- build it once per test file; sets CTRTOOL.
build_ctrtool() {
	CTRTOOL=$BATS_FILE_TMPDIR/ctrtool
	[ -x "$CTRTOOL" ] && return 0
	local go
	go=$(command -v go || echo /usr/local/go/bin/go)
	(cd "$REPO_ROOT" && CGO_ENABLED=0 "$go" build -o "$CTRTOOL" ./tests/cmd/ctrtool) ||
		fail "building tests/cmd/ctrtool failed"
}
