package initproc

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/ocirun/runc/libcontainer/internal/hooks"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// createInit sets up a new container: root filesystem, console, names,
// sysctls, the process's settings; then, once the runtime has saved the
// state, it waits on the exec fifo for `start` and execs the process. It
// returns only on failure.
func createInit(cfg *initConfig, enc *json.Encoder, dec *json.Decoder) error {
	spec := cfg.Spec
	proc := spec.Process
	unix.Umask(0)
	if err := joinSessionKeyring(cfg); err != nil {
		return err
	}
	ready := func() error { return waitForRuntime(cfg, enc, dec) }
	if err := enterRoot(cfg, ready); err != nil {
		return err
	}
	if proc.Terminal {
		if err := setupConsole(cfg.ConsoleFd, proc, true); err != nil {
			return err
		}
	}
	if err := setNames(spec); err != nil {
		return err
	}
	if err := writeSysctls(spec.Linux.Sysctl); err != nil {
		return err
	}
	if ocispec.HasNewNamespace(spec, specs.MountNamespace) {
		if err := finishRootfs(cfg); err != nil {
			return err
		}
	}
	reopenFifo, closeReopener, err := fdReopener(cfg.FifoFd)
	if err != nil {
		return err
	}
	defer closeReopener()
	path, env, err := prepareProcess(cfg)
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
	cfg.sock.Close()
	return awaitStart(cfg, reopenFifo, path, env)
}

// joinSessionKeyring gives the container a session keyring of its own,
// unless --no-new-keyring.
func joinSessionKeyring(cfg *initConfig) error {
	if cfg.NoNewKeyring {
		return nil
	}
	if _, err := unix.KeyctlJoinSessionKeyring("_ses." + cfg.ID); err != nil && err != unix.ENOSYS {
		return fmt.Errorf("join session keyring: %w", err)
	}
	return nil
}

// setNames sets the container's hostname and domain name.
func setNames(spec *specs.Spec) error {
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
	return nil
}

// awaitStart waits on the exec fifo until `start` opens it, then execs
// the container's process. What fails from then on reaches `start`
// through the fifo (errReported). It returns only on failure.
func awaitStart(cfg *initConfig, reopenFifo func(flags int) (*os.File, error), path string, env []string) error {
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
	if err := startProcess(cfg, path, env); err != nil {
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
