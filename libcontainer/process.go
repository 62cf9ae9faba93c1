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
//
// The stages, in order: check the config and the options; plan the
// cgroups and find the rootfs (nothing is made before these pass); make
// the state directory and the first state; then, undone on failure: the
// notify socket, the exec fifo, `runc init` with its socket, console and
// namespaces, the recovery record and the start of init, the C stage,
// init's pid recorded, the config sent, the cgroups joined, the sync with
// init (resources and hooks on "ready", the state saved on "created"),
// and last the pidfd and pid file.
func Create(opts Options, co *CreateOpts) (c *Container, err error) {
	defer timing.Phase("create")()
	logrus.Debugf("create %s: bundle %s, root %s", co.ID, co.Bundle, opts.Root)
	// init's parent death signal follows the thread that starts it: keep
	// that thread alive (a locked thread only ends with its goroutine).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := checkCreate(opts, co); err != nil {
		return nil, err
	}
	cr, err := planCreate(opts, co)
	if err != nil {
		return nil, err
	}
	if err := cr.makeContainer(); err != nil {
		return nil, err
	}
	defer cr.finish(&err)
	for _, stage := range []func() error{
		cr.mountNotifySocket, // notify.go
		cr.makeExecFifo,      // container.go, beside start's openExecFifo
		cr.prepareInit,       // runc init, its socket and config
		cr.passConsole,       // the console socket, for a terminal
		cr.planNamespaces,    // bootstrap.go: what the C stage makes and joins
		cr.connectPidfd,      // pidfd.go: the --pidfd-socket
		cr.startInit,         // recovery record, then runc init
		cr.joinCgroupsEarly,  // before the C stage, when it must be
		cr.runCStage,         // bootstrap.go: namespaces made, init's pid
		cr.adoptInit,         // net devices, pidfd, affinity, start time
		cr.sendConfig,        // cgroup mounts, hook state -> init
		cr.joinCgroups,       // while init sets up its mounts
		cr.syncInit,          // ready: resources + hooks; created: save state
		cr.handOver,          // pidfd to the supervisor, pid file
	} {
		if err := stage(); err != nil {
			return nil, err
		}
	}
	return cr.c, nil
}

// creation is a container being born: what the stages of Create share.
type creation struct {
	opts   Options
	co     *CreateOpts
	spec   *specs.Spec
	m      cgroups.Manager
	rootfs string
	c      *Container
	// closers release what the stages opened when Create returns.
	closers

	fifo      *os.File // the exec fifo (O_PATH), passed to init
	l         *initCmd
	cfg       *wire.InitConfig
	boot      *bootstrap
	pidfdSock *pidfdSender
	sources   *mountSourcer
	cgcfg     *cgroups.Cgroup
	initPid   int
	// early: init joins its cgroups before the C stage (see joinCgroupsEarly).
	early bool
	// starting: a failure is one "to start the container process".
	starting bool
	// stageDone: the C stage has been waited for.
	stageDone bool
}

// closers release what a command's stages opened when it returns, last
// first (as defers would).
type closers []func()

// atExit runs f when the command returns.
func (c *closers) atExit(f func()) { *c = append(*c, f) }

func (c closers) closeAll() {
	for i := len(c) - 1; i >= 0; i-- {
		c[i]()
	}
}

// finish runs when Create returns: it releases what the stages opened and,
// on failure, kills init and removes what was made.
func (cr *creation) finish(err *error) {
	cr.closeAll()
	if *err == nil {
		return
	}
	if cr.initPid > 0 {
		killAndWait(cr.initPid)
		unix.Wait4(cr.initPid, nil, unix.WNOHANG, nil)
	}
	if cr.l != nil {
		cr.l.logs.wait() // init's last words come before ours
	}
	if cr.starting {
		*err = startError(*err)
	}
	cr.c.cleanup()
	cr.c.dir.close()
}

// planCreate computes the container's cgroup paths (or checks for
// systemd) and resolves its rootfs: it fails before anything is made.
func planCreate(opts Options, co *CreateOpts) (*creation, error) {
	spec := co.Spec
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
	return &creation{opts: opts, co: co, spec: spec, m: m, rootfs: rootfs}, nil
}

// makeContainer makes the state directory and the first state, once a
// foreground run catches every signal.
func (cr *creation) makeContainer() error {
	co, spec := cr.co, cr.spec
	if co.signalsCaught != nil {
		co.signalsCaught()
	}
	if co.ListenFDs > 0 {
		spec.Process.Env = append(spec.Process.Env, "LISTEN_FDS="+strconv.Itoa(co.ListenFDs), "LISTEN_PID=1")
	}
	c, err := newContainer(cr.opts, co, cr.rootfs, cr.m)
	if err != nil {
		return err
	}
	cr.c = c
	return nil
}

// prepareInit makes the `runc init` command (preserved and socket
// activation fds, its socket, the exec fifo) and the config it is sent.
func (cr *creation) prepareInit() error {
	co := cr.co
	passFDs := co.ListenFDs + co.PreserveFDs
	l, err := newInitCmd(cr.rootfs, passFDs)
	if err != nil {
		return err
	}
	cr.l = l
	cr.atExit(l.close)
	cr.cfg = &wire.InitConfig{
		ID:           co.ID,
		Spec:         cr.spec,
		Rootfs:       cr.rootfs,
		Bundle:       co.Bundle,
		NoPivot:      co.NoPivot,
		NoNewKeyring: co.NoNewKeyring,
		PreserveFDs:  passFDs,
		FifoFd:       l.nextFd(cr.fifo),
	}
	return nil
}

// passConsole gives init the socket it sends the pty master to.
func (cr *creation) passConsole() error {
	if !cr.spec.Process.Terminal {
		return nil
	}
	conn := cr.co.consoleConn
	if conn == nil {
		var err error
		if conn, err = dialConsoleSocket(cr.co.ConsoleSocket); err != nil {
			return err
		}
		cr.atExit(func() { conn.Close() })
	}
	cr.cfg.ConsoleFd = cr.l.nextFd(conn)
	return nil
}

// startInit saves what delete needs if we are killed from now on, then
// starts `runc init`: from here a failure is one to start the container.
func (cr *creation) startInit() error {
	if err := cr.saveRecovery(); err != nil {
		return err
	}
	if err := cr.l.start(); err != nil {
		return fmt.Errorf("start init: %w", err)
	}
	cr.starting = true
	cmd := cr.l.cmd
	cr.atExit(func() {
		if !cr.stageDone {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return nil
}

// joinCgroupsEarly puts the C stage in the container's cgroups before it
// unshares, when that must be.
func (cr *creation) joinCgroupsEarly() error {
	// A new cgroup namespace is rooted at the cgroup its creator is in, so
	// then the C stage must be in the container's cgroup before it unshares.
	// Otherwise init joins it while its Go runtime starts, off the critical
	// path (it cannot run anything before it is told to go on).
	// Rootless, it is done early too: the cgroup mounts are planned from
	// the cgroups that could be joined.
	cr.early = ocispec.HasNewNamespace(cr.spec, specs.CgroupNamespace) || cr.opts.Rootless
	if cr.early {
		if err := applyCgroup(cr.m, cr.l.cmd.Process.Pid, cr.spec); err != nil {
			return fmt.Errorf("apply cgroup: %w", err)
		}
	}
	return nil
}

// adoptInit records init's pid and start time, and does what must be
// done before init hears from us: nothing of the container's runs yet.
func (cr *creation) adoptInit() (err error) {
	spec, st, initPid := cr.spec, cr.c.state, cr.initPid
	st.InitPid = initPid
	if err := moveNetDevices(spec, initPid); err != nil {
		return err
	}
	if err := cr.pidfdSock.open(initPid); err != nil {
		return err
	}
	if err := setInitialAffinity(initPid, spec.Process); err != nil {
		return err
	}
	if st.InitStart, _, err = procStat(initPid); err != nil {
		return fmt.Errorf("read init start time: %w", err)
	}
	return cr.saveRecovery()
}

// sendConfig completes init's config (its cgroup mounts, what it finds
// from the runtime, the hooks' state) and sends it.
func (cr *creation) sendConfig() (err error) {
	spec, m, cfg := cr.spec, cr.m, cr.cfg
	if !cr.early {
		// The cgroup directories must exist before init bind-mounts them.
		for _, p := range m.GetPaths() {
			os.MkdirAll(p, 0o755)
		}
	}
	planm := m
	if cr.opts.Rootless {
		planm = joinedCgroups{m}
	}
	if cfg.CgroupMounts, err = cgroupMountsFor(planm, spec); err != nil {
		return err
	}
	cfg.HostDevices = ocispec.HasNamespace(spec, specs.UserNamespace)
	// Joining the container's mount namespace takes privilege.
	cfg.RuntimeSources = os.Geteuid() == 0
	cr.sources = newMountSourcer(spec, cr.co.Bundle, cr.initPid)
	cr.atExit(cr.sources.close)
	if len(hooks.Of(spec, hooks.CreateContainer)) > 0 || len(hooks.Of(spec, hooks.StartContainer)) > 0 {
		cfg.HookState = hookState(cr.c.state, creating, cr.initPid)
	}
	return sendJSON(cr.l.sock, cfg)
}

// joinCgroups puts init in the container's cgroups (unless it is there
// already) and records them in the state.
func (cr *creation) joinCgroups() (err error) {
	m, st, initPid := cr.m, cr.c.state, cr.initPid
	if !cr.early {
		// Joining a v1 cgroup waits for an RCU grace period (milliseconds):
		// let init set up its mounts meanwhile. It cannot run anything of
		// the container's before it is told to go on, after this.
		if err := applyCgroup(m, initPid, cr.spec); err != nil {
			return fmt.Errorf("apply cgroup: %w", err)
		}
	}
	// In its cgroups: the initial affinity has done its work.
	if err := resetAffinity(initPid); err != nil {
		return err
	}
	st.CgroupPaths = maps.Clone(m.GetPaths())
	if cr.opts.Rootless {
		pruneMissingCgroups(st.CgroupPaths)
	}
	cr.cgcfg, err = m.GetCgroups()
	return err
}

// syncInit answers init until it is done and blocked on the exec fifo.
func (cr *creation) syncInit() error {
	st, initPid := cr.c.state, cr.initPid
	if err := parentSyncCreate(cr.l.sock, cr.onReady, cr.onCreated, seccompAgent(st, specs.StateCreating, initPid), cr.sources.source); err != nil {
		if err == errInitExited {
			err = initExitReason(initPid, cr.m)
		}
		return err
	}
	cr.l.logs.wait()
	cr.starting = false
	logrus.Debugf("container %s created, init pid %d", cr.co.ID, initPid)
	return nil
}

// onReady: init's mounts are done. The cgroup resources are set and the
// runtime's own hooks run, before pivot_root.
func (cr *creation) onReady() error {
	setDone := timing.Phase("cgroup-resources")
	if err := cr.m.Set(cr.cgcfg.Resources); err != nil {
		return fmt.Errorf("set cgroup resources: %w", err)
	}
	setDone()
	// The runtime's own hooks, after the mounts and before pivot_root.
	if err := runRuntimeHooks(cr.c.state, hooks.Prestart, creating, cr.initPid, false); err != nil {
		return err
	}
	return runRuntimeHooks(cr.c.state, hooks.CreateRuntime, creating, cr.initPid, false)
}

// onCreated: init is set up and waits. The state is saved then: from
// now on it may outlive us.
func (cr *creation) onCreated() error {
	if err := cr.c.dir.save(cr.c.state); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// handOver gives the supervisor its pidfd of init and writes the pid file.
func (cr *creation) handOver() error {
	if err := cr.pidfdSock.send(pidfdKindInit); err != nil {
		return err
	}
	if cr.co.PidFile != "" {
		if err := writePidFile(cr.co.PidFile, cr.initPid); err != nil {
			return fmt.Errorf("write pid file: %w", err)
		}
	}
	return nil
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
		out[i] = ops
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

// consolePair is the socket pair of a foreground command that relays the
// terminal itself: init sends the pty master on child, we receive it on
// parent.
func consolePair() (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	return os.NewFile(uintptr(fds[0]), "console-parent"), os.NewFile(uintptr(fds[1]), "console-child"), nil
}

func currentOwner() string {
	uid := os.Geteuid()
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return "#" + strconv.Itoa(uid)
}

// validateRoot checks that the config names a root.
func validateRoot(spec *specs.Spec) error {
	if spec.Root == nil || spec.Root.Path == "" {
		return errors.New("root must be specified")
	}
	return nil
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
	st := &containerState{
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
