package initproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/ocirun/runc/libcontainer/internal/fsx"
	"github.com/ocirun/runc/libcontainer/internal/mountopt"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

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

// mountEntry performs one entry of config.json's mounts: its source (a
// bind mount's) and its target are opened and checked, the mount is made
// on the target's handle, then given its propagation and recursive
// attributes.
func mountEntry(root *os.File, m specs.Mount, mc mountCtx) error {
	j := newMountJob(m, mc)
	defer j.close()
	srcIsDir, err := j.openSource()
	if err != nil {
		return err
	}
	if err := j.checkKernelFs(root); err != nil {
		return err
	}
	if err := j.prepareTmpfs(root); err != nil {
		return err
	}
	if err := j.openTarget(root, srcIsDir); err != nil {
		return err
	}
	if j.isBind {
		err = j.bind(root)
	} else {
		var replaced bool
		if replaced, err = j.mountFilesystem(root); replaced {
			return err
		}
	}
	if err != nil {
		return err
	}
	if err := j.setPropagation(); err != nil {
		return err
	}
	return j.setRecursiveAttrs()
}

// mountJob is one mount entry on its way: its options, and the handles to
// its source and target.
type mountJob struct {
	m      specs.Mount
	mc     mountCtx
	o      mountopt.Opts
	dest   string // m.Destination, absolute
	isBind bool
	// src is a bind mount's source: opened here (ownSrc), or the
	// detached mount the runtime made of it (mc.idmapped).
	src    *os.File
	ownSrc bool
	// tmpfsOrig, for tmpcopyup, is the directory the tmpfs covers.
	tmpfsOrig *os.File
	// target is the destination, reopened once the mount is made.
	target *os.File
}

func newMountJob(m specs.Mount, mc mountCtx) *mountJob {
	j := &mountJob{m: m, mc: mc, o: mountopt.Parse(m.Options), dest: m.Destination}
	if !filepath.IsAbs(j.dest) {
		j.dest = "/" + j.dest
	}
	j.isBind = m.Type == "bind" || j.o.Bind
	if j.isBind {
		j.o.Flags |= unix.MS_BIND
	}
	return j
}

func (j *mountJob) close() {
	if j.target != nil {
		j.target.Close()
	}
	if j.tmpfsOrig != nil {
		j.tmpfsOrig.Close()
	}
	if j.ownSrc {
		j.src.Close()
	}
}

// openSource opens a bind mount's source, or takes the runtime's detached
// mount of it, and tells whether it is a directory (as what is not a bind
// mount is taken to be).
func (j *mountJob) openSource() (srcIsDir bool, err error) {
	m := j.m
	if j.mc.idmapped != nil {
		j.src = j.mc.idmapped
	} else if j.isBind {
		source := m.Source
		if !filepath.IsAbs(source) {
			source = filepath.Join(j.mc.bundle, source)
		}
		src, err := os.OpenFile(source, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			return false, fmt.Errorf("mount %s: open source: %w", m.Destination, err)
		}
		j.src, j.ownSrc = src, true
	}
	if j.src == nil {
		return true, nil
	}
	fi, err := j.src.Stat()
	if err != nil {
		return false, fmt.Errorf("mount %s: stat source: %w", m.Destination, err)
	}
	return fi.IsDir(), nil
}

// checkKernelFs refuses to mount proc or sysfs through a symlink
// (CVE-2019-19921, CVE-2023-27561).
func (j *mountJob) checkKernelFs(root *os.File) error {
	if j.m.Type != "proc" && j.m.Type != "sysfs" {
		return nil
	}
	if err := checkOrdinaryDir(root, j.dest, j.m.Type); err != nil {
		return mountError(j.m, err)
	}
	return nil
}

// prepareTmpfs gives a tmpfs the mode of the directory it covers, unless
// mode= (which comes later, so wins) says otherwise, and for tmpcopyup
// keeps a handle to that directory to copy from.
func (j *mountJob) prepareTmpfs(root *os.File) error {
	if j.m.Type != "tmpfs" {
		return nil
	}
	cur, err := fsx.OpenInRoot(root, j.dest)
	if err != nil {
		return nil
	}
	defer cur.Close()
	var st unix.Stat_t
	if unix.Fstat(int(cur.Fd()), &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil
	}
	j.o.Data = append([]string{fmt.Sprintf("mode=%04o", st.Mode&0o7777)}, j.o.Data...)
	if hasOption(j.m.Options, "tmpcopyup") {
		orig, err := reopenDir(cur)
		if err != nil {
			return mountError(j.m, err)
		}
		j.tmpfsOrig = orig
	}
	return nil
}

// openTarget opens the destination inside root, creating it (a directory,
// or a file for a file's bind mount) if missing, and checks that it is no
// place of /proc's.
func (j *mountJob) openTarget(root *os.File, srcIsDir bool) error {
	target, err := ensureTarget(root, j.dest, srcIsDir)
	if err != nil {
		hint := ""
		if j.mc.userns && (errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM)) {
			hint = " (in a user namespace the container's root is an unprivileged host user: create it in the rootfs beforehand)"
		}
		return fmt.Errorf("mount %s: %w%s", j.m.Destination, err, hint)
	}
	j.target = target
	return checkProcDest(root, target, j.m, j.src)
}

// reopenTarget: a mount made is a new mount on the handle's path; reopen
// it to act on the mount.
func (j *mountJob) reopenTarget(root *os.File) error {
	j.target.Close()
	var err error
	if j.target, err = fsx.OpenInRoot(root, j.dest); err != nil {
		return fmt.Errorf("mount %s: reopen: %w", j.m.Destination, err)
	}
	return nil
}

// bind makes a bind mount: the runtime's detached mount of the source
// moved into place, or the source bound by its handle; then its per-mount
// flags.
func (j *mountJob) bind(root *os.File) error {
	m, o := j.m, j.o
	if j.mc.idmapped != nil {
		// Prepared on the host; moving it in makes it the bind mount.
		if err := unix.MoveMount(int(j.src.Fd()), "", int(j.target.Fd()), "",
			unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
			return mountError(m, fmt.Errorf("move the source's mount into place: %w", err))
		}
	} else if err := unix.Mount(fsx.ProcFd(j.src), fsx.ProcFd(j.target), "", o.Flags&(unix.MS_BIND|unix.MS_REC), ""); err != nil {
		return fmt.Errorf("bind mount %s on %s: %w", m.Source, m.Destination, err)
	}
	if err := j.reopenTarget(root); err != nil {
		return err
	}
	// A flag cleared explicitly ("rw" on a read-only source) needs the
	// remount as much as one set, as in runc.
	if rest := o.Flags &^ (unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT); rest != 0 || o.Clear != 0 {
		if err := remountBind(fsx.ProcFd(j.target), rest, o.Clear, o.Atime); err != nil {
			return mountError(m, err)
		}
	}
	return nil
}

// mountFilesystem mounts a new filesystem of the entry's type (filled
// with the covered directory's files for tmpcopyup). Where the kernel
// refuses sysfs in a user namespace, the entry is replaced by a bind of
// the host's /sys (replaced is then true and err that mount's outcome).
func (j *mountJob) mountFilesystem(root *os.File) (replaced bool, err error) {
	m, o := j.m, j.o
	source := m.Source
	if source == "" {
		source = m.Type
	}
	flags := o.Flags
	if j.tmpfsOrig != nil {
		// Filled while writable; read-only afterwards.
		flags &^= unix.MS_RDONLY
	}
	if err := unix.Mount(source, fsx.ProcFd(j.target), m.Type, flags, strings.Join(o.Data, ",")); err != nil {
		if m.Type == "sysfs" && j.mc.userns && errors.Is(err, unix.EPERM) {
			// sysfs can only be mounted by the owner of the network
			// namespace: without a network namespace of the
			// container's own, the host's /sys is bound read-only.
			j.target.Close()
			return true, mountEntry(root, sysfsBind(m), j.mc)
		}
		return false, fmt.Errorf("mount %s (type %s) on %s: %w%s", source, m.Type, m.Destination, err, mountHint(err, m, o, j.mc.userns))
	}
	if err := j.reopenTarget(root); err != nil {
		return false, err
	}
	if j.tmpfsOrig != nil {
		return false, j.copyUp()
	}
	return false, nil
}

// copyUp fills the new tmpfs with the covered directory (tmpcopyup), then
// makes it read-only if asked.
func (j *mountJob) copyUp() error {
	m, o := j.m, j.o
	if err := copyUp(j.tmpfsOrig, j.target); err != nil {
		return mountError(m, fmt.Errorf("tmpcopyup: %w", err))
	}
	if o.Flags&unix.MS_RDONLY != 0 {
		per := o.Flags & (unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | mountopt.AtimeFlags | unix.MS_NOSYMFOLLOW)
		if err := unix.Mount("", fsx.ProcFd(j.target), "", unix.MS_REMOUNT|unix.MS_BIND|per, ""); err != nil {
			return mountError(m, fmt.Errorf("tmpcopyup: make read-only: %w", err))
		}
	}
	return nil
}

// setPropagation applies the propagation options (shared, rslave, ...).
func (j *mountJob) setPropagation() error {
	for _, p := range j.o.Propagate {
		if err := unix.Mount("", fsx.ProcFd(j.target), "", p, ""); err != nil {
			return fmt.Errorf("set propagation of %s: %w", j.m.Destination, err)
		}
	}
	return nil
}

// setRecursiveAttrs applies the recursive options (rro, rnosuid, ...) to
// the mount and every mount below it.
func (j *mountJob) setRecursiveAttrs() error {
	o := j.o
	if o.RecSet == 0 && o.RecClear == 0 && !o.RecAtime {
		return nil
	}
	attr := &unix.MountAttr{Attr_set: o.RecSet, Attr_clr: o.RecClear}
	if o.RecAtime {
		// The atime settings are one field: clear it, then set the one asked for.
		attr.Attr_clr |= unix.MOUNT_ATTR__ATIME
	}
	if err := unix.MountSetattr(int(j.target.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, attr); err != nil {
		return fmt.Errorf("set recursive mount attributes of %s: %w", j.m.Destination, err)
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
