package libcontainer

// Checkpoint and restore with CRIU, spoken to over its RPC interface: the
// runtime starts `criu swrk FD` with one end of a socket pair and sends it
// protobuf requests (github.com/checkpoint-restore/go-criu/v7/rpc). CRIU
// answers with notifications (pre-dump, setup-namespaces, post-restore,
// orphan-pts-master...) that the runtime acts on and acknowledges, then with
// the final result.
//
// The runtime tells CRIU what it cannot see itself:
//   - external mounts: bind mounts from the host (spec mounts, masked files,
//     the v1 cgroup directories, device nodes bind-mounted in a user
//     namespace), keyed by their path in the container; on restore the key
//     is mapped to the host path to bind there again;
//   - external namespaces: a network or pid namespace the config names by
//     path is not dumped, and on restore the namespace at that path is
//     handed to CRIU (inherit_fd);
//   - the container's stdio pipes, which belong to the caller of restore;
//   - the container's cgroups: frozen through the freezer on dump, and on
//     restore CRIU itself runs in the new container's cgroups.

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	criu "github.com/checkpoint-restore/go-criu/v7"
	criurpc "github.com/checkpoint-restore/go-criu/v7/rpc"
	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/mountinfo"
	"github.com/ocirun/runc/libcontainer/cgroup"
	"github.com/ocirun/runc/libcontainer/internal/hooks"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/proto"
)

// CriuOpts are the flags of `checkpoint` and `restore`.
type CriuOpts struct {
	Binary            string // the criu binary (--criu); "criu" is looked up in $PATH
	ImagePath         string // where the images are written / read
	WorkPath          string // logs and work files; defaults to ImagePath
	ParentPath        string // previous (pre-dump) images, relative to ImagePath
	LeaveRunning      bool
	TCPEstablished    bool
	TCPSkipInFlight   bool
	LinkRemap         bool
	ExtUnixSk         bool
	ShellJob          bool
	FileLocks         bool
	PreDump           bool
	LazyPages         bool
	StatusFd          int    // -1: none
	PageServer        string // ADDRESS:PORT
	ManageCgroupsMode string // "", soft, full, strict, ignore
	EmptyNs           uint32 // CLONE_NEW* flags of namespaces not to restore
	AutoDedup         bool
	LSMProfile        string
	LSMMountContext   string
}

const (
	descriptorsFile = "descriptors.json" // the stdio of init at dump time
	criuConfigLabel = "org.criu.config"
	criuDefaultConf = "/etc/criu/runc.conf"
	extNetNSKey     = "extRootNetNS"
	extPidNSKey     = "extRootPidNS"
	minCriuVersion  = 30000
)

// ParseManageCgroupsMode checks a --manage-cgroups-mode value.
func ParseManageCgroupsMode(s string) (string, error) {
	switch s {
	case "", "soft", "full", "strict", "ignore":
		return s, nil
	}
	return "", fmt.Errorf("invalid manage-cgroups-mode value %q", s)
}

func cgModeOf(s string) *criurpc.CriuCgMode {
	m := map[string]criurpc.CriuCgMode{
		"soft": criurpc.CriuCgMode_SOFT, "full": criurpc.CriuCgMode_FULL,
		"strict": criurpc.CriuCgMode_STRICT, "ignore": criurpc.CriuCgMode_IGNORE,
	}
	if v, ok := m[s]; ok {
		return v.Enum()
	}
	return nil
}

// ParseEmptyNs turns the --empty-ns values into CLONE_NEW* flags. As in
// runc, only the network namespace may be given: the others are
// restored by CRIU from the images (and a pid or mount namespace left
// empty could not hold the restored processes anyway).
func ParseEmptyNs(names []string) (uint32, error) {
	var mask uint32
	for _, n := range names {
		if n != string(specs.NetworkNamespace) {
			return 0, fmt.Errorf("namespace %q is not supported", n)
		}
		mask |= unix.CLONE_NEWNET
	}
	return mask, nil
}

// checkCriu runs `criu swrk` once to ask its version: it fails with one
// clear line when criu is missing or too old.
func checkCriu(bin string) error {
	c := criu.MakeCriu()
	c.SetCriuPath(bin)
	v, err := c.GetCriuVersion()
	if err != nil {
		return fmt.Errorf("CRIU version check failed: %w", err)
	}
	if v < minCriuVersion {
		return fmt.Errorf("CRIU version %d must be %d or higher", v, minCriuVersion)
	}
	return nil
}

// Checkpoint dumps the container's processes into o.ImagePath. Without
// LeaveRunning (or with PreDump) CRIU kills them once the images are
// written; the command then removes the container, as runc does.
//
// The stages, in order: check the status, CRIU and the directories; the
// dump's options, what the container has from outside (cgroup freezer,
// mounts, namespaces, CRIU configuration file), init's stdio; the dump.
func (c *Container) Checkpoint(o *CriuOpts) error {
	switch st := c.status(); st {
	case running, paused:
	default:
		// runc's words.
		return fmt.Errorf("Container cannot be checkpointed in %s state", st)
	}
	if err := checkCriu(o.Binary); err != nil {
		return err
	}
	if err := prepareImageDirs(o); err != nil {
		return err
	}
	s := newCriuSession(o)
	defer s.close()
	if err := s.openDirs(); err != nil {
		return err
	}
	opts, err := c.dumpOptions(s)
	if err != nil {
		return err
	}
	if err := c.declareExternals(opts); err != nil {
		return err
	}
	if err := c.declareStdio(o, opts); err != nil {
		return err
	}
	typ := criurpc.CriuReqType_DUMP
	if o.PreDump {
		typ = criurpc.CriuReqType_PRE_DUMP
	}
	logrus.Debugf("criu %s of %s (pid %d) into %s", typ, c.state.ID, c.state.InitPid, o.ImagePath)
	return s.run(typ, opts, nil, nil)
}

// prepareImageDirs makes the image directory and checks the parent
// (pre-dump) one.
func prepareImageDirs(o *CriuOpts) error {
	if o.ImagePath == "" {
		return errors.New("image path is not set")
	}
	if err := os.MkdirAll(o.ImagePath, 0o700); err != nil {
		return fmt.Errorf("create image directory: %w", err)
	}
	if o.ParentPath != "" {
		if filepath.IsAbs(o.ParentPath) {
			return errors.New("--parent-path must be relative to --image-path")
		}
		fi, err := os.Stat(filepath.Join(o.ImagePath, o.ParentPath))
		if err != nil {
			return fmt.Errorf("invalid --parent-path: %w", err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("invalid --parent-path: %s is not a directory", o.ParentPath)
		}
	}
	return nil
}

// dumpOptions are the dump request's options from the flags: what to
// dump, whether to leave it running, memory tracking, lazy pages, the
// page server.
func (c *Container) dumpOptions(s *criuSession) (*criurpc.CriuOpts, error) {
	o := s.o
	opts := s.baseOpts()
	opts.Pid = proto.Int32(int32(c.state.InitPid))
	opts.Root = proto.String(c.state.Rootfs)
	opts.LeaveRunning = proto.Bool(o.LeaveRunning || o.PreDump)
	if o.ParentPath != "" {
		opts.ParentImg = proto.String(o.ParentPath)
		opts.TrackMem = proto.Bool(true)
	}
	if o.PreDump {
		opts.TrackMem = proto.Bool(true)
	}
	if o.LazyPages {
		opts.LazyPages = proto.Bool(true)
		if o.StatusFd >= 0 {
			// Like the image directory, opened by CRIU through our /proc.
			opts.StatusFd = proto.Int32(int32(o.StatusFd))
		}
	}
	if o.PageServer != "" {
		ps, err := parsePageServer(o.PageServer)
		if err != nil {
			return nil, err
		}
		opts.Ps = ps
	}
	return opts, nil
}

// declareExternals tells CRIU what it cannot see itself: the freezer
// cgroup, the mounts from the host, the namespaces joined by path, and
// the CRIU configuration file.
func (c *Container) declareExternals(opts *criurpc.CriuOpts) error {
	spec := c.state.Config
	m, err := c.cgroupManager()
	if err != nil {
		return err
	}
	if p := m.Path("freezer"); p != "" {
		opts.FreezeCgroup = proto.String(p)
	} else if cgroup.IsUnified() {
		opts.FreezeCgroup = proto.String(m.Path(""))
	}
	// Declare the mounts the container's view has from the host.
	exts, err := c.externalMounts(m)
	if err != nil {
		return err
	}
	for _, e := range exts {
		opts.ExtMnt = append(opts.ExtMnt, &criurpc.ExtMountMap{Key: proto.String(e.key), Val: proto.String(e.key)})
	}
	ext, err := externalNamespaces(spec)
	if err != nil {
		return err
	}
	opts.External = append(opts.External, ext...)
	return criuConfigFile(spec, opts)
}

// declareStdio declares init's stdio files that CRIU must take as
// external, and records them in the images (unless pre-dump) so that
// restore can hand over its own.
func (c *Container) declareStdio(o *CriuOpts, opts *criurpc.CriuOpts) error {
	// The stdio of init, so that restore can hand over its own.
	stdio, extFiles, err := stdioDescriptors(c.state.InitPid)
	if err != nil {
		return err
	}
	opts.External = append(opts.External, extFiles...)
	if !o.PreDump {
		if err := saveDescriptors(o.ImagePath, stdio); err != nil {
			return err
		}
	}
	return nil
}

// restore creates the container co.ID from co.Spec with the processes of
// the images in o.ImagePath, and returns it (locked) with its init pid in
// the state. On failure nothing is left behind.
//
// The stages, in order: check the config, the options and CRIU; plan the
// cgroups and find the rootfs; make the state directory and the first
// state; then, undone on failure: CRIU's directories, its options (mounts,
// namespaces and stdio from outside), the console socket, the restore
// itself (CRIU in the container's cgroups, the hooks, the state saved
// after post-restore) and the pid file.
func restore(opts Options, co *CreateOpts, o *CriuOpts) (c *Container, err error) {
	if err := checkRestore(co, o); err != nil {
		return nil, err
	}
	m, err := cgroup.NewManager(co.ID, co.Spec, opts.Systemd, opts.Rootless)
	if err != nil {
		return nil, err
	}
	rootfs, err := resolveRootfs(co.Bundle, co.Spec)
	if err != nil {
		return nil, err
	}
	r := &restoration{opts: opts, co: co, spec: co.Spec, m: m, rootfs: rootfs}
	if r.c, err = newContainer(opts, co, rootfs, m); err != nil {
		return nil, err
	}
	r.s = newCriuSession(o)
	defer r.s.close()
	defer r.finish(&err)
	for _, stage := range []func() error{
		r.s.openDirs,     // images and work directories
		r.criuOptions,    // what CRIU restores, and what comes from outside
		r.connectConsole, // where a restored terminal goes
		r.restore,        // CRIU's restore request and its notifications
		r.writePidFile,
	} {
		if err := stage(); err != nil {
			return nil, err
		}
	}
	return r.c, nil
}

// checkRestore is what restore checks before anything is made: the config
// (validateSpec), the console options, CRIU and the image path.
func checkRestore(co *CreateOpts, o *CriuOpts) error {
	spec := co.Spec
	if err := validateSpec(spec); err != nil {
		return err
	}
	if err := checkConsole(spec.Process.Terminal, co.consoleConn == nil, co.ConsoleSocket); err != nil {
		return err
	}
	if err := checkCriu(o.Binary); err != nil {
		return err
	}
	if fi, err := os.Stat(o.ImagePath); err != nil {
		return fmt.Errorf("invalid image path: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("invalid image path: %s is not a directory", o.ImagePath)
	}
	return nil
}

// restoration is a container being restored: what the stages of restore
// share.
type restoration struct {
	opts   Options
	co     *CreateOpts
	spec   *specs.Spec
	m      cgroups.Manager
	rootfs string
	c      *Container
	s      *criuSession
	ropts  *criurpc.CriuOpts
	// closers release what the stages opened when restore returns.
	closers
	consoleConn *os.File
	cgcfg       *cgroups.Cgroup
}

// finish runs when restore returns: it releases what the stages opened
// and, on failure, kills the restored init and removes what was made.
func (r *restoration) finish(err *error) {
	r.closeAll()
	if *err == nil {
		return
	}
	st := r.c.state
	if st.InitPid > 0 {
		killAndWait(st.InitPid)
		unix.Wait4(st.InitPid, nil, unix.WNOHANG, nil)
	}
	r.c.cleanup()
	r.c.dir.close()
}

// criuOptions are the restore request's options: the rootfs, init as our
// child, the flags, and what the container has from outside (mounts,
// namespaces, stdio, the CRIU configuration file).
func (r *restoration) criuOptions() error {
	o, spec, s := r.s.o, r.spec, r.s
	ropts := s.baseOpts()
	r.ropts = ropts
	ropts.Root = proto.String(r.rootfs)
	ropts.RstSibling = proto.Bool(true) // init becomes our child, not criu's
	if o.LazyPages {
		ropts.LazyPages = proto.Bool(true)
	}
	if o.LSMProfile != "" {
		ropts.LsmProfile = proto.String(o.LSMProfile)
	}
	if o.LSMMountContext != "" {
		ropts.LsmMountContext = proto.String(o.LSMMountContext)
	}
	for _, e := range restoreMounts(r.co.Bundle, spec, r.m) {
		ropts.ExtMnt = append(ropts.ExtMnt, &criurpc.ExtMountMap{Key: proto.String(e.key), Val: proto.String(e.val)})
	}
	if err := s.inheritNamespaces(spec, ropts); err != nil {
		return err
	}
	if err := s.inheritStdio(o.ImagePath, ropts); err != nil {
		return err
	}
	return criuConfigFile(spec, ropts)
}

// connectConsole connects to the console socket (or takes the foreground
// restore's pair), for CRIU's orphan-pts-master notification.
func (r *restoration) connectConsole() (err error) {
	if r.spec.Process.Terminal {
		r.consoleConn = r.co.consoleConn
		if r.consoleConn == nil {
			if r.consoleConn, err = dialConsoleSocket(r.co.ConsoleSocket); err != nil {
				return err
			}
			conn := r.consoleConn
			r.atExit(func() { conn.Close() })
		}
	}
	return nil
}

// restore sends CRIU the restore request and acts on its notifications.
func (r *restoration) restore() (err error) {
	if r.cgcfg, err = r.m.GetCgroups(); err != nil {
		return err
	}
	// CRIU and what it restores run in the container's cgroups before the
	// state is saved (at post-restore): a runtime killed meanwhile leaves
	// them there, and CRIU waiting for an answer. The record lets
	// `delete -f` find and kill them, as after a killed create.
	if err := saveRecoveryOf(r.c, r.m); err != nil {
		return err
	}
	if err := r.s.run(criurpc.CriuReqType_RESTORE, r.ropts, r.enterCgroups, r.notify); err != nil {
		return err
	}
	if r.c.state.InitPid == 0 {
		return errors.New("criu restored no process")
	}
	return nil
}

// enterCgroups runs once CRIU exists: CRIU runs in the container's
// cgroups. In "ignore" mode the restored processes stay there, otherwise
// CRIU moves them below the roots given here, which are its own cgroups.
func (r *restoration) enterCgroups(criuPid int) error {
	m := r.m
	if err := applyCgroup(m, criuPid, r.spec); err != nil {
		return fmt.Errorf("apply cgroup: %w", err)
	}
	if err := m.Set(r.cgcfg.Resources); err != nil {
		return fmt.Errorf("set cgroup resources: %w", err)
	}
	own, err := cgroups.ParseCgroupFile("/proc/" + strconv.Itoa(criuPid) + "/cgroup")
	if err != nil {
		return err
	}
	for ctrl, p := range own {
		if ctrl == "" && !cgroup.IsUnified() {
			continue
		}
		r.ropts.CgRoot = append(r.ropts.CgRoot, &criurpc.CgroupRoot{Ctrl: proto.String(ctrl), Path: proto.String(p)})
	}
	return nil
}

// notify acts on CRIU's notifications: the runtime's hooks when the
// namespaces are set up, the state saved after post-restore, and the pty
// master of a restored terminal sent to the console socket.
func (r *restoration) notify(script string, pid int32, fd *os.File) error {
	st, m := r.c.state, r.m
	switch script {
	case "setup-namespaces":
		if err := runRuntimeHooks(st, hooks.Prestart, creating, int(pid), false); err != nil {
			return err
		}
		return runRuntimeHooks(st, hooks.CreateRuntime, creating, int(pid), false)
	case "post-restore":
		st.InitPid = int(pid)
		start, _, err := procStat(int(pid))
		if err != nil {
			return fmt.Errorf("restored init: %w", err)
		}
		st.InitStart = start
		st.CgroupPaths = maps.Clone(m.GetPaths())
		if r.opts.Rootless {
			pruneMissingCgroups(st.CgroupPaths)
		}
		if err := r.c.dir.save(st); err != nil {
			return fmt.Errorf("save state: %w", err)
		}
	case "orphan-pts-master":
		if fd == nil {
			return errors.New("criu sent no pty master")
		}
		if r.consoleConn == nil {
			return errors.New("criu restored a terminal, but there is no console socket to send it to")
		}
		if err := unix.Sendmsg(int(r.consoleConn.Fd()), []byte(fd.Name()), unix.UnixRights(int(fd.Fd())), nil, 0); err != nil {
			return fmt.Errorf("send pty master to console socket: %w", err)
		}
	}
	return nil
}

func (r *restoration) writePidFile() error {
	if r.co.PidFile != "" {
		if err := writePidFile(r.co.PidFile, r.c.state.InitPid); err != nil {
			return fmt.Errorf("write pid file: %w", err)
		}
	}
	return nil
}

// RestoreAndWait is `restore`: detached it returns once the container
// runs; in the foreground it relays signals (and the terminal), waits for
// init, deletes the container and returns its exit status, as `run` does.
func RestoreAndWait(opts Options, co *CreateOpts, o *CriuOpts, detach, noSubreaper bool) (int, error) {
	fg, err := startForeground(co, detach, noSubreaper)
	if err != nil {
		return -1, err
	}
	defer fg.close()
	c, err := restore(opts, co, o)
	if err != nil {
		return -1, err
	}
	defer c.Close()
	if err := fg.attach(co); err != nil {
		c.Destroy(true)
		return -1, err
	}
	pid := c.state.InitPid
	c.Close()
	if detach {
		return 0, nil
	}
	status := forwardAndWait(pid, fg.sigc, fg.tty)
	if fg.tty != nil {
		fg.tty.wait()
	}
	return status, deleteAfterRun(opts, co.ID)
}

// foreground is what a restore that does not detach needs before the
// container exists: signals caught from the start, the subreaper, and a
// terminal of its own when the process has one and no console socket.
type foreground struct {
	sigc   chan os.Signal
	parent *os.File
	tty    *ttyProxy
}

func startForeground(co *CreateOpts, detach, noSubreaper bool) (*foreground, error) {
	fg := &foreground{}
	if detach {
		return fg, nil
	}
	fg.sigc = make(chan os.Signal, 128)
	signal.Notify(fg.sigc)
	if !noSubreaper {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			fg.close()
			return nil, err
		}
	}
	if co.Spec.Process.Terminal && co.ConsoleSocket == "" {
		var err error
		if fg.parent, co.consoleConn, err = consolePair(); err != nil {
			fg.close()
			return nil, err
		}
	}
	return fg, nil
}

// attach starts relaying the terminal CRIU sent over the console pair.
func (fg *foreground) attach(co *CreateOpts) error {
	if fg.parent == nil {
		return nil
	}
	co.consoleConn.Close()
	co.consoleConn = nil
	t, err := newTTYProxy(fg.parent)
	if err != nil {
		return err
	}
	fg.tty = t
	return nil
}

func (fg *foreground) close() {
	if fg.sigc != nil {
		signal.Stop(fg.sigc)
	}
	if fg.tty != nil {
		fg.tty.close()
	}
	if fg.parent != nil {
		fg.parent.Close()
	}
}

// criuSession is one `criu swrk` conversation: the files it gets (its
// fds from 3 on: the RPC socket first) and the options common to all
// requests.
type criuSession struct {
	o                      *CriuOpts
	files                  []*os.File
	owned                  []*os.File
	stdio                  [3]*os.File
	imagesDirFd, workDirFd int
}

func newCriuSession(o *CriuOpts) *criuSession {
	return &criuSession{o: o, stdio: [3]*os.File{os.Stdin, os.Stdout, os.Stderr}}
}

// passFile gives f to criu and returns its number there (3 is the socket).
func (s *criuSession) passFile(f *os.File) int {
	s.files = append(s.files, f)
	return 3 + len(s.files)
}

func (s *criuSession) close() {
	for _, f := range s.owned {
		f.Close()
	}
}

func (s *criuSession) openDirs() error {
	if s.o.WorkPath == "" {
		s.o.WorkPath = s.o.ImagePath
	}
	if err := os.MkdirAll(s.o.WorkPath, 0o700); err != nil {
		return fmt.Errorf("create work directory: %w", err)
	}
	img, err := os.Open(s.o.ImagePath)
	if err != nil {
		return fmt.Errorf("open image directory: %w", err)
	}
	s.owned = append(s.owned, img)
	// CRIU opens these through /proc/<our pid>/fd: our numbers, not its.
	s.imagesDirFd = int(img.Fd())
	work, err := os.Open(s.o.WorkPath)
	if err != nil {
		return fmt.Errorf("open work directory: %w", err)
	}
	s.owned = append(s.owned, work)
	s.workDirFd = int(work.Fd())
	return nil
}

func (s *criuSession) baseOpts() *criurpc.CriuOpts {
	o := s.o
	opts := &criurpc.CriuOpts{
		ImagesDirFd:     proto.Int32(int32(s.imagesDirFd)),
		WorkDirFd:       proto.Int32(int32(s.workDirFd)),
		LogLevel:        proto.Int32(4),
		ManageCgroups:   proto.Bool(true),
		NotifyScripts:   proto.Bool(true),
		ShellJob:        proto.Bool(o.ShellJob),
		TcpEstablished:  proto.Bool(o.TCPEstablished),
		ExtUnixSk:       proto.Bool(o.ExtUnixSk),
		FileLocks:       proto.Bool(o.FileLocks),
		AutoDedup:       proto.Bool(o.AutoDedup),
		OrphanPtsMaster: proto.Bool(true),
	}
	if o.TCPSkipInFlight {
		opts.TcpSkipInFlight = proto.Bool(true)
	}
	if o.LinkRemap {
		opts.LinkRemap = proto.Bool(true)
	}
	if o.EmptyNs != 0 {
		opts.EmptyNs = proto.Uint32(o.EmptyNs)
	}
	if m := cgModeOf(o.ManageCgroupsMode); m != nil {
		opts.ManageCgroupsMode = m
	}
	return opts
}

// run starts `criu swrk`, sends one request and answers its notifications
// until the final response. started runs once criu exists, before the
// request is sent (restore puts criu in the container's cgroups there);
// notify handles the notifications (with the descriptor some carry).
func (s *criuSession) run(typ criurpc.CriuReqType, opts *criurpc.CriuOpts, started func(int) error, notify func(string, int32, *os.File) error) error {
	setCriuLogFile(typ, opts)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("criu socketpair: %w", err)
	}
	cln := os.NewFile(uintptr(fds[0]), "criu-client")
	srv := os.NewFile(uintptr(fds[1]), "criu-server")
	defer cln.Close()
	cmd := exec.Command(s.o.Binary, "swrk", "3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.stdio[0], s.stdio[1], s.stdio[2]
	cmd.ExtraFiles = append([]*os.File{srv}, s.files...)
	// CRIU is our helper and must not outlive us (a killed restore would
	// leave it waiting forever in the container's cgroups). The death
	// signal follows the thread that forks it: keep that one.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd.SysProcAttr = &unix.SysProcAttr{Pdeathsig: unix.SIGKILL}
	if err := cmd.Start(); err != nil {
		srv.Close()
		return fmt.Errorf("start criu: %w", err)
	}
	srv.Close()
	logPath := filepath.Join(s.o.WorkPath, opts.GetLogFile())
	finished := false
	defer func() {
		if !finished {
			cmd.Process.Kill()
		}
		cmd.Wait()
		unmountCgroupYard(s.o.WorkPath)
	}()
	if started != nil {
		if err := started(cmd.Process.Pid); err != nil {
			return err
		}
	}
	if err := s.converse(cln, cmd, &finished, typ, opts, notify, logPath); err != nil {
		return err
	}
	// CRIU exits once the socket is closed.
	cln.Close()
	finished = true
	if err := cmd.Wait(); err != nil {
		logrus.Debugf("criu swrk: %v", err)
	}
	return nil
}

// setCriuLogFile names CRIU's log file (in the work directory) after the
// request.
func setCriuLogFile(typ criurpc.CriuReqType, opts *criurpc.CriuOpts) {
	switch typ {
	case criurpc.CriuReqType_DUMP:
		opts.LogFile = proto.String("dump.log")
	case criurpc.CriuReqType_PRE_DUMP:
		opts.LogFile = proto.String("pre-dump.log")
	case criurpc.CriuReqType_RESTORE:
		opts.LogFile = proto.String("restore.log")
	}
}

// converse sends the request, then acknowledges each notification (after
// notify), until CRIU's final answer. A CRIU that hung up has exited
// (finished).
func (s *criuSession) converse(cln *os.File, cmd *exec.Cmd, finished *bool, typ criurpc.CriuReqType, opts *criurpc.CriuOpts, notify func(string, int32, *os.File) error, logPath string) error {
	req := &criurpc.CriuReq{Type: typ.Enum(), Opts: opts}
	buf := make([]byte, 64*1024)
	oob := make([]byte, unix.CmsgSpace(4*8))
	for {
		data, err := proto.Marshal(req)
		if err != nil {
			return err
		}
		if _, err := cln.Write(data); err != nil {
			return fmt.Errorf("write to criu: %w", err)
		}
		n, oobn, _, _, err := unix.Recvmsg(int(cln.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err != nil {
			return fmt.Errorf("read from criu: %w", err)
		}
		if n == 0 {
			cmd.Wait()
			*finished = true
			return fmt.Errorf("criu failed: %s (log file: %s)", criuLogTail(logPath, cmd), logPath)
		}
		fd := receivedFile(oob[:oobn])
		resp := &criurpc.CriuResp{}
		if err := proto.Unmarshal(buf[:n], resp); err != nil {
			if fd != nil {
				fd.Close()
			}
			return fmt.Errorf("criu response: %w", err)
		}
		if !resp.GetSuccess() {
			if fd != nil {
				fd.Close()
			}
			msg := resp.GetCrErrmsg()
			if msg == "" || strings.Contains(msg, "RLIMIT_NOFILE") {
				msg = criuLogTail(logPath, nil)
			}
			return fmt.Errorf("criu failed: type %s: %s (log file: %s)", typ, strings.TrimSpace(msg), logPath)
		}
		if resp.GetType() != criurpc.CriuReqType_NOTIFY {
			if resp.GetType() != typ {
				return fmt.Errorf("criu answered %s to %s", resp.GetType(), typ)
			}
			return nil
		}
		if err := s.notified(resp.GetNotify(), typ, fd, notify); err != nil {
			return err
		}
		req = &criurpc.CriuReq{Type: criurpc.CriuReqType_NOTIFY.Enum(), NotifySuccess: proto.Bool(true)}
	}
}

// receivedFile is the first descriptor of a message's SCM_RIGHTS (the pty
// master of orphan-pts-master); any other is closed.
func receivedFile(oob []byte) *os.File {
	var fd *os.File
	if len(oob) > 0 {
		if msgs, err := unix.ParseSocketControlMessage(oob); err == nil {
			for _, m := range msgs {
				if rights, err := unix.ParseUnixRights(&m); err == nil {
					for _, r := range rights {
						if fd == nil {
							fd = os.NewFile(uintptr(r), "/dev/ptmx")
						} else {
							unix.Close(r)
						}
					}
				}
			}
		}
	}
	return fd
}

// notified handles one notification: status-ready is written to the
// --status-fd of a restore, then notify acts on it; fd is closed after.
func (s *criuSession) notified(nt *criurpc.CriuNotify, typ criurpc.CriuReqType, fd *os.File, notify func(string, int32, *os.File) error) error {
	logrus.Debugf("criu notification %s (pid %d)", nt.GetScript(), nt.GetPid())
	var nerr error
	if nt.GetScript() == "status-ready" && s.o.StatusFd >= 0 && typ == criurpc.CriuReqType_RESTORE {
		_, nerr = unix.Write(s.o.StatusFd, []byte{0})
	}
	if nerr == nil && notify != nil {
		nerr = notify(nt.GetScript(), nt.GetPid(), fd)
	}
	if fd != nil {
		fd.Close()
	}
	return nerr
}

// unmountCgroupYard removes the cgroup hierarchies a CRIU that did not
// finish may have left mounted in its work directory (.criu.cgyard.*), so
// that nothing removing that directory reaches into the host's cgroups.
func unmountCgroupYard(workPath string) {
	mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(workPath))
	if err != nil {
		return
	}
	// Deepest first.
	slices.SortFunc(mounts, func(a, b *mountinfo.Info) int { return len(b.Mountpoint) - len(a.Mountpoint) })
	for _, m := range mounts {
		if strings.Contains(m.Mountpoint, "/.criu.cgyard.") {
			unix.Unmount(m.Mountpoint, unix.MNT_DETACH)
		}
	}
}

// criuLogTail returns the last error line of a CRIU log, for a one-line
// error message.
func criuLogTail(logPath string, cmd *exec.Cmd) string {
	data, err := os.ReadFile(logPath)
	if err == nil {
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		// The first error is the cause; CRIU's complaint that it cannot
		// raise its own RLIMIT_NOFILE (no CAP_SYS_RESOURCE) is harmless.
		for _, l := range lines {
			if strings.Contains(l, "Error") && !strings.Contains(l, "RLIMIT_NOFILE") {
				return strings.TrimSpace(l)
			}
		}
		if len(lines) > 0 && lines[len(lines)-1] != "" {
			return strings.TrimSpace(lines[len(lines)-1])
		}
	}
	if cmd != nil && cmd.ProcessState != nil {
		return "criu " + cmd.ProcessState.String()
	}
	return "see the log"
}

func parsePageServer(s string) (*criurpc.CriuPageServerInfo, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return nil, fmt.Errorf("invalid --page-server %q: %w", s, err)
	}
	if host == "" {
		// CRIU would only fail later, to resolve "".
		return nil, fmt.Errorf("invalid --page-server %q: use ADDRESS:PORT", s)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p > 65535 {
		return nil, fmt.Errorf("invalid --page-server %q: bad port", s)
	}
	return &criurpc.CriuPageServerInfo{Address: proto.String(host), Port: proto.Int32(int32(p))}, nil
}

// criuConfigFile applies the org.criu.config annotation: a CRIU
// configuration file for this container, or none at all when it is empty.
// Without it, /etc/criu/runc.conf is used when it exists.
func criuConfigFile(spec *specs.Spec, opts *criurpc.CriuOpts) error {
	if v, ok := spec.Annotations[criuConfigLabel]; ok {
		if v != "" {
			opts.ConfigFile = proto.String(v)
		}
		return nil
	}
	if _, err := os.Stat(criuDefaultConf); err == nil {
		opts.ConfigFile = proto.String(criuDefaultConf)
	}
	return nil
}

// externalNamespaces names the namespaces that the config joins by path
// (network, pid): CRIU leaves them out of the images.
func externalNamespaces(spec *specs.Spec) ([]string, error) {
	var out []string
	for _, ns := range spec.Linux.Namespaces {
		var key, kind string
		switch ns.Type {
		case specs.NetworkNamespace:
			key, kind = extNetNSKey, "net"
		case specs.PIDNamespace:
			key, kind = extPidNSKey, "pid"
		default:
			continue
		}
		if ns.Path == "" {
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(ns.Path, &st); err != nil {
			return nil, fmt.Errorf("%s namespace %s: %w", kind, ns.Path, err)
		}
		out = append(out, fmt.Sprintf("%s[%d]:%s", kind, st.Ino, key))
	}
	return out, nil
}

// inheritNamespaces hands CRIU the namespaces the config joins by path.
func (s *criuSession) inheritNamespaces(spec *specs.Spec, opts *criurpc.CriuOpts) error {
	for _, ns := range spec.Linux.Namespaces {
		var key string
		switch ns.Type {
		case specs.NetworkNamespace:
			key = extNetNSKey
		case specs.PIDNamespace:
			key = extPidNSKey
		default:
			continue
		}
		if ns.Path == "" {
			continue
		}
		f, err := os.Open(ns.Path)
		if err != nil {
			return fmt.Errorf("open %s namespace: %w", ns.Type, err)
		}
		s.owned = append(s.owned, f)
		opts.InheritFd = append(opts.InheritFd, &criurpc.InheritFd{Key: proto.String(key), Fd: proto.Int32(int32(s.passFile(f)))})
	}
	return nil
}

// stdioFile is one of init's stdio descriptors at dump time, as CRIU
// knows it: a pipe as "pipe:[inode]", a file on a mount the container does
// not have (the host's /dev/null, a log file) as the external
// "file[mnt_id:inode]" that it must be declared as for the dump to
// succeed. Anything else has no name and is CRIU's own business.
type stdioFile struct {
	Name string `json:"name,omitempty"`
	Path string `json:"path,omitempty"`
	Mode uint32 `json:"mode,omitempty"`
}

func stdioDescriptors(pid int) ([]stdioFile, []string, error) {
	mounts, err := mountinfo.PidMountInfo(pid)
	if err != nil {
		return nil, nil, fmt.Errorf("read the container's mounts: %w", err)
	}
	inside := map[int]bool{}
	for _, mi := range mounts {
		inside[mi.ID] = true
	}
	var files []stdioFile
	var external []string
	for i := 0; i < 3; i++ {
		var f stdioFile
		fdPath := fmt.Sprintf("/proc/%d/fd/%d", pid, i)
		l, err := os.Readlink(fdPath)
		switch {
		case err != nil:
		case strings.HasPrefix(l, "pipe:"):
			f.Name = l
		case strings.HasPrefix(l, "/"):
			var st unix.Stat_t
			mnt := fdMountID(pid, i)
			if mnt >= 0 && !inside[mnt] && unix.Stat(fdPath, &st) == nil {
				f = stdioFile{Name: fmt.Sprintf("file[%x:%x]", mnt, st.Ino), Path: l, Mode: st.Mode}
				if !slices.Contains(external, f.Name) {
					external = append(external, f.Name)
				}
			}
		}
		files = append(files, f)
	}
	return files, external, nil
}

// fdMountID reads the mnt_id of a descriptor from /proc/PID/fdinfo.
func fdMountID(pid, fd int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "mnt_id:"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return n
			}
		}
	}
	return -1
}

// saveDescriptors records init's stdio in the images, for restore.
func saveDescriptors(imagePath string, files []stdioFile) error {
	data, err := json.Marshal(files)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(imagePath, descriptorsFile), data, 0o600)
}

// inheritStdio gives the restored processes our stdio in place of what
// they had at dump time: CRIU gets our 0, 1 and 2 as its own. A file must
// be of the same mode as the dumped one (CRIU checks): if ours is not, the
// dumped file itself is reopened when it is still there.
func (s *criuSession) inheritStdio(imagePath string, opts *criurpc.CriuOpts) error {
	data, err := os.ReadFile(filepath.Join(imagePath, descriptorsFile))
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	var files []stdioFile
	if err := json.Unmarshal(data, &files); err != nil {
		return fmt.Errorf("read %s: %w", descriptorsFile, err)
	}
	seen := map[string]bool{}
	for i, f := range files {
		if i > 2 || f.Name == "" || seen[f.Name] {
			continue
		}
		seen[f.Name] = true
		fd := i
		if strings.HasPrefix(f.Name, "file[") {
			var st unix.Stat_t
			if unix.Fstat(i, &st) != nil || st.Mode != f.Mode {
				same, err := os.OpenFile(f.Path, os.O_RDWR|os.O_APPEND, 0)
				if err == nil && unix.Fstat(int(same.Fd()), &st) == nil && st.Mode == f.Mode {
					s.owned = append(s.owned, same)
					fd = s.passFile(same)
				} else {
					if same != nil {
						same.Close()
					}
					return fmt.Errorf("the container's fd %d was %s (mode %o) at checkpoint: restore needs a file of that mode as its fd %d", i, f.Path, f.Mode, i)
				}
			}
		}
		opts.InheritFd = append(opts.InheritFd, &criurpc.InheritFd{Key: proto.String(f.Name), Fd: proto.Int32(int32(fd))})
	}
	return nil
}

// extMount is a mount of the container that comes from the host: key is
// where it is in the container, val the host path to bind on restore.
type extMount struct{ key, val string }

// containerPath resolves dest as init did when it mounted there: symlinks
// followed inside the rootfs.
func containerPath(rootfs, dest string) string {
	dest = path.Join("/", dest)
	full, err := securejoin.SecureJoin(rootfs, dest)
	if err != nil {
		return dest
	}
	rel, err := filepath.Rel(rootfs, full)
	if err != nil || strings.HasPrefix(rel, "..") {
		return dest
	}
	return path.Join("/", rel)
}

// hostMounts lists the candidates for external mounts of a container from
// its config: bind mounts, masked files, v1 cgroup binds and (in a user
// namespace) device nodes.
func hostMounts(bundle, rootfs string, spec *specs.Spec, m cgroups.Manager) []extMount {
	var out []extMount
	for _, mnt := range spec.Mounts {
		if mnt.Type == "cgroup" || mnt.Type == "cgroup2" {
			if m == nil || ocispec.HasNewNamespace(spec, specs.CgroupNamespace) {
				continue
			}
			ops, err := cgroup.MountPlan(m, containerPath(rootfs, mnt.Destination), mnt.Options, false)
			if err != nil {
				continue
			}
			for _, op := range ops {
				if op.Kind == "bind" || (op.Kind == "cgroup2" && op.Fallback != "") {
					src := op.Source
					if op.Kind == "cgroup2" {
						src = op.Fallback
					}
					out = append(out, extMount{key: op.Dest, val: src})
				}
			}
			continue
		}
		if !isBindMount(mnt) {
			continue
		}
		src := mnt.Source
		if !filepath.IsAbs(src) {
			src = filepath.Join(bundle, src)
		}
		out = append(out, extMount{key: containerPath(rootfs, mnt.Destination), val: src})
	}
	for _, p := range spec.Linux.MaskedPaths {
		out = append(out, extMount{key: containerPath(rootfs, p), val: "/dev/null"})
	}
	if ocispec.HasNamespace(spec, specs.UserNamespace) {
		for _, d := range ocispec.DefaultDevices {
			out = append(out, extMount{key: d.Path, val: d.Path})
		}
		for _, d := range spec.Linux.Devices {
			out = append(out, extMount{key: containerPath(rootfs, d.Path), val: d.Path})
		}
	}
	return out
}

func isBindMount(m specs.Mount) bool {
	if m.Type == "bind" {
		return true
	}
	for _, o := range m.Options {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}

// externalMounts are the host mounts that are mount points in the running
// container (a masked path that does not exist is not, for one).
func (c *Container) externalMounts(m cgroups.Manager) ([]extMount, error) {
	mounts, err := mountinfo.PidMountInfo(c.state.InitPid)
	if err != nil {
		return nil, fmt.Errorf("read the container's mounts: %w", err)
	}
	present := map[string]bool{}
	for _, mi := range mounts {
		present[mi.Mountpoint] = true
	}
	// A masked directory is an empty tmpfs, which CRIU dumps itself; only
	// the masked files (/dev/null bound over them) are external.
	for _, p := range c.state.Config.Linux.MaskedPaths {
		var st unix.Stat_t
		k := containerPath(c.state.Rootfs, p)
		if unix.Stat(fmt.Sprintf("/proc/%d/root%s", c.state.InitPid, k), &st) != nil || st.Mode&unix.S_IFMT == unix.S_IFDIR {
			delete(present, k)
		}
	}
	var out []extMount
	seen := map[string]bool{}
	for _, e := range hostMounts(c.state.Bundle, c.state.Rootfs, c.state.Config, m) {
		if present[e.key] && !seen[e.key] {
			seen[e.key] = true
			out = append(out, e)
		}
	}
	return out, nil
}

// restoreMounts maps every candidate external mount to its host path; CRIU
// uses the entries the images name and ignores the others.
func restoreMounts(bundle string, spec *specs.Spec, m cgroups.Manager) []extMount {
	rootfs := spec.Root.Path
	if !filepath.IsAbs(rootfs) {
		rootfs = filepath.Join(bundle, rootfs)
	}
	var out []extMount
	seen := map[string]bool{}
	for _, e := range hostMounts(bundle, rootfs, spec, m) {
		if !seen[e.key] {
			seen[e.key] = true
			out = append(out, e)
		}
	}
	return out
}
