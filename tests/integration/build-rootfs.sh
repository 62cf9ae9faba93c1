#!/bin/bash
# build-rootfs.sh DIR
#
# Builds a minimal root filesystem for the integration tests out of the
# host's statically linked busybox (Debian package busybox-static).  Nothing
# is downloaded or installed: the host binary is copied into DIR/bin and a
# symlink is made for every applet it reports.
#
# The result is meant to be built once per test run and copied into each
# test's bundle.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1

busybox=${BUSYBOX:-}
if [ -z "$busybox" ]; then
	for candidate in /bin/busybox /usr/bin/busybox; do
		if [ -x "$candidate" ]; then
			busybox=$candidate
			break
		fi
	done
fi
if [ -z "$busybox" ]; then
	echo "$0: busybox not found (install busybox-static)" >&2
	exit 1
fi
# A dynamically linked busybox would need the host's libc inside the rootfs.
if command -v file >/dev/null 2>&1 && file -L "$busybox" | grep -q 'dynamically linked'; then
	echo "$0: $busybox is dynamically linked; install busybox-static" >&2
	exit 1
fi

mkdir -p "$dir"
cd "$dir"

mkdir -p bin sbin usr/bin usr/sbin usr/local/bin \
	proc sys dev tmp etc root home var/run run mnt
chmod 1777 tmp
chmod 0700 root

cp "$busybox" bin/busybox
chmod 0755 bin/busybox

# Every applet gets a link in /bin, so that "/bin/<applet>" always works
# whatever the PATH is.
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] && continue
	ln -sf busybox "bin/$applet"
done

# Also place links where busybox itself says they belong (sbin, usr/bin,
# usr/sbin), when the binary supports --list-full.
if full=$("$busybox" --list-full 2>/dev/null); then
	for path in $full; do
		case "$path" in
		bin/*) continue ;; # done above
		sbin/* | usr/bin/* | usr/sbin/*) ;;
		*) continue ;;
		esac
		d=${path%/*}
		up=$(echo "$d" | sed -e 's#[^/][^/]*#..#g')
		ln -sf "$up/bin/busybox" "$path"
	done
fi

# Users and groups: root, daemon and nobody.
cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >etc/group <<'EOF'
root:x:0:
daemon:x:1:
nobody:x:65534:
EOF
chmod 0644 etc/passwd etc/group

: >etc/hosts
: >etc/resolv.conf
echo busybox >etc/hostname

# Sanity check: the shell and the few applets the tests lean on.
for f in sh sleep true false cat echo id ls mount grep; do
	if [ ! -L "bin/$f" ]; then
		echo "$0: applet $f missing from $busybox" >&2
		exit 1
	fi
done
