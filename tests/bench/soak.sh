#!/bin/bash
# soak.sh [CYCLES [CONCURRENT [PARALLEL]]]
#
# A soak of the runtime (not part of `make test`: minutes of work):
#   1. CYCLES (default 1000) `run -d` + `delete -f` cycles, one after the
#      other, of a container running `sleep`;
#   2. CONCURRENT (default 200) `create`s, PARALLEL (default 32) at a time,
#      then as many `delete -f`s, PARALLEL at a time.
# It prints the failures of each phase and what is left behind afterwards:
# mounts, cgroups, processes, state entries, and the change in the host's
# allocated file handles. Any failure or leftover makes it exit 1.
#
# Environment: RUNC (default <repo>/runc), BUSYBOX_ROOTFS (a busybox root
# filesystem; built with tests/integration/build-rootfs.sh if unset).
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/../.." && pwd)
CYCLES=${1:-1000}
CONCURRENT=${2:-200}
PARALLEL=${3:-32}
# shellcheck source=../runc-binary.bash
source "$REPO_ROOT/tests/runc-binary.bash"
RUNC=$(resolve_runc) || exit 2
for n in "$CYCLES" "$CONCURRENT" "$PARALLEL"; do
	[[ "$n" =~ ^[0-9]+$ ]] || { echo "soak.sh: counts must be numbers" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "soak.sh: must run as root" >&2; exit 2; }

WORK=$(mktemp -d /tmp/soak.XXXXXX)
ROOT=$WORK/state
PREFIX=soak-$$-
cleanup() {
	# Whatever is left is reported above; remove it now.
	local id
	for id in $(ls "$ROOT" 2>/dev/null); do
		"$RUNC" --root "$ROOT" delete -f "$id" >/dev/null 2>&1
	done
	find /sys/fs/cgroup -maxdepth 3 -type d -name "$PREFIX*" -exec rmdir {} \; 2>/dev/null
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

if [ -z "${BUSYBOX_ROOTFS:-}" ]; then
	BUSYBOX_ROOTFS=$WORK/rootfs
	"$REPO_ROOT/tests/integration/build-rootfs.sh" "$BUSYBOX_ROOTFS" >/dev/null 2>&1 ||
		{ echo "soak.sh: building the busybox rootfs failed" >&2; exit 2; }
fi
BUNDLE=$WORK/bundle
mkdir -p "$BUNDLE"
(cd "$BUNDLE" && "$RUNC" spec) || exit 2
jq --arg root "$BUSYBOX_ROOTFS" --arg cg "/$PREFIX" \
	'.root.path = $root | .process.terminal = false | .process.args = ["sleep", "600"] |
	 .linux.cgroupsPath = $cg' "$BUNDLE/config.json" >"$BUNDLE/c.json" &&
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"

# One config per container: each gets a cgroup named after it.
config_for() {
	local dir=$WORK/b/$1
	mkdir -p "$dir"
	jq --arg cg "/$PREFIX$1" '.linux.cgroupsPath = $cg' "$BUNDLE/config.json" >"$dir/config.json"
	echo "$dir"
}

mounts() { wc -l </proc/self/mountinfo; }
file_handles() { cut -f1 /proc/sys/fs/file-nr; }
# Processes in our cgroups, and `runc init`s whose cgroup is ours.
our_processes() {
	local f n=0
	for f in $(grep -l ":/$PREFIX" /proc/[0-9]*/cgroup 2>/dev/null); do
		f=${f%/cgroup}
		[ -e "$f/stat" ] || continue
		[ "$(awk '{print $3}' "$f/stat" 2>/dev/null)" = Z ] && continue
		[ -n "${SOAK_VERBOSE:-}" ] && echo "  left: ${f#/proc/} $(tr '\0' ' ' <"$f/cmdline")" >&2
		n=$((n + 1))
	done
	echo "$n"
}
our_cgroups() {
	find /sys/fs/cgroup -maxdepth 3 -type d -name "$PREFIX*" 2>/dev/null | wc -l
}

mounts0=$(mounts)
handles0=$(file_handles)
echo "soak: $CYCLES run/delete cycles, then $CONCURRENT creates ($PARALLEL at a time); runtime $RUNC"

# Phase 1.
fail1=0
start=$SECONDS
for i in $(seq "$CYCLES"); do
	id=c$((i % 4))
	b=$(config_for "$id")
	if ! "$RUNC" --root "$ROOT" run -d -b "$b" "$id" </dev/null >"$WORK/out" 2>&1; then
		fail1=$((fail1 + 1))
		[ "$fail1" -le 5 ] && echo "  run -d $id (cycle $i): $(tail -1 "$WORK/out")"
	fi
	if ! "$RUNC" --root "$ROOT" delete -f "$id" </dev/null >"$WORK/out" 2>&1; then
		fail1=$((fail1 + 1))
		[ "$fail1" -le 5 ] && echo "  delete -f $id (cycle $i): $(tail -1 "$WORK/out")"
	fi
done
echo "phase 1: $CYCLES cycles in $((SECONDS - start))s, $fail1 failures"

# Phase 2.
start=$SECONDS
for i in $(seq "$CONCURRENT"); do config_for "p$i" >/dev/null; done
export RUNC ROOT WORK
seq "$CONCURRENT" | xargs -P "$PARALLEL" -I{} sh -c \
	'"$RUNC" --root "$ROOT" create -b "$WORK/b/p{}" p{} </dev/null >"$WORK/create.{}" 2>&1 || echo fail >"$WORK/fail.create.{}"'
fail2c=$(ls "$WORK" | grep -c '^fail\.create\.')
created=$("$RUNC" --root "$ROOT" list -q 2>/dev/null | wc -l)
seq "$CONCURRENT" | xargs -P "$PARALLEL" -I{} sh -c \
	'"$RUNC" --root "$ROOT" delete -f p{} </dev/null >"$WORK/delete.{}" 2>&1 || echo fail >"$WORK/fail.delete.{}"'
fail2d=$(ls "$WORK" | grep -c '^fail\.delete\.')
for f in $(ls "$WORK" | grep '^fail\.create\.' | head -5); do
	echo "  create p${f##*.}: $(tail -1 "$WORK/create.${f##*.}")"
done
echo "phase 2: $CONCURRENT creates ($created listed) and deletes in $((SECONDS - start))s, $fail2c create and $fail2d delete failures"

# What is left.
sleep 1
left_mounts=$(($(mounts) - mounts0))
left_cgroups=$(our_cgroups)
left_procs=$(our_processes)
left_state=$(ls "$ROOT" 2>/dev/null | wc -l)
handles=$(($(file_handles) - handles0))
echo "left behind: mounts $left_mounts, cgroups $left_cgroups, processes $left_procs, state entries $left_state"
echo "file handles allocated on the host: $handles more than before (other activity on the host counts too)"
failures=$((fail1 + fail2c + fail2d))
if [ "$failures" -ne 0 ] || [ "$left_mounts" -gt 0 ] || [ "$left_cgroups" -ne 0 ] ||
	[ "$left_procs" -ne 0 ] || [ "$left_state" -ne 0 ]; then
	echo "soak: FAILED"
	exit 1
fi
echo "soak: ok"
