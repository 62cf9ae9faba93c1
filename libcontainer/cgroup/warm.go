package cgroup

import (
	"os"
	"strconv"
	"strings"

	"github.com/ocirun/runc/libcontainer/internal/fsx"
	"github.com/opencontainers/cgroups"
	"golang.org/x/sys/unix"
)

// WarmUp gets the kernel's cgroup migration lock ready before the
// container's processes are moved into their cgroups, and is meant to run
// in the background from the moment such a move is known to come.
//
// Every move between cgroups (a write to cgroup.procs) takes one global
// per-CPU rw semaphore for writing. The first writer after a quiet spell
// waits for an RCU grace period before it gets it: 5 to 15 ms on these
// machines, longer than all the rest of a container start. Writers that
// follow within about another grace period get it at once. So the
// runtime writes its own pid to the cgroup.procs of the cgroup it is
// already in, one v1 hierarchy (or the unified one): a move to where it
// is, which changes nothing but pays the wait while the runtime reads
// the spec and starts init, instead of later, when init waits for it.
// (A pid that does not exist or cannot move does not do: the kernel
// refuses those before it takes the lock.) Any failure (no permission,
// an unusual layout) just leaves the wait where it was.
func WarmUp() {
	data, err := fsx.ReadFile("/proc/self/cgroup")
	if err != nil {
		return
	}
	unified := cgroups.IsCgroup2UnifiedMode()
	dir := ""
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		if unified && f[0] == "0" && f[1] == "" {
			dir = "/sys/fs/cgroup" + f[2]
			break
		}
		if !unified && (f[1] == "freezer" || f[1] == "pids" || f[1] == "devices") {
			dir = "/sys/fs/cgroup/" + f[1] + f[2]
			break
		}
	}
	if dir == "" {
		return
	}
	fd, err := cgroups.OpenFile(dir, "cgroup.procs", unix.O_WRONLY)
	if err != nil {
		return
	}
	fd.WriteString(strconv.Itoa(os.Getpid()))
	fd.Close()
}
