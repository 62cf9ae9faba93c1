package libcontainer

import (
	"os"
	"os/signal"

	"github.com/ocirun/runc/libcontainer/sigfwd"
)

// catchSignals has every signal delivered to the returned channel once
// caught() has returned. It is for a runtime that forwards signals to a
// process in the foreground, and lasts until the runtime exits, as runc's
// handler does.
//
// signal.Notify of every signal costs one round trip per signal (about
// 60) to the Go runtime's signal-mask thread, each a hand-over between
// two threads: about 130 context switches and half a millisecond of cpu.
// sigfwd catches the same signals with one C handler instead (see
// there), in about as many sigaction calls; signal.Notify stays the way
// should that fail. No signal.Stop: the process is about to exit.
func catchSignals() (sigc chan os.Signal, caught func()) {
	sigc = make(chan os.Signal, 128)
	if err := sigfwd.Catch(sigc); err != nil {
		signal.Notify(sigc)
	}
	return sigc, func() {}
}
