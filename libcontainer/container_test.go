package libcontainer

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestProcStatSelf(t *testing.T) {
	start1, state, err := procStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if start1 == 0 {
		t.Error("start time of this process is 0")
	}
	if state != 'R' && state != 'S' {
		t.Errorf("state of this process = %q, want R or S", state)
	}
	start2, _, err := procStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if start1 != start2 {
		t.Errorf("start time changed between reads: %d then %d", start1, start2)
	}
	// pid 1 started before us.
	if s1, _, err := procStat(1); err == nil && s1 > start1 {
		t.Errorf("pid 1 start %d is after ours %d", s1, start1)
	}
	if _, _, err := procStat(-1); err == nil {
		t.Error("procStat(-1) succeeded")
	}
	if _, _, err := procStat(1 << 30); err == nil {
		t.Error("procStat of a pid that cannot exist succeeded")
	}
}

// The command name in /proc/<pid>/stat can hold spaces and parentheses.
func TestProcStatOddCommandName(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	data, err := os.ReadFile(sleep)
	if err != nil {
		t.Skip(err)
	}
	odd := filepath.Join(t.TempDir(), "x) Z 1 2 (y")
	if err := os.WriteFile(odd, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(odd, "60")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/comm")
	if err != nil {
		t.Fatal(err)
	}
	if string(comm) != "x) Z 1 2 (y\n" {
		t.Skipf("comm is %q, not the odd name", comm)
	}
	start, state, err := procStat(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if state == 'Z' || state == 'X' {
		t.Errorf("state = %q, parsed from the command name", state)
	}
	self, _, _ := procStat(os.Getpid())
	if start < self {
		t.Errorf("child start %d is before ours %d", start, self)
	}
	if !initAlive(cmd.Process.Pid, start) {
		t.Error("initAlive is false for a running child with an odd name")
	}
}

func TestInitAlive(t *testing.T) {
	start, _, err := procStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if !initAlive(os.Getpid(), start) {
		t.Error("initAlive(self, start) = false")
	}
	if initAlive(os.Getpid(), start+1) {
		t.Error("initAlive with the wrong start time = true (pid reuse not detected)")
	}
	if initAlive(os.Getpid(), 0) {
		t.Error("initAlive with start 0 = true")
	}
	for _, pid := range []int{0, -1, 1 << 30} {
		if initAlive(pid, start) {
			t.Errorf("initAlive(%d) = true", pid)
		}
	}
}

// A zombie is not alive, even with the right start time.
func TestInitAliveZombie(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "exit 0")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	pid := cmd.Process.Pid
	defer cmd.Wait()
	var start uint64
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, state, err := procStat(pid)
		if err != nil {
			t.Fatal(err)
		}
		start = s
		if state == 'Z' {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child never became a zombie (state %q)", state)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if initAlive(pid, start) {
		t.Error("initAlive of a zombie = true")
	}
}
