#!/bin/bash
# Install CRIU for the checkpoint/restore tests without touching the system.
#
# Debian 12's criu (3.17) cannot dump on recent kernels ("Failed to fill self
# vdso symtable"); Debian 13's 4.1.1 can.  This script takes criu and the
# libraries it links against from Debian 13 (trixie):
#
#   - a trixie source entry lives in an apt configuration of its own under
#     $CRIU_DIR/apt (the system's apt never sees it), and is pinned to -1
#     there as well, so nothing is ever installed from it: it is only used
#     by `apt-get download`;
#   - the .deb files are unpacked with `dpkg -x` into $CRIU_DIR/root;
#   - $CRIU_BIN (default /usr/local/sbin/criu, on root's PATH, where runc and
#     podman look for `criu`) is a small wrapper that starts trixie's criu
#     with trixie's own dynamic loader and libraries.
#
# Nothing on the system is installed or upgraded.  Running it again is cheap:
# an existing working installation is kept.
#
# Usage: tests/install-criu.sh [--force]
set -euo pipefail

CRIU_DIR=${CRIU_DIR:-/opt/criu-trixie}
CRIU_BIN=${CRIU_BIN:-/usr/local/sbin/criu}
MIRROR=${CRIU_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie

if [ "${1:-}" != --force ] && [ -x "$CRIU_BIN" ] && "$CRIU_BIN" check >/dev/null 2>&1; then
	echo "criu: $("$CRIU_BIN" --version | head -1) already installed as $CRIU_BIN"
	exit 0
fi

apt_dir=$CRIU_DIR/apt
mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,sources.list.d,preferences.d} "$CRIU_DIR/debs"
cat >"$apt_dir/sources.list.d/$SUITE.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: $SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
cat >"$apt_dir/preferences.d/$SUITE" <<PIN
# Only ever used by apt-get download in tests/install-criu.sh.
Package: *
Pin: release n=$SUITE
Pin-Priority: -1
PIN

# The private apt configuration: its own sources, pins, lists and cache, and
# an empty dpkg status, so that dependency closures are complete.
apt_opts=(
	-o "Dir::Etc::SourceList=/dev/null"
	-o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
	-o "Dir::Etc::Preferences=/dev/null"
	-o "Dir::Etc::PreferencesParts=$apt_dir/preferences.d"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::Cache=$apt_dir/cache"
	-o "Dir::State::status=/dev/null"
	-o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" -q update

# criu and everything it depends on, recursively (libc6 included: the
# binary needs trixie's glibc).  Virtual packages are printed as <name>.
# The pin hides candidates, so this query reads no pins.
mapfile -t pkgs < <(
	apt-cache "${apt_opts[@]}" -o "Dir::Etc::PreferencesParts=/dev/null" depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances criu |
		grep -v -e '^ ' -e '^<' | sort -u
)
[ "${#pkgs[@]}" -gt 1 ] || {
	echo "criu: no dependencies of criu found in $SUITE" >&2
	exit 1
}
echo "criu: downloading ${pkgs[*]}"
rm -rf "$CRIU_DIR/debs" "$CRIU_DIR/root.new"
mkdir -p "$CRIU_DIR/debs" "$CRIU_DIR/root.new"
(cd "$CRIU_DIR/debs" && apt-get "${apt_opts[@]}" -q download "${pkgs[@]/%//$SUITE}")
for deb in "$CRIU_DIR"/debs/*.deb; do
	dpkg -x "$deb" "$CRIU_DIR/root.new"
done
rm -rf "$CRIU_DIR/root"
mv "$CRIU_DIR/root.new" "$CRIU_DIR/root"

root=$CRIU_DIR/root
loader=$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
[ -x "$loader" ] && [ -x "$root/usr/sbin/criu" ] || {
	echo "criu: unpacked packages lack $loader or usr/sbin/criu" >&2
	exit 1
}

# The wrapper execs, so criu keeps the pid and the file descriptors of its
# caller (go-criu starts `criu swrk FD`).
mkdir -p "$(dirname "$CRIU_BIN")"
tmp=$CRIU_BIN.new.$$
cat >"$tmp" <<WRAP
#!/bin/sh
# criu from Debian 13, unpacked in $root by tests/install-criu.sh.
exec $loader --library-path $root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu $root/usr/sbin/criu "\$@"
WRAP
chmod 0755 "$tmp"
mv "$tmp" "$CRIU_BIN"

"$CRIU_BIN" --version
out=$("$CRIU_BIN" check 2>&1) || true
echo "$out"
case $out in
*"Looks good"*) ;;
*)
	echo "criu: '$CRIU_BIN check' does not say 'Looks good'" >&2
	exit 1
	;;
esac
