package initproc

import (
	"os"
	"strconv"

	"github.com/ocirun/runc/libcontainer/wire"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// initLogging makes init's logrus write JSON lines to the log pipe the
// runtime gave it; the pipe is closed on exec, so the container's
// process never holds it. It returns the function that closes the pipe,
// after which init logs nothing more.
func initLogging() func() {
	logrus.SetOutput(discard{})
	fd, err := strconv.Atoi(os.Getenv(wire.EnvLogPipe))
	if err != nil || fd < 3 {
		return func() {}
	}
	unix.CloseOnExec(fd)
	f := os.NewFile(uintptr(fd), "log-pipe")
	if lvl, err := strconv.Atoi(os.Getenv(wire.EnvLogLevel)); err == nil {
		logrus.SetLevel(logrus.Level(lvl))
	}
	logrus.SetFormatter(new(logrus.JSONFormatter))
	logrus.SetOutput(f)
	return func() {
		logrus.SetOutput(discard{})
		f.Close()
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
