package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"

	"github.com/ocirun/runc/libcontainer/cgroup"
	"github.com/opencontainers/cgroups"
	"golang.org/x/sys/unix"
)

// The container's init dies with the runtime (the C stage arms its parent
// death signal) until the runtime has saved the state: a runtime killed
// at any moment of create leaves no init that nothing knows of. Before the
// first cgroup is made, a small record (recoveryFile) names the cgroups,
// and then the init's pid: `delete` finds what a killed create, or a
// damaged state.json, left behind.

const (
	recoveryFile = "recovery.json"
)

// ErrDamagedState is wrapped by the error of a state file that exists but
// cannot be what the runtime wrote (empty, truncated, edited).
var ErrDamagedState = errors.New("damaged container state")

func damagedState(path, why string) error {
	return fmt.Errorf("%w: %s: %s (delete -f removes the container and kills what runs in its cgroups)", ErrDamagedState, path, why)
}

// errInitExited: init went away during create without saying why.
var errInitExited = errors.New("container init exited during create")

// saveRecovery writes what delete needs to clean up after a create that
// did not finish: the state without its config.
func (d *stateDir) saveRecovery(st *containerState) error {
	rec := *st
	rec.Config = nil
	data, err := json.Marshal(&rec)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(d.path, recoveryFile), data, 0o600)
}

func (d *stateDir) loadRecovery() (*containerState, error) {
	data, err := os.ReadFile(filepath.Join(d.path, recoveryFile))
	if err != nil {
		return nil, err
	}
	var s containerState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// RemoveLeftovers deletes a container whose state cannot be loaded: the
// leftovers of a create that was killed (no state.json yet), or, with
// force, a container whose state.json is damaged. Whatever runs in its
// cgroups is killed, the cgroups and the directory are removed. It
// returns ErrNotExist if there is no such directory.
func RemoveLeftovers(opts Options, id string, force bool) error {
	d, err := openStateDir(opts.Root, id, true)
	if err != nil {
		return err
	}
	defer d.close()
	st, err := d.load()
	switch {
	case err == nil:
		// The create finished meanwhile (we waited for its lock).
		c := &Container{opts: opts, dir: d, state: st}
		return c.Destroy(force)
	case errors.Is(err, ErrDamagedState):
		if !force {
			return err
		}
	case err != ErrNotExist:
		return err
	}
	rec, rerr := d.loadRecovery()
	if rerr != nil {
		// Made before the first cgroup, or by an older runtime.
		if !os.IsNotExist(rerr) {
			return fmt.Errorf("%w; and its recovery record %s: %v", err, filepath.Join(d.path, recoveryFile), rerr)
		}
		return d.remove()
	}
	rec.ID = id
	c := &Container{opts: opts, dir: d, state: rec}
	if initAlive(rec.InitPid, rec.InitStart) {
		if m, err := c.cgroupManager(); err == nil && c.isPaused() {
			m.Freeze(cgroups.Thawed)
		}
		if err := killAndWait(rec.InitPid); err != nil {
			return err
		}
	}
	return c.cleanup()
}

// initExitReason explains an init that died during create: reaped here
// (it is our child), and told apart when the kernel's OOM killer did it.
func initExitReason(pid int, m cgroups.Manager) error {
	var ws unix.WaitStatus
	p, _ := unix.Wait4(pid, &ws, 0, nil)
	if p == pid && ws.Signaled() && ws.Signal() == unix.SIGKILL && cgroup.OOMKilled(m) {
		return errors.New("container init was OOM-killed (memory limit too low?)")
	}
	if p == pid && ws.Signaled() {
		return fmt.Errorf("%w: killed by signal %d", errInitExited, ws.Signal())
	}
	if p == pid && ws.Exited() {
		return fmt.Errorf("%w with status %d", errInitExited, ws.ExitStatus())
	}
	return errInitExited
}

// saveRecovery saves what delete needs if the runtime is killed during
// create, before the state is saved.
func (cr *creation) saveRecovery() error {
	return saveRecoveryOf(cr.c, cr.m)
}

// saveRecoveryOf saves c's recovery record with the cgroups of m: from
// then on `delete -f` of the half-made container kills what runs in them
// and removes them, whenever the runtime dies.
func saveRecoveryOf(c *Container, m cgroups.Manager) error {
	r := *c.state
	r.CgroupPaths = maps.Clone(m.GetPaths())
	if err := c.dir.saveRecovery(&r); err != nil {
		return fmt.Errorf("save recovery record: %w", err)
	}
	return nil
}
