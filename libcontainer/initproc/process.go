package initproc

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ocirun/runc/libcontainer/internal/fsx"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

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
