package libcontainer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/ocirun/runc/libcontainer/cgroup"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/ocirun/runc/libcontainer/wire"
	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// ExecOpts are the inputs of `exec`.
type ExecOpts struct {
	Process       *specs.Process
	Detach        bool
	PidFile       string
	ConsoleSocket string
	PidfdSocket   string // --pidfd-socket: gets a pidfd of the process
	PreserveFDs   int
	IgnorePaused  bool
	// SubCgroups puts the process in existing sub-cgroups of the
	// container's: controller -> path ("" for every controller).
	SubCgroups map[string]string
}

// Exec runs another process in the container: it joins every namespace of
// the container's init and its cgroups. In the foreground it forwards
// signals (and the terminal) and returns the process's exit status.
//
// The stages, in order: check the container's status, the process and the
// options; catch signals; then `runc init` with its console and pidfd
// socket, its start and the C stage that joins the namespaces; then, with
// the process killed on failure: its pidfd and affinity, the container's
// cgroups, its config and the sync with it, the terminal, the pid file and
// the pidfd; last, in the foreground, the wait.
func (c *Container) Exec(eo *ExecOpts) (status int, err error) {
	defer timing.Phase("exec")()
	if err := c.checkExecStatus(eo.IgnorePaused); err != nil {
		return -1, err
	}
	proc := eo.Process
	if proc == nil || len(proc.Args) == 0 {
		return -1, errors.New("process args cannot be empty")
	}
	logrus.Debugf("exec in %s: %q", c.state.ID, proc.Args)
	if proc.Cwd == "" {
		proc.Cwd = "/"
	}
	if err := checkExec(c.state.Config, eo); err != nil {
		return -1, err
	}

	if !c.state.Rootless {
		go cgroup.WarmUp() // the process joins the container's cgroups
	}
	x := &execution{c: c, eo: eo, errp: &err, signalsCaught: func() {}}
	var sigc chan os.Signal
	if !eo.Detach {
		// Caught before init starts (see catchSignals).
		sigc, x.signalsCaught = catchSignals()
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			return -1, err
		}
	}

	// The process's parent death signal follows the thread that starts it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer x.finish()
	for _, stage := range []func() error{
		x.prepareInit,  // runc init and its config
		x.passConsole,  // the console socket, or a pair of our own
		x.connectPidfd, // the --pidfd-socket
		x.startInit,    // signals caught, then runc init
		x.runCStage,    // the C stage joins the namespaces: the pid
	} {
		if err := stage(); err != nil {
			return -1, err
		}
	}
	for _, stage := range []func() error{
		x.adoptProcess, // its pidfd and initial affinity
		x.joinCgroups,  // before it can run anything
		x.syncInit,     // its config, then the sync until it is set up
		x.attachTTY,    // our terminal relayed to its pty
		x.handOver,     // pid file, pidfd to the supervisor
	} {
		if err := stage(); err != nil {
			return x.fail(err)
		}
	}
	if eo.Detach {
		return 0, nil
	}
	c.Close() // do not make other commands wait while the process runs
	status = forwardAndWait(x.pid, sigc, x.tty)
	logrus.Debugf("exec: process %d exited with status %d", x.pid, status)
	if x.tty != nil {
		x.tty.wait()
	}
	return status, nil
}

// checkExecStatus refuses to exec in a container that is not running or
// created, or paused without ignorePaused.
func (c *Container) checkExecStatus(ignorePaused bool) error {
	switch st := c.status(); st {
	case running, created:
	case paused:
		if !ignorePaused {
			return errors.New("cannot exec in a paused container (use --ignore-paused to override)")
		}
		// The new process stays frozen in the container's cgroup until
		// the container is resumed: holding the lock until then would
		// keep `resume` from ever taking it.
		c.Close()
	default:
		return fmt.Errorf("cannot exec in a stopped container")
	}
	return nil
}

// execution is a process being exec'd: what the stages of Exec share.
type execution struct {
	c    *Container
	eo   *ExecOpts
	errp *error // Exec's error, for what runs when it returns
	// closers release what the stages opened when Exec returns.
	closers

	signalsCaught func()
	l             *initCmd
	spec          specs.Spec // the container's config with the process
	cfg           *wire.InitConfig
	consoleParent *os.File // our end of the console pair, if we made one
	pidfdSock     *pidfdSender
	boot          *bootstrap
	// starting: a failure is one "to start the container process".
	starting bool
	pid      int
	tty      *ttyProxy
}

func (x *execution) finish() { x.closeAll() }

// fail kills the process, which has not run anything of its own yet.
func (x *execution) fail(err error) (int, error) {
	unix.Kill(x.pid, unix.SIGKILL)
	unix.Wait4(x.pid, nil, 0, nil)
	return -1, err
}

// prepareInit makes `runc init` (with the preserved fds) and its config:
// the container's with the process.
func (x *execution) prepareInit() error {
	l, err := newInitCmd("/", x.eo.PreserveFDs)
	if err != nil {
		return err
	}
	x.l = l
	x.atExit(l.close)
	x.spec = *x.c.state.Config
	x.spec.Process = x.eo.Process
	x.cfg = &wire.InitConfig{ID: x.c.state.ID, Exec: true, Spec: &x.spec, PreserveFDs: x.eo.PreserveFDs}
	return nil
}

// passConsole gives init the socket it sends the pty master to: the
// --console-socket, or one end of a pair whose other end we relay.
func (x *execution) passConsole() error {
	if !x.eo.Process.Terminal {
		return nil
	}
	var conn *os.File
	if x.eo.ConsoleSocket != "" {
		var err error
		if conn, err = dialConsoleSocket(x.eo.ConsoleSocket); err != nil {
			return err
		}
	} else {
		consoleParent, child, err := consolePair()
		if err != nil {
			return err
		}
		x.consoleParent = consoleParent
		x.atExit(func() { consoleParent.Close() })
		conn = child
	}
	x.atExit(func() { conn.Close() })
	x.cfg.ConsoleFd = x.l.nextFd(conn)
	return nil
}

// connectPidfd connects to the --pidfd-socket before init starts.
func (x *execution) connectPidfd() error {
	pidfdSock, err := dialPidfdSocket(x.eo.PidfdSocket)
	if err != nil {
		return err
	}
	x.pidfdSock = pidfdSock
	x.atExit(pidfdSock.close)
	return nil
}

// startInit starts `runc init` once signals are caught: from here on a
// failure is one to start the container process.
func (x *execution) startInit() error {
	x.boot = x.c.joinBootstrap()
	x.signalsCaught()
	if err := x.l.start(); err != nil {
		return fmt.Errorf("start init: %w", err)
	}
	// From here on, as runc: "unable to start container process: ...",
	// after what init had to say.
	x.starting = true
	x.atExit(func() {
		if *x.errp != nil && x.starting {
			x.l.logs.wait()
			*x.errp = startError(*x.errp)
		}
	})
	return nil
}

// runCStage runs the C stage, which joins the init's namespaces and
// reports the process's pid.
func (x *execution) runCStage() (err error) {
	stageTimer := timing.Phase("nsexec")
	x.pid, err = runStage(x.l.sock, x.boot, &x.spec)
	stageTimer()
	if err != nil {
		x.l.cmd.Process.Kill() // it may be waiting for an answer
	}
	if werr := x.l.cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("init's C stage: %w", werr)
	}
	return err
}

// adoptProcess takes the process's pidfd and gives it its initial affinity.
func (x *execution) adoptProcess() error {
	if err := x.pidfdSock.open(x.pid); err != nil {
		return err
	}
	return setInitialAffinity(x.pid, x.eo.Process)
}

// joinCgroups puts the process in the container's cgroups (or the
// --cgroup sub-cgroups) before it can run anything.
func (x *execution) joinCgroups() error {
	// Into the container's cgroups before the process can run anything.
	m, err := x.c.cgroupManager()
	if err != nil {
		return err
	}
	if x.eo.SubCgroups != nil {
		if err := joinSubCgroups(m.GetPaths(), x.eo.SubCgroups, x.pid); err != nil {
			return err
		}
	} else if err := applyCgroup(m, x.pid, &x.spec); err != nil {
		return fmt.Errorf("join the container's cgroup: %w", err)
	}
	return resetAffinity(x.pid)
}

// syncInit sends init its config and answers it until it is set up.
func (x *execution) syncInit() error {
	c, pid := x.c, x.pid
	if err := sendJSON(x.l.sock, x.cfg); err != nil {
		return err
	}
	if err := parentSync(x.l.sock, nil, seccompAgent(c.state, specs.ContainerState(c.status()), pid), nil); err != nil {
		return err
	}
	x.l.logs.wait()
	x.starting = false
	logrus.Debugf("exec: process %d started", pid)
	return nil
}

// attachTTY relays our terminal to the process's pty, when we made the
// console pair.
func (x *execution) attachTTY() (err error) {
	if x.consoleParent != nil {
		if x.tty, err = newTTYProxy(x.consoleParent); err != nil {
			return err
		}
		x.atExit(x.tty.close)
	}
	return nil
}

// handOver writes the pid file and gives the supervisor its pidfd.
func (x *execution) handOver() error {
	if x.eo.PidFile != "" {
		if err := writePidFile(x.eo.PidFile, x.pid); err != nil {
			return fmt.Errorf("write pid file: %w", err)
		}
	}
	if err := x.pidfdSock.send(pidfdKindExec); err != nil {
		return err
	}
	x.pidfdSock.close()
	return nil
}

// writeCgroupProc is replaced in unit tests (the library checks that it
// writes to a cgroup filesystem).
var writeCgroupProc = cgroups.WriteCgroupProc

// joinSubCgroups moves pid into sub-cgroups of the container's cgroups
// (paths: controller -> directory; "" is the cgroup v2 directory). A path
// stays below the container's cgroup whatever its "..", and must exist.
func joinSubCgroups(paths, sub map[string]string, pid int) error {
	v2 := len(paths) == 1 && paths[""] != ""
	for c := range sub {
		if c == "" {
			continue
		}
		if v2 {
			return fmt.Errorf("--cgroup %s:...: controllers cannot be named on cgroup v2", c)
		}
		if _, ok := paths[c]; !ok {
			return fmt.Errorf("--cgroup: the container has no cgroup for controller %q", c)
		}
	}
	if err := checkSubCgroups(sub); err != nil {
		return err
	}
	type move struct{ ctrl, dir string }
	var plain, named []move
	for c, dir := range paths {
		p, ok := sub[c]
		if !ok {
			p, ok = sub[""]
		}
		if ok {
			dir = filepath.Join(dir, p)
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return fmt.Errorf("--cgroup: cgroup %s does not exist", dir)
			}
		}
		if _, explicit := sub[c]; explicit {
			named = append(named, move{c, dir})
		} else {
			plain = append(plain, move{c, dir})
		}
	}
	// Controllers that share a hierarchy (cpu,cpuacct) share one cgroup: a
	// path named for one of them wins, so it is written last.
	sort.Slice(plain, func(i, j int) bool { return plain[i].ctrl < plain[j].ctrl })
	sort.Slice(named, func(i, j int) bool { return named[i].ctrl < named[j].ctrl })
	for _, mv := range append(plain, named...) {
		if err := writeCgroupProc(mv.dir, pid); err != nil {
			return fmt.Errorf("join cgroup %s: %w", mv.dir, err)
		}
	}
	return nil
}

// checkSubCgroups refuses a sub-cgroup path that leads out of the
// container's cgroup (".." above it), as runc does.
func checkSubCgroups(sub map[string]string) error {
	const base = "/container"
	for _, p := range sub {
		if j := filepath.Join(base, p); j != base && !strings.HasPrefix(j, base+"/") {
			return fmt.Errorf("bad sub cgroup path: %s", p)
		}
	}
	return nil
}

// joinBootstrap asks the C stage to join every namespace of the init, and
// to give the process the container's oom_score_adj, as runc does (not the
// one of process.json, nor the caller's: a shim's score is not the
// container's).
func (c *Container) joinBootstrap() *bootstrap {
	b := &bootstrap{}
	base := "/proc/" + strconv.Itoa(c.state.InitPid) + "/ns/"
	for _, ns := range c.state.Config.Linux.Namespaces {
		if info, ok := nsInfo[ns.Type]; ok {
			b.add(recNsPath, []byte(info.file+":"+base+info.file))
		}
	}
	if p := c.state.Config.Process; p != nil && p.OOMScoreAdj != nil {
		b.add(recOOMScoreAdj, []byte(strconv.Itoa(*p.OOMScoreAdj)))
	}
	b.add(recCloneFlags, binary.NativeEndian.AppendUint32(nil, 0))
	return b
}
