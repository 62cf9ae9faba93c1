package cgroup

// Resources for a live update (`runc update`): merging the request into the
// spec's linux.resources, converting it, and what to write back when the
// update fails.

import (
	"encoding/json"

	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// UpdateResources converts spec resources for an update: device rules
// are left alone, as runc update does (they cannot be changed).
func UpdateResources(r *specs.LinuxResources) (*cgroups.Resources, error) {
	res := &cgroups.Resources{}
	if r != nil {
		if err := ConvertResources(r, res); err != nil {
			return nil, err
		}
	}
	res.SkipDevices = true
	if IsIdle(res) {
		// The kernel refuses cpu.shares (cpu.weight) for a SCHED_IDLE
		// group, and the managers write them before cpu.idle.
		res.CpuShares, res.CpuWeight = 0, 0
	}
	return res, nil
}

func IsIdle(r *cgroups.Resources) bool {
	return r.CPUIdle != nil && *r.CPUIdle != 0
}

// Kernel defaults for limits that the managers leave alone when unset.
const (
	defaultCPUShares = 1024
	defaultCPUWeight = 100
	defaultCPUPeriod = 100000
)

// RollbackTarget is old, plus the kernel's default for each limit that old
// leaves unset but new sets, since a manager does not write an unset value
// and so could not undo it.
func RollbackTarget(old, new *cgroups.Resources) *cgroups.Resources {
	r := *old
	if r.Memory == 0 && new.Memory != 0 {
		r.Memory = -1
	}
	if r.MemorySwap == 0 && (new.MemorySwap != 0 || r.Memory == -1) {
		r.MemorySwap = -1
	}
	if r.MemoryReservation == 0 && new.MemoryReservation != 0 {
		r.MemoryReservation = -1
	}
	if r.CpuQuota == 0 && new.CpuQuota != 0 {
		r.CpuQuota = -1
	}
	if r.CpuPeriod == 0 && new.CpuPeriod != 0 {
		r.CpuPeriod = defaultCPUPeriod
	}
	if r.CpuShares == 0 && new.CpuShares != 0 {
		r.CpuShares = defaultCPUShares
	}
	if r.CpuWeight == 0 && new.CpuWeight != 0 {
		r.CpuWeight = defaultCPUWeight
	}
	if r.PidsLimit == nil && new.PidsLimit != nil {
		unlimited := int64(-1)
		r.PidsLimit = &unlimited
	}
	return &r
}

// MergeResources returns a copy of old with every field that upd sets
// replaced; lists keyed by device, page size or name are merged entry by
// entry. Device rules and kernel memory limits are not taken from upd.
func MergeResources(old, upd *specs.LinuxResources) (*specs.LinuxResources, error) {
	out := &specs.LinuxResources{}
	if old != nil {
		// A deep copy: the result must not share anything with old.
		data, err := json.Marshal(old)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, out); err != nil {
			return nil, err
		}
	}
	if upd == nil {
		return out, nil
	}
	if m := upd.Memory; m != nil {
		mergeMemory(out, m)
	}
	if cpu := upd.CPU; cpu != nil {
		mergeCPU(out, cpu)
	}
	if p := upd.Pids; p != nil && p.Limit != nil {
		if out.Pids == nil {
			out.Pids = &specs.LinuxPids{}
		}
		setPtr(&out.Pids.Limit, p.Limit)
	}
	if b := upd.BlockIO; b != nil {
		mergeBlockIO(out, b)
	}
	out.HugepageLimits = mergeBy(out.HugepageLimits, upd.HugepageLimits, func(l specs.LinuxHugepageLimit) string { return l.Pagesize })
	if n := upd.Network; n != nil {
		mergeNetwork(out, n)
	}
	for dev, l := range upd.Rdma {
		if out.Rdma == nil {
			out.Rdma = map[string]specs.LinuxRdma{}
		}
		o := out.Rdma[dev]
		setPtr(&o.HcaHandles, l.HcaHandles)
		setPtr(&o.HcaObjects, l.HcaObjects)
		out.Rdma[dev] = o
	}
	for k, v := range upd.Unified {
		if out.Unified == nil {
			out.Unified = map[string]string{}
		}
		out.Unified[k] = v
	}
	return out, nil
}

// mergeMemory merges linux.resources.memory of an update into out.
func mergeMemory(out *specs.LinuxResources, m *specs.LinuxMemory) {
	if out.Memory == nil {
		out.Memory = &specs.LinuxMemory{}
	}
	o := out.Memory
	setPtr(&o.Limit, m.Limit)
	setPtr(&o.Reservation, m.Reservation)
	setPtr(&o.Swap, m.Swap)
	setPtr(&o.Swappiness, m.Swappiness)
	setPtr(&o.DisableOOMKiller, m.DisableOOMKiller)
	setPtr(&o.UseHierarchy, m.UseHierarchy)
	setPtr(&o.CheckBeforeUpdate, m.CheckBeforeUpdate)
	// As runc: an unlimited memory limit without a swap limit means
	// "memory and swap unlimited" (cgroup v1 needs memsw >= memory).
	if m.Limit != nil && *m.Limit == -1 && m.Swap == nil {
		unlimited := int64(-1)
		o.Swap = &unlimited
	}
}

// mergeCPU merges linux.resources.cpu of an update into out.
func mergeCPU(out *specs.LinuxResources, cpu *specs.LinuxCPU) {
	if out.CPU == nil {
		out.CPU = &specs.LinuxCPU{}
	}
	o := out.CPU
	setPtr(&o.Shares, cpu.Shares)
	setPtr(&o.Quota, cpu.Quota)
	setPtr(&o.Burst, cpu.Burst)
	setPtr(&o.Period, cpu.Period)
	setPtr(&o.RealtimeRuntime, cpu.RealtimeRuntime)
	setPtr(&o.RealtimePeriod, cpu.RealtimePeriod)
	setPtr(&o.Idle, cpu.Idle)
	if cpu.Cpus != "" {
		o.Cpus = cpu.Cpus
	}
	if cpu.Mems != "" {
		o.Mems = cpu.Mems
	}
}

// mergeBlockIO merges linux.resources.blockIO of an update into out.
func mergeBlockIO(out *specs.LinuxResources, b *specs.LinuxBlockIO) {
	if out.BlockIO == nil {
		out.BlockIO = &specs.LinuxBlockIO{}
	}
	o := out.BlockIO
	setPtr(&o.Weight, b.Weight)
	setPtr(&o.LeafWeight, b.LeafWeight)
	o.WeightDevice = mergeBy(o.WeightDevice, b.WeightDevice, func(d specs.LinuxWeightDevice) [2]int64 { return [2]int64{d.Major, d.Minor} })
	throttleKey := func(d specs.LinuxThrottleDevice) [2]int64 { return [2]int64{d.Major, d.Minor} }
	o.ThrottleReadBpsDevice = mergeBy(o.ThrottleReadBpsDevice, b.ThrottleReadBpsDevice, throttleKey)
	o.ThrottleWriteBpsDevice = mergeBy(o.ThrottleWriteBpsDevice, b.ThrottleWriteBpsDevice, throttleKey)
	o.ThrottleReadIOPSDevice = mergeBy(o.ThrottleReadIOPSDevice, b.ThrottleReadIOPSDevice, throttleKey)
	o.ThrottleWriteIOPSDevice = mergeBy(o.ThrottleWriteIOPSDevice, b.ThrottleWriteIOPSDevice, throttleKey)
}

// mergeNetwork merges linux.resources.network of an update into out.
func mergeNetwork(out *specs.LinuxResources, n *specs.LinuxNetwork) {
	if out.Network == nil {
		out.Network = &specs.LinuxNetwork{}
	}
	setPtr(&out.Network.ClassID, n.ClassID)
	out.Network.Priorities = mergeBy(out.Network.Priorities, n.Priorities, func(p specs.LinuxInterfacePriority) string { return p.Name })
}

// setPtr makes *dst a copy of *src when src is set.
func setPtr[T any](dst **T, src *T) {
	if src != nil {
		v := *src
		*dst = &v
	}
}

// mergeBy replaces the entries of old whose key upd has, in place, and
// appends upd's other entries in their order.
func mergeBy[T any, K comparable](old, upd []T, key func(T) K) []T {
	if len(upd) == 0 {
		return old
	}
	out := append([]T(nil), old...)
	index := make(map[K]int, len(out))
	for i, e := range out {
		index[key(e)] = i
	}
	for _, e := range upd {
		if i, ok := index[key(e)]; ok {
			out[i] = e
			continue
		}
		index[key(e)] = len(out)
		out = append(out, e)
	}
	return out
}
