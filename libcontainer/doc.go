// Package libcontainer is the runtime side of the container runtime: what
// the commands call. It owns a container (Container: its state file and
// lock under the state root) and its life: Create (the named stages of a
// container's birth, in process.go), Run, start, Exec, Signal, Pause,
// Update, Events, Destroy, the hooks the runtime runs, the notify socket
// proxy, checkpoint and restore through CRIU, and the one entry point that
// validates a config before anything is made (validate.go).
//
// It starts `runc init` from a sealed copy of its own binary and speaks to
// it through package wire; what init does in the container is package
// initproc, which imports nothing of this one. cgroup, seccomp and userns
// are its adapters over the outside libraries and the kernel.
package libcontainer
