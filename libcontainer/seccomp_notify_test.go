package libcontainer

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/ocirun/runc/libcontainer/wire"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func socketpair(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, b := os.NewFile(uintptr(fds[0]), "a"), os.NewFile(uintptr(fds[1]), "b")
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func sameFile(t *testing.T, a, b *os.File) bool {
	t.Helper()
	var sa, sb unix.Stat_t
	if err := unix.Fstat(int(a.Fd()), &sa); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fstat(int(b.Fd()), &sb); err != nil {
		t.Fatal(err)
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// The listener travels with its sync message, among others, and read(2)
// of the stream would have lost it.
func TestListenerHandOver(t *testing.T) {
	parent, child := socketpair(t)
	send, err := wire.SeccompListenerSender(child)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp(t.TempDir(), "listener")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := json.NewEncoder(child)
	enc.Encode(wire.SyncMsg{Type: wire.SyncReady})
	if err := send(int(f.Fd())); err != nil {
		t.Fatal(err)
	}
	enc.Encode(wire.SyncMsg{Type: wire.SyncError, Message: "after"})
	child.Close()

	r := newSyncReader(parent)
	defer r.close()
	dec := json.NewDecoder(r)
	var got []string
	var received *os.File
	for {
		var m wire.SyncMsg
		if err := dec.Decode(&m); err != nil {
			break
		}
		got = append(got, m.Type)
		if m.Type == wire.SyncSeccompFd {
			received = r.takeFd()
		}
	}
	if len(got) != 3 || got[0] != wire.SyncReady || got[1] != wire.SyncSeccompFd || got[2] != wire.SyncError {
		t.Fatalf("messages %v", got)
	}
	if received == nil {
		t.Fatal("no descriptor came with the message")
	}
	defer received.Close()
	if !sameFile(t, received, f) {
		t.Error("the descriptor received is not the one sent")
	}
	if fl, _ := unix.FcntlInt(received.Fd(), unix.F_GETFD, 0); fl&unix.FD_CLOEXEC == 0 {
		t.Error("the descriptor received is not close-on-exec")
	}
}

func TestSendToSeccompAgent(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	st := &containerState{ID: "c1", Bundle: "/b", InitPid: 42, Config: &specs.Spec{
		Annotations: map[string]string{"k": "v"},
		Linux: &specs.Linux{Seccomp: &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: sock,
			ListenerMetadata: "meta", Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}}}},
	}}
	if seccompAgent(&containerState{Config: &specs.Spec{Linux: &specs.Linux{}}}, specs.StateCreating, 1) != nil {
		t.Error("an agent for a container without seccomp")
	}
	agent := seccompAgent(st, specs.StateRunning, 43)
	f, _ := os.Open("/dev/null")
	defer f.Close()
	done := make(chan error, 1)
	go func() { done <- agent(f) }()
	conn, err := l.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var ps specs.ContainerProcessState
	if err := json.Unmarshal(buf[:n], &ps); err != nil {
		t.Fatal(err)
	}
	if ps.Pid != 43 || ps.Metadata != "meta" || len(ps.Fds) != 1 || ps.Fds[0] != "seccompFd" ||
		ps.State.ID != "c1" || ps.State.Pid != 42 || ps.State.Status != specs.StateRunning ||
		ps.State.Bundle != "/b" || ps.State.Annotations["k"] != "v" || ps.Version != specs.Version {
		t.Errorf("state %+v", ps)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("control messages: %v %v", msgs, err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("rights: %v %v", fds, err)
	}
	got := os.NewFile(uintptr(fds[0]), "got")
	defer got.Close()
	if !sameFile(t, got, f) {
		t.Error("the agent did not get the listener")
	}
}
