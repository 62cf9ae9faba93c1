package libcontainer

import (
	"fmt"
	"os"

	"github.com/containerd/console"
	"golang.org/x/sys/unix"
)

// recvConsole receives a pty master sent as init sends it (initproc.setupConsole).
func recvConsole(sock *os.File) (console.Console, error) {
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(int(sock.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("receive pty master: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("receive pty master: bad control message")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, fmt.Errorf("receive pty master: no descriptor")
	}
	return console.ConsoleFromFile(os.NewFile(uintptr(fds[0]), string(buf[:n])))
}
