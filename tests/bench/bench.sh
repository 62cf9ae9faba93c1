#!/bin/bash
# bench.sh [RUNS]
#
# Start-up cost of a container, ours side by side with /usr/sbin/runc and
# crun when they are installed.  Scenarios (a busybox bundle):
#   run         `run ID` of a /bin/true container (terminal false)
#   lifecycle   `create` + `start` + `delete -f` of the same container
#               (its cpu leaves out the container's init, which no runtime
#               command waits for)
#   exec        `exec ID true` into a running container
#   list        `list` with 1,000 created containers in the state root
#   run-d x50   50 `run -d` of a sleeping container, 16 at a time (wall of
#               the whole batch; cpu summed over the 50 runtime calls)
# Medians over RUNS runs (default 30, at least 20; the batch scenarios run
# fewer rounds, see below).  The runtimes ALTERNATE within every iteration
# (ours, runc, crun, ours, ...) so that a noisy neighbour or a frequency
# change hits all of them alike.  cpu = user + sys of the runtime and every
# process it waited for.  Also printed: peak RSS of the runtime process
# (ru_maxrss of `run`, which covers what it waited for) and of the
# container's init while it waits for `start` (VmHWM of `runc init`).
#
# crun refuses hybrid cgroups, so the whole bench runs in a private mount
# namespace where /sys/fs/cgroup/unified is unmounted: every runtime sees the
# same cgroup v1 layout.  Each runtime gets its own --root on a tmpfs.
#
# Environment: RUNC (ours, default <repo>/runc), REF_RUNC (default
# /usr/sbin/runc), CRUN (default: crun from PATH), RUNS, LIST_N (default
# 1000), BATCH_N (default 50), BATCH_PAR (default 16).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/../.." && pwd)

RUNS=${1:-${RUNS:-30}}
if ! [[ "$RUNS" =~ ^[0-9]+$ ]] || [ "$RUNS" -lt 20 ]; then
	echo "bench.sh: RUNS must be a number >= 20 (got '$RUNS')" >&2
	exit 2
fi
LIST_N=${LIST_N:-1000}
BATCH_N=${BATCH_N:-50}
BATCH_PAR=${BATCH_PAR:-16}

# shellcheck source=../runc-binary.bash
source "$REPO_ROOT/tests/runc-binary.bash"
OURS=$(resolve_runc) || exit 2
REF_RUNC=${REF_RUNC:-/usr/sbin/runc}
CRUN=${CRUN:-$(command -v crun || true)}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench.sh: must run as root" >&2
	exit 2
fi
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
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# The bundles: busybox rootfs, config from our `spec`; one runs /bin/true,
# one sleeps (for exec, list and run -d).  ociVersion 1.0.2 because crun 1.8
# only accepts 1.0.x.
"$REPO_ROOT/tests/integration/build-rootfs.sh" "$WORK/rootfs"
(cd "$WORK" && "$OURS" spec && mv config.json base.json)
# Both share one rootfs, given by absolute path (runc refuses a symlink).
for b in true sleep; do
	mkdir "$WORK/$b"
done
jq --arg root "$WORK/rootfs" '.ociVersion = "1.0.2" | .root.path = $root | .process.terminal = false | .process.args = ["/bin/true"]' \
	"$WORK/base.json" >"$WORK/true/config.json"
jq --arg root "$WORK/rootfs" '.ociVersion = "1.0.2" | .root.path = $root | .process.terminal = false | .process.args = ["/bin/sleep", "3600"]' \
	"$WORK/base.json" >"$WORK/sleep/config.json"

# Peak RSS of a runtime call: ru_maxrss of a child forked by a small static
# launcher (a child forked by python would carry python's high-water mark
# through its execve).
cat >"$WORK/maxrss.c" <<'C'
#include <stdio.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
int main(int argc, char **argv)
{
	struct rusage ru;
	int st;
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &st, 0, &ru) < 0)
		return 126;
	printf("%ld\n", ru.ru_maxrss);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 125;
}
C
gcc -O2 -static -o "$WORK/maxrss" "$WORK/maxrss.c"

runtimes=(ours "$OURS")
if [ -x "$REF_RUNC" ] && [ "$REF_RUNC" != "$OURS" ]; then
	runtimes+=(runc "$REF_RUNC")
fi
if [ -n "$CRUN" ] && [ -x "$CRUN" ]; then
	runtimes+=(crun "$CRUN")
fi
for ((i = 0; i < ${#runtimes[@]}; i += 2)); do
	echo "# ${runtimes[i]}: ${runtimes[i + 1]} ($("${runtimes[i + 1]}" --version 2>/dev/null | head -1))" >&2
done

# Everything runs in one private mount namespace; the state roots are on a
# tmpfs there (as /run is on a normal host), so they vanish with it.  The
# timer deletes every container it made, also on failure.
unshare -m --propagation private bash -c '
	umount /sys/fs/cgroup/unified 2>/dev/null || true
	mkdir "$1/roots" && mount -t tmpfs -o mode=0711 tmpfs "$1/roots" || exit 1
	exec python3 - "$@"' bench "$WORK" "$RUNS" "$LIST_N" "$BATCH_N" "$BATCH_PAR" \
	"${runtimes[@]}" 9>&- <<'PY' >"$WORK/result.json"
import json, os, statistics, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor

work, runs, list_n, batch_n, batch_par = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rt = sys.argv[6:]
names = rt[0::2]
bins = dict(zip(rt[0::2], rt[1::2]))
roots = {n: os.path.join(work, "roots", n) for n in names}
for r in roots.values():
    os.mkdir(r)
WARMUP = 3
BTRUE, BSLEEP = os.path.join(work, "true"), os.path.join(work, "sleep")
devnull = os.open(os.devnull, os.O_RDWR)

def log(*a):
    print("#", *a, file=sys.stderr, flush=True)

def run(argv, check=True):
    """Runs argv with stdio on /dev/null; returns (wall ms, cpu ms, maxrss KiB)."""
    t0 = time.perf_counter_ns()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(devnull, 0); os.dup2(devnull, 1); os.dup2(devnull, 2)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = (time.perf_counter_ns() - t0) / 1e6
    if check and os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("command failed (%s): %s" % (status, " ".join(argv)))
    return wall, (ru.ru_utime + ru.ru_stime) * 1e3, ru.ru_maxrss

def rc(n, *args):
    return [bins[n], "--root", roots[n]] + list(args)

def init_pid(n, cid):
    out = subprocess.run(rc(n, "state", cid), capture_output=True, check=True).stdout
    return json.loads(out)["pid"]

def vmhwm(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0

def cleanup_all():
    for n in names:
        for cid in os.listdir(roots[n]):
            run(rc(n, "delete", "-f", cid), check=False)

res = {n: {} for n in names}
def add(n, scen, key, v):
    res[n].setdefault(scen, {}).setdefault(key, []).append(v)

try:
    # run, lifecycle, exec: alternating, RUNS rounds after WARMUP.
    for n in names:
        run(rc(n, "run", "-d", "-b", BSLEEP, "bench-exec"))
    for i in range(WARMUP + runs):
        keep = i >= WARMUP
        for n in names:
            w, c, rss = run(rc(n, "run", "-b", BTRUE, "bench-run-%d" % i))
            if keep:
                add(n, "run", "wall", w); add(n, "run", "cpu", c)
            cid = "bench-lc-%d" % i
            w1, c1, _ = run(rc(n, "create", "-b", BTRUE, cid))
            hwm = vmhwm(init_pid(n, cid))
            w2, c2, _ = run(rc(n, "start", cid))
            w3, c3, _ = run(rc(n, "delete", "-f", cid))
            if keep:
                add(n, "lifecycle", "wall", w1 + w2 + w3); add(n, "lifecycle", "cpu", c1 + c2 + c3)
                add(n, "rss", "init", hwm)
            w, c, _ = run(rc(n, "exec", "bench-exec", "/bin/true"))
            if keep:
                add(n, "exec", "wall", w); add(n, "exec", "cpu", c)
    for n in names:
        run(rc(n, "delete", "-f", "bench-exec"))
    # Peak RSS of `run` (the runtime and what it waited for), untimed.
    for i in range(5):
        for n in names:
            out = subprocess.run([os.path.join(work, "maxrss")] + rc(n, "run", "-b", BTRUE, "bench-rss-%d" % i),
                                 stdin=devnull, stdout=subprocess.PIPE, stderr=devnull, check=True).stdout
            add(n, "rss", "runtime", int(out.split()[-1]))
    log("run, lifecycle, exec done")

    # run -d of BATCH_N sleeping containers, BATCH_PAR at a time.
    def batch(n, r):
        ids = ["bench-b%d-%d" % (r, k) for k in range(batch_n)]
        t0 = time.perf_counter_ns()
        with ThreadPoolExecutor(max_workers=batch_par) as ex:
            outs = list(ex.map(lambda cid: run(rc(n, "run", "-d", "-b", BSLEEP, cid)), ids))
        wall = (time.perf_counter_ns() - t0) / 1e6
        for cid in ids:
            run(rc(n, "delete", "-f", cid))
        return wall, sum(o[1] for o in outs)
    brounds = max(5, runs // 6)
    for r in range(1 + brounds):
        for n in names:
            w, c = batch(n, r)
            if r >= 1:
                add(n, "batch", "wall", w); add(n, "batch", "cpu", c)
    log("run -d batch done")

    # list with LIST_N created containers: one runtime at a time (the
    # waiting inits of three runtimes at once would need gigabytes).
    for n in names:
        with ThreadPoolExecutor(max_workers=4) as ex:
            list(ex.map(lambda k: run(rc(n, "create", "-b", BSLEEP, "bench-l-%d" % k)), range(list_n)))
        for i in range(WARMUP + runs // 2):
            w, c, _ = run(rc(n, "list"))
            if i >= WARMUP:
                add(n, "list", "wall", w); add(n, "list", "cpu", c)
        with ThreadPoolExecutor(max_workers=4) as ex:
            list(ex.map(lambda k: run(rc(n, "delete", "-f", "bench-l-%d" % k), check=False), range(list_n)))
        log("%s: list with %d containers done" % (n, list_n))
finally:
    cleanup_all()

out = {n: {s: {k: statistics.median(v) for k, v in d.items()} for s, d in sc.items()} for n, sc in res.items()}
out["_meta"] = {"runs": runs, "batch_rounds": brounds, "list_n": list_n, "batch_n": batch_n, "batch_par": batch_par}
print(json.dumps(out))
PY

R=$WORK/result.json
[ -s "$R" ] || {
	echo "bench.sh: the bench failed" >&2
	exit 1
}
names=$(jq -r 'keys_unsorted[] | select(. != "_meta")' "$R")
val() { jq -r ".$1.$2.$3" "$R"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

cols=("run wall" "run cpu" "lc wall" "lc cpu" "exec wall" "exec cpu" "list wall" "run-d x$BATCH_N wall" "run-d cpu" "rss rt KiB" "rss init KiB")
keys=("run wall" "run cpu" "lifecycle wall" "lifecycle cpu" "exec wall" "exec cpu" "list wall" "batch wall" "batch cpu" "rss runtime" "rss init")

echo
echo "Medians of $RUNS alternating runs (batch: $(jq -r ._meta.batch_rounds "$R") rounds of $BATCH_N run -d, $BATCH_PAR at a time;"
echo "list: $((RUNS / 2)) runs with $LIST_N created containers, one runtime at a time); milliseconds, cpu = user + sys; rss = peak KiB"
printf '%-10s' runtime
for c in "${cols[@]}"; do printf ' %11s' "${c:0:11}"; done
echo
for n in $names; do
	printf '%-10s' "$n"
	for k in "${keys[@]}"; do printf ' %11.1f' "$(val "$n" "${k% *}" "${k#* }")"; done
	echo
done
for n in $names; do
	[ "$n" = ours ] && continue
	printf '%-10s' "ours/$n"
	for k in "${keys[@]}"; do
		printf ' %11s' "$(ratio "$(val ours "${k% *}" "${k#* }")" "$(val "$n" "${k% *}" "${k#* }")")"
	done
	echo
done
