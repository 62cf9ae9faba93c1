package initproc

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeExe(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestLookPath(t *testing.T) {
	base := t.TempDir()
	d1 := filepath.Join(base, "d1")
	d2 := filepath.Join(base, "d2")
	for _, d := range []string{d1, d2} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeExe(t, filepath.Join(d1, "noexec"), 0o644)
	writeExe(t, filepath.Join(d2, "noexec"), 0o755)
	writeExe(t, filepath.Join(d1, "both"), 0o755)
	writeExe(t, filepath.Join(d2, "both"), 0o755)
	writeExe(t, filepath.Join(d2, "only2"), 0o700)
	if err := os.Mkdir(filepath.Join(d1, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeExe(t, filepath.Join(d2, "adir"), 0o755)
	writeExe(t, filepath.Join(d1, "plain"), 0o600)

	env := []string{"HOME=/root", "PATH=" + d1 + ":" + d2, "TERM=xterm"}
	for _, tc := range []struct {
		file string
		want string // "" means an error
	}{
		{"both", filepath.Join(d1, "both")},                    // first directory wins
		{"only2", filepath.Join(d2, "only2")},                  // found later in PATH
		{"noexec", filepath.Join(d2, "noexec")},                // a non-executable file is skipped
		{"adir", filepath.Join(d2, "adir")},                    // so is a directory
		{"plain", ""},                                          // never executable
		{"missing", ""},                                        // nowhere
		{filepath.Join(d1, "both"), filepath.Join(d1, "both")}, // a path is used as is
		{filepath.Join(d1, "plain"), ""},                       // but must be executable
		{filepath.Join(d1, "adir"), ""},                        // and not a directory
		{filepath.Join(d1, "missing"), ""},                     // and must exist
	} {
		got, err := lookPath(tc.file, env)
		if tc.want == "" {
			if err == nil {
				t.Errorf("lookPath(%q) = %q, want an error", tc.file, got)
			} else if !strings.Contains(err.Error(), filepath.Base(tc.file)) {
				t.Errorf("lookPath(%q) error %q does not name the file", tc.file, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("lookPath(%q) = %q, %v; want %q", tc.file, got, err, tc.want)
		}
	}

	// The last PATH in the environment is the one that counts.
	got, err := lookPath("only2", []string{"PATH=" + d2, "PATH=" + d1})
	if err == nil {
		t.Errorf("with the later PATH=%s, found %q", d1, got)
	}
	// PATH entries that do not exist are skipped.
	if got, err := lookPath("only2", []string{"PATH=/nonexistent:" + d2}); err != nil || got != filepath.Join(d2, "only2") {
		t.Errorf("lookPath past a missing directory = %q, %v", got, err)
	}
	// An empty PATH element is the working directory, as in execvp.
	t.Chdir(d2)
	got, err = lookPath("only2", []string{"PATH=/nonexistent:"})
	if err != nil {
		t.Fatalf("lookPath with an empty PATH element: %v", err)
	}
	if abs, _ := filepath.Abs(got); abs != filepath.Join(d2, "only2") {
		t.Errorf("lookPath with an empty PATH element = %q, want the file in the working directory", got)
	}
}

// Without PATH in the environment, the default PATH is searched.
func TestLookPathDefaultPath(t *testing.T) {
	got, err := lookPath("sh", []string{"HOME=/"})
	if err != nil {
		t.Skipf("no sh in the default PATH: %v", err)
	}
	if !filepath.IsAbs(got) || filepath.Base(got) != "sh" {
		t.Errorf("lookPath(sh) = %q", got)
	}
	if got, err := lookPath("sh", []string{"PATH="}); err == nil {
		t.Errorf("an empty PATH found %q", got)
	}
}

func TestDedupEnv(t *testing.T) {
	got := dedupEnv([]string{"A=1", "B=2", "A=3", "NOEQ", "C=", "B=4", "NOEQ"})
	want := []string{"A=3", "NOEQ", "C=", "B=4", "NOEQ"}
	if !slices.Equal(got, want) {
		t.Fatalf("dedupEnv = %q, want %q", got, want)
	}
}

func TestWithHomeEmpty(t *testing.T) {
	// No /etc/passwd entry for this uid (the test's own /etc/passwd is
	// the host's): "/".
	got := withHome([]string{"A=1", "HOME=", "B=2"}, 4294967294)
	if !slices.Equal(got, []string{"A=1", "HOME=/", "B=2"}) {
		t.Fatalf("withHome = %q", got)
	}
	in := []string{"HOME=/x"}
	if got := withHome(in, 0); !slices.Equal(got, in) {
		t.Fatalf("withHome kept = %q", got)
	}
}
