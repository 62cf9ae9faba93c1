package libcontainer

import (
	"fmt"
	"io"
	"os"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// sealedSelf returns an O_PATH handle to the running binary on a detached,
// read-only bind mount. init is executed through it, so the file behind
// /proc/<init>/exe sits on a read-only mount that the container cannot reach
// to remount, and reopening it for writing fails (CVE-2019-5736). Nothing is
// copied: two system calls, whatever the binary's size.
func sealedSelf() (*os.File, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, "/proc/self/exe", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err == unix.EPERM {
		return unprivilegedSelf() // rootless: see there
	}
	if err != nil {
		return nil, fmt.Errorf("clone a mount of the runtime binary: %w", err)
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOSUID}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, attr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("make the runtime binary's mount read-only: %w", err)
	}
	logrus.Debug("runc exeseal: using a read-only detached bind mount of /proc/self/exe (open_tree + mount_setattr, no copy)")
	return os.NewFile(uintptr(fd), "runc-exe"), nil
}

// unprivilegedSelf is sealedSelf's way when the runtime may not make
// mounts. A binary that only root may write (or on a read-only mount) is
// out of reach of a container started without privilege, whose ids are
// the caller's own or subordinate ones: it is executed in place. Else a
// sealed copy in memory is executed, which nothing can write.
func unprivilegedSelf() (*os.File, error) {
	f, err := os.OpenFile("/proc/self/exe", unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open the runtime binary: %w", err)
	}
	var st unix.Stat_t
	var sfs unix.Statfs_t
	if unix.Fstat(int(f.Fd()), &st) == nil && unix.Fstatfs(int(f.Fd()), &sfs) == nil &&
		(sfs.Flags&unix.ST_RDONLY != 0 || (st.Uid == 0 && st.Mode&0o022 == 0)) {
		logrus.Debug("runc exeseal: using /proc/self/exe in place (read-only or writable only by root)")
		return f, nil
	}
	f.Close()
	return sealedCopyOfSelf()
}

func sealedCopyOfSelf() (*os.File, error) {
	const mfdExec = 0x10 // MFD_EXEC: executable even where memfds default to noexec
	name := "runc_cloned:/proc/self/exe"
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|mfdExec)
	if err == unix.EINVAL {
		fd, err = unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return nil, fmt.Errorf("copy the runtime binary: memfd_create: %w", err)
	}
	mem := os.NewFile(uintptr(fd), name)
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		mem.Close()
		return nil, fmt.Errorf("copy the runtime binary: %w", err)
	}
	defer src.Close()
	if _, err := io.Copy(mem, src); err != nil {
		mem.Close()
		return nil, fmt.Errorf("copy the runtime binary: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(mem.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		mem.Close()
		return nil, fmt.Errorf("seal the copy of the runtime binary: %w", err)
	}
	logrus.Debug("runc exeseal: using a sealed memfd copy of /proc/self/exe")
	return mem, nil
}
