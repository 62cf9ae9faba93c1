package cgroup

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func toJSON(t *testing.T, v any) string {
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
		Memory:  &specs.LinuxMemory{Limit: ptr[int64](16 << 20), Swap: ptr[int64](32 << 20)},
		CPU:     &specs.LinuxCPU{Shares: ptr[uint64](512), Cpus: "0-1", Mems: "0"},
		Pids:    &specs.LinuxPids{Limit: ptr[int64](10)},
	}
	before := toJSON(t, old)
	upd := &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: ptr[int64](24 << 20)},
		CPU:     &specs.LinuxCPU{Quota: ptr[int64](50000), Cpus: "1"},
		BlockIO: &specs.LinuxBlockIO{Weight: ptr[uint16](300)},
	}
	got, err := MergeResources(old, upd)
	if err != nil {
		t.Fatal(err)
	}
	want := &specs.LinuxResources{
		// Device rules cannot be updated.
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: ptr[int64](24 << 20), Swap: ptr[int64](32 << 20)},
		CPU:     &specs.LinuxCPU{Shares: ptr[uint64](512), Quota: ptr[int64](50000), Cpus: "1", Mems: "0"},
		Pids:    &specs.LinuxPids{Limit: ptr[int64](10)},
		BlockIO: &specs.LinuxBlockIO{Weight: ptr[uint16](300)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged:\n got %s\nwant %s", toJSON(t, got), toJSON(t, want))
	}
	// The result shares nothing with old.
	*got.Memory.Swap = 1
	got.CPU.Cpus = "7"
	if after := toJSON(t, old); after != before {
		t.Errorf("old changed:\n%s\n%s", before, after)
	}
}

func TestMergeResourcesNilOld(t *testing.T) {
	got, err := MergeResources(nil, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](-1)}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Pids == nil || *got.Pids.Limit != -1 || got.Memory != nil || got.CPU != nil {
		t.Errorf("merged: %s", toJSON(t, got))
	}
	got, err = MergeResources(nil, nil)
	if err != nil || !reflect.DeepEqual(got, &specs.LinuxResources{}) {
		t.Errorf("merge(nil, nil) = %s, %v", toJSON(t, got), err)
	}
}

func TestMergeResourcesUnlimitedMemoryUnlimitsSwap(t *testing.T) {
	old := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](16 << 20), Swap: ptr[int64](16 << 20)}}
	got, _ := MergeResources(old, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](-1)}})
	if *got.Memory.Limit != -1 || *got.Memory.Swap != -1 {
		t.Errorf("memory -1 alone: %s", toJSON(t, got.Memory))
	}
	// An explicit swap wins.
	got, _ = MergeResources(old, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](-1), Swap: ptr[int64](64 << 20)}})
	if *got.Memory.Limit != -1 || *got.Memory.Swap != 64<<20 {
		t.Errorf("memory -1 with swap: %s", toJSON(t, got.Memory))
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
		Rdma:           map[string]specs.LinuxRdma{"mlx": {HcaHandles: ptr[uint32](3)}},
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
		Rdma:           map[string]specs.LinuxRdma{"mlx": {HcaObjects: ptr[uint32](5)}},
	}
	got, err := MergeResources(old, upd)
	if err != nil {
		t.Fatal(err)
	}
	wantBps := []specs.LinuxThrottleDevice{
		{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 100},
		{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, Rate: 0},
		{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 32}, Rate: 300},
	}
	if !reflect.DeepEqual(got.BlockIO.ThrottleReadBpsDevice, wantBps) {
		t.Errorf("read bps: %s", toJSON(t, got.BlockIO.ThrottleReadBpsDevice))
	}
	wantHuge := []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 1 << 22}, {Pagesize: "1GB", Limit: 1 << 30}}
	if !reflect.DeepEqual(got.HugepageLimits, wantHuge) {
		t.Errorf("hugepages: %s", toJSON(t, got.HugepageLimits))
	}
	if !reflect.DeepEqual(got.Unified, map[string]string{"memory.high": "max", "pids.max": "20"}) {
		t.Errorf("unified: %v", got.Unified)
	}
	if r := got.Rdma["mlx"]; r.HcaHandles == nil || *r.HcaHandles != 3 || r.HcaObjects == nil || *r.HcaObjects != 5 {
		t.Errorf("rdma: %s", toJSON(t, got.Rdma))
	}
	if len(old.BlockIO.ThrottleReadBpsDevice) != 2 || old.BlockIO.ThrottleReadBpsDevice[1].Rate != 200 {
		t.Error("old list changed")
	}
}

func TestUpdateResourcesSkipsDevices(t *testing.T) {
	r := &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: ptr[int64](1 << 24)},
	}
	res, err := UpdateResources(r)
	if err != nil {
		t.Fatal(err)
	}
	if !res.SkipDevices || len(res.Devices) != 0 || res.Memory != 1<<24 {
		t.Errorf("resources: %+v", res)
	}
	if res, err = UpdateResources(nil); err != nil || !res.SkipDevices {
		t.Errorf("nil resources: %+v, %v", res, err)
	}
}

func TestRollbackTarget(t *testing.T) {
	old := &cgroups.Resources{Memory: 16 << 20, CpuShares: 512}
	new := &cgroups.Resources{
		Memory: 32 << 20, MemorySwap: 64 << 20, MemoryReservation: 8 << 20,
		CpuShares: 256, CpuQuota: 1000, CpuPeriod: 10000, CpuWeight: 5,
		PidsLimit: ptr[int64](5),
	}
	got := RollbackTarget(old, new)
	want := &cgroups.Resources{
		Memory: 16 << 20, MemorySwap: -1, MemoryReservation: -1,
		CpuShares: 512, CpuQuota: -1, CpuPeriod: defaultCPUPeriod, CpuWeight: defaultCPUWeight,
		PidsLimit: ptr[int64](-1),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rollback target:\n got %+v\nwant %+v", got, want)
	}
	// Unset memory goes back to unlimited, and swap with it (v1 needs
	// memsw >= memory).
	got = RollbackTarget(&cgroups.Resources{}, &cgroups.Resources{Memory: 1 << 20})
	if got.Memory != -1 || got.MemorySwap != -1 {
		t.Errorf("memory rollback: %+v", got)
	}
	// Nothing set, nothing to undo.
	if got := RollbackTarget(&cgroups.Resources{}, &cgroups.Resources{}); !reflect.DeepEqual(got, &cgroups.Resources{}) {
		t.Errorf("empty rollback: %+v", got)
	}
}

// A SCHED_IDLE group takes no cpu.shares: they are left out while idle.
func TestUpdateResourcesIdle(t *testing.T) {
	r := &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: ptr[uint64](512), Idle: ptr[int64](1)}}
	res, err := UpdateResources(r)
	if err != nil {
		t.Fatal(err)
	}
	if res.CpuShares != 0 || res.CpuWeight != 0 || res.CPUIdle == nil || *res.CPUIdle != 1 {
		t.Errorf("idle resources: shares %d weight %d idle %v", res.CpuShares, res.CpuWeight, res.CPUIdle)
	}
	r.CPU.Idle = ptr[int64](0)
	if res, _ = UpdateResources(r); res.CpuShares != 512 {
		t.Errorf("non-idle resources: shares %d", res.CpuShares)
	}
}
