package initproc

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The user's ids are set on init's main thread only, the thread locked to
// `init` (see init.go) that goes on to execve: the kernel keeps the
// credentials of the thread that execs, and the others end with the exec.
// syscall.Setresuid and friends would instead stop every thread of the Go
// runtime to change each of them (glibc's setxid broadcast, a signal and a
// hand-over per thread and per call: ~0.5 ms for the three calls here).
// The other threads only run the Go runtime in the meantime; everything
// that acts for the container's process (chdir as the user, seccomp, the
// exec) runs on the main thread.

// threadSetresid sets real, effective and saved uid (SYS_SETRESUID) or gid
// (SYS_SETRESGID) of the calling thread.
func threadSetresid(trap uintptr, id uint32) error {
	if _, _, e := unix.RawSyscall(trap, uintptr(id), uintptr(id), uintptr(id)); e != 0 {
		return e
	}
	return nil
}

// threadSetgroups sets the supplementary groups of the calling thread.
func threadSetgroups(groups []int) error {
	gids := make([]uint32, len(groups))
	for i, g := range groups {
		gids[i] = uint32(g)
	}
	var p unsafe.Pointer
	if len(gids) > 0 {
		p = unsafe.Pointer(&gids[0])
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(gids)), uintptr(p), 0); e != 0 {
		return e
	}
	return nil
}
