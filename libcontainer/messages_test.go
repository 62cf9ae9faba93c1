package libcontainer

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

func TestJSONErrorNamesLineAndColumn(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"{\n  \"a\": [1,]\n}", "line 2, column 11"},
		{"{\"ociVersion\": 5}", "line 1, column 16"},
		{"{\n", "line 1, column 2"},
		{"x", "line 1, column 1"},
	} {
		var v struct {
			OCIVersion string `json:"ociVersion"`
		}
		err := jsonError([]byte(tc.in), json.Unmarshal([]byte(tc.in), &v))
		if err == nil || !strings.Contains(err.Error(), "invalid JSON at "+tc.want+": ") {
			t.Errorf("%q: got %v, want %s", tc.in, err, tc.want)
		}
	}
}

func TestInvalidConfigWrapsOnce(t *testing.T) {
	err := invalidConfig(invalidConfig(errors.New("process.user.uid: bad")))
	if got := err.Error(); got != "invalid configuration: process.user.uid: bad" {
		t.Fatalf("got %q", got)
	}
	if got := startError(startError(&initError{errors.New("x")})).Error(); got != "unable to start container process: error during container init: x" {
		t.Fatalf("got %q", got)
	}
}

func TestRelayLogLineKeepsLevelAndFields(t *testing.T) {
	var buf bytes.Buffer
	old := logrus.StandardLogger().Out
	oldLevel := logrus.GetLevel()
	oldFmt := logrus.StandardLogger().Formatter
	t.Cleanup(func() {
		logrus.SetOutput(old)
		logrus.SetLevel(oldLevel)
		logrus.SetFormatter(oldFmt)
	})
	logrus.SetOutput(&buf)
	logrus.SetLevel(logrus.DebugLevel)
	logrus.SetFormatter(&logrus.TextFormatter{DisableColors: true, DisableTimestamp: true})
	relayLogLine([]byte(`{"level":"debug","msg":"nsexec-0[12]: hello \"x\"","time":"t","phase":"init:mounts","took":"1.000ms"}`))
	relayLogLine([]byte(`{"level":"warning","msg":"can't raise ambient capability CAP_KILL: operation not permitted"}`))
	relayLogLine([]byte(`{"level":"panic","msg":"boom"}`))
	want := `level=debug msg="nsexec-0[12]: hello \"x\"" phase="init:mounts" took=1.000ms` + "\n" +
		`level=warning msg="can't raise ambient capability CAP_KILL: operation not permitted"` + "\n" +
		`level=error msg=boom` + "\n"
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
}
