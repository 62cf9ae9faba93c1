package libcontainer

import (
	"fmt"
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
