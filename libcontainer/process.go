package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/ocirun/runc/libcontainer/cgroup"
	"github.com/ocirun/runc/libcontainer/internal/hooks"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/ocirun/runc/libcontainer/nsenter"
	"github.com/ocirun/runc/libcontainer/userns"
	"github.com/ocirun/runc/libcontainer/wire"
	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// CreateOpts are the inputs of `create` and `run`.
type CreateOpts struct {
	ID            string
	Bundle        string // absolute path of the bundle directory
	Spec          *specs.Spec
	PidFile       string
	ConsoleSocket string
	PidfdSocket   string // --pidfd-socket: gets a pidfd of init
	NoPivot       bool
	NoNewKeyring  bool
	PreserveFDs   int
	// NoSubreaper keeps the foreground `run` from becoming the subreaper
	// of the container's orphans (run --no-subreaper).
	NoSubreaper bool
	// ListenFDs is the number of socket-activation descriptors (from 3 on,
	// before the preserved ones) handed to the container with LISTEN_FDS.
	ListenFDs int
	// NotifySocket is the host's NOTIFY_SOCKET, if any: the container gets
	// a socket of its own whose messages are relayed there.
	NotifySocket string
	// consoleConn, when set, is the socket init sends the pty master to
	// (the foreground `run` makes one itself).
	consoleConn *os.File
	// signalsCaught, when set, returns once the foreground `run` catches
	// every signal; nothing is made before (see catchSignals).
	signalsCaught func()
}

// Create does every step of container creation and leaves its init blocked
// on the exec fifo. On failure nothing is left behind.
func Create(opts Options, co *CreateOpts) (c *Container, err error) {
	defer timing.Phase("create")()
	logrus.Debugf("create %s: bundle %s, root %s", co.ID, co.Bundle, opts.Root)
	// init's parent death signal follows the thread that starts it: keep
	// that thread alive (a locked thread only ends with its goroutine).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	spec := co.Spec
	if err := validateSpec(spec); err != nil {
		return nil, invalidConfig(err)
	}
	warnSpec(spec)
	if os.Geteuid() != 0 {
		if err := userns.ValidateRootless(spec); err != nil {
			return nil, err
		}
	}
	if err := userns.CheckJoin(spec); err != nil {
		return nil, err
	}
	if err := checkNetDevices(spec, opts.Rootless); err != nil {
		return nil, err
	}
	if spec.Process.Terminal && co.ConsoleSocket == "" && co.consoleConn == nil {
		return nil, errors.New("cannot allocate tty if runc will detach without setting console socket")
	}
	if !spec.Process.Terminal && co.ConsoleSocket != "" {
		return nil, errors.New("cannot use console socket if runc will not detach or allocate tty")
	}
	if !opts.Rootless {
		go cgroup.WarmUp()
	}
	// Only computes paths (or checks for systemd): fails before anything is made.
	m, err := cgroup.NewManager(co.ID, spec, opts.Systemd, opts.Rootless)
	if err != nil {
		return nil, err
	}
	cgroup.LogManager(m, opts.Systemd)
	rootfs, err := resolveRootfs(co.Bundle, spec)
	if err != nil {
		return nil, err
	}

	if co.signalsCaught != nil {
		co.signalsCaught()
	}
	if co.ListenFDs > 0 {
		spec.Process.Env = append(spec.Process.Env, "LISTEN_FDS="+strconv.Itoa(co.ListenFDs), "LISTEN_PID=1")
	}
	if c, err = newContainer(opts, co, rootfs, m); err != nil {
		return nil, err
	}
	dir, st := c.dir, c.state
	// What delete needs if we are killed before the state is saved.
	saveRecovery := func() error {
		r := *st
		r.CgroupPaths = maps.Clone(m.GetPaths())
		if err := dir.saveRecovery(&r); err != nil {
			return fmt.Errorf("save recovery record: %w", err)
		}
		return nil
	}
	var initPid int
	var l *initCmd
	starting := false
	defer func() {
		if err != nil {
			if initPid > 0 {
				killAndWait(initPid)
				unix.Wait4(initPid, nil, unix.WNOHANG, nil)
			}
			if l != nil {
				l.logs.wait() // init's last words come before ours
			}
			if starting {
				err = startError(err)
			}
			c.cleanup()
			dir.close()
			c = nil
		}
	}()

	if co.NotifySocket != "" {
		if err := setupNotifyMount(spec, dir.path); err != nil {
			return c, err
		}
	}
	fifoPath := filepath.Join(dir.path, fifoName)
	if err := unix.Mkfifo(fifoPath, 0o622); err != nil {
		return c, fmt.Errorf("create exec fifo: %w", err)
	}
	// init writes it as the container's root, which may be another host uid.
	if err := os.Chmod(fifoPath, 0o622); err != nil {
		return c, err
	}
	if uid, gid := hostRootIDs(spec); uid != 0 || gid != 0 {
		// Without privilege the chown may be refused (root mapped to a
		// subordinate id): the fifo is writable by all anyway.
		if err := os.Chown(fifoPath, uid, gid); err != nil && os.Geteuid() == 0 {
			return c, fmt.Errorf("chown exec fifo: %w", err)
		}
	}
	fifo, err := os.OpenFile(fifoPath, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return c, fmt.Errorf("open exec fifo: %w", err)
	}
	defer fifo.Close()

	passFDs := co.ListenFDs + co.PreserveFDs
	l, err = newInitCmd(rootfs, passFDs)
	if err != nil {
		return c, err
	}
	defer l.close()
	cmd, parentSock, nextFd := l.cmd, l.sock, l.nextFd
	cfg := &wire.InitConfig{
		ID:           co.ID,
		Spec:         spec,
		Rootfs:       rootfs,
		Bundle:       co.Bundle,
		NoPivot:      co.NoPivot,
		NoNewKeyring: co.NoNewKeyring,
		PreserveFDs:  passFDs,
		FifoFd:       nextFd(fifo),
	}
	if spec.Process.Terminal {
		conn := co.consoleConn
		if conn == nil {
			if conn, err = dialConsoleSocket(co.ConsoleSocket); err != nil {
				return c, err
			}
			defer conn.Close()
		}
		cfg.ConsoleFd = nextFd(conn)
	}
	boot, err := namespaceBootstrap(spec)
	if err != nil {
		return c, err
	}
	if err := boot.planUserns(spec); err != nil {
		return c, err
	}
	pidfdSock, err := dialPidfdSocket(co.PidfdSocket)
	if err != nil {
		return c, err
	}
	defer pidfdSock.close()
	if err := saveRecovery(); err != nil {
		return c, err
	}
	if err := l.start(); err != nil {
		return c, fmt.Errorf("start init: %w", err)
	}
	starting = true
	stageDone := false
	defer func() {
		if !stageDone {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	// A new cgroup namespace is rooted at the cgroup its creator is in, so
	// then the C stage must be in the container's cgroup before it unshares.
	// Otherwise init joins it while its Go runtime starts, off the critical
	// path (it cannot run anything before it is told to go on).
	// Rootless, it is done early too: the cgroup mounts are planned from
	// the cgroups that could be joined.
	early := ocispec.HasNewNamespace(spec, specs.CgroupNamespace) || opts.Rootless
	if early {
		if err := applyCgroup(m, cmd.Process.Pid, spec); err != nil {
			return c, fmt.Errorf("apply cgroup: %w", err)
		}
	}
	stageTimer := timing.Phase("nsexec")
	initPid, err = runStage(parentSock, boot, spec)
	stageTimer()
	stageDone = true
	if err != nil {
		cmd.Process.Kill() // it may be waiting for an answer (its id maps)
	}
	if werr := cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("init's C stage: %w", werr)
	}
	if err != nil {
		return c, err
	}
	st.InitPid = initPid
	// Before init hears from us: nothing of the container's runs yet.
	if err := moveNetDevices(spec, initPid); err != nil {
		return c, err
	}
	if err := pidfdSock.open(initPid); err != nil {
		return c, err
	}
	if err := setInitialAffinity(initPid, spec.Process); err != nil {
		return c, err
	}
	if st.InitStart, _, err = procStat(initPid); err != nil {
		return c, fmt.Errorf("read init start time: %w", err)
	}
	if err := saveRecovery(); err != nil {
		return c, err
	}
	if !early {
		// The cgroup directories must exist before init bind-mounts them.
		for _, p := range m.GetPaths() {
			os.MkdirAll(p, 0o755)
		}
	}
	planm := m
	if opts.Rootless {
		planm = joinedCgroups{m}
	}
	if cfg.CgroupMounts, err = cgroupMountsFor(planm, spec); err != nil {
		return c, err
	}
	cfg.HostDevices = ocispec.HasNamespace(spec, specs.UserNamespace)
	// Joining the container's mount namespace takes privilege.
	cfg.RuntimeSources = os.Geteuid() == 0
	sources := newMountSourcer(spec, co.Bundle, initPid)
	defer sources.close()
	if len(hooks.Of(spec, hooks.CreateContainer)) > 0 || len(hooks.Of(spec, hooks.StartContainer)) > 0 {
		cfg.HookState = hookState(st, Creating, initPid)
	}
	if err := sendJSON(parentSock, cfg); err != nil {
		return c, err
	}
	if !early {
		// Joining a v1 cgroup waits for an RCU grace period (milliseconds):
		// let init set up its mounts meanwhile. It cannot run anything of
		// the container's before it is told to go on, after this.
		if err := applyCgroup(m, initPid, spec); err != nil {
			return c, fmt.Errorf("apply cgroup: %w", err)
		}
	}
	// In its cgroups: the initial affinity has done its work.
	if err := resetAffinity(initPid); err != nil {
		return c, err
	}
	st.CgroupPaths = maps.Clone(m.GetPaths())
	if opts.Rootless {
		pruneMissingCgroups(st.CgroupPaths)
	}
	cgcfg, err := m.GetCgroups()
	if err != nil {
		return c, err
	}
	onReady := func() error {
		setDone := timing.Phase("cgroup-resources")
		if err := m.Set(cgcfg.Resources); err != nil {
			return fmt.Errorf("set cgroup resources: %w", err)
		}
		setDone()
		// The runtime's own hooks, after the mounts and before pivot_root.
		if err := runRuntimeHooks(st, hooks.Prestart, Creating, initPid, false); err != nil {
			return err
		}
		return runRuntimeHooks(st, hooks.CreateRuntime, Creating, initPid, false)
	}
	// Saved while init waits: from then on it may outlive us.
	onCreated := func() error {
		if err := dir.save(st); err != nil {
			return fmt.Errorf("save state: %w", err)
		}
		return nil
	}
	if err := parentSyncCreate(parentSock, onReady, onCreated, seccompAgent(st, specs.StateCreating, initPid), sources.source); err != nil {
		if err == errInitExited {
			err = initExitReason(initPid, m)
		}
		return c, err
	}
	l.logs.wait()
	starting = false
	logrus.Debugf("container %s created, init pid %d", co.ID, initPid)
	if err := pidfdSock.send(pidfdKindInit); err != nil {
		return c, err
	}
	if co.PidFile != "" {
		if err := WritePidFile(co.PidFile, initPid); err != nil {
			return c, fmt.Errorf("write pid file: %w", err)
		}
	}
	return c, nil
}

func sendJSON(sock *os.File, cfg *wire.InitConfig) error {
	if err := json.NewEncoder(sock).Encode(cfg); err != nil {
		return fmt.Errorf("send config to init: %w", err)
	}
	return nil
}

// initCmd is a `runc init` about to be started: the command, both ends of
// its socket, and the sealed binary it runs from.
type initCmd struct {
	cmd         *stageCmd
	sock, child *os.File
	exe         *os.File
	// The log pipe (see logpipe.go): init writes, the runtime relays.
	logR, logW *os.File
	logs       *logRelay
}

// newInitCmd prepares `runc init` with the caller's stdio, fds 3..3+N-1
// preserved, and the init socket after them.
func newInitCmd(dir string, preserveFDs int) (*initCmd, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("init socketpair: %w", err)
	}
	// Our end non-blocking: reads and writes wait in the Go runtime's
	// poller, not in a blocked system call that its monitor thread polls
	// every 20 µs and hands the processor away from (more threads and
	// wake-ups while init works). init's end stays blocking.
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, fmt.Errorf("init socketpair: %w", err)
	}
	l := &initCmd{sock: os.NewFile(uintptr(fds[0]), "init-parent"), child: os.NewFile(uintptr(fds[1]), "init-child")}
	if l.exe, err = sealedSelf(); err != nil {
		l.close()
		return nil, err
	}
	l.cmd = &stageCmd{
		Path:   "/proc/self/exe",
		Exe:    l.exe,
		Args:   []string{"runc", "init"},
		Dir:    dir,
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
	}
	// Each preserved fd must have come from our caller: a descriptor the
	// runtime opened itself in the meantime must never reach the container.
	for i := 0; i < preserveFDs; i++ {
		if !nsenter.OpenAtStartup(3 + i) {
			l.close()
			return nil, fmt.Errorf("file descriptor %d (of %d to pass on: $LISTEN_FDS + --preserve-fds) was not passed to runc", 3+i, preserveFDs)
		}
		l.cmd.ExtraFiles = append(l.cmd.ExtraFiles, os.NewFile(uintptr(3+i), "preserved-fd"))
	}
	// Descriptors our caller left open without close-on-exec (a shell's,
	// a shim's) are not the container's: only the preserved ones pass.
	// init would otherwise hold them while it waits for start, where the
	// container's processes could reach them through /proc/<pid>/fd.
	unix.CloseRange(uint(3+preserveFDs), ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	// GOMAXPROCS=1: init does one thing at a time, and with one P its Go
	// runtime starts fewer threads and touches less memory (150 fewer
	// page faults per start). Go's cgroup-aware GOMAXPROCS (Go 1.25+)
	// opens the cpu limit files of the cgroup that init starts in, the
	// caller's, and keeps them open for good: containermaxprocs=0 has the
	// runtime close them at once. init clears its environment before
	// anything of the container's runs.
	l.cmd.Env = []string{wire.EnvInitPipe + "=" + strconv.Itoa(l.nextFd(l.child)), "GOMAXPROCS=1", "GODEBUG=containermaxprocs=0"}
	if l.logR, l.logW, err = os.Pipe(); err != nil {
		l.close()
		return nil, fmt.Errorf("init log pipe: %w", err)
	}
	l.cmd.Env = append(l.cmd.Env, wire.EnvLogPipe+"="+strconv.Itoa(l.nextFd(l.logW)),
		wire.EnvLogLevel+"="+strconv.Itoa(int(logrus.GetLevel())))
	return l, nil
}

// start starts `runc init`, gives up the runtime's copies of init's ends
// and relays init's log lines.
func (l *initCmd) start() error {
	logrus.Debugf("starting runc init (%s)", l.cmd.Path)
	if err := l.cmd.Start(); err != nil {
		return err
	}
	l.child.Close()
	l.logW.Close()
	l.logs = relayLogs(l.logR)
	l.logR = nil
	return nil
}

// nextFd passes f to init and returns its number there.
func (l *initCmd) nextFd(f *os.File) int {
	l.cmd.ExtraFiles = append(l.cmd.ExtraFiles, f)
	return 2 + len(l.cmd.ExtraFiles)
}

func (l *initCmd) close() {
	l.sock.Close()
	l.child.Close()
	if l.logR != nil {
		l.logR.Close()
	}
	if l.logW != nil {
		l.logW.Close()
	}
	if l.exe != nil {
		l.exe.Close()
	}
}

// parentSync drives init from its "ready" (mounts done, before pivot_root)
// to the close of the socket (everything done, init blocked on the fifo).
// onReady applies the resources and runs the runtime's hooks; seccompAgent
// takes the listener of a filter with SCMP_ACT_NOTIFY rules.
func parentSync(sock *os.File, onReady func() error, seccompAgent func(*os.File) error, mountSource func(string) (*os.File, error)) error {
	return parentSyncCreate(sock, onReady, nil, seccompAgent, mountSource)
}

// parentSyncCreate is parentSync for create: onCreated saves the state
// when init says it is done (wire.SyncCreated); an init that goes away before
// that has failed (errInitExited).
func parentSyncCreate(sock *os.File, onReady, onCreated func() error, seccompAgent func(*os.File) error, mountSource func(string) (*os.File, error)) error {
	created := false
	r := newSyncReader(sock)
	defer r.close()
	dec := json.NewDecoder(r)
	for {
		var msg wire.SyncMsg
		if err := dec.Decode(&msg); err != nil {
			if err == io.EOF {
				if onCreated != nil && !created {
					return errInitExited
				}
				return nil
			}
			return fmt.Errorf("read from init: %w", err)
		}
		switch msg.Type {
		case wire.SyncError:
			return &initError{errors.New(msg.Message)}
		case wire.SyncReady:
			if onReady == nil {
				return errors.New("unexpected ready message from init")
			}
			if err := onReady(); err != nil {
				return &initError{err}
			}
			if err := json.NewEncoder(sock).Encode(wire.SyncMsg{Type: wire.SyncContinue}); err != nil {
				return fmt.Errorf("write to init: %w", err)
			}
		case wire.SyncMountSource:
			if mountSource == nil {
				return errors.New("unexpected mount source request from init")
			}
			f, err := mountSource(msg.Message)
			err = wire.AnswerMountSource(sock, f, err)
			if f != nil {
				f.Close()
			}
			if err != nil {
				return err
			}
		case wire.SyncSeccompFd:
			if err := handleSeccompFd(r, seccompAgent); err != nil {
				return &initError{err}
			}
		case wire.SyncCreated:
			if onCreated == nil || created {
				return errors.New("unexpected created message from init")
			}
			if err := onCreated(); err != nil {
				return err
			}
			created = true
			if err := json.NewEncoder(sock).Encode(wire.SyncMsg{Type: wire.SyncContinue}); err != nil {
				return fmt.Errorf("write to init: %w", err)
			}
		default:
			return fmt.Errorf("unexpected message %q from init", msg.Type)
		}
	}
}

func cgroupMountsFor(m cgroups.Manager, spec *specs.Spec) (map[int][]wire.CgroupMountOp, error) {
	var out map[int][]wire.CgroupMountOp
	for i, mnt := range spec.Mounts {
		if mnt.Type != "cgroup" && mnt.Type != "cgroup2" {
			continue
		}
		ops, err := cgroup.MountPlan(m, mnt.Destination, mnt.Options, ocispec.HasNewNamespace(spec, specs.CgroupNamespace))
		if err != nil {
			return nil, fmt.Errorf("plan cgroup mount at %s: %w", mnt.Destination, err)
		}
		if out == nil {
			out = map[int][]wire.CgroupMountOp{}
		}
		out[i] = make([]wire.CgroupMountOp, len(ops))
		for j, op := range ops {
			out[i][j] = wire.CgroupMountOp(op)
		}
	}
	return out, nil
}

// hostRootIDs returns the host uid and gid of the container's root.
func hostRootIDs(spec *specs.Spec) (int, int) {
	if !ocispec.HasNewNamespace(spec, specs.UserNamespace) {
		return 0, 0
	}
	find := func(m []specs.LinuxIDMapping) int {
		for _, e := range m {
			if e.ContainerID == 0 {
				return int(e.HostID)
			}
		}
		return 0
	}
	return find(spec.Linux.UIDMappings), find(spec.Linux.GIDMappings)
}

// setInitialAffinity pins init to execCPUAffinity.initial while it
// joins the container's cgroups; then its affinity is reset to the
// cpuset's, and the final affinity, if any, is set just before it execs.
func setInitialAffinity(pid int, p *specs.Process) error {
	if a := p.ExecCPUAffinity; a != nil && a.Initial != "" {
		logrus.Debugf("set initial CPU affinity of pid %d to %s", pid, a.Initial)
		if err := ocispec.SetAffinity(pid, a.Initial); err != nil {
			return fmt.Errorf("set initial CPU affinity %q: %w", a.Initial, err)
		}
	}
	return nil
}

func dialConsoleSocket(path string) (*os.File, error) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("connect to console socket %s: %w", path, err)
	}
	defer conn.Close()
	f, err := conn.(*net.UnixConn).File()
	if err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	return f, nil
}

func currentOwner() string {
	uid := os.Geteuid()
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return "#" + strconv.Itoa(uid)
}

// resolveRootfs is the container's root directory: root.path, relative to
// the bundle, with its symlinks resolved.
func resolveRootfs(bundle string, spec *specs.Spec) (string, error) {
	rootfs := spec.Root.Path
	if !filepath.IsAbs(rootfs) {
		rootfs = filepath.Join(bundle, rootfs)
	}
	if fi, err := os.Stat(rootfs); err != nil {
		return "", fmt.Errorf("invalid rootfs: %w", err)
	} else if !fi.IsDir() {
		return "", fmt.Errorf("invalid rootfs: %s is not a directory", rootfs)
	}
	rootfs, err := filepath.EvalSymlinks(rootfs)
	if err != nil {
		return "", fmt.Errorf("invalid rootfs: %w", err)
	}
	return rootfs, nil
}

// newContainer makes the state directory of co.ID (for create and
// restore) and the container's first state, after checking that its
// cgroups hold no process (before anything could kill or remove what is
// in them). On failure nothing is left.
func newContainer(opts Options, co *CreateOpts, rootfs string, m cgroups.Manager) (*Container, error) {
	dir, err := newStateDir(opts.Root, co.ID)
	if err != nil {
		return nil, err
	}
	if err := cgroup.CheckUnused(m); err != nil {
		dir.remove()
		dir.close()
		return nil, err
	}
	st := &State{
		ID:       co.ID,
		Created:  time.Now().UTC(),
		Bundle:   co.Bundle,
		Rootfs:   rootfs,
		Owner:    currentOwner(),
		Systemd:  opts.Systemd,
		Rootless: opts.Rootless,
		Config:   co.Spec,
	}
	return &Container{opts: opts, dir: dir, state: st, cgm: m}, nil
}
