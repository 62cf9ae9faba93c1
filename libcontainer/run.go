package libcontainer

import (
	"io"
	"os"
	"sync"

	"github.com/containerd/console"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Run creates and starts a container. Detached, it returns once the
// process runs; in the foreground it forwards signals and the terminal,
// waits, deletes the container unless keep, and returns the exit status
// (128+N for a process killed by signal N).
//
// The stages, in order: in the foreground, catch signals and make the
// console pair; Create; relay the terminal and the notify socket; start;
// then, in the foreground, wait for init and delete the container.
func Run(opts Options, co *CreateOpts, detach, keep bool) (int, error) {
	var sigc chan os.Signal
	var consoleParent *os.File
	if !detach {
		var err error
		if sigc, consoleParent, err = prepareForeground(co); err != nil {
			return -1, err
		}
		if consoleParent != nil {
			defer consoleParent.Close()
			defer co.consoleConn.Close()
		}
	}
	c, err := Create(opts, co)
	if err != nil {
		return -1, err
	}
	defer c.Close()
	tty, np, err := c.startRun(co, consoleParent)
	if err != nil {
		return -1, err
	}
	if tty != nil {
		defer tty.close()
	}
	if np != nil {
		defer np.Close()
	}
	pid := c.state.InitPid
	// Other commands (state, kill, ...) must not wait for us while it runs.
	c.Close()
	if detach {
		if np != nil {
			// As a Type=notify service's start: done when the container is ready.
			return 0, np.Relay(pid, pid, true)
		}
		return 0, nil
	}
	status := waitForeground(pid, sigc, tty, np)
	if !keep {
		return status, deleteAfterRun(opts, co.ID)
	}
	return status, nil
}

// prepareForeground is what a foreground run needs before the container
// exists: signals caught, the subreaper, and a console pair when the
// process has a terminal and there is no console socket.
func prepareForeground(co *CreateOpts) (sigc chan os.Signal, consoleParent *os.File, err error) {
	// Catch signals before init exists, so none is lost before the
	// forwarding starts (Create waits for it before it makes anything).
	sigc, co.signalsCaught = catchSignals()
	if !co.NoSubreaper {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			return nil, nil, err
		}
	}
	if co.Spec != nil && co.Spec.Process != nil && co.Spec.Process.Terminal && co.ConsoleSocket == "" {
		if consoleParent, co.consoleConn, err = consolePair(); err != nil {
			return nil, nil, err
		}
	}
	return sigc, consoleParent, nil
}

// startRun relays the terminal (our end of the console pair, if any) and
// the notify socket of a container just created, then starts it. On
// failure the container is destroyed.
func (c *Container) startRun(co *CreateOpts, consoleParent *os.File) (*ttyProxy, *notifyProxy, error) {
	var tty *ttyProxy
	var err error
	if consoleParent != nil {
		co.consoleConn.Close()
		if tty, err = newTTYProxy(consoleParent); err != nil {
			c.Destroy(true)
			return nil, nil, err
		}
	}
	var np *notifyProxy
	if co.NotifySocket != "" {
		if np, err = c.listenNotify(co.NotifySocket); err != nil {
			c.Destroy(true)
			if tty != nil {
				tty.close()
			}
			return nil, nil, err
		}
	}
	if err := c.start(); err != nil {
		c.Destroy(true)
		if np != nil {
			np.Close()
		}
		if tty != nil {
			tty.close()
		}
		return nil, nil, err
	}
	return tty, np, nil
}

// waitForeground relays signals (and the notify socket) until init exits,
// lets the terminal's output drain, and returns init's exit status.
func waitForeground(pid int, sigc chan os.Signal, tty *ttyProxy, np *notifyProxy) int {
	relayed := make(chan struct{})
	if np != nil {
		// In the foreground we are the service's main process. The relay
		// ends when init does.
		go func() {
			defer close(relayed)
			if err := np.Relay(pid, os.Getpid(), false); err != nil {
				logrus.Warnf("notify socket: %v", err)
			}
		}()
	} else {
		close(relayed)
	}
	status := forwardAndWait(pid, sigc, tty)
	logrus.Debugf("process %d exited with status %d", pid, status)
	<-relayed
	if tty != nil {
		tty.wait()
	}
	return status
}

// deleteAfterRun deletes the container of a foreground run (or restore)
// once its init has exited, unless someone deleted it meanwhile.
func deleteAfterRun(opts Options, id string) error {
	d, err := Load(opts, id, true)
	if err == ErrNotExist {
		return nil // someone deleted it meanwhile
	}
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Destroy(true)
}

// forwardAndWait relays every signal to init until it exits, reaping the
// orphans that reach us as a subreaper, and returns init's exit status.
func forwardAndWait(pid int, sigc chan os.Signal, tty *ttyProxy) int {
	// A SIGCHLD may have come before Notify saw init; check once first.
	if st, ok := reap(pid); ok {
		return st
	}
	for s := range sigc {
		sig := s.(unix.Signal)
		switch sig {
		case unix.SIGCHLD:
			if st, ok := reap(pid); ok {
				return st
			}
		case unix.SIGWINCH:
			if tty != nil {
				tty.resize()
			}
		case unix.SIGURG:
			// The Go runtime's own preemption signal.
		default:
			unix.Kill(pid, sig)
		}
	}
	return -1
}

// reap collects every exited child; it reports init's status if init was one.
func reap(pid int) (int, bool) {
	for {
		var ws unix.WaitStatus
		p, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if p <= 0 || err != nil {
			return 0, false
		}
		if p == pid {
			if ws.Signaled() {
				return 128 + int(ws.Signal()), true
			}
			return ws.ExitStatus(), true
		}
	}
}

// ttyProxy copies between our terminal and the container's pty.
type ttyProxy struct {
	master  console.Console
	current console.Console
	done    sync.WaitGroup
}

func newTTYProxy(sock *os.File) (*ttyProxy, error) {
	master, err := recvConsole(sock)
	if err != nil {
		return nil, err
	}
	t := &ttyProxy{master: master}
	// Our own terminal adds the carriage returns; the pty must not as well.
	console.ClearONLCR(master.Fd())
	if cur, err := console.ConsoleFromFile(os.Stdin); err == nil {
		t.current = cur
		cur.SetRaw()
		t.resize()
	}
	go io.Copy(master, os.Stdin)
	t.done.Add(1)
	go func() {
		io.Copy(os.Stdout, master)
		t.done.Done()
	}()
	return t, nil
}

func (t *ttyProxy) resize() {
	if t.current != nil {
		t.master.ResizeFrom(t.current)
	}
}

// wait lets the output drain: the copy ends when the last holder of the
// pty slave is gone.
func (t *ttyProxy) wait() { t.done.Wait() }

func (t *ttyProxy) close() {
	if t.current != nil {
		t.current.Reset()
	}
	t.master.Close()
}
