package wire

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// SCMP_ACT_NOTIFY: the filter's listener goes from init to the runtime
// with the message SyncSeccompFd, over the init socket, as SCM_RIGHTS; the
// runtime reads it with recvmsg(2) (read(2) would lose the descriptor)
// and hands it to the seccomp agent.

// SeccompListenerSender (in init) prepares, before the filter is loaded, the hand-over of
// its listener: the message and its control data are built now, so that
// afterwards only sendmsg(2) runs (with nothing allocated) before the
// runtime has the listener.
func SeccompListenerSender(sock *os.File) (func(listener int) error, error) {
	msg, err := json.Marshal(SyncMsg{Type: SyncSeccompFd})
	if err != nil {
		return nil, err
	}
	msg = append(msg, '\n')
	oob := unix.UnixRights(0)
	fdAt := unix.CmsgLen(0)
	rc, err := sock.SyscallConn()
	if err != nil {
		return nil, err
	}
	var n int
	var serr error
	write := func(fd uintptr) bool {
		n, serr = unix.SendmsgN(int(fd), msg, oob, nil, 0)
		return serr != unix.EAGAIN
	}
	return func(listener int) error {
		binary.NativeEndian.PutUint32(oob[fdAt:], uint32(listener))
		if err := rc.Write(write); err != nil {
			return err
		}
		if serr != nil {
			return serr
		}
		if n != len(msg) {
			return io.ErrShortWrite
		}
		return nil
	}, nil
}
