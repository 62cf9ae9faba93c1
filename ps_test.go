package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// captureStdout runs fn with os.Stdout redirected to a pipe and returns what
// it printed.
func captureStdout(t *testing.T, fn func() error) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, r)
		r.Close()
		done <- b.Bytes()
	}()
	ferr := func() (err error) {
		defer func() { os.Stdout = old }()
		return fn()
	}()
	w.Close()
	return string(<-done), ferr
}

const psEf = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 10:00 ?        00:00:01 /sbin/init
root         123       1  0 10:00 ?        00:00:00 sleep 456
root         456     123  0 10:00 pts/0    00:00:00 sh -c echo 123
nobody      1234       1  0 10:01 ?        00:00:00 /bin/cat
`

func TestPrintPsLines(t *testing.T) {
	header := "UID          PID    PPID  C STIME TTY          TIME CMD\n"
	line1 := "root           1       0  0 10:00 ?        00:00:01 /sbin/init\n"
	line123 := "root         123       1  0 10:00 ?        00:00:00 sleep 456\n"
	line456 := "root         456     123  0 10:00 pts/0    00:00:00 sh -c echo 123\n"
	line1234 := "nobody      1234       1  0 10:01 ?        00:00:00 /bin/cat\n"
	for _, tc := range []struct {
		name string
		pids []int
		want string
	}{
		{"none", nil, header},
		{"one", []int{123}, header + line123},
		{"init", []int{1}, header + line1},
		{"two", []int{456, 123}, header + line123 + line456},
		{"no-prefix-match", []int{12}, header},
		{"all", []int{1, 123, 456, 1234}, psEf},
		{"absent", []int{99999}, header},
		{"longer", []int{1234}, header + line1234},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := captureStdout(t, func() error { return printPsLines([]byte(psEf), tc.pids) })
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestPrintPsLinesOtherLayouts(t *testing.T) {
	// ps aux: PID is the second column.
	aux := "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n" +
		"root           7  0.0  0.0   2000   100 ?        S    10:00   0:00 sleep 8\n" +
		"root           8  0.0  0.0   2000   100 ?        S    10:00   0:00 sleep 7\n"
	got, err := captureStdout(t, func() error { return printPsLines([]byte(aux), []int{8}) })
	if err != nil {
		t.Fatal(err)
	}
	want := strings.SplitAfter(aux, "\n")
	if got != want[0]+want[2] {
		t.Errorf("ps aux: got\n%s", got)
	}

	// ps -o pid,comm: PID is the first column and right-aligned; no trailing newline.
	o := "    PID COMMAND\n      5 a\n     50 b"
	got, err = captureStdout(t, func() error { return printPsLines([]byte(o), []int{50}) })
	if err != nil {
		t.Fatal(err)
	}
	if got != "    PID COMMAND\n     50 b\n" {
		t.Errorf("ps -o: got %q", got)
	}

	// A short line without a PID column is skipped, not a crash.
	short := "A B PID\nx y\n1 2 3\n"
	got, err = captureStdout(t, func() error { return printPsLines([]byte(short), []int{3}) })
	if err != nil {
		t.Fatal(err)
	}
	if got != "A B PID\n1 2 3\n" {
		t.Errorf("short lines: got %q", got)
	}
}

func TestPrintPsLinesNoPIDColumn(t *testing.T) {
	for _, out := range []string{"", "\n", "USER COMMAND\nroot sh\n", "PIDS X\n1 2\n"} {
		got, err := captureStdout(t, func() error { return printPsLines([]byte(out), []int{1}) })
		if err == nil {
			t.Errorf("printPsLines(%q): want an error, got output %q", out, got)
		}
	}
}
