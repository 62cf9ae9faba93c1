package initproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/moby/sys/mountinfo"
	"github.com/ocirun/runc/libcontainer/internal/fsx"
	"github.com/ocirun/runc/libcontainer/internal/mountopt"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/ocirun/runc/libcontainer/wire"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

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
	prop := uintptr(unix.MS_SLAVE | unix.MS_REC)
	if spec.Linux.RootfsPropagation != "" {
		p, ok := mountopt.Propagation[spec.Linux.RootfsPropagation]
		if !ok {
			return fmt.Errorf("invalid rootfsPropagation %q", spec.Linux.RootfsPropagation)
		}
		prop = p
	}
	// Without a mount namespace of its own (as runc allows) the container's
	// mounts are made in the host's: the host's propagation is left alone,
	// and the root is switched with chroot.
	hostNS := !ocispec.HasNamespace(spec, specs.MountNamespace)
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
		if err := makeParentPrivate(cfg.Rootfs); err != nil {
			return err
		}
	}
	if err := unix.Mount(cfg.Rootfs, cfg.Rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind mount rootfs %s: %w", cfg.Rootfs, err)
	}
	if hostNS {
		// The container's mounts stay out of the host's peer groups.
		if err := unix.Mount("", cfg.Rootfs, "", unix.MS_PRIVATE|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("make rootfs %s private: %w", cfg.Rootfs, err)
		}
	}
	root, err := os.OpenFile(cfg.Rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open rootfs: %w", err)
	}
	defer root.Close()

	devMounted := false
	mountsDone := timing.Phase("init:mounts")
	for i, m := range spec.Mounts {
		logrus.Debugf("init: mount %q (%s) on %q", m.Source, m.Type, m.Destination)
		if ops, ok := cfg.CgroupMounts[i]; ok {
			if err := runCgroupOps(root, ops); err != nil {
				return fmt.Errorf("mount cgroup at %s: %w", m.Destination, err)
			}
			continue
		}
		mc := mountCtx{bundle: cfg.Bundle, userns: cfg.HostDevices}
		if !cfg.RuntimeSources && mountIsIDMapped(m) {
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
		err := mountEntry(root, withMountLabel(em, spec.Linux.MountLabel), mc)
		if mc.idmapped != nil {
			mc.idmapped.Close()
		}
		if err != nil {
			if strings.HasPrefix(err.Error(), "error mounting ") {
				return err // mountEntry said it already
			}
			return mountError(m, err)
		}
		if filepath.Clean(m.Destination) == "/dev" {
			devMounted = !(m.Type == "bind" || mountopt.Parse(m.Options).Bind)
		}
	}
	mountsDone()
	// A missing cwd is created, as runc does.
	if cwd, err := ensureTarget(root, spec.Process.Cwd, true); err != nil {
		return fmt.Errorf("create cwd %s: %w", spec.Process.Cwd, err)
	} else {
		cwd.Close()
	}
	if devMounted {
		if err := setupDev(root, cfg.HostDevices); err != nil {
			return err
		}
	}
	for _, d := range spec.Linux.Devices {
		if err := createDevice(root, d, cfg.HostDevices); err != nil {
			return err
		}
	}
	if err := unix.Chdir(cfg.Rootfs); err != nil {
		return fmt.Errorf("chdir to rootfs: %w", err)
	}
	if err := beforePivot(); err != nil {
		return err
	}
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
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	if spec.Linux.RootfsPropagation != "" && !hostNS {
		if err := unix.Mount("", "/", "", prop, ""); err != nil {
			return fmt.Errorf("set rootfsPropagation: %w", err)
		}
	}
	return nil
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

// mountCtx is what mountEntry needs to know besides the entry itself.
type mountCtx struct {
	bundle string
	// userns: the container has a user namespace, where the kernel locks
	// the flags of the mounts it inherited and refuses some filesystems.
	userns bool
	// idmapped is the detached mount (id-mapped or not) the runtime made
	// of this entry's source, if init asked for it (mountsource.go).
	idmapped *os.File
}

// mountEntry performs one entry of config.json's mounts.
func mountEntry(root *os.File, m specs.Mount, mc mountCtx) error {
	o := mountopt.Parse(m.Options)
	dest := m.Destination
	if !filepath.IsAbs(dest) {
		dest = "/" + dest
	}
	isBind := m.Type == "bind" || o.Bind
	if isBind {
		o.Flags |= unix.MS_BIND
	}
	var src *os.File
	srcIsDir := true
	if mc.idmapped != nil {
		src = mc.idmapped
	} else if isBind {
		source := m.Source
		if !filepath.IsAbs(source) {
			source = filepath.Join(mc.bundle, source)
		}
		var err error
		src, err = os.OpenFile(source, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("mount %s: open source: %w", m.Destination, err)
		}
		defer src.Close()
	}
	if src != nil {
		fi, err := src.Stat()
		if err != nil {
			return fmt.Errorf("mount %s: stat source: %w", m.Destination, err)
		}
		srcIsDir = fi.IsDir()
	}
	if m.Type == "proc" || m.Type == "sysfs" {
		// Never mounted through a symlink (CVE-2019-19921, CVE-2023-27561).
		if err := checkOrdinaryDir(root, dest, m.Type); err != nil {
			return mountError(m, err)
		}
	}
	var tmpfsOrig *os.File // tmpcopyup: the directory the tmpfs covers
	if m.Type == "tmpfs" {
		if cur, err := fsx.OpenInRoot(root, dest); err == nil {
			var st unix.Stat_t
			if unix.Fstat(int(cur.Fd()), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR {
				// The tmpfs takes the mode of the directory it covers,
				// unless mode= (which comes later, so wins) says otherwise.
				o.Data = append([]string{fmt.Sprintf("mode=%04o", st.Mode&0o7777)}, o.Data...)
				if hasOption(m.Options, "tmpcopyup") {
					if tmpfsOrig, err = reopenDir(cur); err != nil {
						cur.Close()
						return mountError(m, err)
					}
					defer tmpfsOrig.Close()
				}
			}
			cur.Close()
		}
	}
	target, err := ensureTarget(root, dest, srcIsDir)
	if err != nil {
		hint := ""
		if mc.userns && (errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM)) {
			hint = " (in a user namespace the container's root is an unprivileged host user: create it in the rootfs beforehand)"
		}
		return fmt.Errorf("mount %s: %w%s", m.Destination, err, hint)
	}
	// target is reopened below once the mount is made: close the last one.
	defer func() { target.Close() }()
	if err := checkProcDest(root, target, m, src); err != nil {
		return err
	}
	tpath := fsx.ProcFd(target)

	if isBind {
		if mc.idmapped != nil {
			// Prepared on the host; moving it in makes it the bind mount.
			if err := unix.MoveMount(int(src.Fd()), "", int(target.Fd()), "",
				unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
				return mountError(m, fmt.Errorf("move the source's mount into place: %w", err))
			}
		} else if err := unix.Mount(fsx.ProcFd(src), tpath, "", o.Flags&(unix.MS_BIND|unix.MS_REC), ""); err != nil {
			return fmt.Errorf("bind mount %s on %s: %w", m.Source, m.Destination, err)
		}
		// The bind is a new mount on the handle's path: reopen to act on it.
		target.Close()
		if target, err = fsx.OpenInRoot(root, dest); err != nil {
			return fmt.Errorf("mount %s: reopen: %w", m.Destination, err)
		}
		tpath = fsx.ProcFd(target)
		// A flag cleared explicitly ("rw" on a read-only source) needs the
		// remount as much as one set, as in runc.
		if rest := o.Flags &^ (unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT); rest != 0 || o.Clear != 0 {
			if err := remountBind(tpath, rest, o.Clear, o.Atime); err != nil {
				return mountError(m, err)
			}
		}
	} else {
		source := m.Source
		if source == "" {
			source = m.Type
		}
		flags := o.Flags
		if tmpfsOrig != nil {
			// Filled while writable; read-only afterwards.
			flags &^= unix.MS_RDONLY
		}
		if err := unix.Mount(source, tpath, m.Type, flags, strings.Join(o.Data, ",")); err != nil {
			if m.Type == "sysfs" && mc.userns && errors.Is(err, unix.EPERM) {
				// sysfs can only be mounted by the owner of the network
				// namespace: without a network namespace of the
				// container's own, the host's /sys is bound read-only.
				target.Close()
				return mountEntry(root, sysfsBind(m), mc)
			}
			return fmt.Errorf("mount %s (type %s) on %s: %w%s", source, m.Type, m.Destination, err, mountHint(err, m, o, mc.userns))
		}
		target.Close()
		if target, err = fsx.OpenInRoot(root, dest); err != nil {
			return fmt.Errorf("mount %s: reopen: %w", m.Destination, err)
		}
		tpath = fsx.ProcFd(target)
		if tmpfsOrig != nil {
			if err := copyUp(tmpfsOrig, target); err != nil {
				return mountError(m, fmt.Errorf("tmpcopyup: %w", err))
			}
			if o.Flags&unix.MS_RDONLY != 0 {
				per := o.Flags & (unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | mountopt.AtimeFlags | unix.MS_NOSYMFOLLOW)
				if err := unix.Mount("", tpath, "", unix.MS_REMOUNT|unix.MS_BIND|per, ""); err != nil {
					return mountError(m, fmt.Errorf("tmpcopyup: make read-only: %w", err))
				}
			}
		}
	}
	for _, p := range o.Propagate {
		if err := unix.Mount("", tpath, "", p, ""); err != nil {
			return fmt.Errorf("set propagation of %s: %w", m.Destination, err)
		}
	}
	if o.RecSet != 0 || o.RecClear != 0 || o.RecAtime {
		attr := &unix.MountAttr{Attr_set: o.RecSet, Attr_clr: o.RecClear}
		if o.RecAtime {
			// The atime settings are one field: clear it, then set the one asked for.
			attr.Attr_clr |= unix.MOUNT_ATTR__ATIME
		}
		if err := unix.MountSetattr(int(target.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, attr); err != nil {
			return fmt.Errorf("set recursive mount attributes of %s: %w", m.Destination, err)
		}
	}
	return nil
}

// sysfsBind turns a sysfs mount into a recursive bind of the host's /sys
// with the same flags, read-only all the way down when "ro" was asked for.
func sysfsBind(m specs.Mount) specs.Mount {
	opts := []string{"rbind"}
	for _, opt := range m.Options {
		if mountopt.IsFlag(opt) {
			opts = append(opts, opt)
		}
		if opt == "ro" {
			opts = append(opts, "rro")
		}
	}
	return specs.Mount{Destination: m.Destination, Type: "bind", Source: "/sys", Options: opts}
}

// mountHint explains the mount failures that a user namespace causes.
func mountHint(err error, m specs.Mount, o mountopt.Opts, userns bool) string {
	if !userns {
		return ""
	}
	switch {
	case errors.Is(err, unix.EPERM):
		return fmt.Sprintf(" (in a user namespace: filesystem type %s cannot be mounted there, or it needs a namespace that the container's user namespace owns)", m.Type)
	case errors.Is(err, unix.EINVAL):
		for _, d := range o.Data {
			if strings.HasPrefix(d, "uid=") || strings.HasPrefix(d, "gid=") {
				return fmt.Sprintf(" (in a user namespace, option %s must name an id that the namespace maps)", d)
			}
		}
	}
	return ""
}

// remountBind sets the per-mount flags of the bind mount at path as runc
// does: exactly the flags asked for (ro, nosuid, nodev, noexec and
// nosymfollow of the source that were not named are cleared), and the
// atime setting of the source unless an atime option was given
// (atimeGiven). In a user namespace the kernel locks the flags that a
// mount had when the namespace's mount table was copied: when the remount
// is refused, it is retried keeping the source's flags (the locked ones
// among them); asking to clear one of them is an error that says which.
func remountBind(path string, flags, clear uintptr, atimeGiven bool) error {
	flags &^= unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT
	if atimeGiven && flags&(unix.MS_NOATIME|unix.MS_RELATIME|unix.MS_STRICTATIME) == 0 {
		// "atime" or "nodiratime" alone: the kernel's default otherwise,
		// not the source's setting (which no atime flag would keep).
		flags |= unix.MS_RELATIME
	} else if !atimeGiven {
		flags &^= mountopt.AtimeFlags // no atime flag: the kernel keeps the source's
	}
	err := unix.Mount("", path, "", unix.MS_BIND|unix.MS_REMOUNT|flags, "")
	if !errors.Is(err, unix.EPERM) {
		return err
	}
	cur := mountFlagsOf(path)
	lockable := uintptr(unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if c := cur & lockable & clear; c != 0 {
		return fmt.Errorf("%w (the source mount is %s, which the kernel locks in a user namespace: remove %s from the options)",
			err, flagNames(c, false), flagNames(c, true))
	}
	locked := cur & lockable
	if locked&^flags == 0 {
		return fmt.Errorf("%w (the source mount is %s; in a user namespace its flags are locked)", err, flagNames(cur, false))
	}
	if err := unix.Mount("", path, "", unix.MS_BIND|unix.MS_REMOUNT|flags|locked, ""); err != nil {
		return fmt.Errorf("%w (also with the source's locked flags %s kept)", err, flagNames(locked, false))
	}
	return nil
}

// mountFlagsOf returns the per-mount flags of the mount at path as MS_*
// flags (statfs(2) reports them as ST_*, which differ for some).
func mountFlagsOf(path string) uintptr {
	var st unix.Statfs_t
	if unix.Statfs(path, &st) != nil {
		return 0
	}
	conv := []struct{ st, ms uintptr }{
		{unix.ST_RDONLY, unix.MS_RDONLY}, {unix.ST_NOSUID, unix.MS_NOSUID},
		{unix.ST_NODEV, unix.MS_NODEV}, {unix.ST_NOEXEC, unix.MS_NOEXEC},
		{unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME},
		{unix.ST_RELATIME, unix.MS_RELATIME}, {0x2000 /* ST_NOSYMFOLLOW */, unix.MS_NOSYMFOLLOW},
	}
	var out uintptr
	for _, c := range conv {
		if uintptr(st.Flags)&c.st != 0 {
			out |= c.ms
		}
	}
	return out
}

// flagNames names mount flags as options: "ro,nosuid", or with clear the
// options that would remove them: "rw,suid".
func flagNames(f uintptr, clear bool) string {
	names := []struct {
		flag     uintptr
		set, clr string
	}{
		{unix.MS_RDONLY, "ro", "rw"}, {unix.MS_NOSUID, "nosuid", "suid"},
		{unix.MS_NODEV, "nodev", "dev"}, {unix.MS_NOEXEC, "noexec", "exec"},
		{unix.MS_NOATIME, "noatime", "atime"}, {unix.MS_NODIRATIME, "nodiratime", "diratime"},
		{unix.MS_RELATIME, "relatime", "norelatime"}, {unix.MS_STRICTATIME, "strictatime", "nostrictatime"},
	}
	var out []string
	for _, n := range names {
		if f&n.flag != 0 {
			if clear {
				out = append(out, n.clr)
			} else {
				out = append(out, n.set)
			}
		}
	}
	if len(out) == 0 {
		return "rw"
	}
	return strings.Join(out, ",")
}

// ensureTarget returns an O_PATH handle to dest inside root, creating it (a
// directory, or an empty file for a file bind mount) when missing.
func ensureTarget(root *os.File, dest string, dir bool) (*os.File, error) {
	if f, err := fsx.OpenInRoot(root, dest); err == nil {
		return f, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if dir {
		return mkdirAllInRoot(root, dest)
	}
	// A dangling symlink as the last component: the file is made where
	// it points, inside the root, as runc does.
	if r, err := lexicalInRoot(root, dest); err == nil {
		dest = r
	}
	parent, err := mkdirAllInRoot(root, filepath.Dir(dest))
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	fd, err := unix.Openat(int(parent.Fd()), filepath.Base(dest), unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil && err != unix.EEXIST {
		return nil, fmt.Errorf("create %s: %w", dest, err)
	}
	if err == nil {
		unix.Close(fd)
	}
	return fsx.OpenInRoot(root, dest)
}

// mkdirAllInRoot creates dir inside root and returns a handle to it. A
// dangling symlink on the way (which MkdirAllHandle refuses) is resolved
// lexically inside the root first, so its target is created within the
// root, as runc does; the creation itself still resolves inside the root.
func mkdirAllInRoot(root *os.File, dir string) (*os.File, error) {
	// Most directories exist already: one openat2 is far cheaper than
	// MkdirAllHandle's walk with its procfs checks.
	if f, err := fsx.OpenInRoot(root, dir); err == nil {
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return f, nil
		}
		f.Close()
	}
	if f := mkdirLastInRoot(root, dir); f != nil {
		return f, nil
	}
	f, err := pathrs.MkdirAllHandle(root, dir, 0o755)
	if err == nil || !errors.Is(err, unix.ENOTDIR) {
		return f, err
	}
	rel, lerr := lexicalInRoot(root, dir)
	if lerr != nil {
		return nil, err
	}
	return pathrs.MkdirAllHandle(root, rel, 0o755)
}

// lexicalInRoot resolves the symlinks of path inside root, dangling ones
// included, as a path from the root's top ("/a/b"); a path that would
// climb out of the root stays at its top, as with chroot.
func lexicalInRoot(root *os.File, path string) (string, error) {
	rootPath, err := os.Readlink(fsx.ProcFd(root))
	if err != nil {
		return "", err
	}
	resolved, err := securejoin.SecureJoin(rootPath, path)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(rootPath, resolved)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("%s resolves outside the root", path)
	}
	return "/" + rel, nil
}

// mkdirLastInRoot is mkdirAllInRoot's common case, where only the last
// component of dir is missing (a cgroup directory on the tmpfs, /dev/pts):
// mkdirat(2) of that one name in a handle to the parent, which openat2
// resolved inside root, then a handle to the new directory, resolved
// inside root again. It returns nil for anything else (a missing parent,
// a dangling symlink, a name that is not a directory), which is left to
// MkdirAllHandle and its errors. MkdirAllHandle takes about ten openat2
// calls and procfs checks for the same.
func mkdirLastInRoot(root *os.File, dir string) *os.File {
	name := filepath.Base(dir)
	if name == "." || name == ".." || name == "/" {
		return nil
	}
	parent, err := fsx.OpenInRoot(root, filepath.Dir(dir))
	if err != nil {
		return nil
	}
	err = unix.Mkdirat(int(parent.Fd()), name, 0o755)
	parent.Close()
	if err != nil && err != unix.EEXIST {
		return nil
	}
	f, err := fsx.OpenInRoot(root, dir)
	if err != nil {
		return nil
	}
	if fi, err := f.Stat(); err != nil || !fi.IsDir() {
		f.Close()
		return nil
	}
	return f
}

// runCgroupOps carries out the cgroup filesystem plan for one mount entry.
func runCgroupOps(root *os.File, ops []wire.CgroupMountOp) error {
	for _, op := range ops {
		switch op.Kind {
		case "symlink":
			parent, err := mkdirAllInRoot(root, filepath.Dir(op.Dest))
			if err != nil {
				return err
			}
			err = unix.Symlinkat(op.Source, int(parent.Fd()), filepath.Base(op.Dest))
			parent.Close()
			if err != nil && err != unix.EEXIST {
				return fmt.Errorf("symlink %s: %w", op.Dest, err)
			}
			continue
		}
		target, err := ensureTarget(root, op.Dest, true)
		if err != nil {
			return err
		}
		tpath := fsx.ProcFd(target)
		if op.Kind == "cgroup2" && op.Fallback != "" {
			err = unix.Mount(op.Kind, tpath, op.Kind, op.Flags, op.Data)
			if err != unix.EPERM && err != unix.EBUSY {
				target.Close()
				if err != nil {
					return fmt.Errorf("%s %s: %w", op.Kind, op.Dest, err)
				}
				continue
			}
			op.Kind, op.Source = "bind", op.Fallback // a user namespace without a cgroup namespace
		}
		switch op.Kind {
		case "tmpfs", "cgroup", "cgroup2":
			err = unix.Mount(op.Kind, tpath, op.Kind, op.Flags, op.Data)
		case "bind":
			err = unix.Mount(op.Source, tpath, "", unix.MS_BIND|unix.MS_REC, "")
			if err == nil && op.Flags != 0 {
				target.Close()
				if target, err = fsx.OpenInRoot(root, op.Dest); err == nil {
					err = remountBind(fsx.ProcFd(target), op.Flags, 0, op.Flags&mountopt.AtimeFlags != 0)
				}
			}
		case "remount-ro":
			err = unix.Mount("", tpath, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|op.Flags, "")
		default:
			err = fmt.Errorf("unknown cgroup mount step %q", op.Kind)
		}
		target.Close()
		if err != nil {
			return fmt.Errorf("%s %s: %w", op.Kind, op.Dest, err)
		}
	}
	return nil
}

// setupDev fills a freshly mounted /dev: the default nodes and links.
func setupDev(root *os.File, hostDevices bool) error {
	for _, d := range ocispec.DefaultDevices {
		mode := os.FileMode(0o666)
		dev := specs.LinuxDevice{Path: d.Path, Type: "c", Major: int64(d.Major), Minor: int64(d.Minor), FileMode: &mode}
		if err := createDevice(root, dev, hostDevices); err != nil {
			return err
		}
	}
	links := [][2]string{
		{"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"},
		{"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
		{"pts/ptmx", "/dev/ptmx"},
	}
	if _, err := os.Stat("/proc/kcore"); err == nil {
		links = append(links, [2]string{"/proc/kcore", "/dev/core"})
	}
	devDir, err := fsx.OpenInRoot(root, "/dev")
	if err != nil {
		return fmt.Errorf("open /dev: %w", err)
	}
	defer devDir.Close()
	for _, l := range links {
		if err := unix.Symlinkat(l[0], int(devDir.Fd()), filepath.Base(l[1])); err != nil && err != unix.EEXIST {
			return fmt.Errorf("symlink %s -> %s: %w", l[1], l[0], err)
		}
	}
	return nil
}

// createDevice makes a device node in the container, or in a user
// namespace (where mknod is refused) bind-mounts the host's node.
func createDevice(root *os.File, d specs.LinuxDevice, hostDevices bool) error {
	if !filepath.IsAbs(d.Path) || filepath.Clean(d.Path) == "/dev" {
		return fmt.Errorf("invalid device path %q", d.Path)
	}
	var typ uint32
	switch d.Type {
	case "c", "u":
		typ = unix.S_IFCHR
	case "b":
		typ = unix.S_IFBLK
	case "p":
		typ = unix.S_IFIFO
	default:
		return fmt.Errorf("device %s: invalid type %q", d.Path, d.Type)
	}
	parent, err := mkdirAllInRoot(root, filepath.Dir(d.Path))
	if err != nil {
		return fmt.Errorf("device %s: %w", d.Path, err)
	}
	defer parent.Close()
	base := filepath.Base(d.Path)
	pfd := int(parent.Fd())
	if hostDevices {
		fd, err := unix.Openat(pfd, base, unix.O_CREAT|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
		if err != nil {
			return fmt.Errorf("device %s: create mount point: %w", d.Path, err)
		}
		unix.Close(fd)
		target, err := fsx.OpenInRoot(root, d.Path)
		if err != nil {
			return err
		}
		defer target.Close()
		if err := unix.Mount(d.Path, fsx.ProcFd(target), "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind mount device %s: %w", d.Path, err)
		}
		return nil
	}
	mode := uint32(0o666)
	if d.FileMode != nil {
		mode = uint32(*d.FileMode) & 0o7777
	}
	unix.Unlinkat(pfd, base, 0) // replace whatever the image had there
	if err := unix.Mknodat(pfd, base, typ|mode, int(unix.Mkdev(uint32(d.Major), uint32(d.Minor)))); err != nil {
		return fmt.Errorf("mknod %s: %w", d.Path, err)
	}
	uid, gid := -1, -1
	if d.UID != nil {
		uid = int(*d.UID)
	}
	if d.GID != nil {
		gid = int(*d.GID)
	}
	if uid != -1 || gid != -1 {
		if err := unix.Fchownat(pfd, base, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown %s: %w", d.Path, err)
		}
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
	seen := map[string]bool{}
	for _, p := range spec.Linux.MaskedPaths {
		// A path listed twice is masked once.
		if c := filepath.Clean(p); seen[c] {
			continue
		} else {
			seen[c] = true
		}
		if err := maskPath(p, masks); err != nil {
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
func maskPath(p string, masks *maskTmpfs) error {
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
	null, err := openNoFollow("/dev/null")
	if err != nil {
		return fmt.Errorf("mask %s: open /dev/null: %w", p, err)
	}
	defer null.Close()
	var nst unix.Stat_t
	if err := unix.Fstat(int(null.Fd()), &nst); err != nil {
		return err
	}
	if nst.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(nst.Rdev) != 1 || unix.Minor(nst.Rdev) != 3 {
		return fmt.Errorf("mask %s: /dev/null is not the null device", p)
	}
	if err := bindOnto(null, f, false); err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	return nil
}
