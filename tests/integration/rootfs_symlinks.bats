#!/usr/bin/env bats
# A root filesystem (or a volume shared with another container) that plants
# symlinks where the runtime mounts or creates things: everything must land
# inside the container's root, and the host must never be touched.
# CVE-2021-30465 (mount destinations swapped for symlinks while mounting),
# CVE-2025-52565 (/dev/console and /dev/pts).

load helpers

# A host directory that must stay as it is, with a file in it.
make_canary() {
	CANARY=$TESTDIR/canary
	mkdir -p "$CANARY"
	echo "host data" >"$CANARY/file"
	CANARY_BEFORE=$(canary_state)
}

canary_state() {
	find "$CANARY" -printf '%p %y %s %T@\n' | sort
	awk -v d="$CANARY" 'index($5, d) == 1 {print "mount " $5}' /proc/self/mountinfo
}

canary_untouched() {
	local now
	now=$(canary_state)
	[ "$now" = "$CANARY_BEFORE" ] || fail "the host directory changed: $now"
}

# The container sees the rootfs's own /dev: no tmpfs is mounted over it,
# so whatever the image put there is what the runtime finds. It gets the
# device nodes the masked paths need.
use_rootfs_dev() {
	update_config '.mounts |= map(select(.destination != "/dev"))'
	mkdir -p "$BUNDLE/rootfs/dev"
	mknod -m 666 "$BUNDLE/rootfs/dev/null" c 1 3
	mknod -m 666 "$BUNDLE/rootfs/dev/zero" c 1 5
	ln -s pts/ptmx "$BUNDLE/rootfs/dev/ptmx"
}

# ---------------------------------------------------------------------------
# /dev/console, /dev/pts, /dev/ptmx
# ---------------------------------------------------------------------------

@test "/dev/console planted as a symlink to a host file is not followed" {
	make_canary
	use_rootfs_dev
	# The host's directory is visible inside, as a volume: the console is
	# set up after pivot_root, where this is the path to it.
	bind_mount "$CANARY" /canary
	ln -s /canary/file "$BUNDLE/rootfs/dev/console"
	update_config '.process.terminal = true'
	start_recvtty
	set_cmd 'echo started; sleep 100'
	runc_split run -d --console-socket "$CONSOLE_SOCKET" test_sym
	if [ "$status" -eq 0 ]; then
		wait_for_console started
		# If it ran, /dev/console is not the volume's file.
		runc exec test_sym sh -c 'cat /canary/file; grep -c " /canary/file " /proc/self/mountinfo'
		[ "${lines[0]}" = "host data" ]
		[ "${lines[1]}" = 0 ]
	else
		[[ "$stderr" == *console* ]]
	fi
	canary_untouched
}

@test "/dev/pts planted as a symlink out of the rootfs: devpts stays inside" {
	make_canary
	use_rootfs_dev
	# Relative, with more .. than the rootfs is deep: out to the host's
	# directory, were it resolved on the host.
	ln -s "../../../../../../../../../..$CANARY" "$BUNDLE/rootfs/dev/pts"
	update_config '.process.terminal = true'
	start_recvtty
	set_cmd 'tty; echo started'
	runc_split run -d --console-socket "$CONSOLE_SOCKET" test_sym
	[ "$status" -eq 0 ]
	wait_for_console started
	# A real pty, of the devpts mounted at that path inside the rootfs.
	grep -q "^$CANARY/[0-9]" "$CONSOLE_OUT"
	[ -d "$BUNDLE/rootfs$CANARY" ]
	canary_untouched
}

@test "/dev/pts/ptmx and /dev/ptmx planted as symlinks to a host file are refused" {
	make_canary
	use_rootfs_dev
	update_config '.mounts |= map(select(.destination != "/dev/pts"))'
	bind_mount "$CANARY" /canary
	mkdir -p "$BUNDLE/rootfs/dev/pts"
	ln -s /canary/file "$BUNDLE/rootfs/dev/pts/ptmx"
	update_config '.process.terminal = true'
	start_recvtty
	set_cmd 'echo started'
	runc_split run -d --console-socket "$CONSOLE_SOCKET" test_sym
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	canary_untouched
}

# ---------------------------------------------------------------------------
# What the runtime does through /proc after pivot_root
# ---------------------------------------------------------------------------

@test "mounts inside /proc are refused, but for the files lxcfs emulates" {
	make_canary
	update_config '.mounts += [{"destination": "/proc/1/fd", "type": "bind", "source": "'"$CANARY"'", "options": ["bind"]}]'
	runc_split run test_sym
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"inside /proc"* ]]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]

	# Through a symlink of the image, too.
	ln -s /proc/1 "$BUNDLE/rootfs/p1"
	update_config '.mounts[-1].destination = "/p1/fd"'
	runc_split run test_sym
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"inside /proc"* ]]

	echo "12345.67 890.12" >"$HOSTDIR/uptime"
	update_config '.mounts[-1] = {"destination": "/proc/uptime", "type": "bind", "source": "'"$HOSTDIR"'/uptime", "options": ["bind"]}'
	set_cmd 'cat /proc/uptime'
	runc run test_sym
	[ "$status" -eq 0 ]
	[ "$output" = "12345.67 890.12" ]
	canary_untouched
}

# The image makes /proc a symlink into a volume, and fills the volume with
# a fake /proc whose fd links point at a file of the host: whatever the
# runtime opens or mounts by a /proc path after pivot_root would reach it.
@test "a fake /proc from the image does not redirect the runtime" {
	make_canary
	local vol=$TESTDIR/vol n
	mkdir -p "$vol/p/self/fd" "$vol/p/thread-self/fd" "$vol/p/1/fd"
	for n in $(seq 0 40); do
		ln -s /canary/file "$vol/p/self/fd/$n"
		ln -s /canary/file "$vol/p/thread-self/fd/$n"
		ln -s /canary/file "$vol/p/1/fd/$n"
	done
	rm -rf "$BUNDLE/rootfs/proc"
	ln -s /vol/p "$BUNDLE/rootfs/proc"
	bind_mount "$vol" /vol
	bind_mount "$CANARY" /canary
	set_cmd 'cat /canary/file'
	runc run test_sym
	echo "$output" >&2
	canary_untouched
	if [ "$status" -eq 0 ]; then
		[ "$output" = "host data" ]
	fi
}

# ---------------------------------------------------------------------------
# Mount destinations, cwd, devices
# ---------------------------------------------------------------------------

@test "mount destinations, cwd and devices through symlinks to /, /etc and .. stay in the rootfs" {
	make_canary
	local r=ocirun-test-$$-$RANDOM
	local rootfs=$BUNDLE/rootfs
	ln -s / "$rootfs/to-root"
	ln -s /etc "$rootfs/to-etc"
	ln -s "../../../../../../../../../.." "$rootfs/to-dotdot"
	ln -s "../../../../../../../../../..$CANARY" "$rootfs/to-canary"
	ln -s "$CANARY" "$rootfs/to-canary-abs"
	defer rm -rf "/$r" "/etc/$r" "$CANARY/$r"
	echo "host data" >"$HOSTDIR/payload"
	update_config '.mounts += [
		{"destination": "/to-root/'"$r"'-a", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/to-etc/'"$r"'-b", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/to-dotdot/'"$r"'-c", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/to-canary/'"$r"'-d", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/to-canary-abs/'"$r"'-e", "type": "bind", "source": "'"$HOSTDIR"'/payload", "options": ["bind"]},
		{"destination": "/to-dotdot/etc/'"$r"'-f", "type": "bind", "source": "'"$HOSTDIR"'/payload", "options": ["bind"]}
	] | .process.cwd = "/to-dotdot/'"$r"'-cwd"
	  | .linux.devices = [{"path": "/to-etc/'"$r"'-null", "type": "c", "major": 1, "minor": 3}]'
	set_cmd 'pwd; grep -c '"$r"' /proc/self/mountinfo; cat /etc/'"$r"'-f "'"$CANARY"'/'"$r"'-e"; stat -c %t:%T /etc/'"$r"'-null'
	runc run test_sym
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/$r-cwd" ]
	# Six mounts, -a to -f, all inside.
	[ "${lines[1]}" = 6 ]
	[ "${lines[2]}" = "host data" ]
	[ "${lines[3]}" = "host data" ]
	[ "${lines[4]}" = "1:3" ]
	# Made inside the rootfs, never on the host.
	[ -d "$rootfs/$r-a" ] && [ -d "$rootfs/etc/$r-b" ] && [ -d "$rootfs/$r-c" ]
	[ -d "$rootfs$CANARY/$r-d" ] && [ -f "$rootfs$CANARY/$r-e" ] && [ -f "$rootfs/etc/$r-f" ]
	[ ! -e "/$r-a" ] && [ ! -e "/etc/$r-b" ] && [ ! -e "/$r-c" ] && [ ! -e "/$r-cwd" ]
	[ ! -e "/etc/$r-f" ] && [ ! -e "/etc/$r-null" ]
	canary_untouched
}

# The attack of CVE-2021-30465: a volume the container shares with another
# one, where a directory on the way to a mount destination is swapped with
# a symlink out of the rootfs (renameat2 RENAME_EXCHANGE) over and over
# while containers start.
@test "swapping a mount destination with a symlink while mounting never reaches the host" {
	make_canary
	local vol=$TESTDIR/vol
	mkdir -p "$vol/d"
	ln -s "$CANARY" "$vol/s"
	# The swapping process: a busy loop of exchanges, until the file goes.
	touch "$TESTDIR/swapping"
	"$PYTHON" -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
a, b, flag = (os.fsencode(x) for x in sys.argv[1:4])
n = 0
while True:
    if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
        sys.exit("renameat2: %s" % os.strerror(ctypes.get_errno()))
    n += 1
    if n % 4096 == 0 and not os.path.exists(flag):
        break
print(n)
' "$vol/d" "$vol/s" "$TESTDIR/swapping" >"$TESTDIR/swaps" 2>&1 &
	local swapper=$!
	track_pid "$swapper"

	# Many mounts below the racing path, as a victim container would have.
	local mounts='{"destination": "/vol", "type": "bind", "source": "'"$vol"'", "options": ["rbind"]}' i
	for i in $(seq 1 30); do
		mounts+=', {"destination": "/vol/d/m'"$i"'", "type": "tmpfs", "source": "tmpfs"}'
		mounts+=', {"destination": "/vol/s/f'"$i"'", "type": "bind", "source": "'"$HOSTDIR"'", "options": ["bind"]}'
	done
	update_config '.mounts += ['"$mounts"']'
	set_args true
	local ok=0 failed=0
	for i in $(seq 1 25); do
		runc run test_race_$i
		if [ "$status" -eq 0 ]; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
		canary_untouched
	done
	rm -f "$TESTDIR/swapping"
	wait "$swapper" || fail "the swapping process failed: $(cat "$TESTDIR/swaps")"
	echo "runs: $ok ok, $failed failed; swaps: $(cat "$TESTDIR/swaps")" >&2
	[ "$(cat "$TESTDIR/swaps")" -gt 1000 ]
	canary_untouched
	# Nothing was created under the canary through the host's view of the
	# volume either: only the volume itself holds what the mounts made.
	[ -z "$(find "$CANARY" -mindepth 1 -not -name file)" ]
}
