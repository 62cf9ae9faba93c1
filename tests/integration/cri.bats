#!/usr/bin/env bats
# The Kubernetes node path: containerd's CRI plugin (Debian's containerd,
# with its own root, state and socket) running pods through the runc shim
# with the runtime under test as the shim's BinaryName, driven by crictl
# as the kubelet would drive it. Pods use the host's network (no CNI
# plugin runs); the busybox and pause images are made locally and
# imported with `ctr -n k8s.io images import`. The pause image is busybox
# running a long sleep.
#
# This machine lacks CAP_SYS_RESOURCE, so restrict_oom_score_adj = true:
# the sandbox's oomScoreAdj of -998 could not be written (nor with runc).

load helpers
load clients

bats_require_minimum_version 1.5.0

# crictl: on PATH, or where `go install` puts it (.ci/run installs it).
find_crictl() {
	local c go gopath
	c=$(command -v crictl) && echo "$c" && return 0
	go=$(command -v go || echo /usr/local/go/bin/go)
	gopath=$("$go" env GOPATH 2>/dev/null)
	for c in "${GOBIN:-/nonexistent}/crictl" "${gopath:-/root/go}/bin/crictl"; do
		[ -x "$c" ] && echo "$c" && return 0
	done
	return 1
}

setup_file() {
	CRICTL=$(find_crictl) || {
		export CLIENT_MISSING="crictl is not installed (.ci/run installs it with go install)"
		return 0
	}
	export CRICTL
	client_setup_file cri containerd ctr containerd-shim-runc-v2 || return 1
	[ -n "${CLIENT_MISSING:-}" ] && return 0
	mkdir -p "$CLIENT_DIR/cni/conf" "$CLIENT_DIR/cni/bin" "$CLIENT_DIR/logs"
	RUNC_ROOT=$CLIENT_DIR/runc
	start_containerd "$CLIENT_DIR/containerd" write_containerd_cri_config || return 1
	local snap=$CONTAINERD_SNAPSHOTTER
	cat >"$CLIENT_DIR/crictl.yaml" <<EOF
runtime-endpoint: unix://$CONTAINERD_SOCK
image-endpoint: unix://$CONTAINERD_SOCK
timeout: 30
EOF
	PAUSE_IMAGE=localhost/pause:test
	"$INTEGRATION_ROOT/make-image.sh" "$BUSYBOX_ROOTFS" "$CLIENT_DIR/pause.tar" "$PAUSE_IMAGE" \
		'["sleep", "2147483647"]' || fail "make-image.sh (pause) failed" || return 1
	local t
	for t in "$IMAGE_TAR" "$CLIENT_DIR/pause.tar"; do
		timeout 60 ctr -a "$CONTAINERD_SOCK" -n k8s.io images import --snapshotter "$snap" "$t" >/dev/null ||
			fail "ctr images import $t failed" || return 1
	done
	export RUNC_ROOT CONTAINERD_SOCK PAUSE_IMAGE
}

# The CRI plugin's configuration (the one the README shows; start_containerd
# writes the rest), with our runtime (through the test's logging wrapper) as
# BinaryName and its CNI directories under CLIENT_DIR.
write_containerd_cri_config() {
	local snap=$2
	cat <<EOF
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:test"
  restrict_oom_score_adj = true
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    snapshotter = "$snap"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$CLIENT_RUNTIME"
        Root = "$RUNC_ROOT"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CLIENT_DIR/cni/bin"
    conf_dir = "$CLIENT_DIR/cni/conf"
EOF
}

teardown_file() {
	[ -n "${CLIENT_DIR:-}" ] || return 0
	[ -n "${CONTAINERD_SOCK:-}" ] && [ -S "$CONTAINERD_SOCK" ] && remove_all_pods
	stop_daemon "$CLIENT_DIR/containerd/containerd.pid"
	client_teardown_file
}

setup() {
	client_setup
}

teardown() {
	[ -z "${CLIENT_MISSING:-}" ] || return 0
	remove_all_pods
	client_teardown
}

# remove_all_pods -- every container, then every pod, stopped and removed.
remove_all_pods() {
	crictl_ rm -af >/dev/null 2>&1
	local p
	for p in $(crictl_ pods -q 2>/dev/null); do
		crictl_ stopp "$p" >/dev/null 2>&1
		crictl_ rmp -f "$p" >/dev/null 2>&1
	done
	return 0
}

crictl_() {
	timeout -k 5 90 "$CRICTL" --config "$CLIENT_DIR/crictl.yaml" "$@" </dev/null
}

# run_pod NAME [PID_NAMESPACE_MODE] -- a host-network pod in CGROUP_PARENT
# (pid mode 0: shared by the pod's containers, 1: per container); sets
# POD and POD_JSON.
run_pod() {
	local name=$1 pidmode=${2:-1}
	POD_JSON=$TESTDIR/pod-$name.json
	jq -n --arg name "$name" --arg logs "$CLIENT_DIR/logs/$name" --arg cg "/$CGROUP_PARENT" \
		--argjson pid "$pidmode" '{
		metadata: {name: $name, namespace: "default", uid: ("uid-" + $name), attempt: 0},
		log_directory: $logs,
		linux: {cgroup_parent: $cg,
			security_context: {namespace_options: {network: 2, pid: $pid}}}
	}' >"$POD_JSON"
	run crictl_ runp "$POD_JSON"
	[ "$status" -eq 0 ] || fail "runp: $output" || return 1
	POD=$output
}

# run_ctr NAME JQ_EXTRA CMD... -- create and start a busybox container in
# $POD running CMD (JQ_EXTRA amends the container config); sets CID.
run_ctr() {
	local name=$1 extra=$2
	shift 2
	local cfg=$TESTDIR/ctr-$name.json
	# The pod's namespace modes, as the kubelet passes them on.
	# (Not jq --args: jq would take a "-c" among them as its own option.)
	jq -n --arg name "$name" --arg image "$IMAGE" \
		--argjson cmd "$(printf '%s\n' "$@" | jq -R . | jq -s .)" \
		--argjson ns "$(jq .linux.security_context.namespace_options "$POD_JSON")" '{
		metadata: {name: $name}, image: {image: $image},
		command: $cmd, log_path: ($name + ".log"),
		linux: {security_context: {namespace_options: $ns}}
	}' | jq "$extra" >"$cfg"
	run crictl_ create "$POD" "$cfg" "$POD_JSON"
	[ "$status" -eq 0 ] || fail "create $name: $output" || return 1
	CID=$output
	run crictl_ start "$CID"
	[ "$status" -eq 0 ] || fail "start $name: $output" || return 1
}

# ctr_field CID JQ -- a field of `crictl inspect`.
ctr_field() {
	crictl_ inspect "$1" | jq -r "$2"
}

# wait_exited CID -- until the container has exited.
wait_exited() {
	WAIT_CID=$1
	wait_until 30 eval '[ "$(ctr_field "$WAIT_CID" .status.state)" = CONTAINER_EXITED ]' ||
		fail "container $1 did not exit: $(ctr_field "$1" .status.state)"
}

@test "cri: a pod and a container run; logs, exec exit codes" {
	[ -z "${CLIENT_MISSING:-}" ] || skip "$CLIENT_MISSING"
	run_pod logs
	run_ctr c1 . sh -c 'echo hello; echo oops >&2; exec sleep 1000'
	[ "$(ctr_field "$CID" .status.state)" = CONTAINER_RUNNING ]
	# The runtime under test made it, under the CRI namespace's state root.
	grep -q "create .*$CID\$" "$CALLS"
	[ "$(runtime_state "$CID" .status)" = running ]
	wait_until 10 eval 'crictl_ logs "$CID" 2>&1 | grep -q oops'
	run crictl_ logs "$CID"
	[[ "$output" == *hello* ]]
	[[ "$output" == *oops* ]]

	run crictl_ exec "$CID" sh -c 'echo in-$((6 * 7))'
	[ "$status" -eq 0 ]
	[ "$output" = in-42 ]
	# crictl reports a non-zero exit code as an error naming it.
	run crictl_ exec "$CID" sh -c 'exit 3'
	[ "$status" -ne 0 ]
	[[ "$output" == *"exit code 3"* ]]
	run crictl_ exec -s "$CID" sh -c 'exit 4'
	[ "$status" -ne 0 ]
	[[ "$output" == *"exited with 4"* ]]
	run crictl_ exec "$CID" /no/such/thing
	[ "$status" -ne 0 ]

	# A container that exits reports its code.
	run_ctr c2 . sh -c 'exit 7'
	wait_exited "$CID"
	[ "$(ctr_field "$CID" .status.exitCode)" = 7 ]
}

# runtime_state ID JQ -- our runtime's view of a container.
runtime_state() {
	"$RUNC" --root "$RUNC_ROOT/k8s.io" state "$1" 2>/dev/null | jq -r "$2"
}

@test "cri: crictl update --memory changes the limit of a running container" {
	[ -z "${CLIENT_MISSING:-}" ] || skip "$CLIENT_MISSING"
	run_pod upd
	run_ctr c1 . sleep 1000
	run crictl_ update --memory $((64 << 20)) "$CID"
	[ "$status" -eq 0 ]
	run crictl_ exec "$CID" cat /sys/fs/cgroup/memory/memory.limit_in_bytes
	[ "$status" -eq 0 ]
	[ "$output" = $((64 << 20)) ]
	[ "$(cat "/sys/fs/cgroup/memory/$CGROUP_PARENT/$CID/memory.limit_in_bytes")" = $((64 << 20)) ]
	grep -q "update .*$CID\$" "$CALLS"
	run crictl_ update --memory $((48 << 20)) "$CID"
	[ "$status" -eq 0 ]
	[ "$(cat "/sys/fs/cgroup/memory/$CGROUP_PARENT/$CID/memory.limit_in_bytes")" = $((48 << 20)) ]
}

@test "cri: a container over its memory limit is OOM-killed: OOMKilled, 137" {
	[ -z "${CLIENT_MISSING:-}" ] || skip "$CLIENT_MISSING"
	run_pod oom
	# dd allocates, then fills, a 64 MiB buffer.
	run_ctr hog '.linux.resources.memory_limit_in_bytes = 33554432' \
		dd if=/dev/zero of=/dev/null bs=64M count=1
	wait_exited "$CID"
	[ "$(ctr_field "$CID" .status.exitCode)" = 137 ] || fail "$(crictl_ inspect "$CID" | jq .status)"
	[ "$(ctr_field "$CID" .status.reason)" = OOMKilled ]
}

@test "cri: seccomp RuntimeDefault is loaded; Unconfined is not" {
	[ -z "${CLIENT_MISSING:-}" ] || skip "$CLIENT_MISSING"
	run_pod sec
	# CRI's ProfileType: 0 RuntimeDefault, 1 Unconfined, 2 Localhost.
	run_ctr unc '.linux.security_context.seccomp = {profile_type: 1}' sleep 1000
	run crictl_ exec "$CID" grep '^Seccomp:' /proc/self/status
	[[ "$output" == *"Seccomp:"*0 ]]
	run crictl_ exec "$CID" unshare -U true
	[ "$status" -eq 0 ]
	run_ctr rd '.linux.security_context.seccomp = {profile_type: 0}' sleep 1000
	run crictl_ exec "$CID" grep '^Seccomp:' /proc/self/status
	[[ "$output" == *"Seccomp:"*2 ]]
	# The default profile denies unshare(2) without CAP_SYS_ADMIN.
	run crictl_ exec "$CID" unshare -U true
	[ "$status" -ne 0 ]
	[[ "$output" == *"ermission"* || "$output" == *"not permitted"* ]]
}

@test "cri: a shared pid namespace: the pause process is pid 1, containers see each other" {
	[ -z "${CLIENT_MISSING:-}" ] || skip "$CLIENT_MISSING"
	run_pod shared 0
	run_ctr a . sleep 1001
	local a=$CID
	run_ctr b . sleep 1002
	run crictl_ exec "$CID" ps -o pid,args
	[ "$status" -eq 0 ]
	echo "$output" | grep -Eq '^ *1 +sleep 2147483647$'
	[[ "$output" == *"sleep 1001"* ]]
	[[ "$output" == *"sleep 1002"* ]]
	# The same pid namespace as the sandbox's on the host.
	local sandbox_pid pid_a
	sandbox_pid=$(crictl_ inspectp "$POD" | jq -r .info.pid)
	pid_a=$(ctr_field "$a" .info.pid)
	[ "$(readlink "/proc/$sandbox_pid/ns/pid")" = "$(readlink "/proc/$pid_a/ns/pid")" ]
	# Per container (the default), a container's own process is pid 1.
	run_pod own 1
	run_ctr c . sleep 1003
	run crictl_ exec "$CID" ps -o pid,args
	echo "$output" | grep -Eq '^ *1 +sleep 1003$' || fail "pid 1 is not the container's process: $output"
}

@test "cri: stop and remove: nothing is left behind" {
	[ -z "${CLIENT_MISSING:-}" ] || skip "$CLIENT_MISSING"
	run_pod gone
	run_ctr c1 . sleep 1000
	local cid=$CID pid sandbox_pid
	pid=$(ctr_field "$cid" .info.pid)
	sandbox_pid=$(crictl_ inspectp "$POD" | jq -r .info.pid)
	pid_alive "$pid"
	run crictl_ stop -t 2 "$cid"
	[ "$status" -eq 0 ]
	[ "$(ctr_field "$cid" .status.state)" = CONTAINER_EXITED ]
	run crictl_ rm "$cid"
	[ "$status" -eq 0 ]
	run crictl_ stopp "$POD"
	[ "$status" -eq 0 ]
	run crictl_ rmp "$POD"
	[ "$status" -eq 0 ]
	[ -z "$(crictl_ ps -aq)" ]
	[ -z "$(crictl_ pods -q)" ]
	# No process, runtime state, cgroup or mount of either is left.
	! pid_alive "$pid" || fail "container process $pid left"
	! pid_alive "$sandbox_pid" || fail "sandbox process $sandbox_pid left"
	run "$RUNC" --root "$RUNC_ROOT/k8s.io" list -q
	[ -z "$output" ]
	local d
	for d in /sys/fs/cgroup/*/"$CGROUP_PARENT"; do
		[ -d "$d" ] || continue
		[ -z "$(find "$d" -mindepth 1 -type d)" ] || fail "cgroups left in $d: $(find "$d" -mindepth 1 -type d)"
	done
	! grep -qF -e "$cid" -e "$POD" /proc/self/mountinfo || fail "mounts left: $(grep -F -e "$cid" -e "$POD" /proc/self/mountinfo)"
	# Every runtime call of this test's CRI path succeeded.
	local failed
	failed=$(tail -n "+$CALLS_FROM" "$CALLS" | grep -v '^rc=0 ' || true)
	[ -z "$failed" ] || fail "failed runtime calls: $failed"
}
