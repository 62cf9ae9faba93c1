// Package initproc is the Go side of `runc init`: everything init does in
// the container's namespaces after the C stage (libcontainer/nsenter) has
// run. It reads the init config from the runtime (package wire), then, for
// a new container, makes the root filesystem (mounts, devices, console,
// masked and read-only paths, pivot_root), sets hostname and sysctls,
// waits on the exec fifo and execs the container's process; for `exec`,
// it applies the process settings and execs. The process settings, in
// runc's order: descriptors, rlimits, personality, scheduling, memory
// policy, LSM labels, seccomp, user and capabilities, cwd, no_new_privs.
//
// It imports nothing of the runtime (package libcontainer): what both use
// lives in wire and libcontainer/internal.
package initproc
