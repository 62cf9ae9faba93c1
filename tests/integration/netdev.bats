#!/usr/bin/env bats
# linux.netDevices: host network interfaces moved into the container's
# network namespace (new, or given by path), with veth pairs (this kernel
# has no dummy module). And the tutorial's exercise: limits, one
# capability, a seccomp filter and a veth end to reach the host.

load helpers

setup() {
	setup_busybox
	[ "$(id -u)" -eq 0 ] || skip "test requires root"
	# Names unique to this test and this run (at most 15 bytes).
	ND=nd${BATS_TEST_NUMBER}x$(($$ % 100000))
	# A /24 of its own for the host's side.
	NET=10.$((100 + BATS_TEST_NUMBER)).$(($$ % 250))
}

# new_veth: a veth pair, $VIN (for the container) and $VHOST (stays on the
# host); both are removed in teardown wherever they are.
new_veth() {
	VIN=${ND}i
	VHOST=${ND}h
	ip link add "$VIN" type veth peer name "$VHOST"
	defer "ip link del '$VHOST'"
	defer "ip link del '$VIN'"
}

# new_netns: a precreated network namespace, $NETNS at /var/run/netns/$NETNS.
new_netns() {
	NETNS=${ND}n
	ip netns add "$NETNS"
	defer "ip netns del '$NETNS'"
}

net_devices() {
	update_config ".linux.netDevices = $1"
}

# wait_gone DEV: the kernel cleans a network namespace up asynchronously.
wait_gone() {
	local i
	for i in $(seq 100); do
		ip link show "$1" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	fail "$1 is still on the host"
}

@test "features lists netDevices" {
	runc_split features
	[ "$status" -eq 0 ]
	[ "$(jq -r '.linux.netDevices.enabled' <<<"$output")" = true ]
}

@test "a veth end moves into a new network namespace with its global addresses, MTU and MAC, renamed" {
	new_veth
	ip link set "$VIN" mtu 1400 address 02:00:5e:10:20:30
	ip addr add "$NET.2/24" dev "$VIN"
	ip addr add 2001:db8:77::2/64 dev "$VIN" nodad
	# Not of global scope: stays behind.
	ip addr add fe80::1234/64 dev "$VIN" nodad
	ip addr add "$NET.1/24" dev "$VHOST"
	ip link set "$VHOST" up
	net_devices '{"'"$VIN"'": {"name": "ctr0"}}'
	set_args sleep 100
	runc run -d test_nd
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_nd)
	# From the host: gone from its namespace, in the container's.
	! ip link show "$VIN" || fail "negated check failed (netdev.bats:71)"
	nsenter -t "$pid" -n ip link show ctr0
	runc exec test_nd sh -c 'ip -o link show ctr0; ip -o addr show dev ctr0; ip -o link show | wc -l; nc -w 2 '"$NET.1"' 1 </dev/null; echo reached; ip neigh show '"$NET.1"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"mtu 1400"* ]]
	[[ "${lines[0]}" == *"link/ether 02:00:5e:10:20:30"* ]]
	[[ "${lines[0]}" == *"UP"* ]]
	grep -q "inet $NET.2/24 .*scope global ctr0" <<<"$output"
	grep -q "inet6 2001:db8:77::2/64 scope global" <<<"$output"
	! grep -q "fe80::1234" <<<"$output" || fail "negated check failed (netdev.bats:80)"
	# lo and ctr0 only.
	grep -qx 2 <<<"$output"
	# The host's end answered ARP: the link works.
	[[ "$output" == *"$NET.1 dev ctr0 lladdr"* ]]

	# A veth cannot go back: the kernel destroys it (and its peer) with the
	# namespace.
	runc delete -f test_nd
	[ "$status" -eq 0 ]
	wait_gone "$VHOST"
	! ip link show "$VIN" || fail "negated check failed (netdev.bats:91)"
	! ip link show ctr0 || fail "negated check failed (netdev.bats:92)"
	[ ! -e "$ROOT/test_nd" ]
}

@test "a veth end moves into a precreated network namespace given by path, and stays there" {
	new_veth
	new_netns
	ip addr add "$NET.2/24" dev "$VIN"
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "/var/run/netns/'"$NETNS"'" else . end)'
	net_devices '{"'"$VIN"'": {}}'
	set_cmd "ip -o addr show dev $VIN; ip -o link show $VIN"
	runc run test_nd
	[ "$status" -eq 0 ]
	grep -q "inet $NET.2/24 .*scope global $VIN" <<<"$output"
	[[ "${lines[-1]}" == *"UP"* ]]
	# The container is gone; the namespace and the device in it remain.
	[ -z "$(__runc list -q)" ]
	ip -n "$NETNS" link show "$VIN"
	! ip link show "$VIN" || fail "negated check failed (netdev.bats:110)"
	# Its peer on the host lives on too.
	ip link show "$VHOST"
}

@test "a name template with %d is filled in by the kernel inside the namespace" {
	new_veth
	new_netns
	# ctr0 is taken in the precreated namespace: the device becomes ctr1.
	ip -n "$NETNS" link add ctr0 type veth peer name other0
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "/var/run/netns/'"$NETNS"'" else . end)'
	net_devices '{"'"$VIN"'": {"name": "ctr%d"}}'
	set_cmd 'ls /sys/class/net | sort | tr "\n" " "'
	runc run test_nd
	[ "$status" -eq 0 ]
	[ "$output" = "ctr0 ctr1 lo other0 " ]
	ip -n "$NETNS" link show ctr1
	! ip link show "$VIN"
}

@test "refused before anything is made: a device the host does not have" {
	net_devices '{"'"$ND"'nosuch": {}}'
	runc run test_nd
	[ "$status" -ne 0 ]
	[[ "$output" == *"network device ${ND}nosuch: not found on the host"* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "refused before anything is made: a name taken inside the namespace" {
	new_veth
	new_netns
	# The precreated namespace already has a device called taken0.
	ip -n "$NETNS" link add taken0 type veth peer name taken1
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "/var/run/netns/'"$NETNS"'" else . end)'
	net_devices '{"'"$VIN"'": {"name": "taken0"}}'
	runc run test_nd
	[ "$status" -ne 0 ]
	[[ "$output" == *"a device named taken0 already exists in the container's network namespace"* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	ip link show "$VIN"

	# A new namespace has lo.
	remove_namespace network
	update_config '.linux.namespaces += [{type: "network"}]'
	net_devices '{"'"$VIN"'": {"name": "lo"}}'
	runc run test_nd
	[ "$status" -ne 0 ]
	[[ "$output" == *"a device named lo already exists"* ]]
	[ "${#lines[@]}" -eq 1 ]
	ip link show "$VIN"

	# Two devices may not get the same name.
	net_devices '{"'"$VIN"'": {"name": "same0"}, "'"$VHOST"'": {"name": "same0"}}'
	runc run test_nd
	[ "$status" -ne 0 ]
	[[ "$output" == *"would both be named same0"* ]]
	[ "${#lines[@]}" -eq 1 ]
	ip link show "$VIN"
	ip link show "$VHOST"
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "refused before anything is made: no network namespace of the container's own" {
	new_veth
	remove_namespace network
	net_devices '{"'"$VIN"'": {}}'
	runc run test_nd
	[ "$status" -ne 0 ]
	[[ "$output" == *"unable to move network devices without a private NET namespace"* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	ip link show "$VIN"

	# The host's own namespace, given by path, is not the container's.
	update_config '.linux.namespaces += [{type: "network", path: "/proc/self/ns/net"}]'
	runc run test_nd
	[ "$status" -ne 0 ]
	[[ "$output" == *"unable to move network devices without a private NET namespace (/proc/self/ns/net is the runtime's own)"* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	ip link show "$VIN"
}

@test "refused before anything is made: invalid names" {
	new_veth
	local bad
	for bad in 'bad/name' 'a:b' 'has space' 'waytoolongname16' '..'; do
		net_devices '{"'"$VIN"'": {"name": "'"$bad"'"}}'
		runc run test_nd
		[ "$status" -ne 0 ]
		[[ "$output" == *"invalid network device name \\\"$bad\\\""* ]] || fail "$bad: $output"
		[ "${#lines[@]}" -eq 1 ]
	done
	net_devices '{"bad/host": {}}'
	runc run test_nd
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid network device name"* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	ip link show "$VIN"
}

# The tutorial's exercise (see README, "Worked example"): 1 GB of memory,
# 100 pids, only CAP_NET_BIND_SERVICE, mkdir denied with EPERM, and one end
# of a veth pair to reach the host.
@test "tutorial exercise: limits, one capability, seccomp and a veth to the host" {
	new_veth
	ip addr add "$NET.1/24" dev "$VHOST"
	ip link set "$VHOST" up
	ip addr add "$NET.2/24" dev "$VIN"
	local caps='["CAP_NET_BIND_SERVICE"]'
	update_config '.linux.resources.memory = {limit: 1073741824}
		| .linux.resources.pids = {limit: 100}
		| .process.capabilities = {bounding: '"$caps"', effective: '"$caps"', permitted: '"$caps"'}
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
			syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}
		| .linux.netDevices = {"'"$VIN"'": {"name": "eth0"}}'
	# A listener on the host, on every address: the container reaches it
	# through the host's end of the pair.
	local port=$((20000 + $$ % 20000))
	/bin/busybox nc -l -p "$port" >"$TESTDIR/received" &
	track_pid $!
	set_args sleep 1000
	runc run -d test_tutorial
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid test_tutorial)
	runc exec test_tutorial sh -c '
		cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max
		cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max
		grep CapEff /proc/self/status
		mkdir /tmp/x 2>&1; echo "mkdir=$?"
		ip -o -4 addr show dev eth0
		echo hello-from-container | nc -w 5 '"$NET.1 $port"'; echo "nc=$?"'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1073741824 ]
	[ "${lines[1]}" = 100 ]
	[[ "${lines[2]}" == *"0000000000000400" ]]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *"mkdir=1"* ]]
	grep -q "inet $NET.2/24 .*scope global eth0" <<<"$output"
	[[ "$output" == *"nc=0"* ]]

	# From the host.
	local i
	for i in $(seq 50); do
		[ -s "$TESTDIR/received" ] && break
		sleep 0.1
	done
	[ "$(cat "$TESTDIR/received")" = hello-from-container ]
	local mem pids
	mem=$(cgroup_dirs_of_pid "$pid" | grep '/memory/' | head -1)
	pids=$(cgroup_dirs_of_pid "$pid" | grep '/pids/' | head -1)
	[ "$(cat "$mem/memory.limit_in_bytes")" = 1073741824 ]
	[ "$(cat "$pids/pids.max")" = 100 ]
	[ "$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")" = 0000000000000400 ]
	grep -qE '^Seccomp:\s+2' "/proc/$pid/status"
	! ip link show "$VIN" || fail "the host end stayed on the host"
	nsenter -t "$pid" -n ip link show eth0
}
