#!/bin/bash
# run.sh [BATS_FILE_OR_FILTER_ARGS...]
#
# Runs the integration tests: builds the busybox root filesystem once into a
# temporary directory, runs bats under a pseudo-terminal (script(1)), and
# prints a last line "N passed, N failed[, N skipped]" counted from the TAP
# output.  Exits non-zero when a test failed or bats itself failed.
#
# Environment:
#   RUNC       runtime binary to test (default: <repo>/runc)
#   BATS       bats binary (default: bats)
#   BATS_ARGS  extra arguments for bats (e.g. "--filter kill")
#
# Arguments, if any, are .bats files (relative to this directory or
# absolute); by default every *.bats file here is run.
set -u

INTEGRATION_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$INTEGRATION_ROOT/../.." && pwd)

# shellcheck source=../runc-binary.bash
source "$REPO_ROOT/tests/runc-binary.bash"
RUNC=$(resolve_runc) || exit 2
export RUNC
BATS=${BATS:-bats}

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: the integration tests must run as root" >&2
	exit 2
fi
for tool in "$BATS" jq script python3 timeout; do
	command -v "$tool" >/dev/null || {
		echo "run.sh: $tool is required" >&2
		exit 2
	}
done

# One run at a time per machine: container ids, and so runc's default
# cgroup paths (/<id>), are the same in every run.
LOCK=${RUNC_TEST_LOCK:-/tmp/runc-tests.lock}
exec 9>"$LOCK"
if ! flock -n 9; then
	echo "# waiting for another test run to finish (lock $LOCK)"
	flock 9
fi

WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/runc-integration.XXXXXX")
cleanup() {
	rm -rf --one-file-system "$WORKDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# runtime under test: $RUNC"
"$RUNC" --version 2>&1 | sed 's/^/# /'

BUSYBOX_ROOTFS=$WORKDIR/busybox
"$INTEGRATION_ROOT/build-rootfs.sh" "$BUSYBOX_ROOTFS" || {
	echo "run.sh: building the busybox rootfs failed" >&2
	exit 2
}
touch "$BUSYBOX_ROOTFS/.complete"
export BUSYBOX_ROOTFS

files=()
if [ $# -gt 0 ]; then
	for f in "$@"; do
		[[ "$f" == /* ]] || [ -e "$f" ] || f=$INTEGRATION_ROOT/$f
		files+=("$f")
	done
else
	files=("$INTEGRATION_ROOT"/*.bats)
fi

TAP=$WORKDIR/results.tap
# bats runs under a pseudo-terminal so that tests needing one can have it.
# The TAP stream is also kept in a file to count the results; what goes
# through the pty gets \r\n line ends, which are undone for the console.
# shellcheck disable=SC2086
{
	echo 'set -o pipefail'
	printf '%q ' "$BATS" --tap ${BATS_ARGS:-} "${files[@]}"
	printf '2>&1 | tee %q\n' "$TAP"
} >"$WORKDIR/inner.sh"
start=$(date +%s)
script -qefc "bash $(printf '%q' "$WORKDIR/inner.sh")" /dev/null </dev/null 9>&- | tr -d '\r'
bats_status=${PIPESTATUS[0]}
echo "# integration tests took $(($(date +%s) - start))s"

passed=$(grep -cE '^ok [0-9]+' "$TAP" | tr -d ' ')
skipped=$(grep -cE '^ok [0-9]+ .*# [sS][kK][iI][pP]' "$TAP" | tr -d ' ')
failed=$(grep -cE '^not ok [0-9]+' "$TAP" | tr -d ' ')
passed=$((passed - skipped))
planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$TAP" | head -1)
ran=$((passed + skipped + failed))
if [ -n "$planned" ] && [ "$ran" -lt "$planned" ]; then
	# Tests that never reported (bats died, or was interrupted) count as
	# failed.
	echo "# $((planned - ran)) of $planned tests did not report" >&2
	failed=$((failed + planned - ran))
fi

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"

if [ "$failed" -gt 0 ] || [ "$bats_status" -ne 0 ] || [ "$ran" -eq 0 ]; then
	exit 1
fi
exit 0
