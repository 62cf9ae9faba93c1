package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/ocirun/runc/libcontainer/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// SCMP_ACT_NOTIFY: the filter's listener goes from init to the runtime
// (with the sync message wire.SyncSeccompFd, over the init socket, as
// SCM_RIGHTS), and from the runtime to the seccomp agent at
// linux.seccomp.listenerPath, together with the container's state, as the
// runtime spec's "container process state" describes. The runtime then
// closes its copy: only the agent holds the listener.

// syncReader reads the init socket with recvmsg(2), so that descriptors
// sent along with a message are kept (read(2) would close them) until the
// message is decoded.
type syncReader struct {
	sock *os.File
	fds  []*os.File
	oob  []byte
}

func newSyncReader(sock *os.File) *syncReader {
	return &syncReader{sock: sock, oob: make([]byte, unix.CmsgSpace(4*4))}
}

func (r *syncReader) Read(p []byte) (int, error) {
	rc, err := r.sock.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n, oobn int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		n, oobn, _, _, rerr = unix.Recvmsg(int(fd), p, r.oob, unix.MSG_CMSG_CLOEXEC)
		return rerr != unix.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	if oobn > 0 {
		if msgs, perr := unix.ParseSocketControlMessage(r.oob[:oobn]); perr == nil {
			for i := range msgs {
				fds, _ := unix.ParseUnixRights(&msgs[i])
				for _, fd := range fds {
					r.fds = append(r.fds, os.NewFile(uintptr(fd), "received-fd"))
				}
			}
		}
	}
	if err != nil {
		return n, err
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// takeFd returns the oldest descriptor received and not yet taken.
func (r *syncReader) takeFd() *os.File {
	if len(r.fds) == 0 {
		return nil
	}
	f := r.fds[0]
	r.fds = r.fds[1:]
	return f
}

// close closes the descriptors nobody took.
func (r *syncReader) close() {
	for _, f := range r.fds {
		f.Close()
	}
	r.fds = nil
}

// seccompAgent returns what to do with the listener of the filter of the
// process pid, in container st (whose status is given): send it to the
// agent. nil when the profile has no SCMP_ACT_NOTIFY rule.
func seccompAgent(st *containerState, status specs.ContainerState, pid int) func(*os.File) error {
	if st.Config == nil || st.Config.Linux == nil || !seccomp.Notifies(st.Config.Linux.Seccomp) {
		return nil
	}
	sc := st.Config.Linux.Seccomp
	ps := specs.ContainerProcessState{
		Version:  specs.Version,
		Fds:      []string{specs.SeccompFdName},
		Pid:      pid,
		Metadata: sc.ListenerMetadata,
		State: specs.State{
			Version:     specs.Version,
			ID:          st.ID,
			Status:      status,
			Pid:         st.InitPid,
			Bundle:      st.Bundle,
			Annotations: st.Config.Annotations,
		},
	}
	return func(listener *os.File) error {
		return sendToSeccompAgent(sc.ListenerPath, &ps, listener)
	}
}

// sendToSeccompAgent connects to the agent's socket and sends it the state
// and the listener in one message, the descriptor as SCM_RIGHTS.
func sendToSeccompAgent(path string, ps *specs.ContainerProcessState, listener *os.File) error {
	data, err := json.Marshal(ps)
	if err != nil {
		return err
	}
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return fmt.Errorf("failed to connect with seccomp agent specified in the seccomp profile: %w", err)
	}
	defer conn.Close()
	n, _, err := conn.WriteMsgUnix(data, unix.UnixRights(int(listener.Fd())), nil)
	if err == nil && n != len(data) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("send the seccomp listener to the agent at %s: %w", path, err)
	}
	return nil
}

// handleSeccompFd is the parent's answer to wire.SyncSeccompFd.
func handleSeccompFd(r *syncReader, agent func(*os.File) error) error {
	listener := r.takeFd()
	if listener == nil {
		return errors.New("init sent no seccomp listener")
	}
	defer listener.Close()
	if agent == nil {
		return errors.New("unexpected seccomp listener from init")
	}
	return agent(listener)
}
