package libcontainer

// Rootless containers: what changes when the runtime itself runs without
// privilege (a non-root user, or root inside a user namespace).
//
//   - --rootless, the default state root, id maps (direct or through
//     newuidmap/newgidmap) and what a non-root runtime can run: package
//     userns.
//   - The runtime binary cannot be put on a detached read-only mount
//     without privilege: see unprivilegedSelf in exe.go.
//   - Without a cgroup, the processes of a container are found through its
//     pid namespace.

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/ocirun/runc/libcontainer/cgroup"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/ocirun/runc/libcontainer/userns"
	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
)

// ParseRootless reads the value of --rootless: a boolean or "auto" (also
// the empty string); see userns.ParseRootless.
func ParseRootless(value string) (bool, error) {
	return userns.ParseRootless(value)
}

// HonorXDGRuntimeDir tells whether the default state root is
// $XDG_RUNTIME_DIR/runc rather than /run/runc; see
// userns.HonorXDGRuntimeDir.
func HonorXDGRuntimeDir() bool {
	return userns.HonorXDGRuntimeDir()
}

// planIDMaps is userns.PlanMaps, a seam for tests of the bootstrap.
var planIDMaps = userns.PlanMaps

// applyCgroup puts pid in the container's cgroups. A rootless runtime
// without access to cgroups goes on without them (the library forgets the
// paths it could not use; limits asked for then fail in Set with a clear
// error), as runc does.
func applyCgroup(m cgroups.Manager, pid int, spec *specs.Spec) error {
	defer timing.Phase("cgroup")()
	logrus.Debugf("cgroup: moving pid %d into the container's cgroups", pid)
	err := m.Apply(pid)
	if err == nil {
		return nil
	}
	if errors.Is(err, cgroups.ErrRootless) {
		logrus.Debugf("rootless: no access to (some of) the cgroups, continuing without them: %v", err)
		if !ocispec.HasNewNamespace(spec, specs.PIDNamespace) {
			logrus.Warn("a rootless container without cgroups and without a pid namespace: its processes cannot all be found to kill them")
		}
		return nil
	}
	return err
}

// pidNamespacePids lists the host pids of the processes in init's pid
// namespace (for a container with a pid namespace of its own and no
// cgroup); without one, only init itself is known.
func pidNamespacePids(initPid int, ownPidNS bool) ([]int, error) {
	if !ownPidNS {
		return []int{initPid}, nil
	}
	want, err := os.Readlink("/proc/" + strconv.Itoa(initPid) + "/ns/pid")
	if err != nil {
		return nil, fmt.Errorf("read the pid namespace of init: %w", err)
	}
	d, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, err
	}
	pids := []int{}
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		if ns, err := os.Readlink("/proc/" + n + "/ns/pid"); err == nil && ns == want {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// pruneMissingCgroups drops the cgroups a rootless runtime could not make
// (the library keeps named hierarchies it failed to join), so that what is
// recorded is what the container is in.
func pruneMissingCgroups(paths map[string]string) {
	for k, p := range paths {
		if _, err := os.Stat(p); err != nil {
			delete(paths, k)
		}
	}
}

// containerPids lists the container's processes: those of its cgroup, or,
// when it has none (rootless without a delegated cgroup), those of its pid
// namespace.
func (c *Container) containerPids(m cgroups.Manager) ([]int, error) {
	if dir := cgroup.PidsDir(m); dir != "" && cgroup.Exists(dir) {
		return cgroup.Pids(m)
	}
	if !initAlive(c.state.InitPid, c.state.InitStart) {
		return []int{}, nil
	}
	return pidNamespacePids(c.state.InitPid, ocispec.HasNewNamespace(c.state.Config, specs.PIDNamespace))
}

// joinedCgroups hides the cgroups a rootless runtime could not make, so
// that the cgroup mounts show the container the cgroups it is really in
// (its runtime's, for the others).
type joinedCgroups struct{ cgroups.Manager }

func (j joinedCgroups) Path(subsys string) string {
	if p := j.Manager.Path(subsys); p != "" && cgroup.Exists(p) {
		return p
	}
	return ""
}
