package initproc

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cyphar/filepath-securejoin/pathrs-lite/procfs"
	"github.com/ocirun/runc/libcontainer/internal/fsx"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Mounts made after pivot_root name neither source nor target by a path:
// a path like /proc/self/fd/N would be looked up through the container's
// own /proc, which a mount of the config or a process racing in a shared
// volume could have replaced with symlinks of its choosing (CVE-2025-52565,
// CVE-2025-52881). The mount API of Linux 5.2 works on descriptors only.

// bindOnto bind-mounts what src is (a file or directory; with its
// submounts if recursive) on top of dst, an O_PATH handle.
func bindOnto(src, dst *os.File, recursive bool) error {
	flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC | unix.AT_EMPTY_PATH)
	if recursive {
		flags |= unix.AT_RECURSIVE
	}
	tree, err := unix.OpenTree(int(src.Fd()), "", flags)
	if err != nil {
		return fmt.Errorf("clone mount: %w", err)
	}
	defer unix.Close(tree)
	return moveOnto(tree, dst)
}

// readonlyBindInPlace puts a read-only bind mount of dst (with its
// submounts; the flags the kernel locks are kept) on top of dst.
func readonlyBindInPlace(dst *os.File) error {
	tree, err := unix.OpenTree(int(dst.Fd()), "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH|unix.AT_RECURSIVE)
	if err != nil {
		return fmt.Errorf("clone mount: %w", err)
	}
	defer unix.Close(tree)
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, attr); err != nil {
		return fmt.Errorf("make mount read-only: %w", err)
	}
	return moveOnto(tree, dst)
}

func moveOnto(tree int, dst *os.File) error {
	if err := unix.MoveMount(tree, "", int(dst.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("move mount: %w", err)
	}
	return nil
}

// procMountAllowed lists the files under /proc that may be mount
// destinations, as runc allows them: those lxcfs emulates, and one a
// checkpoint/restore tool needs.
var procMountAllowed = []string{
	"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
	"/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
}

// checkProcDest refuses a mount whose destination, once resolved in the
// root (target is the handle to it; src that of a bind mount's source, or
// nil), is inside the container's /proc, or
// on a procfs at all: mounted over, a file there would stop being what the
// kernel serves (a masked or read-only path among them), and over
// /proc/<pid>/fd it would redirect the runtime's own lookups. /proc itself
// takes procfs only, as in runc.
func checkProcDest(root, target *os.File, m specs.Mount, src *os.File) error {
	rootPath, err := os.Readlink(fsx.ProcFd(root))
	if err != nil {
		return err
	}
	dest, err := os.Readlink(fsx.ProcFd(target))
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(rootPath, dest)
	if err != nil {
		return err
	}
	rel = "/" + rel
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(target.Fd()), &st); err != nil {
		return err
	}
	if rel == "/proc" {
		if m.Type == "proc" {
			return nil
		}
		var sst unix.Statfs_t
		if src != nil && unix.Fstatfs(int(src.Fd()), &sst) == nil && sst.Type == unix.PROC_SUPER_MAGIC {
			return nil
		}
		return fmt.Errorf("mount %s: only a procfs may be mounted on /proc", m.Destination)
	}
	if st.Type != unix.PROC_SUPER_MAGIC && !strings.HasPrefix(rel, "/proc/") {
		return nil
	}
	for _, ok := range procMountAllowed {
		if rel == ok {
			return nil
		}
	}
	return fmt.Errorf("mount %s: the destination %s is inside /proc", m.Destination, rel)
}

// fdReopener prepares the reopening of descriptor fd (an O_PATH handle)
// through /proc/thread-self/fd of a procfs handle checked to be one (a
// private instance while init still has CAP_SYS_ADMIN), not through the
// container's /proc. It is made early: reopening then takes one descriptor
// only, which a low RLIMIT_NOFILE of the process still leaves.
func fdReopener(fd int) (reopen func(flags int) (*os.File, error), done func(), err error) {
	proc, err := procfs.OpenProcRoot()
	if err != nil {
		return nil, nil, fmt.Errorf("open procfs: %w", err)
	}
	defer proc.Close()
	dir, closer, err := proc.OpenThreadSelf("fd")
	if err != nil {
		return nil, nil, fmt.Errorf("open /proc/thread-self/fd: %w", err)
	}
	reopen = func(flags int) (*os.File, error) {
		nfd, err := unix.Openat(int(dir.Fd()), strconv.Itoa(fd), flags|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, err
		}
		return os.NewFile(uintptr(nfd), "fd-"+strconv.Itoa(fd)), nil
	}
	done = func() {
		dir.Close()
		closer()
	}
	return reopen, done, nil
}

// maskTmpfs is the one read-only empty tmpfs that covers every masked
// directory: the first gets the new mount, the others a bind of it.
type maskTmpfs struct {
	fd    int // the mount, once made; -1 before
	label string
}

func (t *maskTmpfs) onto(dst *os.File) error {
	if t.fd < 0 {
		fs, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
		if err != nil {
			return fmt.Errorf("fsopen tmpfs: %w", err)
		}
		defer unix.Close(fs)
		if t.label != "" {
			if err := unix.FsconfigSetString(fs, "context", t.label); err != nil {
				return fmt.Errorf("tmpfs context %q: %w", t.label, err)
			}
		}
		if err := unix.FsconfigCreate(fs); err != nil {
			return fmt.Errorf("create tmpfs: %w", err)
		}
		mnt, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_RDONLY)
		if err != nil {
			return fmt.Errorf("fsmount tmpfs: %w", err)
		}
		if err := moveOnto(mnt, dst); err != nil {
			unix.Close(mnt)
			return err
		}
		// Attached now: later masks are clones of it.
		t.fd = mnt
		return nil
	}
	tree, err := unix.OpenTree(t.fd, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
	if err != nil {
		return fmt.Errorf("clone the masking tmpfs: %w", err)
	}
	defer unix.Close(tree)
	return moveOnto(tree, dst)
}

func (t *maskTmpfs) close() {
	if t.fd >= 0 {
		unix.Close(t.fd)
		t.fd = -1
	}
}
