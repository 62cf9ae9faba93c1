package initproc

import (
	"errors"
	"fmt"
	"io"

	"github.com/ocirun/runc/libcontainer/internal/hooks"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/ocirun/runc/libcontainer/wire"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// awaitStateSaved is init's half of the wire.SyncCreated exchange: the
// parent has saved the state when it answers, and init may outlive it.
func awaitStateSaved(enc jsonEncoder, dec jsonDecoder) error {
	if err := enc.Encode(wire.SyncMsg{Type: wire.SyncCreated}); err != nil {
		return wire.ErrParentGone
	}
	var msg wire.SyncMsg
	if err := dec.Decode(&msg); err != nil {
		return wire.ErrParentGone
	}
	if msg.Type != wire.SyncContinue {
		return fmt.Errorf("unexpected message %q from parent", msg.Type)
	}
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("clear parent death signal: %w", err)
	}
	return nil
}

type jsonEncoder interface{ Encode(any) error }
type jsonDecoder interface{ Decode(any) error }

// waitForRuntime is init's half of the wire.SyncReady exchange: with the
// mounts done and the root not yet switched, the parent applies the
// cgroup resources (the device nodes exist now) and runs its hooks; then
// the createContainer hooks run here, where the runtime's paths still
// resolve.
func waitForRuntime(cfg *initConfig, enc jsonEncoder, dec jsonDecoder) error {
	defer timing.Phase("init:wait-runtime")()
	logrus.Debug("init: mounts done, waiting for the runtime (cgroup resources, hooks)")
	if err := enc.Encode(wire.SyncMsg{Type: wire.SyncReady}); err != nil {
		return err
	}
	var msg wire.SyncMsg
	if err := dec.Decode(&msg); err != nil {
		if errors.Is(err, io.EOF) {
			return wire.ErrParentGone
		}
		return fmt.Errorf("wait for parent: %w", err)
	}
	if msg.Type != wire.SyncContinue {
		return fmt.Errorf("unexpected message %q from parent", msg.Type)
	}
	if cfg.HookState != nil {
		return hooks.Run(cfg.Spec, hooks.CreateContainer, cfg.HookState, "", false)
	}
	return nil
}
