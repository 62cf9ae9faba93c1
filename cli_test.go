package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli/v3"
)

// runCheckArgs runs a throw-away command with args and returns what
// checkArgs(cmd, n, exact) said about them.
func runCheckArgs(t *testing.T, n int, exact bool, args ...string) error {
	t.Helper()
	var got error
	called := false
	cmd := &cli.Command{
		Name:      "probe",
		Writer:    io.Discard,
		ErrWriter: io.Discard,
		Action: func(ctx context.Context, c *cli.Command) error {
			called = true
			got = checkArgs(c, n, exact)
			return nil
		},
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
	}
	if err := cmd.Run(context.Background(), append([]string{"probe"}, args...)); err != nil {
		t.Fatalf("run: %v", err)
	}
	if !called {
		t.Fatal("action not called")
	}
	return got
}

func TestCheckArgs(t *testing.T) {
	for _, tc := range []struct {
		n     int
		exact bool
		args  []string
		ok    bool
	}{
		{0, true, nil, true},
		{0, true, []string{"a"}, false},
		{1, true, []string{"a"}, true},
		{1, true, nil, false},
		{1, true, []string{"a", "b"}, false},
		{1, false, []string{"a"}, true},
		{1, false, []string{"a", "b", "c"}, true},
		{1, false, nil, false},
		{2, false, []string{"a"}, false},
		{0, false, nil, true},
	} {
		err := runCheckArgs(t, tc.n, tc.exact, tc.args...)
		if (err == nil) != tc.ok {
			t.Errorf("checkArgs(n=%d, exact=%v) with %q: err = %v, want ok=%v", tc.n, tc.exact, tc.args, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), `"probe"`) {
			t.Errorf("error %q does not name the command", err)
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprint(tc.n)) {
			t.Errorf("error %q does not give the expected count %d", err, tc.n)
		}
	}
}

func TestVersionText(t *testing.T) {
	check := func(commit string) {
		t.Helper()
		lines := strings.Split(versionText(), "\n")
		if len(lines) != 5 {
			t.Fatalf("versionText has %d lines, want 5: %q", len(lines), lines)
		}
		if lines[0] != "runc version "+version {
			t.Errorf("line 1 = %q", lines[0])
		}
		if lines[1] != "commit: "+commit {
			t.Errorf("line 2 = %q, want commit: %s", lines[1], commit)
		}
		if lines[2] != "spec: "+specs.Version {
			t.Errorf("line 3 = %q", lines[2])
		}
		if lines[3] != "go: "+runtime.Version() {
			t.Errorf("line 4 = %q", lines[3])
		}
		if !regexp.MustCompile(`^libseccomp: \d+\.\d+\.\d+$`).MatchString(lines[4]) {
			t.Errorf("line 5 = %q", lines[4])
		}
	}
	old := gitCommit
	t.Cleanup(func() { gitCommit = old })
	gitCommit = ""
	check("unknown")
	gitCommit = "v1.2.3-0-gdeadbeef"
	check("v1.2.3-0-gdeadbeef")
}

func TestParseSubCgroups(t *testing.T) {
	got, err := parseSubCgroups([]string{"cpu,cpuacct:a", "memory:b/c"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"cpu": "a", "cpuacct": "a", "memory": "b/c"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if got, err := parseSubCgroups([]string{"x"}); err != nil || got[""] != "x" || len(got) != 1 {
		t.Fatalf("plain path: %v %v", got, err)
	}
	for _, bad := range [][]string{{"a", "b"}, {"memory:a", "memory:b"}, {"memory:"}, {",memory:a"}, {""}} {
		if _, err := parseSubCgroups(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if got, err := parseSubCgroups(nil); got != nil || err != nil {
		t.Fatalf("nil: %v %v", got, err)
	}
}
