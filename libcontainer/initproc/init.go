package initproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/ocirun/runc/libcontainer/internal/fsx"
	"github.com/ocirun/runc/libcontainer/internal/hooks"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/ocirun/runc/libcontainer/wire"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

func init() {
	// The init's credentials and capabilities are per thread: keep the
	// whole of `init` on the main thread, the one that will execve.
	if len(os.Args) > 1 && os.Args[1] == "init" {
		runtime.LockOSThread()
	}
}

// closeLog closes init's log pipe (see logpipe.go).
var closeLog = func() {}

// initConfig is the init config with init's end of the init socket.
type initConfig struct {
	wire.InitConfig
	sock *os.File
}

// errReported: the error has gone to the runtime another way.
var errReported = errors.New("reported")

// Init is the Go side of `runc init`, in the container's namespaces after
// the C stage. It never returns: it execs the user's process or exits.
func Init(seccompLoader func(s *specs.LinuxSeccomp, sock *os.File) error) {
	loadSeccomp = seccompLoader
	fd, err := strconv.Atoi(os.Getenv(wire.EnvInitPipe))
	if err != nil {
		fmt.Fprintln(os.Stderr, "runc init: must be started by the runtime")
		os.Exit(1)
	}
	closeLog = initLogging()
	os.Clearenv()
	// A non-blocking socket makes the Go runtime set up its poller now,
	// before a low RLIMIT_NOFILE could leave it no descriptor to do so.
	unix.SetNonblock(fd, true)
	sock := os.NewFile(uintptr(fd), "init-sock")
	dec := json.NewDecoder(sock)
	enc := json.NewEncoder(sock)
	if err := containerInit(sock, dec, enc); err != nil {
		if err == wire.ErrParentGone || err == errReported {
			// The parent gave up (and says why): nothing to add.
			os.Exit(1)
		}
		if enc.Encode(wire.SyncMsg{Type: wire.SyncError, Message: err.Error()}) != nil {
			// The parent has gone (or was told we are done): stderr is all we have.
			fmt.Fprintf(os.Stderr, "runc init: %v\n", err)
		}
		os.Exit(1)
	}
	panic("unreachable")
}

func containerInit(sock *os.File, dec *json.Decoder, enc *json.Encoder) error {
	var in wire.InitConfigIn
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("read init config: %w", err)
	}
	wcfg, err := in.Config()
	if err != nil {
		return fmt.Errorf("read init config: %w", err)
	}
	cfg := initConfig{InitConfig: wcfg, sock: sock}
	spec := cfg.Spec
	proc := spec.Process
	logrus.Debugf("init: config received (exec: %v), pid %d", cfg.Exec, os.Getpid())
	if cfg.Exec {
		// A process joining a running container: no rootfs to set up.
		// The socket closes at execve: the parent reads that as success,
		// or the reason execve failed. Set now, before any seccomp filter
		// could deny the fcntl.
		if rc, err := sock.SyscallConn(); err == nil {
			rc.Control(func(fd uintptr) { unix.CloseOnExec(int(fd)) })
		}
		if proc.Terminal {
			if err := setupConsole(cfg.ConsoleFd, proc, false); err != nil {
				return err
			}
		}
		path, env, err := prepareProcess(&cfg)
		if err != nil {
			return err
		}
		// The socket stays open, close-on-exec: its end of file tells
		// the parent that the user's program runs (`exec -d --pid-file`
		// returns only then), and a failed execve can still be told.
		logrus.Debugf("init: exec %s", path)
		return execUser(path, proc.Args, env)
	}
	unix.Umask(0)

	if !cfg.NoNewKeyring {
		if _, err := unix.KeyctlJoinSessionKeyring("_ses." + cfg.ID); err != nil && err != unix.ENOSYS {
			return fmt.Errorf("join session keyring: %w", err)
		}
	}

	// Mounts done, root not yet switched: the parent applies the cgroup
	// resources (the device nodes exist now) and runs its hooks, then
	// createContainer hooks run here, where the runtime's paths still
	// resolve.
	ready := func() error {
		defer timing.Phase("init:wait-runtime")()
		logrus.Debug("init: mounts done, waiting for the runtime (cgroup resources, hooks)")
		if err := enc.Encode(wire.SyncMsg{Type: wire.SyncReady}); err != nil {
			return err
		}
		var msg wire.SyncMsg
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) {
				return wire.ErrParentGone
			}
			return fmt.Errorf("wait for parent: %w", err)
		}
		if msg.Type != wire.SyncContinue {
			return fmt.Errorf("unexpected message %q from parent", msg.Type)
		}
		if cfg.HookState != nil {
			return hooks.Run(spec, hooks.CreateContainer, cfg.HookState, "", false)
		}
		return nil
	}
	// Without a mount namespace the mounts are made in the host's, as runc
	// does, unless a user namespace leaves init no right to mount there.
	hostMounts := !ocispec.HasNamespace(spec, specs.MountNamespace) && !ocispec.HasNamespace(spec, specs.UserNamespace)
	if ocispec.HasNewNamespace(spec, specs.MountNamespace) || hostMounts {
		logrus.Debugf("init: setting up the root filesystem %s", cfg.Rootfs)
		if err := setupRootfs(&cfg, ready); err != nil {
			return err
		}
	} else if ocispec.HasNamespace(spec, specs.MountNamespace) {
		// A joined mount namespace is the container's filesystem as it
		// is: the C stage's setns() made its root ours.
		if err := unix.Chdir("/"); err != nil {
			return fmt.Errorf("chdir to the joined mount namespace's root: %w", err)
		}
		if err := ready(); err != nil {
			return err
		}
	} else {
		if err := unix.Chdir(cfg.Rootfs); err != nil {
			return fmt.Errorf("chdir to rootfs: %w", err)
		}
		if err := ready(); err != nil {
			return err
		}
		if err := unix.Chroot(cfg.Rootfs); err != nil {
			return fmt.Errorf("chroot without a mount namespace: %w", err)
		}
	}
	if proc.Terminal {
		if err := setupConsole(cfg.ConsoleFd, proc, true); err != nil {
			return err
		}
	}
	if spec.Hostname != "" {
		if err := unix.Sethostname([]byte(spec.Hostname)); err != nil {
			return fmt.Errorf("set hostname: %w", err)
		}
	}
	if spec.Domainname != "" {
		if err := unix.Setdomainname([]byte(spec.Domainname)); err != nil {
			return fmt.Errorf("set domainname: %w", err)
		}
	}
	if err := writeSysctls(spec.Linux.Sysctl); err != nil {
		return err
	}
	if ocispec.HasNewNamespace(spec, specs.MountNamespace) {
		if err := finishRootfs(&cfg); err != nil {
			return err
		}
	}

	reopenFifo, closeReopener, err := fdReopener(cfg.FifoFd)
	if err != nil {
		return err
	}
	defer closeReopener()
	path, env, err := prepareProcess(&cfg)
	if err != nil {
		return err
	}

	// All done: the parent saves the state, then we may outlive it.
	if err := awaitStateSaved(enc, dec); err != nil {
		return err
	}
	// Closing the socket tells the parent we are done. Then wait for
	// start; nothing is logged from then on.
	logrus.Debug("init: set-up done, waiting on the exec fifo")
	closeLog()
	sock.Close()
	// Not by /proc/self/fd/N: the container's /proc could lead elsewhere.
	fifo, err := reopenFifo(unix.O_WRONLY)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	if _, err := fifo.Write([]byte("0")); err != nil {
		return fmt.Errorf("write exec fifo: %w", err)
	}
	// The write end stays open (close-on-exec): `start` reads its EOF as
	// "the process has been executed", or what is written after the "0" as
	// the reason it was not.
	unix.Close(cfg.FifoFd)
	if err := startProcess(&cfg, path, env); err != nil {
		fifo.Write([]byte(err.Error()))
		return errReported // by `start`, from the fifo
	}
	panic("unreachable")
}

// startProcess runs the startContainer hooks and execs the user's process;
// it returns only on failure.
func startProcess(cfg *initConfig, path string, env []string) error {
	if cfg.HookState != nil {
		// Started: as the user's process, in its root, just before execve.
		hs := *cfg.HookState
		hs.Status = specs.StateCreated
		// As runc: a startContainer hook without env of its own gets
		// the environment of the container's process.
		os.Clearenv()
		for _, e := range env {
			if k, v, ok := strings.Cut(e, "="); ok && k != "" {
				os.Setenv(k, v)
			}
		}
		if err := hooks.Run(cfg.Spec, hooks.StartContainer, &hs, "", false); err != nil {
			return err
		}
	}
	args := cfg.Spec.Process.Args
	if err := unix.Exec(path, args, env); err != nil {
		return fmt.Errorf("exec %s: %w", args[0], err)
	}
	return nil
}

// execUser replaces init with the user's process; it returns only on
// failure, as runc words it ("exec /bin/x: exec format error").
func execUser(path string, args, env []string) error {
	// The process may outlive the runtime from now on (exec -d).
	unix.Prctl(unix.PR_SET_PDEATHSIG, 0, 0, 0, 0)
	err := unix.Exec(path, args, env)
	return &os.PathError{Op: "exec", Path: path, Err: err}
}

// prepareProcess applies the process settings that come last, in runc's
// order: fds, rlimits, the executable's lookup, user and capabilities,
// HOME, cwd, no_new_privs and umask.
func prepareProcess(cfg *initConfig) (string, []string, error) {
	defer timing.Phase("init:process")()
	proc := cfg.Spec.Process
	// Before the rlimits: a low RLIMIT_NOFILE must not stop us listing fds.
	if err := closeExtraFds(3 + cfg.PreserveFDs); err != nil {
		return "", nil, err
	}
	if err := setRlimits(proc.Rlimits); err != nil {
		return "", nil, err
	}
	env := dedupEnv(proc.Env)
	path, err := lookPath(proc.Args[0], env)
	if err != nil {
		return "", nil, err
	}
	if err := setPersonality(cfg.Spec.Linux.Personality); err != nil {
		return "", nil, err
	}
	if err := applyProcessSched(proc); err != nil {
		return "", nil, err
	}
	if err := applyMemoryPolicy(cfg.Spec.Linux.MemoryPolicy); err != nil {
		return "", nil, err
	}
	if err := applyLSM(proc); err != nil {
		return "", nil, err
	}
	// Loading a filter needs CAP_SYS_ADMIN unless no_new_privs is set: in
	// that case it comes before the capabilities are dropped, otherwise as
	// late as possible, so it constrains as little of our own set-up.
	sc := cfg.Spec.Linux.Seccomp
	if sc != nil && !proc.NoNewPrivileges {
		if err := loadSeccomp(sc, cfg.sock); err != nil {
			return "", nil, err
		}
	}
	// The cwd is entered while we still have our privileges (a cwd that
	// only root may enter works for another user); only if that fails is
	// it tried again as the user, who may be the only one allowed in (a
	// root-squashing network filesystem), as runc does.
	chdirLater := unix.Chdir(proc.Cwd) != nil
	if err := setupUser(proc); err != nil {
		return "", nil, err
	}
	env = withHome(env, proc.User.UID)
	if chdirLater {
		if err := unix.Chdir(proc.Cwd); err != nil {
			return "", nil, fmt.Errorf("chdir to cwd (%q) set in config.json failed: %w", proc.Cwd, err)
		}
	}
	// A cwd reached through a magic link (/proc/self/fd/N of a descriptor
	// still open here) could lie outside the container's root: the kernel
	// then reports it as unreachable (CVE-2024-21626).
	buf := make([]byte, 4096)
	if n, err := unix.Getcwd(buf); err != nil || n == 0 || buf[0] != '/' {
		return "", nil, fmt.Errorf("cwd %q is outside the container's root filesystem", proc.Cwd)
	}
	if proc.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return "", nil, fmt.Errorf("set no_new_privs: %w", err)
		}
	}
	umask := 0o022
	if proc.User.Umask != nil {
		umask = int(*proc.User.Umask)
	}
	unix.Umask(umask)
	if sc != nil && proc.NoNewPrivileges {
		if err := loadSeccomp(sc, cfg.sock); err != nil {
			return "", nil, err
		}
	}
	return path, env, nil
}

// lookPath finds the executable as execvp would, with the container's PATH.
func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		if err := checkExecutable(file); err != nil {
			return "", fmt.Errorf("exec: %q: %w", file, err)
		}
		return file, nil
	}
	pathEnv := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			pathEnv = v
		}
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if checkExecutable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH", file)
}

func checkExecutable(p string) error {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return &os.PathError{Op: "stat", Path: p, Err: err}
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return os.ErrPermission // as execvp and runc say
	}
	if st.Mode&0o111 == 0 {
		return os.ErrPermission
	}
	return nil
}

func setRlimits(rls []specs.POSIXRlimit) error {
	defer timing.Phase("init:rlimits")()
	for _, rl := range rls {
		res, ok := ocispec.Rlimits[rl.Type]
		if !ok {
			return fmt.Errorf("unknown rlimit type %q", rl.Type)
		}
		lim := unix.Rlimit{Cur: rl.Soft, Max: rl.Hard}
		if err := unix.Prlimit(0, res, &lim, nil); err != nil {
			return fmt.Errorf("set rlimit %s (soft %d, hard %d): %w", rl.Type, rl.Soft, rl.Hard, err)
		}
	}
	return nil
}

// setupUser drops to the configured user and capability sets.
func setupUser(proc *specs.Process) error {
	defer timing.Phase("init:user")()
	logrus.Debugf("init: switching to user %d:%d (additional gids %v) and the capability sets", proc.User.UID, proc.User.GID, proc.User.AdditionalGids)
	caps, err := newCapSets(proc.Capabilities)
	if err != nil {
		return err
	}
	if err := caps.dropBounding(); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set keepcaps: %w", err)
	}
	u := proc.User
	d, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	nonDumpable := d == 0
	// Checked by the parent already; an id above it would reach the
	// set*id calls below as -1, "unchanged", and leave us root.
	if err := ocispec.ValidateUserIDs(u); err != nil {
		return err
	}
	groups := make([]int, len(u.AdditionalGids))
	for i, g := range u.AdditionalGids {
		groups[i] = int(g)
	}
	// A user namespace whose gid map was written without privilege has
	// setgroups(2) denied: the groups stay as they are, and asking for
	// additional ones is an error.
	if !setgroupsDenied() {
		if err := threadSetgroups(groups); err != nil {
			return fmt.Errorf("setgroups %v: %w", groups, err)
		}
	} else if len(groups) > 0 {
		return fmt.Errorf("cannot set additionalGids %v: setgroups is denied in this user namespace (a gid map written without privilege; map more gids with newgidmap to allow it)", groups)
	}
	if err := threadSetresid(unix.SYS_SETRESGID, u.GID); err != nil {
		return fmt.Errorf("setgid %d: %w", u.GID, err)
	}
	if err := threadSetresid(unix.SYS_SETRESUID, u.UID); err != nil {
		return fmt.Errorf("setuid %d: %w", u.UID, err)
	}
	// A change of credentials sets "dumpable" to fs.suid_dumpable, which
	// a host may have set to 1: an exec setup stays non-dumpable until
	// its execve (CVE-2016-9962).
	if nonDumpable {
		if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
			return fmt.Errorf("set non-dumpable: %w", err)
		}
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("clear keepcaps: %w", err)
	}
	return caps.apply()
}

// dedupEnv keeps one entry per variable: the last one given, at the place
// of that last one (as execve's callers expect when a value is overridden).
func dedupEnv(env []string) []string {
	seen := make(map[string]bool, len(env))
	out := make([]string, 0, len(env))
	for i := len(env) - 1; i >= 0; i-- {
		if k, _, ok := strings.Cut(env[i], "="); ok {
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, env[i])
	}
	slices.Reverse(out)
	return out
}

// withHome sets HOME from the container's /etc/passwd (or "/") when env
// has none or an empty one.
func withHome(env []string, uid uint32) []string {
	at := -1
	for i, e := range env {
		if v, ok := strings.CutPrefix(e, "HOME="); ok {
			if v != "" {
				return env
			}
			at = i
		}
	}
	home := "/"
	if data, err := fsx.ReadFile("/etc/passwd"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Split(line, ":")
			if len(f) >= 6 && f[2] == strconv.Itoa(int(uid)) && f[5] != "" {
				home = f[5]
				break
			}
		}
	}
	if at >= 0 {
		env = slices.Clone(env)
		env[at] = "HOME=" + home
		return env
	}
	return append(env, "HOME="+home)
}

// closeExtraFds marks every descriptor from first on close-on-exec, so no
// runtime descriptor reaches the container. close_range(2) does it without
// listing /proc/self/fd, which is the container's /proc by now.
func closeExtraFds(first int) error {
	const closeRangeCloexec = 1 << 2 // CLOSE_RANGE_CLOEXEC, Linux 5.11
	if unix.CloseRange(uint(first), ^uint(0), closeRangeCloexec) == nil {
		return nil
	}
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return fmt.Errorf("list open fds: %w", err)
	}
	names, err := d.Readdirnames(-1)
	dfd := int(d.Fd())
	if err != nil {
		d.Close()
		return fmt.Errorf("list open fds: %w", err)
	}
	for _, n := range names {
		fd, err := strconv.Atoi(n)
		if err != nil || fd < first || fd == dfd {
			continue
		}
		unix.CloseOnExec(fd)
	}
	d.Close()
	return nil
}
