package sigfwd

import (
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestCSignals(t *testing.T) {
	in := map[int]bool{}
	for _, s := range cSignals() {
		in[int(s)] = true
	}
	for _, s := range []unix.Signal{unix.SIGKILL, unix.SIGSTOP, unix.SIGURG, unix.SIGPROF, unix.SIGPIPE, unix.SIGSEGV, unix.SIGBUS, unix.SIGFPE, unix.SIGILL, unix.SIGTRAP, unix.SIGSYS, 32, 33} {
		if in[int(s)] {
			t.Errorf("signal %d must stay with the Go runtime", s)
		}
	}
	for _, s := range []unix.Signal{unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGCHLD, unix.SIGWINCH, unix.SIGUSR1, unix.SIGTSTP, unix.SIGCONT, 34, 64} {
		if !in[int(s)] {
			t.Errorf("signal %d is not caught", s)
		}
	}
}

func TestCatchDelivers(t *testing.T) {
	c := make(chan os.Signal, 4)
	if err := Catch(c); err != nil {
		t.Fatal(err)
	}
	for _, s := range []unix.Signal{unix.SIGUSR1, 40, unix.SIGPIPE} {
		if err := unix.Kill(unix.Getpid(), s); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-c:
			if got != s {
				t.Errorf("sent %v, got %v", s, got)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%v not delivered", s)
		}
	}
}
