package cgroup

// Managers: choosing one for a new container and rebuilding it for an
// existing one, checking, listing, killing and removing the cgroups.

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/opencontainers/cgroups"
	_ "github.com/opencontainers/cgroups/devices" // registers device-rule support for the managers
	"github.com/opencontainers/cgroups/manager"
	"github.com/opencontainers/cgroups/systemd"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// NewManager returns the manager for a new container: fs on cgroup v1
// or hybrid hosts, fs2 on pure cgroup v2 hosts, systemd when asked for.
//
// As runc, a malformed configuration (cgroupsPath not "slice:prefix:name"
// for the systemd driver) is reported before a missing systemd.
func NewManager(id string, spec *specs.Spec, systemd, rootless bool) (cgroups.Manager, error) {
	c, err := buildConfig(id, spec, systemd, rootless)
	if err != nil {
		return nil, &configError{err}
	}
	if systemd && !systemdRunning() {
		return nil, errNoSystemd
	}
	if l := spec.Linux; l != nil && l.Resources != nil && l.Resources.Memory != nil &&
		(l.Resources.Memory.Kernel != nil || l.Resources.Memory.KernelTCP != nil) {
		logrus.Warn("linux.resources.memory.kernel and kernelTCP are not supported and are ignored")
	}
	m, err := manager.New(c)
	if err != nil {
		return nil, fmt.Errorf("cgroup manager: %w", err)
	}
	return m, nil
}

// LoadManager rebuilds the manager of an existing container from the
// paths saved at create time (manager.GetPaths()). If the spec no longer
// converts (the host changed), a manager without resources is returned so
// that delete, kill and ps still work on the saved cgroups.
func LoadManager(id string, spec *specs.Spec, paths map[string]string, systemd, rootless bool) (cgroups.Manager, error) {
	if systemd && !systemdRunning() {
		return nil, errNoSystemd
	}
	c, err := buildConfig(id, spec, systemd, rootless)
	if err != nil {
		logrus.Debugf("cgroup configuration of %s: %v; using the saved cgroup paths only", id, err)
		c = &cgroups.Cgroup{Systemd: systemd, Rootless: rootless, Resources: &cgroups.Resources{}}
		if systemd {
			_ = systemdPlacement(c, id, "", rootless)
		} else {
			c.Name = id
		}
	}
	// The fs manager keeps (and Destroy empties) the map it is given: copy.
	// No saved paths means no cgroups (never recompute them on v1; fs2
	// falls back to its default path for an empty map).
	p := maps.Clone(paths)
	if p == nil {
		p = map[string]string{}
	}
	m, err := manager.NewWithPaths(c, p)
	if err != nil {
		return nil, fmt.Errorf("cgroup manager: %w", err)
	}
	return m, nil
}

// CheckUnused refuses, as runc does, a cgroup for a new container that
// already holds processes (another container, or anything else: its
// limits, freezing and killing would be shared) or that is frozen (init
// would hang in it). Unlike runc, which looks at one v1 hierarchy only,
// every hierarchy is checked: a missing cgroup costs one failed lstat.
func CheckUnused(m cgroups.Manager) error {
	seen := make(map[string]bool)
	pids := make(map[int]bool)
	for _, p := range m.GetPaths() {
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		list, err := cgroups.GetAllPids(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENODEV) {
				continue
			}
			return fmt.Errorf("unable to get cgroup PIDs: %w", err)
		}
		for _, pid := range list {
			pids[pid] = true
		}
	}
	if len(pids) > 0 {
		return fmt.Errorf("container's cgroup is not empty: %d process(es) found", len(pids))
	}
	st, err := m.GetFreezerState()
	if err != nil {
		return fmt.Errorf("unable to get cgroup freezer state: %w", err)
	}
	if st == cgroups.Frozen {
		return errors.New("container's cgroup unexpectedly frozen")
	}
	return nil
}

// KillAll kills every process of the cgroup at once through cgroup.kill
// (cgroup v2, or the cgroup2 hierarchy of a hybrid host; Linux 5.14+). It
// reports false, and no error, where cgroup.kill does not exist: the caller
// then signals the processes one by one.
func KillAll(m cgroups.Manager) (bool, error) {
	p := m.Path("")
	if p == "" {
		return false, nil
	}
	if err := cgroups.WriteFile(p, "cgroup.kill", "1"); err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENODEV) {
			return false, nil
		}
		return false, fmt.Errorf("kill cgroup %s: %w", p, err)
	}
	return true, nil
}

// PidsDir picks the directory whose tree holds every process of the
// container.
func PidsDir(m cgroups.Manager) string {
	if IsUnified() {
		return m.Path("")
	}
	for _, s := range []string{"devices", "pids", "freezer", "memory", "cpu", "name=systemd"} {
		if p := m.Path(s); p != "" {
			return p
		}
	}
	paths := m.GetPaths()
	for _, k := range slices.Sorted(maps.Keys(paths)) {
		if paths[k] != "" {
			return paths[k]
		}
	}
	return ""
}

// Pids lists every pid in the container's cgroup, sub-cgroups
// included. A cgroup that does not exist (any more), or a manager without
// paths (destroyed, or rootless without access), has no processes.
func Pids(m cgroups.Manager) ([]int, error) {
	dir := PidsDir(m)
	if dir == "" {
		// No cgroup at all (rootless without access, or already destroyed).
		return []int{}, nil
	}
	pids, err := cgroups.GetAllPids(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return []int{}, nil
		}
		return nil, fmt.Errorf("list processes of cgroup %s: %w", dir, err)
	}
	if pids == nil {
		pids = []int{}
	}
	return pids, nil
}

// Destroy removes the container's cgroups on every hierarchy.
// Directories already gone are fine; EBUSY (the last processes being
// reaped) is retried for at most destroyTimeout in total.
func Destroy(m cgroups.Manager) error {
	if m == nil {
		return nil
	}
	var unitErr error
	switch m.(type) {
	case *systemd.LegacyManager, *systemd.UnifiedManager:
		// Stop the unit first: systemd owns (and removes) the cgroup.
		if unitErr = m.Destroy(); unitErr == nil {
			return nil
		}
	}
	paths := maps.Clone(m.GetPaths())
	deadline := time.Now().Add(destroyTimeout)
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(paths)) {
		if p := paths[k]; p != "" {
			if err := removeTree(p, deadline); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		if unitErr != nil {
			errs = append([]error{unitErr}, errs...)
		}
		return fmt.Errorf("remove cgroups: %w", errors.Join(errs...))
	}
	if unitErr != nil {
		return nil // the unit failed to stop but its cgroups are gone
	}
	// Everything is gone: let the manager forget its paths (fast, ENOENT).
	_ = m.Destroy()
	return nil
}

// removeTree removes a cgroup directory and its sub-cgroups.
func removeTree(dir string, deadline time.Time) error {
	delay := 2 * time.Millisecond
	for {
		err := unix.Rmdir(dir)
		switch {
		case err == nil, errors.Is(err, unix.ENOENT):
			return nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EBUSY), errors.Is(err, unix.ENOTEMPTY):
			entries, rerr := os.ReadDir(dir)
			if rerr != nil {
				if errors.Is(rerr, os.ErrNotExist) {
					return nil
				}
				return rerr
			}
			removed := false
			for _, e := range entries {
				if e.IsDir() {
					if err := removeTree(filepath.Join(dir, e.Name()), deadline); err != nil {
						return err
					}
					removed = true
				}
			}
			if removed {
				continue
			}
			if time.Now().After(deadline) {
				return &os.PathError{Op: "rmdir", Path: dir, Err: err}
			}
			time.Sleep(delay)
			delay = min(delay*2, 100*time.Millisecond)
		default:
			// e.g. EROFS is reported even for missing paths.
			if _, serr := os.Lstat(dir); errors.Is(serr, os.ErrNotExist) {
				return nil
			}
			return &os.PathError{Op: "rmdir", Path: dir, Err: err}
		}
	}
}
