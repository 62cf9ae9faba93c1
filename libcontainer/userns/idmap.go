package userns

// ID-mapped bind mounts (mount_setattr(2) with MOUNT_ATTR_IDMAP).
//
// A bind mount with uidMappings and gidMappings, or with the idmap or
// ridmap option, shows its files with their ids translated: an id N on
// disk that a mapping entry {containerID: C, hostID: H, size: S} covers
// (C <= N < C+S) appears as host id H+(N-C); the container's own user
// namespace, if any, then maps that host id as usual. Without mappings
// on the mount, the container's user namespace mappings are used.
// "idmap" maps the mount itself; "ridmap" every mount of an rbind tree.
//
// Only a privileged runtime can do this (it needs CAP_SYS_ADMIN over the
// filesystem, i.e. in the initial user namespace for host filesystems).
// The runtime makes each mount when init asks for it, in the container's
// mount namespace (libcontainer's mountsource.go): a detached copy of the source tree
// (open_tree(OPEN_TREE_CLONE)) is given the mapping of a user namespace
// (made for it, or the container's own), and init moves the result into
// place (move_mount(2)) like any bind mount.

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"

	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// IsIDMapped tells whether a mount asks for an id-mapped mount.
func IsIDMapped(m specs.Mount) bool {
	if len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0 {
		return true
	}
	for _, o := range m.Options {
		if o == "idmap" || o == "ridmap" {
			return true
		}
	}
	return false
}

// mountMappings returns the uid and gid mappings an id-mapped mount uses.
func mountMappings(spec *specs.Spec, m specs.Mount) ([]specs.LinuxIDMapping, []specs.LinuxIDMapping) {
	if len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0 {
		return m.UIDMappings, m.GIDMappings
	}
	if spec.Linux != nil && ocispec.HasNewNamespace(spec, specs.UserNamespace) {
		return spec.Linux.UIDMappings, spec.Linux.GIDMappings
	}
	return nil, nil
}

// ValidateMount checks an id-mapped mount before anything is made.
func ValidateMount(spec *specs.Spec, m specs.Mount) error {
	if !IsIDMapped(m) {
		return nil
	}
	if m.Type != "bind" && !hasBindOption(m.Options) {
		return fmt.Errorf("mount %s: idmapped mounts are only supported for bind mounts (options bind or rbind)", m.Destination)
	}
	if (len(m.UIDMappings) == 0) != (len(m.GIDMappings) == 0) {
		return fmt.Errorf("mount %s: an idmapped mount needs both uidMappings and gidMappings", m.Destination)
	}
	if len(m.UIDMappings) == 0 && spec.Linux != nil && ocispec.HasNamespace(spec, specs.UserNamespace) && !ocispec.HasNewNamespace(spec, specs.UserNamespace) {
		// The maps of the user namespace joined, read when it is made.
		return nil
	}
	uids, gids := mountMappings(spec, m)
	if len(uids) == 0 || len(gids) == 0 {
		return fmt.Errorf("mount %s: option idmap without uidMappings and gidMappings uses the container's user namespace mappings, but the container has no user namespace", m.Destination)
	}
	for _, ms := range [][]specs.LinuxIDMapping{uids, gids} {
		for _, e := range ms {
			if e.Size == 0 {
				return fmt.Errorf("mount %s: idmap mapping %d %d with size 0", m.Destination, e.ContainerID, e.HostID)
			}
		}
	}
	return nil
}

// RecursiveIDMap tells whether the mapping applies to every mount of the
// tree (ridmap) rather than the top one.
func RecursiveIDMap(m specs.Mount) bool {
	for _, o := range m.Options {
		if o == "ridmap" {
			return true
		}
	}
	return false
}

// hasBindOption tells whether the options make a bind mount ("bind" or
// "rbind", the options that carry MS_BIND).
func hasBindOption(opts []string) bool {
	for _, o := range opts {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}

// ForMapping returns a handle to a new user namespace with the given
// maps. Its only member is a child that never runs any code of its own: it
// is traced, so it stops at its execve; it is killed once the namespace is
// open.
func ForMapping(uids, gids []specs.LinuxIDMapping) (*os.File, error) {
	conv := func(m []specs.LinuxIDMapping) []syscall.SysProcIDMap {
		out := make([]syscall.SysProcIDMap, len(m))
		for i, e := range m {
			out[i] = syscall.SysProcIDMap{ContainerID: int(e.ContainerID), HostID: int(e.HostID), Size: int(e.Size)}
		}
		return out
	}
	// A tracer is a thread: keep this one until the child is gone.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd := &exec.Cmd{
		Path: "/proc/self/exe",
		Args: []string{"runc-idmap"},
		Env:  []string{},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags:  unix.CLONE_NEWUSER,
			UidMappings: conv(uids),
			GidMappings: conv(gids),
			Ptrace:      true,
			Pdeathsig:   unix.SIGKILL,
		},
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("make a user namespace with uid map %s and gid map %s: %w", MapText(uids), MapText(gids), err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	f, err := os.Open("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/ns/user")
	if err != nil {
		return nil, fmt.Errorf("open the user namespace of an idmapped mount: %w", err)
	}
	return f, nil
}
