package initproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/sys/mountinfo"
	"github.com/ocirun/runc/libcontainer/internal/mountopt"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/ocirun/runc/libcontainer/userns"
	"github.com/ocirun/runc/libcontainer/wire"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// enterRoot makes the container's root filesystem init's root. With a new
// mount namespace (or none at all: then the mounts are made in the
// host's, as runc does, unless a user namespace leaves init no right to
// mount there) the mounts are made and the root switched (setupRootfs);
// a joined mount namespace is the container's filesystem as it is;
// otherwise init chroots into the rootfs. ready runs once the mounts are
// done, before the root is switched.
func enterRoot(cfg *initConfig, ready func() error) error {
	spec := cfg.Spec
	hostMounts := !ocispec.HasNamespace(spec, specs.MountNamespace) && !ocispec.HasNamespace(spec, specs.UserNamespace)
	if ocispec.HasNewNamespace(spec, specs.MountNamespace) || hostMounts {
		logrus.Debugf("init: setting up the root filesystem %s", cfg.Rootfs)
		return setupRootfs(cfg, ready)
	}
	if ocispec.HasNamespace(spec, specs.MountNamespace) {
		// A joined mount namespace is the container's filesystem as it
		// is: the C stage's setns() made its root ours.
		if err := unix.Chdir("/"); err != nil {
			return fmt.Errorf("chdir to the joined mount namespace's root: %w", err)
		}
		return ready()
	}
	if err := unix.Chdir(cfg.Rootfs); err != nil {
		return fmt.Errorf("chdir to rootfs: %w", err)
	}
	if err := ready(); err != nil {
		return err
	}
	if err := unix.Chroot(cfg.Rootfs); err != nil {
		return fmt.Errorf("chroot without a mount namespace: %w", err)
	}
	return nil
}

// setupRootfs mounts everything under the root filesystem and switches to
// it. Every destination is resolved inside the root with the kernel's
// RESOLVE_IN_ROOT semantics (or securejoin's emulation), and the mount is
// made on the handle that resolution returned, so a symlink or a racing
// rename cannot send it outside the root.
// beforePivot runs once everything is mounted, in the rootfs directory,
// before the root is switched.
func setupRootfs(cfg *initConfig, beforePivot func() error) error {
	defer timing.Phase("init:rootfs")()
	spec := cfg.Spec
	prop, err := rootfsPropagation(spec)
	if err != nil {
		return err
	}
	// Without a mount namespace of its own (as runc allows) the container's
	// mounts are made in the host's: the host's propagation is left alone,
	// and the root is switched with chroot.
	hostNS := !ocispec.HasNamespace(spec, specs.MountNamespace)
	if err := bindRootfs(cfg.Rootfs, prop, hostNS); err != nil {
		return err
	}
	root, err := os.OpenFile(cfg.Rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open rootfs: %w", err)
	}
	defer root.Close()
	devMounted, err := mountAll(cfg, root)
	if err != nil {
		return err
	}
	// A missing cwd is created, as runc does.
	if cwd, err := ensureTarget(root, spec.Process.Cwd, true); err != nil {
		return fmt.Errorf("create cwd %s: %w", spec.Process.Cwd, err)
	} else {
		cwd.Close()
	}
	if err := makeDevices(cfg, root, devMounted); err != nil {
		return err
	}
	if err := unix.Chdir(cfg.Rootfs); err != nil {
		return fmt.Errorf("chdir to rootfs: %w", err)
	}
	if err := beforePivot(); err != nil {
		return err
	}
	if err := switchRoot(cfg, hostNS); err != nil {
		return err
	}
	if spec.Linux.RootfsPropagation != "" && !hostNS {
		if err := unix.Mount("", "/", "", prop, ""); err != nil {
			return fmt.Errorf("set rootfsPropagation: %w", err)
		}
	}
	return nil
}

// rootfsPropagation is the propagation of linux.rootfsPropagation, rslave
// by default.
func rootfsPropagation(spec *specs.Spec) (uintptr, error) {
	prop := uintptr(unix.MS_SLAVE | unix.MS_REC)
	if spec.Linux.RootfsPropagation != "" {
		p, ok := mountopt.Propagation[spec.Linux.RootfsPropagation]
		if !ok {
			return 0, fmt.Errorf("invalid rootfsPropagation %q", spec.Linux.RootfsPropagation)
		}
		prop = p
	}
	return prop, nil
}

// bindRootfs makes the rootfs a mount point of its own (a recursive bind
// onto itself), cut off from the host's propagation.
func bindRootfs(rootfs string, prop uintptr, hostNS bool) error {
	if !hostNS {
		first := prop
		if first&unix.MS_UNBINDABLE != 0 {
			// An unbindable / could not be bound onto itself below: the
			// rootfs becomes unbindable once it is the root.
			first = unix.MS_SLAVE | unix.MS_REC
		}
		if err := unix.Mount("", "/", "", first, ""); err != nil {
			return fmt.Errorf("set propagation of / : %w", err)
		}
		// pivot_root needs the new root to be a mount point whose parent is
		// not shared: the mount that holds the rootfs (the rootfs itself,
		// if it is a bind mount) is made private if it is shared. It is
		// also what keeps the bind below from propagating elsewhere.
		if err := makeParentPrivate(rootfs); err != nil {
			return err
		}
	}
	if err := unix.Mount(rootfs, rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind mount rootfs %s: %w", rootfs, err)
	}
	if hostNS {
		// The container's mounts stay out of the host's peer groups.
		if err := unix.Mount("", rootfs, "", unix.MS_PRIVATE|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("make rootfs %s private: %w", rootfs, err)
		}
	}
	return nil
}

// mountAll makes config.json's mounts in their order, and tells whether
// a new /dev was mounted (one that setupDev then fills).
func mountAll(cfg *initConfig, root *os.File) (devMounted bool, err error) {
	mountsDone := timing.Phase("init:mounts")
	for i, m := range cfg.Spec.Mounts {
		logrus.Debugf("init: mount %q (%s) on %q", m.Source, m.Type, m.Destination)
		if ops, ok := cfg.CgroupMounts[i]; ok {
			if err := runCgroupOps(root, ops); err != nil {
				return false, fmt.Errorf("mount cgroup at %s: %w", m.Destination, err)
			}
			continue
		}
		if err := mountConfigEntry(cfg, root, i, m); err != nil {
			return false, err
		}
		if filepath.Clean(m.Destination) == "/dev" {
			devMounted = !(m.Type == "bind" || mountopt.Parse(m.Options).Bind)
		}
	}
	mountsDone()
	return devMounted, nil
}

// mountConfigEntry makes spec.Mounts[i], from the source the runtime
// opened for it where init asks for one (wire.RequestMountSource).
func mountConfigEntry(cfg *initConfig, root *os.File, i int, m specs.Mount) error {
	mc := mountCtx{bundle: cfg.Bundle, userns: cfg.HostDevices}
	if !cfg.RuntimeSources && userns.IsIDMapped(m) {
		return mountError(m, errors.New("idmapped mounts need a runtime running as root"))
	}
	if cfg.RuntimeSources && needsRuntimeSource(m, cfg.HostDevices) {
		f, err := wire.RequestMountSource(cfg.sock, i)
		if err != nil {
			if err == wire.ErrParentGone {
				return err
			}
			return mountError(m, err)
		}
		mc.idmapped = f
	}
	em := m
	if isReadonlyDev(m) {
		// Filled first (devpts, shm, nodes, links, the console), made
		// read-only by finishRootfs.
		em.Options = withoutOption(m.Options, "ro")
	}
	err := mountEntry(root, withMountLabel(em, cfg.Spec.Linux.MountLabel), mc)
	if mc.idmapped != nil {
		mc.idmapped.Close()
	}
	if err != nil {
		if strings.HasPrefix(err.Error(), "error mounting ") {
			return err // mountEntry said it already
		}
		return mountError(m, err)
	}
	return nil
}

// switchRoot makes the rootfs, the working directory, the root: by
// pivot_root, or with --no-pivot by moving it onto / and chroot, or
// without a mount namespace by chroot alone.
func switchRoot(cfg *initConfig, hostNS bool) error {
	if hostNS {
		if err := unix.Chroot("."); err != nil {
			return fmt.Errorf("chroot without a mount namespace: %w", err)
		}
	} else if cfg.NoPivot {
		if err := dropHostProcSys(cfg.Rootfs); err != nil {
			return err
		}
		if err := unix.Mount(cfg.Rootfs, "/", "", unix.MS_MOVE, ""); err != nil {
			return fmt.Errorf("move rootfs to /: %w", err)
		}
		if err := unix.Chroot("."); err != nil {
			return fmt.Errorf("chroot: %w", err)
		}
	} else if err := pivotRoot(cfg.Rootfs); err != nil {
		return err
	}
	return unix.Chdir("/")
}

// makeParentPrivate makes the mount that holds path private if it is
// shared: pivot_root refuses shared parents.
func makeParentPrivate(path string) error {
	mounts, err := mountinfo.GetMounts(mountinfo.ParentsFilter(path))
	if err != nil {
		return fmt.Errorf("list mounts: %w", err)
	}
	var holder *mountinfo.Info
	for _, m := range mounts {
		if holder == nil || len(m.Mountpoint) >= len(holder.Mountpoint) {
			holder = m // the last listed of the longest is the top one
		}
	}
	if holder == nil || !strings.Contains(holder.Optional, "shared:") {
		return nil
	}
	if err := unix.Mount("", holder.Mountpoint, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mount of %s private: %w", holder.Mountpoint, err)
	}
	return nil
}

func pivotRoot(rootfs string) error {
	oldroot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open old root: %w", err)
	}
	defer unix.Close(oldroot)
	// pivot_root(".", ".") stacks the old root on top of the new one; it is
	// then detached from the new root's mount point.
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root %s: %w", rootfs, err)
	}
	if err := unix.Fchdir(oldroot); err != nil {
		return err
	}
	// Keep the unmount from propagating to the host.
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root rslave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount old root: %w", err)
	}
	return nil
}

// finishRootfs runs after pivot_root: masked and read-only paths, then the
// read-only root.
func finishRootfs(cfg *initConfig) error {
	defer timing.Phase("init:finish-rootfs")()
	spec := cfg.Spec
	for _, m := range spec.Mounts {
		if isReadonlyDev(m) {
			if err := remountDevReadonly(); err != nil {
				return err
			}
			break
		}
	}
	for _, p := range spec.Linux.ReadonlyPaths {
		if err := readonlyPath(p); err != nil {
			return err
		}
	}
	masks := &maskTmpfs{fd: -1, label: spec.Linux.MountLabel}
	defer masks.close()
	null := &nullDev{}
	defer null.close()
	seen := map[string]bool{}
	for _, p := range spec.Linux.MaskedPaths {
		// A path listed twice is masked once.
		if c := filepath.Clean(p); seen[c] {
			continue
		} else {
			seen[c] = true
		}
		if err := maskPath(p, masks, null); err != nil {
			return err
		}
	}
	if spec.Root.Readonly {
		if err := remountBind("/", unix.MS_RDONLY, 0, false); err != nil {
			return fmt.Errorf("make root read-only: %w", err)
		}
	}
	return nil
}

func openNoFollow(p string) (*os.File, error) {
	// After pivot_root the root is the container's: a symlink here cannot
	// leave it; O_NOFOLLOW keeps the last component from being one at all.
	return os.OpenFile(p, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
}

func readonlyPath(p string) error {
	f, err := openNoFollow(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("read-only path %s: %w", p, err)
	}
	defer f.Close()
	if err := readonlyBindInPlace(f); err != nil {
		return fmt.Errorf("read-only path %s: %w", p, err)
	}
	return nil
}

// maskPath hides p: a read-only empty tmpfs over a directory, the real
// /dev/null over a file. /dev/null is checked to be the null device before
// it is used (CVE-2025-31133).
func maskPath(p string, masks *maskTmpfs, null *nullDev) error {
	f, err := openNoFollow(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("masked path %s: %w", p, err)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		if err := masks.onto(f); err != nil {
			return fmt.Errorf("mask %s: %w", p, err)
		}
		return nil
	}
	dn, err := null.get()
	if err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	if err := bindOnto(dn, f, false); err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	return nil
}

// nullDev is /dev/null for every masked file: opened and checked to be
// the null device once, on the first file to mask.
type nullDev struct {
	f *os.File
}

func (n *nullDev) get() (*os.File, error) {
	if n.f != nil {
		return n.f, nil
	}
	f, err := openNoFollow("/dev/null")
	if err != nil {
		return nil, fmt.Errorf("open /dev/null: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		f.Close()
		return nil, errors.New("/dev/null is not the null device")
	}
	n.f = f
	return f, nil
}

func (n *nullDev) close() {
	if n.f != nil {
		n.f.Close()
		n.f = nil
	}
}
