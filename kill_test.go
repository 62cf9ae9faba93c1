package main

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseSignalValid(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want unix.Signal
	}{
		{"0", unix.Signal(0)}, // checks the container is alive
		{"9", unix.SIGKILL},
		{"15", unix.SIGTERM},
		{"1", unix.SIGHUP},
		{"64", unix.Signal(64)},
		{"34", unix.Signal(34)},
		{"KILL", unix.SIGKILL},
		{"SIGKILL", unix.SIGKILL},
		{"kill", unix.SIGKILL},
		{"sigkill", unix.SIGKILL},
		{"SigTerm", unix.SIGTERM},
		{"term", unix.SIGTERM},
		{"HUP", unix.SIGHUP},
		{"USR1", unix.SIGUSR1},
		{"SIGUSR2", unix.SIGUSR2},
		{"winch", unix.SIGWINCH},
		{"SIGCHLD", unix.SIGCHLD},
		{"STOP", unix.SIGSTOP},
		{"cont", unix.SIGCONT},
	} {
		got, err := parseSignal(tc.in)
		if err != nil {
			t.Errorf("parseSignal(%q): unexpected error %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("parseSignal(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// A number is taken as it is, as runc takes it; kill(2) refuses those
// that are no signal.
func TestParseSignalNumbers(t *testing.T) {
	for _, n := range []int{-1, -9, 65, 1000} {
		got, err := parseSignal(strconv.Itoa(n))
		if err != nil || got != unix.Signal(n) {
			t.Errorf("parseSignal(%d) = %d, %v", n, got, err)
		}
	}
}

func TestParseSignalInvalid(t *testing.T) {
	for _, in := range []string{
		"", "99999999999999999999",
		"SIG", "sig", "FOO", "SIGFOO", "KILLL", "SIGSIGKILL", " KILL", "KILL ", "9 ", "1.5", "0x9",
	} {
		if sig, err := parseSignal(in); err == nil {
			t.Errorf("parseSignal(%q) = %d, want an error", in, sig)
		}
	}
}

// Every name the kernel headers know maps back to its own number.
func TestParseSignalAllNames(t *testing.T) {
	for n := 1; n <= 31; n++ {
		name := unix.SignalName(unix.Signal(n))
		if name == "" {
			continue
		}
		for _, in := range []string{name, name[3:], strconv.Itoa(n)} {
			got, err := parseSignal(in)
			if err != nil || int(got) != n {
				t.Errorf("parseSignal(%q) = %d, %v; want %d", in, got, err, n)
			}
		}
	}
}

func FuzzParseSignal(f *testing.F) {
	for _, s := range []string{"9", "KILL", "sigterm", "0", "65", "-1", "", "SIG", "+9", "rtmin", "\x00", "ＫＩＬＬ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := parseSignal(s)
		if err != nil {
			if sig != 0 {
				t.Errorf("parseSignal(%q) returned %d with error %v", s, sig, err)
			}
			return
		}
		if n, err := strconv.Atoi(s); err == nil && sig != unix.Signal(n) {
			t.Errorf("parseSignal(%q) = %d, want the number as it is", s, sig)
		}
	})
}
