// attack is a small static helper for the integration tests that play a
// process inside a container trying to reach the runtime through another
// process it can see: a `runc init` waiting for start, or the process
// that sets up an exec.
//
//	attack fds PID          open each /proc/PID/fd/N (N > 2) for writing;
//	                        print "writable N TARGET" for each that opens
//	attack setup [SECONDS]  wait (10s by default) for a `runc init` whose
//	                        capabilities are ours (it has dropped to the
//	                        container's user), then try PTRACE_SEIZE, its
//	                        /proc mem, environ and fds; print "ok ..." for
//	                        each that worked and "denied ..." for the others
//	attack inits            print the pids of the `runc init` processes
//
// The exit status is 0 unless the helper itself failed.
package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		die("usage: attack fds PID | setup [SECONDS] | inits")
	}
	switch os.Args[1] {
	case "fds":
		if len(os.Args) != 3 {
			die("usage: attack fds PID")
		}
		fds(os.Args[2])
	case "setup":
		wait := 10 * time.Second
		if len(os.Args) > 2 {
			n, err := strconv.Atoi(os.Args[2])
			if err != nil {
				die(err.Error())
			}
			wait = time.Duration(n) * time.Second
		}
		setup(wait)
	case "inits":
		for _, p := range inits() {
			fmt.Println(p)
		}
	default:
		die("unknown command " + os.Args[1])
	}
}

func die(msg string) {
	fmt.Fprintln(os.Stderr, "attack:", msg)
	os.Exit(1)
}

// fds tries every descriptor of pid but stdio.
func fds(pid string) {
	dir := "/proc/" + pid + "/fd"
	ents, err := os.ReadDir(dir)
	if err != nil {
		fmt.Printf("denied list %s: %v\n", dir, err)
		return
	}
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil || n <= 2 {
			continue
		}
		p := dir + "/" + e.Name()
		target, _ := os.Readlink(p)
		// Non-blocking: a fifo without a reader fails instead of waiting.
		fd, err := unix.Open(p, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != nil {
			fmt.Printf("denied %d %s: %v\n", n, target, err)
			continue
		}
		unix.Close(fd)
		fmt.Printf("writable %d %s\n", n, target)
	}
}

// inits lists the processes whose command line is "runc init".
func inits() []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	self := os.Getpid()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Equal(cmd, []byte("runc\x00init\x00")) {
			out = append(out, pid)
		}
	}
	return out
}

func capEff(pid string) string {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "CapEff:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func setup(wait time.Duration) {
	mine := capEff("self")
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		for _, pid := range inits() {
			p := strconv.Itoa(pid)
			if capEff(p) == mine {
				probe(pid)
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	die("no runc init with our capabilities showed up")
}

func report(what string, pid int, err error) {
	if err != nil {
		fmt.Printf("denied %s %d: %v\n", what, pid, err)
	} else {
		fmt.Printf("ok %s %d\n", what, pid)
	}
}

func probe(pid int) {
	p := "/proc/" + strconv.Itoa(pid)
	f, err := os.Open(p + "/mem")
	if err == nil {
		f.Close()
	}
	report("mem", pid, err)
	_, err = os.ReadFile(p + "/environ")
	report("environ", pid, err)
	// The names may be listed; where they lead must stay hidden.
	ents, err := os.ReadDir(p + "/fd")
	for _, e := range ents {
		if _, err = os.Readlink(p + "/fd/" + e.Name()); err == nil {
			break
		}
	}
	report("fd", pid, err)
	// Last: a tracer that exits detaches, the tracee goes on.
	err = unix.PtraceSeize(pid)
	report("ptrace", pid, err)
}
