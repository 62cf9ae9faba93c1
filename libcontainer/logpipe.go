package libcontainer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/sirupsen/logrus"
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
