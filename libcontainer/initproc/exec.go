package initproc

import (
	"os"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// execInit runs a process in a running container (`runc exec`): no root
// filesystem to set up, only the process's settings, then the exec. It
// returns only on failure.
func execInit(cfg *initConfig) error {
	proc := cfg.Spec.Process
	// The socket closes at execve (Init made it close-on-exec): the
	// parent reads that as success, or the reason execve failed.
	if proc.Terminal {
		if err := setupConsole(cfg.ConsoleFd, proc, false); err != nil {
			return err
		}
	}
	path, env, err := prepareProcess(cfg)
	if err != nil {
		return err
	}
	// The socket stays open, close-on-exec: its end of file tells
	// the parent that the user's program runs (`exec -d --pid-file`
	// returns only then), and a failed execve can still be told.
	logrus.Debugf("init: exec %s", path)
	return execUser(path, proc.Args, env)
}

// execUser replaces init with the user's process; it returns only on
// failure, as runc words it ("exec /bin/x: exec format error").
func execUser(path string, args, env []string) error {
	// The process may outlive the runtime from now on (exec -d).
	unix.Prctl(unix.PR_SET_PDEATHSIG, 0, 0, 0, 0)
	err := unix.Exec(path, args, env)
	return &os.PathError{Op: "exec", Path: path, Err: err}
}
