package libcontainer

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/fs2"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func updPtr[T any](v T) *T { return &v }

// updSetUnified pretends the host is (or is not) pure cgroup v2.
func updSetUnified(t *testing.T, v bool) {
	t.Helper()
	old := cgIsUnified
	cgIsUnified = func() bool { return v }
	t.Cleanup(func() { cgIsUnified = old })
}

func updJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestMergeResourcesKeepsWhatIsNotGiven(t *testing.T) {
	old := &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: updPtr[int64](16 << 20), Swap: updPtr[int64](32 << 20)},
		CPU:     &specs.LinuxCPU{Shares: updPtr[uint64](512), Cpus: "0-1", Mems: "0"},
		Pids:    &specs.LinuxPids{Limit: updPtr[int64](10)},
	}
	before := updJSON(t, old)
	upd := &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: updPtr[int64](24 << 20)},
		CPU:     &specs.LinuxCPU{Quota: updPtr[int64](50000), Cpus: "1"},
		BlockIO: &specs.LinuxBlockIO{Weight: updPtr[uint16](300)},
	}
	got, err := mergeResources(old, upd)
	if err != nil {
		t.Fatal(err)
	}
	want := &specs.LinuxResources{
		// Device rules cannot be updated.
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: updPtr[int64](24 << 20), Swap: updPtr[int64](32 << 20)},
		CPU:     &specs.LinuxCPU{Shares: updPtr[uint64](512), Quota: updPtr[int64](50000), Cpus: "1", Mems: "0"},
		Pids:    &specs.LinuxPids{Limit: updPtr[int64](10)},
		BlockIO: &specs.LinuxBlockIO{Weight: updPtr[uint16](300)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged:\n got %s\nwant %s", updJSON(t, got), updJSON(t, want))
	}
	// The result shares nothing with old.
	*got.Memory.Swap = 1
	got.CPU.Cpus = "7"
	if after := updJSON(t, old); after != before {
		t.Errorf("old changed:\n%s\n%s", before, after)
	}
}

func TestMergeResourcesNilOld(t *testing.T) {
	got, err := mergeResources(nil, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: updPtr[int64](-1)}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Pids == nil || *got.Pids.Limit != -1 || got.Memory != nil || got.CPU != nil {
		t.Errorf("merged: %s", updJSON(t, got))
	}
	got, err = mergeResources(nil, nil)
	if err != nil || !reflect.DeepEqual(got, &specs.LinuxResources{}) {
		t.Errorf("merge(nil, nil) = %s, %v", updJSON(t, got), err)
	}
}

func TestMergeResourcesUnlimitedMemoryUnlimitsSwap(t *testing.T) {
	old := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: updPtr[int64](16 << 20), Swap: updPtr[int64](16 << 20)}}
	got, _ := mergeResources(old, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: updPtr[int64](-1)}})
	if *got.Memory.Limit != -1 || *got.Memory.Swap != -1 {
		t.Errorf("memory -1 alone: %s", updJSON(t, got.Memory))
	}
	// An explicit swap wins.
	got, _ = mergeResources(old, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: updPtr[int64](-1), Swap: updPtr[int64](64 << 20)}})
	if *got.Memory.Limit != -1 || *got.Memory.Swap != 64<<20 {
		t.Errorf("memory -1 with swap: %s", updJSON(t, got.Memory))
	}
}

func TestMergeResourcesLists(t *testing.T) {
	old := &specs.LinuxResources{
		BlockIO: &specs.LinuxBlockIO{
			ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{
				{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 100},
				{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, Rate: 200},
			},
		},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 1 << 21}},
		Unified:        map[string]string{"memory.high": "max", "pids.max": "10"},
		Rdma:           map[string]specs.LinuxRdma{"mlx": {HcaHandles: updPtr[uint32](3)}},
	}
	upd := &specs.LinuxResources{
		BlockIO: &specs.LinuxBlockIO{
			ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{
				{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, Rate: 0},
				{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 32}, Rate: 300},
			},
		},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "1GB", Limit: 1 << 30}, {Pagesize: "2MB", Limit: 1 << 22}},
		Unified:        map[string]string{"pids.max": "20"},
		Rdma:           map[string]specs.LinuxRdma{"mlx": {HcaObjects: updPtr[uint32](5)}},
	}
	got, err := mergeResources(old, upd)
	if err != nil {
		t.Fatal(err)
	}
	wantBps := []specs.LinuxThrottleDevice{
		{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 100},
		{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, Rate: 0},
		{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 32}, Rate: 300},
	}
	if !reflect.DeepEqual(got.BlockIO.ThrottleReadBpsDevice, wantBps) {
		t.Errorf("read bps: %s", updJSON(t, got.BlockIO.ThrottleReadBpsDevice))
	}
	wantHuge := []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 1 << 22}, {Pagesize: "1GB", Limit: 1 << 30}}
	if !reflect.DeepEqual(got.HugepageLimits, wantHuge) {
		t.Errorf("hugepages: %s", updJSON(t, got.HugepageLimits))
	}
	if !reflect.DeepEqual(got.Unified, map[string]string{"memory.high": "max", "pids.max": "20"}) {
		t.Errorf("unified: %v", got.Unified)
	}
	if r := got.Rdma["mlx"]; r.HcaHandles == nil || *r.HcaHandles != 3 || r.HcaObjects == nil || *r.HcaObjects != 5 {
		t.Errorf("rdma: %s", updJSON(t, got.Rdma))
	}
	if len(old.BlockIO.ThrottleReadBpsDevice) != 2 || old.BlockIO.ThrottleReadBpsDevice[1].Rate != 200 {
		t.Error("old list changed")
	}
}

func TestUpdateCgroupResourcesSkipsDevices(t *testing.T) {
	r := &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: updPtr[int64](1 << 24)},
	}
	res, err := updateCgroupResources(r)
	if err != nil {
		t.Fatal(err)
	}
	if !res.SkipDevices || len(res.Devices) != 0 || res.Memory != 1<<24 {
		t.Errorf("resources: %+v", res)
	}
	if res, err = updateCgroupResources(nil); err != nil || !res.SkipDevices {
		t.Errorf("nil resources: %+v, %v", res, err)
	}
}

func TestRollbackTarget(t *testing.T) {
	old := &cgroups.Resources{Memory: 16 << 20, CpuShares: 512}
	new := &cgroups.Resources{
		Memory: 32 << 20, MemorySwap: 64 << 20, MemoryReservation: 8 << 20,
		CpuShares: 256, CpuQuota: 1000, CpuPeriod: 10000, CpuWeight: 5,
		PidsLimit: updPtr[int64](5),
	}
	got := rollbackTarget(old, new)
	want := &cgroups.Resources{
		Memory: 16 << 20, MemorySwap: -1, MemoryReservation: -1,
		CpuShares: 512, CpuQuota: -1, CpuPeriod: defaultCPUPeriod, CpuWeight: defaultCPUWeight,
		PidsLimit: updPtr[int64](-1),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rollback target:\n got %+v\nwant %+v", got, want)
	}
	// Unset memory goes back to unlimited, and swap with it (v1 needs
	// memsw >= memory).
	got = rollbackTarget(&cgroups.Resources{}, &cgroups.Resources{Memory: 1 << 20})
	if got.Memory != -1 || got.MemorySwap != -1 {
		t.Errorf("memory rollback: %+v", got)
	}
	// Nothing set, nothing to undo.
	if got := rollbackTarget(&cgroups.Resources{}, &cgroups.Resources{}); !reflect.DeepEqual(got, &cgroups.Resources{}) {
		t.Errorf("empty rollback: %+v", got)
	}
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
	state := &containerState{ID: "fake", InitPid: child.Process.Pid, InitStart: start, Config: spec, CgroupPaths: map[string]string{"": dir}}
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
	if p := c.state.Config.Linux.Resources.Pids; p == nil || *p.Limit != 42 {
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
	if c.state.Config.Linux.Resources.Pids != nil {
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
	if err := c.Update(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: updPtr[int64](7)}}); err != errNotRunning {
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

// A SCHED_IDLE group takes no cpu.shares: they are left out while idle.
func TestUpdateCgroupResourcesIdle(t *testing.T) {
	r := &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: updPtr[uint64](512), Idle: updPtr[int64](1)}}
	res, err := updateCgroupResources(r)
	if err != nil {
		t.Fatal(err)
	}
	if res.CpuShares != 0 || res.CpuWeight != 0 || res.CPUIdle == nil || *res.CPUIdle != 1 {
		t.Errorf("idle resources: shares %d weight %d idle %v", res.CpuShares, res.CpuWeight, res.CPUIdle)
	}
	r.CPU.Idle = updPtr[int64](0)
	if res, _ = updateCgroupResources(r); res.CpuShares != 512 {
		t.Errorf("non-idle resources: shares %d", res.CpuShares)
	}
}
