package initproc

import (
	"github.com/ocirun/runc/libcontainer/internal/mountopt"
	"github.com/ocirun/runc/libcontainer/userns"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// needsRuntimeSource tells whether init asks the runtime for the source of
// m: every id-mapped mount, and in a user namespace every bind mount.
func needsRuntimeSource(m specs.Mount, inUserns bool) bool {
	if m.Type != "bind" && !mountopt.Parse(m.Options).Bind {
		return false
	}
	return inUserns || userns.IsIDMapped(m)
}
