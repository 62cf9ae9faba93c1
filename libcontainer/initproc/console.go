package initproc

import (
	"fmt"
	"os"

	"github.com/containerd/console"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// setupConsole (in init, after pivot_root) makes a pty in the container's
// devpts, sends the master over the console socket as runc does (the pty's
// name as data, the fd as SCM_RIGHTS), and makes the slave the process's
// stdio, controlling terminal and /dev/console.
func setupConsole(sockFd int, proc *specs.Process, devConsole bool) error {
	defer timing.Phase("init:console")()
	sock := os.NewFile(uintptr(sockFd), "console-socket")
	defer sock.Close()
	master, slavePath, err := console.NewPty()
	if err != nil {
		return fmt.Errorf("create pty: %w", err)
	}
	defer master.Close()
	if proc.ConsoleSize != nil {
		master.Resize(console.WinSize{Height: uint16(proc.ConsoleSize.Height), Width: uint16(proc.ConsoleSize.Width)})
	}
	name := master.Name()
	if err := unix.Sendmsg(sockFd, []byte(name), unix.UnixRights(int(master.Fd())), nil, 0); err != nil {
		return fmt.Errorf("send pty master to console socket: %w", err)
	}
	// The slave from the master itself: /dev/pts/N is a path the image
	// or a mount could have made something else.
	sfd, _, errno := unix.Syscall(unix.SYS_IOCTL, master.Fd(), unix.TIOCGPTPEER, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC)
	if errno != 0 {
		return fmt.Errorf("open pty slave %s: %w", slavePath, errno)
	}
	slave := os.NewFile(sfd, slavePath)
	defer slave.Close()
	if err := chownTerminal(slave, proc.User.UID); err != nil {
		return err
	}
	if devConsole {
		if err := mountConsole(slave); err != nil {
			return err
		}
	}
	for fd := 0; fd < 3; fd++ {
		if err := unix.Dup3(int(slave.Fd()), fd, 0); err != nil {
			return fmt.Errorf("dup pty slave to fd %d: %w", fd, err)
		}
	}
	if err := unix.IoctlSetInt(0, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("set controlling terminal: %w", err)
	}
	return nil
}

// chownTerminal gives the pty to the process's user, so that a non-root
// process can use its own terminal; the group stays the one devpts gives
// (its gid= option: the container's tty group), as runc does. Where the
// uid is not mapped or the inode not ours to change, it is left alone.
func chownTerminal(slave *os.File, uid uint32) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(slave.Fd()), &st); err != nil {
		return fmt.Errorf("stat pty slave: %w", err)
	}
	if st.Uid == uid {
		return nil
	}
	if err := unix.Fchown(int(slave.Fd()), int(uid), -1); err != nil {
		if err == unix.EINVAL || err == unix.EPERM || err == unix.EROFS {
			return nil
		}
		return fmt.Errorf("chown pty slave to uid %d: %w", uid, err)
	}
	return nil
}

// mountConsole binds the pty slave over /dev/console. The mount point is
// created without following a symlink, and a symlink found there (which
// would make the bind land wherever it points) is refused; the mount itself
// goes by descriptors only.
func mountConsole(slave *os.File) error {
	dev, err := os.OpenFile("/dev", unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /dev: %w", err)
	}
	defer dev.Close()
	fd, err := unix.Openat(int(dev.Fd()), "console", unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err == unix.ENOENT {
		var c int
		if c, err = unix.Openat(int(dev.Fd()), "console", unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600); err == nil {
			unix.Close(c)
			fd, err = unix.Openat(int(dev.Fd()), "console", unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		}
	}
	if err != nil {
		return fmt.Errorf("create /dev/console: %w", err)
	}
	target := os.NewFile(uintptr(fd), "/dev/console")
	defer target.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat /dev/console: %w", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK || st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return fmt.Errorf("/dev/console in the container's root is a %s, not a file or device to mount the console on", fileKind(st.Mode))
	}
	if err := bindOnto(slave, target, false); err != nil {
		return fmt.Errorf("bind mount /dev/console: %w", err)
	}
	return nil
}

func fileKind(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFLNK:
		return "symlink"
	case unix.S_IFDIR:
		return "directory"
	}
	return "file"
}
