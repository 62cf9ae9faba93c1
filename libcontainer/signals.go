package libcontainer

import (
	"os"
	"os/signal"
)

// catchSignals has every signal delivered to the returned channel once
// caught() has returned. It is for a runtime that forwards signals to a
// process in the foreground, and lasts until the runtime exits, as runc's
// handler does.
//
// signal.Notify of every signal costs one round trip per signal (about
// 65) to the Go runtime's signal-mask thread, each a hand-over between
// two threads: a millisecond on a small machine. It runs in the
// background while the caller validates and plans; caller must call
// caught() before it makes anything that a signal's default action (the
// runtime's death) would leave behind. Until then a signal acts as it
// did before signal.Notify, as it does during the runtime's start.
// No signal.Stop: as many round trips again, for a process about to exit.
func catchSignals() (sigc chan os.Signal, caught func()) {
	sigc = make(chan os.Signal, 128)
	done := make(chan struct{})
	go func() {
		signal.Notify(sigc)
		close(done)
	}()
	return sigc, func() { <-done }
}
