package initproc

import (
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Until the adapter packages libcontainer/seccomp and libcontainer/userns
// exist: the seccomp filter is compiled and loaded by the parent package's
// code, handed to Init, and mountIsIDMapped is a copy of the parent's
// (idmap.go). Both go once the adapters land.

// loadSeccomp compiles a profile and loads it on the calling thread,
// handing a notify listener to the runtime over sock.
var loadSeccomp func(s *specs.LinuxSeccomp, sock *os.File) error

// mountIsIDMapped tells whether a mount asks for an id-mapped mount.
func mountIsIDMapped(m specs.Mount) bool {
	if len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0 {
		return true
	}
	for _, o := range m.Options {
		if o == "idmap" || o == "ridmap" {
			return true
		}
	}
	return false
}
