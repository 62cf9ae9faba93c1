// Package sigfwd catches signals for a runtime that forwards them to a
// container's process, without the cost of os/signal's set-up.
//
// signal.Notify enables each signal with a round trip to the Go runtime's
// signal-mask thread, a goroutine locked to its own thread: two hand-overs
// between threads per signal, some 60 of them for "every signal" (about
// 130 context switches and half a millisecond of cpu per `run` here). This
// package installs one small C handler with sigaction(2) for those signals
// instead: it writes the signal's number to a non-blocking, close-on-exec
// pipe, whose read end a goroutine turns into os.Signal values.
//
// It leaves to the Go runtime the signals it needs itself or treats
// specially: SIGURG (preemption), SIGPROF (not delivered by os/signal
// either), SIGPIPE (the runtime raises it for a write to a closed stdout
// or stderr and dies of it unless os/signal wants it), the synchronous
// ones (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSTKFLT, SIGSYS, which
// panic or crash when raised by a fault), glibc's internal 32 and 33, and
// SIGKILL and SIGSTOP. Catch asks os/signal for the first group (no round
// trip for all but SIGPIPE), so the set delivered is that of
// signal.Notify(c) with no signal given, SIGURG aside.
package sigfwd

/*
#cgo CFLAGS: -Wall -O2
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int sigfwd_fd = -1;

static void sigfwd_handler(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	// A full pipe drops the signal, as a full channel does for os/signal.
	(void)!write(sigfwd_fd, &b, 1);
	errno = saved;
}

// Installs the handler for sigs[0..n-1]; returns 0 or -errno.
static int sigfwd_install(int fd, const int *sigs, int n)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigfwd_handler;
	// The Go runtime gives every thread an alternate signal stack; a
	// goroutine's own stack is too small to run a handler on.
	sa.sa_flags = SA_ONSTACK | SA_RESTART;
	sigfillset(&sa.sa_mask);
	sigfwd_fd = fd;
	for (int i = 0; i < n; i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -errno;
	return 0;
}
*/
import "C"

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// goSignals are delivered through os/signal: the runtime must keep its own
// handler for them (see the package comment).
var goSignals = []os.Signal{
	unix.SIGPIPE, unix.SIGSEGV, unix.SIGBUS, unix.SIGFPE, unix.SIGILL,
	unix.SIGTRAP, unix.SIGSTKFLT, unix.SIGSYS,
}

// cSignals lists the signals the C handler catches: every catchable one
// from 1 to 64 but those above and SIGURG, SIGPROF, 32 and 33.
func cSignals() []C.int {
	var out []C.int
	for s := 1; s <= 64; s++ {
		switch unix.Signal(s) {
		case unix.SIGKILL, unix.SIGSTOP, unix.SIGURG, unix.SIGPROF:
			continue
		}
		if s == 32 || s == 33 {
			continue
		}
		skip := false
		for _, g := range goSignals {
			if g == unix.Signal(s) {
				skip = true
			}
		}
		if !skip {
			out = append(out, C.int(s))
		}
	}
	return out
}

// Catch has every signal (as signal.Notify(c) would, SIGURG aside)
// delivered to c from now on, until the process exits. It is for one
// caller per process; there is no way back.
func Catch(c chan<- os.Signal) error {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return fmt.Errorf("signal pipe: %w", err)
	}
	r := os.NewFile(uintptr(p[0]), "signal-pipe")
	sigs := cSignals()
	if rc := C.sigfwd_install(C.int(p[1]), (*C.int)(unsafe.Pointer(&sigs[0])), C.int(len(sigs))); rc != 0 {
		r.Close()
		unix.Close(p[1])
		return fmt.Errorf("install signal handlers: %w", unix.Errno(-rc))
	}
	signal.Notify(c, goSignals...)
	go func() {
		// os/signal would unblock the signals it delivers on its own
		// thread, should the runtime have started with them blocked: so
		// does this goroutine, which stays on its thread.
		runtime.LockOSThread()
		var set unix.Sigset_t
		for _, s := range sigs {
			n := uint(s) - 1
			set.Val[n/64] |= 1 << (n % 64)
		}
		unix.PthreadSigmask(unix.SIG_UNBLOCK, &set, nil)
		var buf [64]byte
		for {
			n, err := r.Read(buf[:])
			if err != nil {
				return
			}
			for _, b := range buf[:n] {
				select {
				case c <- unix.Signal(b):
				default: // full: dropped, as os/signal does
				}
			}
		}
	}()
	return nil
}
