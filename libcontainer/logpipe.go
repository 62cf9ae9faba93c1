package libcontainer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/ocirun/runc/libcontainer/wire"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// The log pipe (wire.EnvLogPipe): `runc init` writes its log lines there
// as JSON; the runtime relays them to its own logger.

// logRelay forwards the lines of one init's log pipe.
type logRelay struct {
	done chan struct{}
}

// relayLogs logs every line read from r until every writer has closed it.
func relayLogs(r *os.File) *logRelay {
	l := &logRelay{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		defer r.Close()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		for sc.Scan() {
			relayLogLine(sc.Bytes())
		}
	}()
	return l
}

func relayLogLine(line []byte) {
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		logrus.Errorf("init log: undecodable line %q", line)
		return
	}
	lvl, err := logrus.ParseLevel(fmt.Sprint(m["level"]))
	if err != nil {
		lvl = logrus.InfoLevel
	}
	if lvl < logrus.ErrorLevel {
		lvl = logrus.ErrorLevel // init's fatal or panic must not end the runtime
	}
	msg, _ := m["msg"].(string)
	delete(m, "level")
	delete(m, "msg")
	delete(m, "time")
	logrus.WithFields(logrus.Fields(m)).Log(lvl, msg)
}

// wait lets the lines already written reach the log: it returns when
// every writer has closed the pipe, or after a while if one has not.
func (l *logRelay) wait() {
	if l == nil {
		return
	}
	select {
	case <-l.done:
	case <-time.After(2 * time.Second):
	}
}

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
