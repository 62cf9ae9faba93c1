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
func (c *Container) Exec(eo *ExecOpts) (status int, err error) {
	defer timing.Phase("exec")()
	switch st := c.Status(); st {
	case Running, Created:
	case Paused:
		if !eo.IgnorePaused {
			return -1, errors.New("cannot exec in a paused container (use --ignore-paused to override)")
		}
		// The new process stays frozen in the container's cgroup until
		// the container is resumed: holding the lock until then would
		// keep `resume` from ever taking it.
		c.Close()
	default:
		return -1, fmt.Errorf("cannot exec in a stopped container")
	}
	proc := eo.Process
	if proc == nil || len(proc.Args) == 0 {
		return -1, errors.New("process args cannot be empty")
	}
	logrus.Debugf("exec in %s: %q", c.state.ID, proc.Args)
	if proc.Cwd == "" {
		proc.Cwd = "/"
	}
	if proc.Terminal && eo.Detach && eo.ConsoleSocket == "" {
		return -1, errors.New("cannot allocate tty if runc will detach without setting console socket")
	}
	if !proc.Terminal && eo.ConsoleSocket != "" {
		return -1, errors.New("cannot use console socket if runc will not detach or allocate tty")
	}
	if err := validateProcess(proc); err != nil {
		return -1, err
	}
	if err := validateProcessSched(proc); err != nil {
		return -1, invalidConfig(err)
	}
	if err := checkSubCgroups(eo.SubCgroups); err != nil {
		return -1, err
	}
	if err := checkSchedCpuset(c.state.Config, proc); err != nil {
		return -1, err
	}
	if err := validateProcessLSM(proc); err != nil {
		return -1, invalidConfig(err)
	}

	if !c.state.Rootless {
		go cgroup.WarmUp() // the process joins the container's cgroups
	}
	var sigc chan os.Signal
	signalsCaught := func() {}
	if !eo.Detach {
		// Caught before init starts (see catchSignals).
		sigc, signalsCaught = catchSignals()
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			return -1, err
		}
	}

	// The process's parent death signal follows the thread that starts it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	l, err := newInitCmd("/", eo.PreserveFDs)
	if err != nil {
		return -1, err
	}
	defer l.close()
	spec := *c.state.Config
	spec.Process = proc
	cfg := &wire.InitConfig{ID: c.state.ID, Exec: true, Spec: &spec, PreserveFDs: eo.PreserveFDs}
	var consoleParent *os.File
	if proc.Terminal {
		var conn *os.File
		if eo.ConsoleSocket != "" {
			if conn, err = dialConsoleSocket(eo.ConsoleSocket); err != nil {
				return -1, err
			}
		} else {
			fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return -1, err
			}
			consoleParent = os.NewFile(uintptr(fds[0]), "console-parent")
			defer consoleParent.Close()
			conn = os.NewFile(uintptr(fds[1]), "console-child")
		}
		defer conn.Close()
		cfg.ConsoleFd = l.nextFd(conn)
	}

	pidfdSock, err := dialPidfdSocket(eo.PidfdSocket)
	if err != nil {
		return -1, err
	}
	defer pidfdSock.close()
	boot := c.joinBootstrap()
	signalsCaught()
	if err := l.start(); err != nil {
		return -1, fmt.Errorf("start init: %w", err)
	}
	// From here on, as runc: "unable to start container process: ...",
	// after what init had to say.
	starting := true
	defer func() {
		if err != nil && starting {
			l.logs.wait()
			err = startError(err)
		}
	}()
	stageTimer := timing.Phase("nsexec")
	pid, err := runStage(l.sock, boot, &spec)
	stageTimer()
	if err != nil {
		l.cmd.Process.Kill() // it may be waiting for an answer
	}
	if werr := l.cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("init's C stage: %w", werr)
	}
	if err != nil {
		return -1, err
	}
	fail := func(err error) (int, error) {
		unix.Kill(pid, unix.SIGKILL)
		unix.Wait4(pid, nil, 0, nil)
		return -1, err
	}
	if err := pidfdSock.open(pid); err != nil {
		return fail(err)
	}
	if err := setInitialAffinity(pid, proc); err != nil {
		return fail(err)
	}
	// Into the container's cgroups before the process can run anything.
	m, err := c.cgroupManager()
	if err != nil {
		return fail(err)
	}
	if eo.SubCgroups != nil {
		if err := joinSubCgroups(m.GetPaths(), eo.SubCgroups, pid); err != nil {
			return fail(err)
		}
	} else if err := applyCgroup(m, pid, &spec); err != nil {
		return fail(fmt.Errorf("join the container's cgroup: %w", err))
	}
	if err := resetAffinity(pid); err != nil {
		return fail(err)
	}
	if err := sendJSON(l.sock, cfg); err != nil {
		return fail(err)
	}
	if err := parentSync(l.sock, nil, seccompAgent(c.state, specs.ContainerState(c.Status()), pid), nil); err != nil {
		return fail(err)
	}
	l.logs.wait()
	starting = false
	logrus.Debugf("exec: process %d started", pid)
	var tty *ttyProxy
	if consoleParent != nil {
		if tty, err = newTTYProxy(consoleParent); err != nil {
			return fail(err)
		}
		defer tty.close()
	}
	if eo.PidFile != "" {
		if err := WritePidFile(eo.PidFile, pid); err != nil {
			return fail(fmt.Errorf("write pid file: %w", err))
		}
	}
	if err := pidfdSock.send(pidfdKindExec); err != nil {
		return fail(err)
	}
	pidfdSock.close()
	if eo.Detach {
		return 0, nil
	}
	c.Close() // do not make other commands wait while the process runs
	status = forwardAndWait(pid, sigc, tty)
	logrus.Debugf("exec: process %d exited with status %d", pid, status)
	if tty != nil {
		tty.wait()
	}
	return status, nil
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
