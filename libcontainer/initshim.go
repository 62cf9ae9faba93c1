package libcontainer

import "github.com/ocirun/runc/libcontainer/initproc"

// Init is the Go side of `runc init` (package initproc); it never returns.
// It hands initproc the seccomp loader until that lives in a package of
// its own.
func Init() {
	initproc.Init(loadSeccomp)
}
