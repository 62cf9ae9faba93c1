package initproc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/sys/mountinfo"
	"github.com/ocirun/runc/libcontainer/internal/fsx"
	"github.com/ocirun/runc/libcontainer/internal/mountopt"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mountError is how a failed entry of config.json's mounts is reported,
// in runc's words.
func mountError(m specs.Mount, err error) error {
	return fmt.Errorf("error mounting %q to rootfs at %q: %w", m.Source, m.Destination, err)
}

func hasOption(opts []string, name string) bool {
	for _, o := range opts {
		if o == name {
			return true
		}
	}
	return false
}

// checkOrdinaryDir refuses a procfs or sysfs destination that exists in the
// rootfs as anything but a directory: a symlink there (/proc -> /host/x)
// would put the kernel's files where the image chose (CVE-2019-19921,
// CVE-2023-27561). The last component is looked at without following it;
// the ones before it resolve inside the root.
func checkOrdinaryDir(root *os.File, dest, fstype string) error {
	dest = filepath.Clean(dest)
	if dest == "/" {
		return nil
	}
	parent, err := fsx.OpenInRoot(root, filepath.Dir(dest))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	defer parent.Close()
	var st unix.Stat_t
	err = unix.Fstatat(int(parent.Fd()), filepath.Base(dest), &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return nil
	} else if err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("filesystem %q must be mounted on ordinary directory", fstype)
	}
	return nil
}

// reopenDir opens the directory an O_PATH handle names, for reading.
func reopenDir(f *os.File) (*os.File, error) {
	fd, err := unix.Openat(int(f.Fd()), ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// copyUp fills the new tmpfs dst (a handle to its root) with a copy of
// src, the directory it covers (tmpcopyup): files, directories, symlinks,
// device nodes and fifos, with their owners, modes and times; hard links
// stay links. Nothing is followed: every name is opened relative to its
// directory with O_NOFOLLOW.
func copyUp(src, dst *os.File) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(src.Fd()), &st); err != nil {
		return err
	}
	c := &copier{root: int(dst.Fd()), links: map[[2]uint64]string{}}
	if err := c.dir(int(src.Fd()), int(dst.Fd()), ""); err != nil {
		return err
	}
	// The tmpfs root itself: owner and mode of what it covers.
	if err := unix.Fchownat(int(dst.Fd()), "", int(st.Uid), int(st.Gid), unix.AT_EMPTY_PATH); err != nil {
		return err
	}
	return nil
}

type copier struct {
	root  int
	links map[[2]uint64]string // (dev, inode) -> path below root of the first copy
}

func (c *copier) dir(sfd, dfd int, rel string) error {
	// Readdirnames on a dup on a dup: closing d must not close the caller's descriptor.
	dup, err := unix.FcntlInt(uintptr(sfd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return err
	}
	d := os.NewFile(uintptr(dup), rel)
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := c.entry(sfd, dfd, name, filepath.Join(rel, name)); err != nil {
			return fmt.Errorf("copy %s: %w", filepath.Join("/", rel, name), err)
		}
	}
	return nil
}

func (c *copier) entry(sfd, dfd int, name, rel string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(sfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	mode := st.Mode & 0o7777
	typ := st.Mode & unix.S_IFMT
	if typ != unix.S_IFDIR && st.Nlink > 1 {
		key := [2]uint64{st.Dev, st.Ino}
		if first, ok := c.links[key]; ok {
			return unix.Linkat(c.root, first, dfd, name, 0)
		}
		c.links[key] = rel
	}
	switch typ {
	case unix.S_IFDIR:
		if err := unix.Mkdirat(dfd, name, 0o700); err != nil {
			return err
		}
		s, err := unix.Openat(sfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(s)
		d, err := unix.Openat(dfd, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(d)
		if err := c.dir(s, d, rel); err != nil {
			return err
		}
	case unix.S_IFREG:
		s, err := unix.Openat(sfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		sf := os.NewFile(uintptr(s), name)
		defer sf.Close()
		d, err := unix.Openat(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return err
		}
		df := os.NewFile(uintptr(d), name)
		_, err = io.Copy(df, sf)
		if cerr := df.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	case unix.S_IFLNK:
		buf := make([]byte, unix.PathMax)
		n, err := unix.Readlinkat(sfd, name, buf)
		if err != nil {
			return err
		}
		if err := unix.Symlinkat(string(buf[:n]), dfd, name); err != nil {
			return err
		}
	default: // devices, fifos, sockets
		if err := unix.Mknodat(dfd, name, typ|0o600, int(st.Rdev)); err != nil {
			return err
		}
	}
	if err := unix.Fchownat(dfd, name, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if typ != unix.S_IFLNK {
		// After the chown, which clears the set-id bits.
		if err := unix.Fchmodat(dfd, name, mode, 0); err != nil {
			return err
		}
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	return unix.UtimesNanoAt(dfd, name, ts, unix.AT_SYMLINK_NOFOLLOW)
}

// dropHostProcSys removes, before --no-pivot's chroot, every whole procfs
// and sysfs mount of the old root (the host's /proc and /sys among them)
// from the container's mount namespace. chroot leaves the old root's
// mounts in the namespace, out of reach but still counted by the kernel:
// a fully visible procfs there would let a process of the container that
// makes a user namespace of its own mount a new, unmasked procfs
// (mnt_already_visible). The unmount does not propagate: the mount is made
// a slave first. Where it cannot be unmounted, a tmpfs covers it, which
// makes it no longer fully visible.
func dropHostProcSys(rootfs string) error {
	mounts, err := mountinfo.GetMounts(func(i *mountinfo.Info) (skip, stop bool) {
		whole := i.Root == "/" && (i.FSType == "proc" || i.FSType == "sysfs")
		inside := i.Mountpoint == rootfs || strings.HasPrefix(i.Mountpoint, rootfs+"/")
		return !whole || inside, false
	})
	if err != nil {
		return fmt.Errorf("list mounts: %w", err)
	}
	// Deepest first: a parent's detach takes its children along.
	sort.Slice(mounts, func(a, b int) bool { return len(mounts[a].Mountpoint) > len(mounts[b].Mountpoint) })
	for _, mi := range mounts {
		p := mi.Mountpoint
		if err := unix.Mount("", p, "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
			if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) {
				continue // already gone with a parent
			}
			return fmt.Errorf("make %s a slave: %w", p, err)
		}
		err := unix.Unmount(p, unix.MNT_DETACH)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EPERM) {
			err = unix.Mount("tmpfs", p, "tmpfs", 0, "")
		}
		if err != nil {
			return fmt.Errorf("hide %s (%s) from the container: %w", p, mi.FSType, err)
		}
	}
	return nil
}

// isReadonlyDev tells whether m is a read-only filesystem (not a bind)
// mounted on /dev, which is filled before it becomes read-only.
func isReadonlyDev(m specs.Mount) bool {
	if filepath.Clean(m.Destination) != "/dev" || m.Type == "bind" {
		return false
	}
	o := mountopt.Parse(m.Options)
	return !o.Bind && o.Flags&unix.MS_RDONLY != 0
}

func withoutOption(opts []string, name string) []string {
	var out []string
	for _, o := range opts {
		if o != name {
			out = append(out, o)
		}
	}
	return out
}

// remountDevReadonly makes the container's /dev read-only (the mount and
// its filesystem, as mount -o remount,ro does), by descriptor.
func remountDevReadonly() error {
	dev, err := openNoFollow("/dev")
	if err != nil {
		return fmt.Errorf("remount /dev read-only: %w", err)
	}
	defer dev.Close()
	fs, err := unix.Fspick(int(dev.Fd()), "", unix.FSPICK_EMPTY_PATH|unix.FSPICK_CLOEXEC)
	if err != nil {
		return fmt.Errorf("remount /dev read-only: %w", err)
	}
	defer unix.Close(fs)
	if err := unix.FsconfigSetFlag(fs, "ro"); err != nil {
		return fmt.Errorf("remount /dev read-only: %w", err)
	}
	if err := unix.FsconfigReconfigure(fs); err != nil {
		return fmt.Errorf("remount /dev read-only: %w", err)
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(int(dev.Fd()), "", unix.AT_EMPTY_PATH, attr); err != nil {
		return fmt.Errorf("remount /dev read-only: %w", err)
	}
	return nil
}
