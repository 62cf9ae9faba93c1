#!/usr/bin/env bats
# `features`: the runtime-spec features document, checked against what the
# runtime really does.

load helpers

setup() {
	setup_busybox
	runc_split features
	[ "$status" -eq 0 ] || fail "features failed: $stderr"
	FEATURES=$output
	echo "$FEATURES" | jq -e . >/dev/null || fail "features is not JSON"
}

feat() {
	jq -r "$1" <<<"$FEATURES"
}

@test "features names the spec versions it accepts, and both run" {
	local v
	[ "$(feat .ociVersionMin)" = 1.0.0 ]
	# The maximum is the spec version --version reports.
	"$RUNC" --version | grep -qx "spec: $(feat .ociVersionMax)"
	for v in "$(feat .ociVersionMin)" "$(feat .ociVersionMax)"; do
		update_config ".ociVersion = \"$v\""
		set_cmd 'echo ok'
		runc run test_features
		[ "$status" -eq 0 ] || fail "ociVersion $v: $output"
		[ "$output" = ok ]
	done
}

@test "features lists the six hooks, and every one of them runs" {
	run feat '.hooks | join(" ")'
	[ "$output" = "prestart createRuntime createContainer startContainer poststart poststop" ]
	local h path out
	mkdir -p rootfs/hostdir
	bind_mount "$HOSTDIR" /hostdir
	for h in $(feat '.hooks[]'); do
		# startContainer runs in the container's root: its paths are the container's.
		path=$BUSYBOX_ROOTFS/bin/busybox out=$HOSTDIR
		[ "$h" = startContainer ] && path=/bin/busybox out=/hostdir
		update_config ".hooks.$h = [{path: \"$path\", args: [\"sh\", \"-c\", \"echo $h >$out/$h.log\"]}]"
	done
	runc run test_features
	[ "$status" -eq 0 ]
	for h in $(feat '.hooks[]'); do
		[ -e "$HOSTDIR/$h.log" ] || fail "$h did not run"
	done
}

@test "every mount option listed is accepted on a real mount" {
	local opt mounts="[]" n=0
	for opt in $(feat '.mountOptions[]'); do
		case $opt in
		# Bind and remount are kinds of mount, not options of a tmpfs;
		# idmap and ridmap are for bind mounts only (idmap.bats).
		bind | rbind | remount | idmap | ridmap) continue ;;
		esac
		mounts=$(jq -c --arg o "$opt" '. + [{destination: ("/m/" + $o), type: "tmpfs", source: "tmpfs", options: [$o]}]' <<<"$mounts")
		n=$((n + 1))
	done
	[ "$n" -gt 40 ]
	update_config ".mounts += $mounts"
	set_cmd 'grep -c " /m/" /proc/self/mountinfo'
	runc run test_features
	[ "$status" -eq 0 ]
	[ "$output" = "$n" ]
}

@test "every namespace listed can be made" {
	local ns json
	json=$(feat '[.linux.namespaces[] | {type: .}]')
	update_config ".linux.namespaces = $json"
	set_cmd 'for n in cgroup ipc mnt net pid time user uts; do readlink /proc/self/ns/$n; done'
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 0, size: 65536}] | .linux.gidMappings = [{containerID: 0, hostID: 0, size: 65536}]'
	runc run test_features
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 8 ]
	for ns in cgroup ipc mnt net pid time user uts; do
		grep -qx "$(readlink "/proc/self/ns/$ns")" <<<"$output" && fail "$ns namespace is the host's"
	done
	[ "$(feat '.linux.namespaces | length')" -eq 8 ]
}

@test "the capabilities listed cover the kernel's, and all can be granted" {
	local last caps ours
	last=$(cat /proc/sys/kernel/cap_last_cap)
	[ "$(feat '.linux.capabilities | length')" -gt "$last" ]
	# Every capability we hold ourselves (this machine withholds some) can
	# be kept in the container's bounding set by its listed name.
	caps=$(feat '.linux.capabilities')
	update_config ".process.capabilities = {bounding: $caps}"
	set_cmd 'grep CapBnd /proc/self/status'
	runc run test_features
	[ "$status" -eq 0 ]
	ours=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
	[ "$(awk '{print $2}' <<<"$output")" = "$ours" ]
}

@test "every seccomp action, operator and arch listed is accepted" {
	[ "$(feat .linux.seccomp.enabled)" = true ]
	local act op rules="[]" nr=0
	# Syscalls busybox never makes, one per action (KILL/TRAP on the
	# process would end it).
	local calls=(acct kexec_load swapon swapoff reboot init_module delete_module pivot_root settimeofday quotactl)
	for act in $(feat '.linux.seccomp.actions[]'); do
		[ "$act" = SCMP_ACT_ALLOW ] && continue
		# It needs a seccomp agent (seccomp-notify.bats).
		[ "$act" = SCMP_ACT_NOTIFY ] && continue
		[ "$nr" -lt "${#calls[@]}" ] || fail "more actions than test syscalls"
		rules=$(jq -c --arg a "$act" --arg s "${calls[nr]}" '. + [{names: [$s], action: $a}]' <<<"$rules")
		nr=$((nr + 1))
	done
	for op in $(feat '.linux.seccomp.operators[]'); do
		rules=$(jq -c --arg o "$op" '. + [{names: ["personality"], action: "SCMP_ACT_ERRNO", errnoRet: 38, args: [{index: 0, value: 4242, valueTwo: 4242, op: $o}]}]' <<<"$rules")
	done
	update_config ".linux.seccomp = {defaultAction: \"SCMP_ACT_ALLOW\", architectures: $(feat .linux.seccomp.archs), syscalls: $rules}"
	set_cmd 'grep Seccomp: /proc/self/status'
	runc run test_features
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" == *"Seccomp:"*2* ]]
}

@test "features says which optional parts are not there" {
	# This binary does not do Intel RDT: it must not claim it. It applies
	# AppArmor profiles and SELinux labels where the host has the module,
	# and makes idmapped mounts (idmap.bats).
	[ "$(feat .linux.apparmor.enabled)" = true ]
	[ "$(feat .linux.selinux.enabled)" = true ]
	[ "$(feat .linux.intelRdt.enabled)" = false ]
	[ "$(feat .linux.mountExtensions.idmap.enabled)" = true ]
	feat '.mountOptions[]' | grep -qx idmap
	feat '.mountOptions[]' | grep -qx ridmap
	[ "$(feat .linux.cgroup.v1)" = true ]
	[ "$(feat .linux.cgroup.v2)" = true ]
	[ "$(feat .linux.cgroup.systemd)" = true ]
}

@test "features takes no arguments" {
	runc features extra
	[ "$status" -ne 0 ]
	[[ "$output" == *"features"*"0 argument"* ]]
}

@test "features carries runc's annotations: version, commit, checkpoint" {
	local v c
	v=$("$RUNC" --version | sed -n 's/^runc version //p')
	c=$("$RUNC" --version | sed -n 's/^commit: //p')
	[ -n "$v" ]
	[ "$(feat '.annotations["org.opencontainers.runc.version"]')" = "$v" ]
	if [ "$c" != unknown ]; then
		[ "$(feat '.annotations["org.opencontainers.runc.commit"]')" = "$c" ]
	fi
	# checkpoint and restore are built in (checkpoint.bats).
	[ "$(feat '.annotations["org.opencontainers.runc.checkpoint.enabled"]')" = true ]
	[[ "$(feat '.annotations["io.github.seccomp.libseccomp.version"]')" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
}
