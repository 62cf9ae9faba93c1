# tests/runc-binary.bash -- sourced by every test and bench script that runs
# the runtime (tests/integration/run.sh and helpers.bash, tests/bench/*.sh),
# so that all of them pick the same binary the same way.
#
# resolve_runc [PATH_OR_NAME]
#   Prints the absolute path of the runtime under test: PATH_OR_NAME, else
#   $RUNC, else <repo>/runc.  A relative path is made absolute (the tests
#   change directory); a bare name is looked up in PATH.  Fails (status 1,
#   with a message on stderr naming the caller) when the result is not an
#   executable file.

_RUNC_BINARY_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

resolve_runc() {
	local want=${1:-${RUNC:-$_RUNC_BINARY_REPO/runc}} path
	case "$want" in
	/*) path=$want ;;
	*/*) path=$(cd "$(dirname "$want")" 2>/dev/null && pwd)/$(basename "$want") ;;
	*) path=$(command -v "$want") || path=$want ;;
	esac
	if [ ! -f "$path" ] || [ ! -x "$path" ]; then
		echo "$(basename "$0"): runtime binary $path is not an executable file; run make first (or set RUNC)" >&2
		return 1
	fi
	echo "$path"
}
