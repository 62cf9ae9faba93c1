package libcontainer

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeCgroup makes a directory with an empty cgroup.procs.
func fakeCgroup(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeWriter makes joinSubCgroups write plain files for the test.
func fakeWriter(t *testing.T) {
	old := writeCgroupProc
	writeCgroupProc = func(dir string, pid int) error {
		return os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644)
	}
	t.Cleanup(func() { writeCgroupProc = old })
}

func procsOf(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestJoinSubCgroupsV2(t *testing.T) {
	fakeWriter(t)
	root := t.TempDir()
	ct := filepath.Join(root, "ct")
	fakeCgroup(t, ct)
	fakeCgroup(t, filepath.Join(ct, "sub"))
	paths := map[string]string{"": ct}
	// A path that leaves the container's cgroup is refused.
	for _, bad := range []string{"../../sub", "..", "sub/../../x"} {
		if err := joinSubCgroups(paths, map[string]string{"": bad}, 42); err == nil || !strings.Contains(err.Error(), "bad sub cgroup path") {
			t.Fatalf("%q: got %v, want bad sub cgroup path", bad, err)
		}
	}
	if err := joinSubCgroups(paths, map[string]string{"": "x/../sub"}, 42); err != nil {
		t.Fatal(err)
	}
	if got := procsOf(t, filepath.Join(ct, "sub")); got != "42" {
		t.Fatalf("sub cgroup.procs = %q, want 42", got)
	}
	if got := procsOf(t, ct); got != "" {
		t.Fatalf("container cgroup.procs = %q, want nothing", got)
	}
	// Controllers cannot be named on v2.
	err := joinSubCgroups(paths, map[string]string{"memory": "sub"}, 42)
	if err == nil || !strings.Contains(err.Error(), "cgroup v2") {
		t.Fatalf("named controller on v2: err = %v", err)
	}
	// A missing sub-cgroup is an error and nothing is written.
	err = joinSubCgroups(paths, map[string]string{"": "nosuch"}, 43)
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing sub-cgroup: err = %v", err)
	}
}

func TestJoinSubCgroupsV1SharedHierarchy(t *testing.T) {
	fakeWriter(t)
	root := t.TempDir()
	cpu := filepath.Join(root, "cpu,cpuacct", "ct")
	mem := filepath.Join(root, "memory", "ct")
	for _, d := range []string{cpu, mem, filepath.Join(cpu, "sub"), filepath.Join(mem, "sub")} {
		fakeCgroup(t, d)
	}
	paths := map[string]string{"cpu": cpu, "cpuacct": cpu, "memory": mem}
	// cpu named, cpuacct (same hierarchy) not: the named path wins.
	if err := joinSubCgroups(paths, map[string]string{"cpu": "sub"}, 7); err != nil {
		t.Fatal(err)
	}
	if got := procsOf(t, filepath.Join(cpu, "sub")); got != "7" {
		t.Fatalf("cpu sub = %q, want 7 (written last)", got)
	}
	if got := procsOf(t, filepath.Join(mem, "sub")); got != "" {
		t.Fatalf("memory sub = %q, want nothing", got)
	}
	if got := procsOf(t, mem); got != "7" {
		t.Fatalf("memory = %q, want 7", got)
	}
	if err := joinSubCgroups(paths, map[string]string{"pids": "sub"}, 7); err == nil {
		t.Fatal("a controller the container lacks must be refused")
	}
}
