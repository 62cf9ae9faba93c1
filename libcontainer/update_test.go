package libcontainer

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ocirun/runc/libcontainer/cgroup"
	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/fs2"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func updPtr[T any](v T) *T { return &v }

// updSetUnified pretends the host is (or is not) pure cgroup v2.
func updSetUnified(t *testing.T, v bool) {
	t.Helper()
	old := cgroup.IsUnified
	cgroup.IsUnified = func() bool { return v }
	t.Cleanup(func() { cgroup.IsUnified = old })
}

func updJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestCheckIntelRdtUpdate(t *testing.T) {
	old := resctrlInfo
	t.Cleanup(func() { resctrlInfo = old })
	resctrlInfo = filepath.Join(t.TempDir(), "info")

	if err := CheckIntelRdtUpdate("", ""); err != nil {
		t.Errorf("nothing asked: %v", err)
	}
	err := CheckIntelRdtUpdate("L3:0=f", "")
	if err == nil || err.Error() != "Intel RDT/CAT: l3 cache schema is not enabled" {
		t.Errorf("l3 without resctrl: %v", err)
	}
	err = CheckIntelRdtUpdate("", "MB:0=70")
	if err == nil || err.Error() != "Intel RDT/MBA: memory bandwidth schema is not enabled" {
		t.Errorf("mb without resctrl: %v", err)
	}
	for _, d := range []string{"L3", "MB"} {
		if err := os.MkdirAll(filepath.Join(resctrlInfo, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	err = CheckIntelRdtUpdate("L3:0=f", "MB:0=70")
	if err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("with resctrl: %v", err)
	}
}

// updFakeV2 makes a directory that the fs2 manager takes for a cgroup v2
// directory with the given controllers, in the library's test mode (writes
// create files).
func updFakeV2(t *testing.T, files map[string]string) string {
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

// updFakeContainer is a container whose init is a child sleep process and
// whose cgroup is the fs2 manager of dir.
func updFakeContainer(t *testing.T, dir string, spec *specs.Spec) (*Container, *exec.Cmd) {
	t.Helper()
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		child.Process.Kill()
		child.Wait()
	})
	start, _, err := procStat(child.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	m, err := fs2.NewManager(&cgroups.Cgroup{Resources: &cgroups.Resources{}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	state := &State{ID: "fake", InitPid: child.Process.Pid, InitStart: start, Config: spec, CgroupPaths: map[string]string{"": dir}}
	sd := &stateDir{path: t.TempDir()}
	if err := sd.save(state); err != nil {
		t.Fatal(err)
	}
	return &Container{dir: sd, state: state, cgm: m}, child
}

func updRead(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// The cgroup v2 path of Update, on a fake cgroup directory: values are
// written in v2 form and recorded in the state file.
func TestUpdateV2Fake(t *testing.T) {
	updSetUnified(t, true)
	dir := updFakeV2(t, map[string]string{"cgroup.controllers": "cpu io memory pids\n"})
	spec := &specs.Spec{Linux: &specs.Linux{Resources: &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: updPtr[int64](16 << 20)},
	}}}
	c, _ := updFakeContainer(t, dir, spec)
	err := c.Update(&specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: updPtr[int64](32 << 20), Swap: updPtr[int64](48 << 20)},
		CPU:    &specs.LinuxCPU{Shares: updPtr[uint64](512), Quota: updPtr[int64](50000), Period: updPtr[uint64](100000)},
		Pids:   &specs.LinuxPids{Limit: updPtr[int64](42)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		"memory.max":      "33554432",
		"memory.swap.max": "16777216", // v2 swap excludes memory
		"cpu.weight":      strconv.FormatUint(cgroups.ConvertCPUSharesToCgroupV2Value(512), 10),
		"cpu.max":         "50000 100000",
		"pids.max":        "42",
	} {
		if got := updRead(t, dir, file); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	saved, err := c.dir.load()
	if err != nil {
		t.Fatal(err)
	}
	r := saved.Config.Linux.Resources
	if *r.Memory.Limit != 32<<20 || *r.Memory.Swap != 48<<20 || *r.CPU.Shares != 512 || *r.Pids.Limit != 42 || len(r.Devices) != 1 {
		t.Errorf("saved resources: %s", updJSON(t, r))
	}
	if p := c.State().Config.Linux.Resources.Pids; p == nil || *p.Limit != 42 {
		t.Error("loaded state not updated")
	}
	// The spec the container was loaded with is not changed in place.
	if *spec.Linux.Resources.Memory.Limit != 16<<20 || spec.Linux.Resources.Pids != nil {
		t.Errorf("original spec changed: %s", updJSON(t, spec.Linux.Resources))
	}
}

// A failed update leaves the state file alone and puts back what it had
// written.
func TestUpdateV2FakeFailure(t *testing.T) {
	updSetUnified(t, true)
	dir := updFakeV2(t, map[string]string{"cgroup.controllers": "cpu memory pids\n", "pids.max": "max\n"})
	// cpu.max cannot be written: a directory is in the way.
	if err := os.Mkdir(filepath.Join(dir, "cpu.max"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := &specs.Spec{Linux: &specs.Linux{Resources: &specs.LinuxResources{}}}
	c, _ := updFakeContainer(t, dir, spec)
	before, err := os.ReadFile(filepath.Join(c.dir.path, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Update(&specs.LinuxResources{
		Pids: &specs.LinuxPids{Limit: updPtr[int64](7)},
		CPU:  &specs.LinuxCPU{Quota: updPtr[int64](50000)},
	})
	if err == nil {
		t.Fatal("update with an unwritable cpu.max succeeded")
	}
	after, _ := os.ReadFile(filepath.Join(c.dir.path, stateFile))
	if string(after) != string(before) {
		t.Errorf("state changed by a failed update:\n%s\n%s", before, after)
	}
	if got := updRead(t, dir, "pids.max"); got != "max" {
		t.Errorf("pids.max = %q after the rollback, want max", got)
	}
	if c.State().Config.Linux.Resources.Pids != nil {
		t.Error("loaded state changed by a failed update")
	}
}

func TestUpdateStoppedContainer(t *testing.T) {
	updSetUnified(t, true)
	dir := updFakeV2(t, map[string]string{"cgroup.controllers": "pids\n"})
	c, child := updFakeContainer(t, dir, &specs.Spec{Linux: &specs.Linux{}})
	child.Process.Kill()
	child.Wait()
	before, _ := os.ReadFile(filepath.Join(c.dir.path, stateFile))
	if err := c.Update(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: updPtr[int64](7)}}); err != ErrNotRunning {
		t.Errorf("update of a stopped container: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(c.dir.path, stateFile))
	if string(after) != string(before) {
		t.Error("state changed")
	}
	if _, err := os.Stat(filepath.Join(dir, "pids.max")); err == nil {
		t.Error("pids.max written for a stopped container")
	}
}
