package initproc

import (
	"errors"
	"os"

	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/ocirun/runc/libcontainer/seccomp"
	"github.com/ocirun/runc/libcontainer/wire"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// loadSeccomp compiles the profile and loads it on this thread, the one
// that will execve. A filter with SCMP_ACT_NOTIFY rules comes with a
// listener: it goes to the parent over sock at once, which hands it to the
// seccomp agent, and is closed here.
func loadSeccomp(s *specs.LinuxSeccomp, sock *os.File) error {
	defer timing.Phase("init:seccomp")()
	p, err := seccomp.Compile(s)
	if err != nil {
		return err
	}
	// Everything the hand-over needs is made before the filter is loaded:
	// from then on, each system call of ours may be the agent's to answer,
	// and it has no listener until the message has gone.
	var send func(listener int) error
	if p.Listens() {
		if sock == nil {
			return errors.New("seccomp: no channel to hand the listener over")
		}
		if send, err = wire.SeccompListenerSender(sock); err != nil {
			return err
		}
	}
	return p.Load(send)
}
