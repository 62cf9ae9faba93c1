#!/bin/bash
# make-image.sh ROOTFS OUT.tar NAME [CMD_JSON]
#
# Packs a root filesystem directory into an image archive that the clients'
# "load"/"import" commands accept without a registry: an OCI image layout
# (oci-layout, index.json, blobs/sha256/...) that also carries Docker's
# manifest.json, so `ctr image import`, `podman load` and `docker load` all
# read the same file.  One uncompressed layer; the image runs `sh` (or the
# command given as a JSON array) and is named NAME (e.g. localhost/busybox:test).
set -euo pipefail

if [ $# -ne 3 ] && [ $# -ne 4 ]; then
	echo "usage: $0 ROOTFS OUT.tar NAME [CMD_JSON]" >&2
	exit 2
fi
rootfs=$1 out=$2 name=$3 cmd=${4:-'["sh"]'}
[ -x "$rootfs/bin/sh" ] || {
	echo "$0: $rootfs has no bin/sh" >&2
	exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/mkimage.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/blobs/sha256"

# put FILE MEDIATYPE: move FILE into blobs/ and print its descriptor.
put() {
	local f=$1 mt=$2 sum size
	sum=$(sha256sum "$f" | cut -d' ' -f1)
	size=$(stat -c %s "$f")
	mv "$f" "$work/blobs/sha256/$sum"
	jq -cn --arg mt "$mt" --arg d "sha256:$sum" --argjson s "$size" \
		'{mediaType: $mt, digest: $d, size: $s}'
}

# The layer: the root filesystem as root-owned files.  .complete is a marker
# of the test harness, not part of the image.
tar -C "$rootfs" --numeric-owner --owner=0 --group=0 --sort=name \
	--mtime=@0 --exclude=./.complete -cf "$work/layer.tar" .
layer=$(put "$work/layer.tar" application/vnd.oci.image.layer.v1.tar)
layer_digest=$(jq -r .digest <<<"$layer")

jq -cn --arg diff "$layer_digest" --argjson cmd "$cmd" '{
	architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
	config: {
		Cmd: $cmd,
		Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
	},
	rootfs: {type: "layers", diff_ids: [$diff]},
	history: [{created: "1970-01-01T00:00:00Z", created_by: "make-image.sh"}]
}' >"$work/config.json"
config=$(put "$work/config.json" application/vnd.oci.image.config.v1+json)

jq -cn --argjson c "$config" --argjson l "$layer" '{
	schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
	config: $c, layers: [$l]
}' >"$work/manifest.oci.json"
manifest=$(put "$work/manifest.oci.json" application/vnd.oci.image.manifest.v1+json)

# containerd takes the name from io.containerd.image.name, other OCI tools
# from org.opencontainers.image.ref.name.
jq -cn --argjson m "$manifest" --arg name "$name" '{
	schemaVersion: 2,
	manifests: [$m + {annotations: {
		"io.containerd.image.name": $name,
		"org.opencontainers.image.ref.name": ($name | sub(".*:"; ""))
	}}]
}' >"$work/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"

# Docker's archive format, pointing at the same blobs.
jq -cn --arg c "blobs/sha256/$(jq -r '.digest | sub("sha256:"; "")' <<<"$config")" \
	--arg l "blobs/sha256/${layer_digest#sha256:}" --arg name "$name" \
	'[{Config: $c, RepoTags: [$name], Layers: [$l]}]' >"$work/manifest.json"

tar -C "$work" --numeric-owner --owner=0 --group=0 --sort=name \
	-cf "$out" oci-layout index.json manifest.json blobs
