package cgroup

import (
	"os"

	"golang.org/x/sys/unix"
)

// readFile is os.ReadFile for the small files read on every command (here
// /proc/self/cgroup, as in the parent package), with the same errors. It
// does without an *os.File: os.Open offers every file to the Go runtime's
// poller, which costs two fcntl calls to set O_NONBLOCK, an epoll_ctl that
// fails for a regular file and two more fcntl calls to undo it: 10 system
// calls per file instead of 4.
func readFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	for err == unix.EINTR {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, 0, 4096)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// openDir opens a directory as os.OpenFile(path, O_DIRECTORY|O_RDONLY|
// O_CLOEXEC|O_NOFOLLOW) does, with the same errors, without the poller's
// five system calls (see readFile).
func openDir(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	for err == unix.EINTR {
		fd, err = unix.Open(path, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}
