package cgroup

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/fs2"
	"golang.org/x/sys/unix"
)

// fakeV2 makes a fake cgroup v2 directory holding files, for the fs2
// manager in the library's TestMode.
func fakeV2(t *testing.T, files map[string]string) string {
	t.Helper()
	old := cgroups.TestMode
	cgroups.TestMode = true
	t.Cleanup(func() { cgroups.TestMode = old })
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fakeV2Files are the files of a cgroup v2 directory that the fs2
// manager reads statistics from.
func fakeV2Files() map[string]string {
	return map[string]string{
		"cgroup.controllers":  "cpu io memory pids\n",
		"cgroup.procs":        "1\n2\n",
		"cpu.stat":            "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 20\n",
		"memory.current":      "1048576\n",
		"memory.max":          "16777216\n",
		"memory.peak":         "2097152\n",
		"memory.swap.current": "4096\n",
		"memory.swap.max":     "max\n",
		"memory.stat":         "anon 8192\nfile 12288\n",
		"memory.events":       "low 0\nhigh 0\nmax 3\noom 0\noom_kill 0\n",
		"pids.current":        "2\n",
		"pids.max":            "100\n",
		"io.stat":             "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n",
		"cpu.pressure":        "some avg10=1.50 avg60=0.00 avg300=0.00 total=12\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=3\n",
	}
}

func writeEvents(t *testing.T, dir string, ooms, kills int) {
	t.Helper()
	content := "low 0\nhigh 0\nmax 3\noom " + strconv.Itoa(ooms) + "\noom_kill " + strconv.Itoa(kills) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "memory.events"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readable(t *testing.T, fd int, within time.Duration) bool {
	t.Helper()
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, int(within/time.Millisecond))
	if err != nil && err != unix.EINTR {
		t.Fatal(err)
	}
	return n > 0
}

// The cgroup v2 OOM notifier on a fake memory.events: only oom_kill
// increases count, each once.
func TestOOMNotifierV2Fake(t *testing.T) {
	setUnified(t, true)
	dir := fakeV2(t, fakeV2Files())
	writeEvents(t, dir, 2, 1) // kills before the watch do not count
	m, err := fs2.NewManager(&cgroups.Cgroup{Resources: &cgroups.Resources{}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	n, err := NewOOMNotifier(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := n.(*oomNotifierV2); !ok {
		t.Fatalf("notifier %T, want the v2 one", n)
	}
	defer n.Close()
	if oom, gone, err := n.Check(); oom || gone || err != nil {
		t.Errorf("initial check: %v %v %v", oom, gone, err)
	}

	// An "oom" without a kill (e.g. memory.high) is not reported.
	writeEvents(t, dir, 3, 1)
	if !readable(t, n.Fd(), time.Second) {
		t.Fatal("no inotify event for a memory.events change")
	}
	if oom, gone, err := n.Check(); oom || gone || err != nil {
		t.Errorf("oom without kill: %v %v %v", oom, gone, err)
	}
	writeEvents(t, dir, 4, 2)
	if !readable(t, n.Fd(), time.Second) {
		t.Fatal("no inotify event for an oom_kill")
	}
	if oom, gone, err := n.Check(); !oom || gone || err != nil {
		t.Errorf("oom kill: %v %v %v", oom, gone, err)
	}
	if oom, _, _ := n.Check(); oom {
		t.Error("the same kill reported twice")
	}
	if readable(t, n.Fd(), 10*time.Millisecond) {
		t.Error("fd still readable after check")
	}

	// The cgroup goes away.
	if err := os.Remove(filepath.Join(dir, "memory.events")); err != nil {
		t.Fatal(err)
	}
	if !readable(t, n.Fd(), time.Second) {
		t.Fatal("no inotify event for the removal")
	}
	if _, gone, err := n.Check(); !gone || err != nil {
		t.Errorf("removal: gone=%v err=%v", gone, err)
	}
}

func TestOOMNotifierNoMemoryCgroup(t *testing.T) {
	setUnified(t, true)
	files := fakeV2Files()
	delete(files, "memory.events")
	dir := fakeV2(t, files)
	m, err := fs2.NewManager(&cgroups.Cgroup{Resources: &cgroups.Resources{}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := NewOOMNotifier(m); n != nil || err != nil {
		t.Errorf("notifier without memory.events: %v, %v", n, err)
	}
	setUnified(t, false)
	if n, err := NewOOMNotifier(m); n != nil || err != nil {
		t.Errorf("v1 notifier without a memory path: %v, %v", n, err)
	}
}
