package libcontainer

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// The --pidfd-socket of create, run and exec: a supervisor listening on a
// unix socket gets a pidfd of the container's process (SCM_RIGHTS), with
// the kind of process as the message: "standard" for a container's init,
// "setns" for a process exec'd into it. It is sent once the process is
// set up, before it runs the user's program (for create: before start).

const (
	pidfdKindInit = "standard"
	pidfdKindExec = "setns"
)

// pidfdSender holds the connection to the supervisor's socket and, once
// the process exists, its pidfd.
type pidfdSender struct {
	conn  *net.UnixConn
	pidfd int
}

// dialPidfdSocket connects to path ("" means no --pidfd-socket: nil).
// It is done before anything is started, so a bad path fails early.
func dialPidfdSocket(path string) (*pidfdSender, error) {
	if path == "" {
		return nil, nil
	}
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("connect to pidfd socket %s: %w", path, err)
	}
	return &pidfdSender{conn: conn.(*net.UnixConn), pidfd: -1}, nil
}

// open takes a pidfd of pid while the process is still waiting for the
// runtime (it cannot have exited, so the pid cannot have been reused).
func (s *pidfdSender) open(pid int) error {
	if s == nil {
		return nil
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	s.pidfd = fd
	return nil
}

// send hands the pidfd over with kind as the message.
func (s *pidfdSender) send(kind string) error {
	if s == nil {
		return nil
	}
	if s.pidfd < 0 {
		return fmt.Errorf("send pidfd: no process")
	}
	oob := unix.UnixRights(s.pidfd)
	if _, _, err := s.conn.WriteMsgUnix([]byte(kind), oob, nil); err != nil {
		return fmt.Errorf("send pidfd on socket: %w", err)
	}
	return nil
}

func (s *pidfdSender) close() {
	if s == nil {
		return
	}
	if s.pidfd >= 0 {
		unix.Close(s.pidfd)
		s.pidfd = -1
	}
	s.conn.Close()
}

// connectPidfd connects to the --pidfd-socket of create before init
// starts, so that a bad path fails early (a create stage).
func (cr *creation) connectPidfd() error {
	pidfdSock, err := dialPidfdSocket(cr.co.PidfdSocket)
	if err != nil {
		return err
	}
	cr.pidfdSock = pidfdSock
	cr.atExit(pidfdSock.close)
	return nil
}
