#!/bin/bash
# bench.sh [RUNS]
#
# Start-up cost of a container: median wall time and CPU time (user + sys of
# the runtime and every process it waited for) of
#   run         `runtime run ID` of a /bin/true container (terminal false)
#   lifecycle   `create` + `start` + `delete -f` of the same container
#               (its cpu leaves out the container's init, which no runtime
#               command waits for)
# over RUNS runs (default 30, at least 20), for our binary and, when they
# are installed, for /usr/sbin/runc and crun, printed as a table with the
# ratios ours/theirs.
#
# crun refuses hybrid cgroups, so every runtime runs in a private mount
# namespace where /sys/fs/cgroup/unified is unmounted: all of them then see
# the same cgroup v1 layout.  Each runtime gets its own --root.
#
# Environment: RUNC (ours, default <repo>/runc), REF_RUNC (default
# /usr/sbin/runc), CRUN (default: crun from PATH), RUNS.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/../.." && pwd)

RUNS=${1:-${RUNS:-30}}
if ! [[ "$RUNS" =~ ^[0-9]+$ ]] || [ "$RUNS" -lt 20 ]; then
	echo "bench.sh: RUNS must be a number >= 20 (got '$RUNS')" >&2
	exit 2
fi
WARMUP=3

OURS=${RUNC:-$REPO_ROOT/runc}
[[ "$OURS" == /* ]] || OURS=$(cd "$(dirname "$OURS")" && pwd)/$(basename "$OURS")
REF_RUNC=${REF_RUNC:-/usr/sbin/runc}
CRUN=${CRUN:-$(command -v crun || true)}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench.sh: must run as root" >&2
	exit 2
fi
[ -x "$OURS" ] || {
	echo "bench.sh: $OURS not found; run make first" >&2
	exit 2
}
for tool in jq python3 unshare; do
	command -v "$tool" >/dev/null || {
		echo "bench.sh: $tool is required" >&2
		exit 2
	}
done

# Not at the same time as the integration tests or another bench.
LOCK=${RUNC_TEST_LOCK:-/tmp/runc-tests.lock}
exec 9>"$LOCK"
if ! flock -n 9; then
	echo "# waiting for another test run to finish (lock $LOCK)" >&2
	flock 9
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/runc-bench.XXXXXX")
cleanup() {
	local r id
	for r in "$WORK"/root-*; do
		[ -d "$r" ] || continue
		for id in $(ls "$r" 2>/dev/null); do
			"$(cat "$r.bin")" --root "$r" delete -f "$id" >/dev/null 2>&1 || true
		done
	done
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# The bundle: busybox rootfs, config from our `spec`, running /bin/true.
# ociVersion 1.0.2 because crun 1.8 only accepts 1.0.x.
"$REPO_ROOT/tests/integration/build-rootfs.sh" "$WORK/bundle/rootfs"
(cd "$WORK/bundle" && "$OURS" spec)
jq '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["/bin/true"]' \
	"$WORK/bundle/config.json" >"$WORK/bundle/config.json.new"
mv "$WORK/bundle/config.json.new" "$WORK/bundle/config.json"

# The timer: runs each command of one iteration, sums wall time and the
# rusage of the waited-for runtime (which includes what it reaped).
cat >"$WORK/timer.py" <<'PY'
import json, os, statistics, sys, time

def run(argv):
    t0 = time.perf_counter_ns()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter_ns() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("command failed (%s): %s" % (status, " ".join(argv)))
    return wall / 1e6, (ru.ru_utime + ru.ru_stime) * 1e3

def main():
    runtime, root, bundle, runs, warmup = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    base = [runtime, "--root", root]
    scenarios = {
        "run": lambda i: [base + ["run", "-b", bundle, "bench-run-%d" % i]],
        "lifecycle": lambda i: [
            base + ["create", "-b", bundle, "bench-lc-%d" % i],
            base + ["start", "bench-lc-%d" % i],
            base + ["delete", "-f", "bench-lc-%d" % i],
        ],
    }
    out = {}
    for name, steps in scenarios.items():
        walls, cpus = [], []
        for i in range(warmup + runs):
            w = c = 0.0
            for argv in steps(i):
                dw, dc = run(argv)
                w += dw
                c += dc
            if i >= warmup:
                walls.append(w)
                cpus.append(c)
        out[name] = {"wall": statistics.median(walls), "cpu": statistics.median(cpus)}
    print(json.dumps(out))

main()
PY

# bench NAME BINARY -> prints a JSON line with medians, or nothing.
bench() {
	local name=$1 bin=$2 root=$WORK/root-$1
	echo "$bin" >"$root.bin"
	echo "# $name: $bin ($("$bin" --version 2>/dev/null | head -1))" >&2
	# State roots on tmpfs, as /run is on a normal host (here / is ext4,
	# whose inode allocator shows up in the profile of every create).
	mkdir -p "$root"
	unshare -m --propagation private bash -c '
		umount /sys/fs/cgroup/unified 2>/dev/null || true
		mount -t tmpfs -o mode=0711 tmpfs "$3" || exit 1
		python3 "$@"
		rc=$?
		# The tmpfs goes with this namespace: delete what a failure left.
		for id in $(ls "$3"); do "$2" --root "$3" delete -f "$id" >/dev/null 2>&1; done
		exit $rc' bench "$WORK/timer.py" "$bin" "$root" "$WORK/bundle" "$RUNS" "$WARMUP" 9>&-
}

declare -A RESULT
names=(ours)
RESULT[ours]=$(bench ours "$OURS") || {
	echo "bench.sh: our runtime failed" >&2
	exit 1
}
if [ -x "$REF_RUNC" ] && [ "$REF_RUNC" != "$OURS" ]; then
	if RESULT[runc]=$(bench runc "$REF_RUNC"); then
		names+=(runc)
	else
		echo "# runc failed; left out" >&2
	fi
fi
if [ -n "$CRUN" ] && [ -x "$CRUN" ]; then
	if RESULT[crun]=$(bench crun "$CRUN"); then
		names+=(crun)
	else
		echo "# crun failed; left out" >&2
	fi
fi

val() { jq -r ".$2.$3" <<<"${RESULT[$1]}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo
echo "Median of $RUNS runs (after $WARMUP warm-up runs), milliseconds; cpu = user + sys"
printf '%-10s %12s %12s %15s %15s\n' runtime "run wall" "run cpu" "lifecycle wall" "lifecycle cpu"
for n in "${names[@]}"; do
	printf '%-10s %12.2f %12.2f %15.2f %15.2f\n' "$n" \
		"$(val "$n" run wall)" "$(val "$n" run cpu)" \
		"$(val "$n" lifecycle wall)" "$(val "$n" lifecycle cpu)"
done
for n in "${names[@]}"; do
	[ "$n" = ours ] && continue
	printf '%-10s %12s %12s %15s %15s\n' "ours/$n" \
		"$(ratio "$(val ours run wall)" "$(val "$n" run wall)")" \
		"$(ratio "$(val ours run cpu)" "$(val "$n" run cpu)")" \
		"$(ratio "$(val ours lifecycle wall)" "$(val "$n" lifecycle wall)")" \
		"$(ratio "$(val ours lifecycle cpu)" "$(val "$n" lifecycle cpu)")"
done
