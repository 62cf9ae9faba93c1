// Package userns owns what the runtime does about user namespaces: the id
// maps of a new one (written directly or through newuidmap/newgidmap),
// id-mapped mounts, joining one by path, and rootless detection and
// validation (--rootless, the default state root, setgroups).
//
// It imports nothing of libcontainer but the helpers both sides share
// (libcontainer/internal); the parent and init both use it.
package userns
