#!/bin/bash
# Shared by containerd.bats, docker.bats and podman.bats: each starts a
# client's daemon (or, for podman, its configuration) in a temporary
# directory of its own, points it at the runtime under test through a small
# wrapper that records every call, and removes everything again in
# teardown_file, also when a test failed.
#
# Load it after helpers:  load helpers; load clients
#
#   CLIENT_DIR     the file's temporary directory (short: socket paths)
#   CLIENT_RUNTIME the wrapper to give the client as its runtime binary
#   CALLS          the wrapper's log: one line per call, "rc=N ARGS..."
#   CGROUP_PARENT  cgroup (under every hierarchy) the client's containers
#                  are put in

# client_setup_file NAME COMMAND... -- make CLIENT_DIR, the wrapper and the
# image tar. Exports what the tests need (setup_file runs in a shell of its
# own). When one of the COMMANDs is missing, it only sets CLIENT_MISSING
# and the tests skip (bats 1.8 cannot skip in setup_file).
client_setup_file() {
	local name=$1 cmd
	shift
	for cmd in "$@"; do
		if ! command -v "$cmd" >/dev/null; then
			export CLIENT_MISSING="$cmd is not installed (.ci/run installs it)"
			return 0
		fi
	done
	ensure_busybox_rootfs
	CLIENT_DIR=$(mktemp -d "/tmp/ocl-$name.XXXXXX")
	chmod 0711 "$CLIENT_DIR"
	CALLS=$CLIENT_DIR/calls.log
	CLIENT_RUNTIME=$CLIENT_DIR/runtime
	CGROUP_PARENT=ocirun-test-$name-${CLIENT_DIR##*.}
	: >"$CALLS"
	# Not exec: the exit status is logged too. Clients clean the
	# environment (conmon does), so the paths are written in.
	cat >"$CLIENT_RUNTIME" <<EOF
#!/bin/bash
$(printf '%q' "$RUNC") "\$@"
rc=\$?
echo "rc=\$rc \$*" >>$(printf '%q' "$CALLS")
exit \$rc
EOF
	chmod 0755 "$CLIENT_RUNTIME"
	IMAGE=localhost/busybox:test
	IMAGE_TAR=$CLIENT_DIR/busybox.tar
	"$INTEGRATION_ROOT/make-image.sh" "$BUSYBOX_ROOTFS" "$IMAGE_TAR" "$IMAGE" ||
		fail "make-image.sh failed" || return 1
	# Host paths a client creates outside its own directories, removed in
	# teardown if they were not there before.
	HOST_PATHS_BEFORE=$CLIENT_DIR/host-paths.before
	list_host_paths >"$HOST_PATHS_BEFORE"
	CGROUP_TMPFS_BEFORE=$CLIENT_DIR/cgroup-tmpfs.before
	list_cgroup_tmpfs >"$CGROUP_TMPFS_BEFORE"
	export CLIENT_DIR CALLS CLIENT_RUNTIME CGROUP_PARENT IMAGE IMAGE_TAR HOST_PATHS_BEFORE CGROUP_TMPFS_BEFORE
}

# What is on the tmpfs at /sys/fs/cgroup itself, not in a mounted cgroup
# hierarchy: conmon (cgroupfs manager) makes plain directories with
# `tasks` files there for controllers that have no v1 hierarchy here
# (hugetlb, net_cls, net_prio, perf_event on this hybrid host).
list_cgroup_tmpfs() {
	[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] || return 0
	find /sys/fs/cgroup -xdev -mindepth 1 2>/dev/null | LC_ALL=C sort
}

# remove_cgroup_tmpfs_leftovers -- remove what appeared on that tmpfs since
# client_setup_file (the client made it: test runs are serialized), deepest
# first; nothing that was there before.
remove_cgroup_tmpfs_leftovers() {
	[ -f "${CGROUP_TMPFS_BEFORE:-}" ] || return 0
	local p
	while read -r p; do
		# Mount points are not ours to remove (rmdir refuses them anyway).
		mountpoint -q "$p" && continue
		if [ -d "$p" ] && [ ! -L "$p" ]; then
			rmdir "$p" 2>/dev/null || true
		else
			rm -f "$p"
		fi
	done < <(LC_ALL=C comm -13 "$CGROUP_TMPFS_BEFORE" <(list_cgroup_tmpfs) | LC_ALL=C sort -r)
}

# Paths outside CLIENT_DIR that the clients are known to create.
CLIENT_HOST_PATHS=(/run/containerd /run/containerd/s /run/docker /run/docker/plugins
	/run/runc /var/lib/containers /var/lib/containers/cache
	/var/lib/containers/cache/blob-info-cache-v1.boltdb)
list_host_paths() {
	local p
	for p in "${CLIENT_HOST_PATHS[@]}"; do
		[ -e "$p" ] && echo "$p"
	done
	find /run/containerd/s -mindepth 1 -maxdepth 1 2>/dev/null
	return 0
}

# client_teardown_file -- after the daemon was stopped: kill what is left
# in the clients' cgroups and everything started from CLIENT_DIR, unmount
# everything under it, remove the cgroups, new host paths and CLIENT_DIR.
client_teardown_file() {
	[ -n "${CLIENT_DIR:-}" ] && [ -d "$CLIENT_DIR" ] || return 0
	local pid d try m f
	# Processes started with CLIENT_DIR on their command line (shims,
	# conmon, the runtime) or in our cgroups (containers); frozen ones
	# are thawed first, or SIGKILL would wait.
	for d in $(client_cgroup_dirs); do
		for f in $(find "$d" -name freezer.state); do
			echo THAWED >"$f" 2>/dev/null || true
		done
		for f in $(find "$d" -name cgroup.freeze); do
			echo 0 >"$f" 2>/dev/null || true
		done
	done
	# Every container the runtime created for the client, with the state
	# root it was given (podman gives none: /run/runc), force-deleted.
	local line root id
	while read -r line; do
		root=/run/runc
		[[ "$line" =~ \ --root[\ =]([^ ]+) ]] && root=${BASH_REMATCH[1]}
		id=${line##* }
		timeout 20 "$RUNC" --root "$root" delete -f "$id" >/dev/null 2>&1 </dev/null || true
	done < <(grep -E '^rc=0 (.* )?create .* [^ ]+$' "$CALLS" 2>/dev/null)
	for try in 1 2 3; do
		for pid in $(client_pids); do
			kill -9 "$pid" 2>/dev/null || true
		done
		[ -z "$(client_pids)" ] && break
		sleep 0.2
	done
	for m in $(awk -v dir="$CLIENT_DIR" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	for d in $(client_cgroup_dirs); do
		for try in $(seq 25); do
			[ -d "$d" ] || break
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
			[ -d "$d" ] && sleep 0.02
		done
	done
	remove_cgroup_tmpfs_leftovers
	# Host paths the clients created (newest, deepest first).
	local p
	while read -r p; do
		grep -qxF "$p" "$HOST_PATHS_BEFORE" && continue
		if [ -d "$p" ]; then
			rmdir "$p" 2>/dev/null || true
		else
			rm -f "$p"
		fi
	done < <(list_host_paths | sort -r)
	if awk -v dir="$CLIENT_DIR" 'index($5, dir) == 1 {found = 1} END {exit !found}' /proc/self/mountinfo; then
		echo "teardown: mounts remain under $CLIENT_DIR; not removing it" >&2
		return 0
	fi
	rm -rf --one-file-system "$CLIENT_DIR"
}

# Pids of processes that belong to this file's client: their command line
# or environment names CLIENT_DIR, or they are in CGROUP_PARENT.
client_pids() {
	local f pid d
	for f in $(grep -lzF -- "$CLIENT_DIR" /proc/[0-9]*/cmdline 2>/dev/null); do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] || echo "$pid"
	done
	for d in $(client_cgroup_dirs); do
		find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null
	done
	return 0
}

# The directories of CGROUP_PARENT, one per hierarchy.
client_cgroup_dirs() {
	local d
	for d in /sys/fs/cgroup/*/"$CGROUP_PARENT" /sys/fs/cgroup/"$CGROUP_PARENT"; do
		[ -d "$d" ] && echo "$d"
	done
	return 0
}

# Does an overlay mount work in CLIENT_DIR? (Not on an overlay root, as in
# a container.) The clients fall back to their copying drivers when not.
overlay_works() {
	local d=$CLIENT_DIR/ovl-probe ok=1
	mkdir -p "$d/l" "$d/u" "$d/w" "$d/m"
	mount -t overlay overlay -o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w" "$d/m" 2>/dev/null && ok=0
	umount "$d/m" 2>/dev/null || true
	rm -rf "$d"
	return $ok
}

# start_daemon LOG PIDFILE CMD... -- start a daemon in its own session.
start_daemon() {
	local log=$1 pidfile=$2
	shift 2
	setsid "$@" </dev/null >"$log" 2>&1 3>&- &
	echo $! >"$pidfile"
}

# stop_daemon PIDFILE -- SIGTERM, then SIGKILL after 15s.
stop_daemon() {
	local pid tries=150
	pid=$(cat "$1" 2>/dev/null) || return 0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	while ((tries-- > 0)) && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
}

# wait_until SECONDS CMD... -- retry CMD until it succeeds.
wait_until() {
	local limit=$1 deadline
	shift
	deadline=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# Per-test set-up: TESTDIR for run_in_pty and scratch files; CALLS_FROM
# marks where this test's runtime calls start in $CALLS.
client_setup() {
	[ -z "${CLIENT_MISSING:-}" ] || skip "$CLIENT_MISSING"
	TESTDIR=$(mktemp -d "$CLIENT_DIR/t.XXXXXX")
	RUNC_CALLS=0
	CALLS_FROM=$(($(wc -l <"$CALLS") + 1))
}

client_teardown() {
	[ -n "${TESTDIR:-}" ] && rm -rf --one-file-system "$TESTDIR"
	return 0
}

# This test's runtime calls, "rc=N ARGS..." per line, without the --root
# and --log options, which are the same in every call.
test_calls() {
	tail -n +"$CALLS_FROM" "$CALLS" | sed -E 's/ --(root|log)[ =][^ ]+//g; s/ --log-format[ =]json//'
}

# assert_call REGEX -- some call of this test matched the extended regular
# expression (matched against "ARGS...", without rc=) and succeeded.
assert_call() {
	local calls
	calls=$(test_calls)
	grep -qE "^rc=0 $1" <<<"$calls" ||
		fail "no successful runtime call '$1' in: $calls"
}

# assert_calls_ok -- every runtime call of this test succeeded, and there
# was at least one.
assert_calls_ok() {
	local calls
	calls=$(test_calls)
	[ -n "$calls" ] || fail "the runtime was not called" || return 1
	! grep -vq '^rc=0 ' <<<"$calls" || fail "failed runtime calls: $(grep -v '^rc=0 ' <<<"$calls")"
}

# The host-side facts of a container's init: cgroup of a controller.
cgroup_of() {
	awk -F: -v c="$2" '$2 == c || $2 == "name=" c {print $3}' "/proc/$1/cgroup"
}

# Every global option a client passed (to check for the runc options the
# clients rely on).
assert_global_opts() {
	local calls
	calls=$(tail -n +"$CALLS_FROM" "$CALLS")
	grep -qE -- "$1" <<<"$calls" || fail "no call with '$1': $calls"
}

# start_containerd DIR [CRI_CONFIG] -- a containerd with its root, state,
# sockets and plugin directories under DIR; sets CONTAINERD_SOCK. The cri
# plugin is off, unless CRI_CONFIG is given: a function that prints its
# configuration, called with DIR and the snapshotter. Snapshots use
# overlayfs where an overlay mount works here, else native (copies),
# exported as CONTAINERD_SNAPSHOTTER for ctr.
start_containerd() {
	local d=$1 cri_config=${2:-} cri_off='"io.containerd.grpc.v1.cri", '
	[ -z "$cri_config" ] || cri_off=
	mkdir -p "$d"
	CONTAINERD_SNAPSHOTTER=native
	overlay_works && CONTAINERD_SNAPSHOTTER=overlayfs
	CONTAINERD_SOCK=$d/containerd.sock
	cat >"$d/config.toml" <<EOT
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = [${cri_off}"io.containerd.snapshotter.v1.aufs",
	"io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
	"io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
EOT
	[ -z "$cri_config" ] || "$cri_config" "$d" "$CONTAINERD_SNAPSHOTTER" >>"$d/config.toml"
	start_daemon "$d/containerd.log" "$d/containerd.pid" containerd --config "$d/config.toml"
	wait_until 30 ctr -a "$CONTAINERD_SOCK" version ||
		fail "containerd did not start: $(tail -20 "$d/containerd.log")" || return 1
	export CONTAINERD_SOCK CONTAINERD_SNAPSHOTTER
}
