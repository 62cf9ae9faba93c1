package initproc

import (
	"fmt"

	"github.com/ocirun/runc/libcontainer/wire"
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
