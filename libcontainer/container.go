package libcontainer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/ocirun/runc/libcontainer/cgroup"
	"github.com/ocirun/runc/libcontainer/internal/fsx"
	"github.com/ocirun/runc/libcontainer/internal/hooks"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// containerStatus of a container, as the OCI runtime spec names them.
type containerStatus string

const (
	creating containerStatus = "creating"
	created  containerStatus = "created"
	running  containerStatus = "running"
	paused   containerStatus = "paused"
	stopped  containerStatus = "stopped"
)

// Options that every command passes down from the global flags.
type Options struct {
	Root     string
	Systemd  bool
	Rootless bool
}

// Container is a loaded container: its state and its locked directory.
type Container struct {
	opts  Options
	dir   *stateDir
	state *containerState
	cgm   cgroups.Manager
}

// cgroupManager returns the manager of the cgroups recorded at creation.
func (c *Container) cgroupManager() (cgroups.Manager, error) {
	if c.cgm == nil {
		m, err := cgroup.LoadManager(c.state.ID, c.state.Config, c.state.CgroupPaths, c.state.Systemd, c.state.Rootless)
		if err != nil {
			return nil, err
		}
		c.cgm = m
	}
	return c.cgm, nil
}

// Load opens an existing container. A shared lock is held until Close, so
// that a concurrent delete waits; exclusive is for commands that change it.
func Load(opts Options, id string, exclusive bool) (*Container, error) {
	return loadWith(opts, id, exclusive, (*stateDir).load)
}

// loadWith locks the container's state directory and reads its state with
// load (whole or brief).
func loadWith(opts Options, id string, exclusive bool, load func(*stateDir) (*containerState, error)) (*Container, error) {
	d, err := openStateDir(opts.Root, id, exclusive)
	if err != nil {
		return nil, err
	}
	s, err := load(d)
	if err != nil {
		d.close()
		return nil, err
	}
	return &Container{opts: opts, dir: d, state: s}, nil
}

// List returns the ids of all containers under root, sorted.
func List(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && ValidateID(e.Name()) == nil {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// Close releases the container's lock.
func (c *Container) Close() { c.dir.close() }

func (c *Container) ID() string          { return c.state.ID }
func (c *Container) Config() *specs.Spec { return c.state.Config }

// status derives the status from the kernel: a dead or replaced init is
// stopped, an init still blocked on the exec fifo is created.
func (c *Container) status() containerStatus {
	if !initAlive(c.state.InitPid, c.state.InitStart) {
		return stopped
	}
	// Before the fifo: a created container can be paused too (as in
	// runc), and then it is neither startable nor killable until resumed.
	if c.isPaused() {
		return paused
	}
	if _, err := os.Lstat(filepath.Join(c.dir.path, fifoName)); err == nil {
		return created
	}
	return running
}

// initAlive tells whether pid is still the process that was started at
// start (clock ticks since boot), and not a zombie.
func initAlive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, state, err := procStat(pid)
	if err != nil {
		return false
	}
	return st == start && state != 'Z' && state != 'X'
}

// procStat returns the start time (field 22) and state (field 3) of pid.
func procStat(pid int) (uint64, byte, error) {
	data, err := fsx.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command name may contain spaces and parentheses: skip to the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return 0, 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	fields := bytes.Fields(data[i+2:])
	// fields[0] is field 3 (state); field 22 is fields[19].
	if len(fields) < 20 {
		return 0, 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	start, err := strconv.ParseUint(string(fields[19]), 10, 64)
	if err != nil {
		return 0, 0, err
	}
	return start, fields[0][0], nil
}

// OCIState is the state as `runc state` prints it: the runtime spec's
// state (with pid 0 shown, not omitted, once stopped) plus runc's fields.
type OCIState struct {
	Version     string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      containerStatus   `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Owner       string            `json:"owner"`
}

func (c *Container) OCIState() *OCIState {
	st := c.status()
	pid := c.state.InitPid
	if st == stopped {
		pid = 0
	}
	var ann map[string]string
	if c.state.Config != nil {
		ann = c.state.Config.Annotations
	}
	return &OCIState{
		Version:     specs.Version,
		ID:          c.state.ID,
		Pid:         pid,
		Status:      st,
		Bundle:      c.state.Bundle,
		Rootfs:      c.state.Rootfs,
		Created:     c.state.Created,
		Annotations: ann,
		Owner:       c.state.Owner,
	}
}

// start lets a created container's init exec the user's process.
func (c *Container) start() error {
	switch st := c.status(); st {
	case created:
	case stopped:
		return errors.New("cannot start a container that has stopped")
	case paused:
		return errors.New("cannot start a container in the paused state")
	default:
		return fmt.Errorf("cannot start an already %s container", st)
	}
	done := timing.Phase("start")
	logrus.Debugf("start %s: releasing init (pid %d)", c.state.ID, c.state.InitPid)
	if err := openExecFifo(filepath.Join(c.dir.path, fifoName), c.state.InitPid); err != nil {
		return err
	}
	done()
	runRuntimeHooks(c.state, hooks.Poststart, running, c.state.InitPid, true)
	return nil
}

// makeExecFifo makes the fifo that init blocks on until start, writable
// by the container's root, and opens it (O_PATH) for init (a create stage).
func (cr *creation) makeExecFifo() error {
	fifoPath := filepath.Join(cr.c.dir.path, fifoName)
	if err := unix.Mkfifo(fifoPath, 0o622); err != nil {
		return fmt.Errorf("create exec fifo: %w", err)
	}
	// init writes it as the container's root, which may be another host uid.
	if err := os.Chmod(fifoPath, 0o622); err != nil {
		return err
	}
	if uid, gid := hostRootIDs(cr.spec); uid != 0 || gid != 0 {
		// Without privilege the chown may be refused (root mapped to a
		// subordinate id): the fifo is writable by all anyway.
		if err := os.Chown(fifoPath, uid, gid); err != nil && os.Geteuid() == 0 {
			return fmt.Errorf("chown exec fifo: %w", err)
		}
	}
	fifo, err := os.OpenFile(fifoPath, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	cr.fifo = fifo
	cr.atExit(func() { fifo.Close() })
	return nil
}

// openExecFifo opens the fifo that init is blocked on and reads its byte,
// which releases init; it fails at once if init dies instead.
func openExecFifo(path string, pid int) error {
	// The pidfd comes first: once the fifo is open, init may run its
	// process, which may exit and be reaped at once (a shim reaps fast).
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("container init has exited: %w", err)
	}
	defer unix.Close(pidfd)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if os.IsNotExist(err) {
			return errors.New("cannot start an already running container")
		}
		return fmt.Errorf("open exec fifo: %w", err)
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		fds[0].Revents, fds[1].Revents = 0, 0
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return fmt.Errorf("wait for container init: %w", err)
		}
		if fds[0].Revents&unix.POLLIN != 0 {
			var b [1]byte
			n, err := unix.Read(fd, b[:])
			if err == unix.EAGAIN {
				continue
			}
			if n == 1 {
				// The fifo has done its work; its absence now means "running".
				if err := os.Remove(path); err != nil {
					return err
				}
				return waitWriterGone(fd)
			}
		}
		if fds[1].Revents != 0 || fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
			return errors.New("container init exited before the process could start")
		}
	}
}

// waitWriterGone waits for the end of file on the exec fifo: init holds
// its write end until it execs the user's process (or dies), after its
// startContainer hooks. Whatever init writes before that is why the
// process could not be started.
func waitWriterGone(fd int) error {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	var msg []byte
	b := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, b)
		if n > 0 {
			msg = append(msg, b[:n]...)
			continue
		}
		if n == 0 && err == nil {
			break
		}
		if err != nil && err != unix.EAGAIN && err != unix.EINTR {
			break
		}
		if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
			break
		}
	}
	if len(msg) > 0 {
		return fmt.Errorf("container process failed to start: %s", msg)
	}
	return nil
}

// Signal sends sig to the container's init, or with all to every process
// in its cgroup.
func (c *Container) Signal(sig unix.Signal, all bool) error {
	st := c.status()
	logrus.Debugf("signal %s (%s): %v (all processes: %v)", c.state.ID, st, sig, all)
	if all {
		return c.signalAll(sig)
	}
	if st == stopped {
		return errors.New("container not running")
	}
	if sig == unix.SIGKILL && !ocispec.HasNewNamespace(c.state.Config, specs.PIDNamespace) {
		// Without a pid namespace of its own, the death of init does not
		// take the other processes with it: kill them all, as runc does.
		return c.signalAll(sig)
	}
	if err := signalInit(c.state.InitPid, sig); err != nil {
		return err
	}
	if st == paused && sig == unix.SIGKILL {
		// A frozen process (cgroup v1) only dies once thawed; as runc,
		// thaw for SIGKILL so that the kill takes effect now.
		m, err := c.cgroupManager()
		if err != nil {
			return err
		}
		if err := m.Freeze("THAWED"); err != nil {
			return fmt.Errorf("thaw container after SIGKILL: %w", err)
		}
	}
	return nil
}

func signalInit(pid int, sig unix.Signal) error {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("container not running: %w", err)
	}
	defer unix.Close(pidfd)
	if err := unix.PidfdSendSignal(pidfd, sig, nil, 0); err != nil {
		return fmt.Errorf("unable to signal init: %w", err)
	}
	return nil
}

func (c *Container) signalAll(sig unix.Signal) error {
	m, err := c.cgroupManager()
	if err != nil {
		return err
	}
	if sig == unix.SIGKILL {
		if done, err := cgroup.KillAll(m); done || err != nil {
			return err
		}
	}
	pids, err := c.containerPids(m)
	if err != nil {
		return err
	}
	if sig == unix.SIGKILL || sig == unix.SIGSTOP {
		// Freeze first so nothing forks away while we kill.
		if err := m.Freeze("FROZEN"); err == nil {
			defer m.Freeze("THAWED")
			if pids, err = cgroup.Pids(m); err != nil {
				return err
			}
		}
	}
	for _, p := range pids {
		if err := unix.Kill(p, sig); err != nil && err != unix.ESRCH {
			return fmt.Errorf("signal %d to pid %d: %w", sig, p, err)
		}
	}
	return nil
}

// Pause freezes every process of a running container.
func (c *Container) Pause() error {
	switch st := c.status(); st {
	case running, created:
	default:
		return errors.New("container not running") // runc's words
	}
	m, err := c.cgroupManager()
	if err != nil {
		return err
	}
	if err := m.Freeze("FROZEN"); err != nil {
		return fmt.Errorf("freeze container: %w", err)
	}
	return nil
}

// Resume thaws a paused container.
func (c *Container) Resume() error {
	if c.status() != paused {
		return errors.New("container not paused") // runc's words
	}
	m, err := c.cgroupManager()
	if err != nil {
		return err
	}
	if err := m.Freeze("THAWED"); err != nil {
		return fmt.Errorf("thaw container: %w", err)
	}
	return nil
}

// Processes lists the host pids of the container's processes.
func (c *Container) Processes() ([]int, error) {
	m, err := c.cgroupManager()
	if err != nil {
		return nil, err
	}
	return c.containerPids(m)
}

// Destroy removes a container: with force a live one is killed first. The
// processes, the cgroups and the state directory all go.
func (c *Container) Destroy(force bool) error {
	defer timing.Phase("delete")()
	st := c.status()
	logrus.Debugf("delete %s (%s, force %v): stop its processes, remove its cgroups and state", c.state.ID, st, force)
	switch st {
	case stopped:
	case created:
		// Never started: it is ours to kill, as runc does.
		force = true
		fallthrough
	default:
		if !force {
			return fmt.Errorf("cannot delete container %s that is not stopped: %s", c.state.ID, st)
		}
	}
	if st != stopped {
		if !ocispec.HasNewNamespace(c.state.Config, specs.PIDNamespace) {
			// The other processes first: none may outlive init.
			c.signalAll(unix.SIGKILL)
		}
		if st == paused {
			// A frozen process takes its SIGKILL only once thawed.
			signalInit(c.state.InitPid, unix.SIGKILL)
			if m, err := c.cgroupManager(); err == nil {
				m.Freeze("THAWED")
			}
		}
		if err := killAndWait(c.state.InitPid); err != nil {
			return err
		}
	}
	return c.cleanup()
}

func (c *Container) cleanup() error {
	var errs []error
	if m, err := c.cgroupManager(); err == nil {
		// Without a pid namespace, processes may outlive init.
		if c.isPaused() {
			m.Freeze("THAWED")
		}
		if pids, _ := cgroup.Pids(m); len(pids) > 0 {
			c.signalAll(unix.SIGKILL)
		}
		if err := cgroup.Destroy(m); err != nil {
			errs = append(errs, err)
		}
	} else {
		errs = append(errs, err)
	}
	if err := c.dir.remove(); err != nil {
		errs = append(errs, fmt.Errorf("remove state: %w", err))
	}
	runRuntimeHooks(c.state, hooks.Poststop, stopped, 0, true)
	return errors.Join(errs...)
}

// killAndWait kills pid and waits until it is gone (reaped by whoever is its
// parent, or a zombie of a parent that is not us).
func killAndWait(pid int) error {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		if err == unix.ESRCH {
			return nil
		}
		return fmt.Errorf("open init pid %d: %w", pid, err)
	}
	defer unix.Close(pidfd)
	if err := unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0); err != nil && err != unix.ESRCH {
		return fmt.Errorf("kill init: %w", err)
	}
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 10000)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("wait for init: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("init pid %d did not die after SIGKILL", pid)
		}
		return nil
	}
}

func (c *Container) isPaused() bool {
	m, err := c.cgroupManager()
	if err != nil {
		return false
	}
	st, err := m.GetFreezerState()
	return err == nil && st == "FROZEN"
}
