package libcontainer

// Changing the resources of a live container (`runc update`): the request is
// merged into the spec's linux.resources, applied through the cgroup
// manager, and recorded in the state so that later commands see it.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
)

// errNotRunning is what runc says when a verb needs a live container.
var errNotRunning = errors.New("container not running")

// resctrlInfo is where the kernel describes the Intel RDT features it has.
var resctrlInfo = "/sys/fs/resctrl/info"

// CheckIntelRdtUpdate refuses Intel RDT schemata (update --l3-cache-schema,
// --mem-bw-schema) with runc's messages on a host without the feature; on a
// host with it they are refused too, as linux.intelRdt is not supported yet.
func CheckIntelRdtUpdate(l3CacheSchema, memBwSchema string) error {
	if l3CacheSchema != "" && !pathExists(resctrlInfo+"/L3") && !pathExists(resctrlInfo+"/L3CODE") {
		return errors.New("Intel RDT/CAT: l3 cache schema is not enabled")
	}
	if memBwSchema != "" && !pathExists(resctrlInfo+"/MB") {
		return errors.New("Intel RDT/MBA: memory bandwidth schema is not enabled")
	}
	if l3CacheSchema != "" || memBwSchema != "" {
		return errors.New("updating Intel RDT schemata is not supported yet")
	}
	return nil
}

func pathExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Update changes the container's resources to r merged into the current
// ones: what r leaves unset keeps its value. The container must have been
// loaded with the exclusive lock. On failure the previous values are put
// back and the state is left as it was. As with runc, device rules cannot
// be changed (they are ignored), nor can a stopped container.
func (c *Container) Update(r *specs.LinuxResources) error {
	if r == nil {
		r = &specs.LinuxResources{}
	}
	if c.status() == stopped {
		return errNotRunning
	}
	if m := r.Memory; m != nil && (m.Kernel != nil || m.KernelTCP != nil) {
		logrus.Warn("kernel memory settings are ignored and will be removed")
	}
	spec := c.state.Config
	if spec == nil {
		return errors.New("container state has no configuration")
	}
	var old *specs.LinuxResources
	if spec.Linux != nil {
		old = spec.Linux.Resources
	}
	merged, err := mergeResources(old, r)
	if err != nil {
		return err
	}
	oldRes, newRes, err := c.updatePlan(old, merged)
	if err != nil {
		return err
	}
	m, err := c.cgroupManager()
	if err != nil {
		return err
	}
	if err := c.setResources(m, oldRes, newRes); err != nil {
		return err
	}
	return c.recordResources(merged, m, oldRes, newRes)
}

// updatePlan converts the recorded resources (what a failure goes back
// to) and the merged ones (what is set, with the device rules on cgroup
// v1) for the cgroup manager.
func (c *Container) updatePlan(old, merged *specs.LinuxResources) (oldRes, newRes *cgroups.Resources, err error) {
	spec := c.state.Config
	newRes, err = updateCgroupResources(merged)
	if err != nil {
		return nil, nil, err
	}
	oldRes, err = updateCgroupResources(old)
	if err != nil {
		// The recorded resources no longer convert (the host changed):
		// nothing to roll back to but the kernel defaults.
		logrus.Debugf("recorded resources of %s: %v", c.state.ID, err)
		oldRes = &cgroups.Resources{SkipDevices: true}
	}
	// As runc, the device rules are written again with the rest (cgroup
	// v1): the library computes the least it has to change (nothing, if
	// the cgroup still has them), so no device is denied or allowed for a
	// moment, and rules changed behind the runtime's back are put back.
	// On cgroup v2 the device program attached at creation stays.
	if !cgIsUnified() {
		mergedSpec := *spec
		if spec.Linux != nil {
			linux := *spec.Linux
			linux.Resources = merged
			mergedSpec.Linux = &linux
		}
		if newRes.Devices, err = cgDeviceRules(&mergedSpec); err != nil {
			return nil, nil, err
		}
		newRes.SkipDevices = false
	}
	return oldRes, newRes, nil
}

// setResources writes newRes to the cgroups; on failure what was half
// written is put back.
func (c *Container) setResources(m cgroups.Manager, oldRes, newRes *cgroups.Resources) error {
	if isIdle(oldRes) && newRes.CPUIdle != nil && !isIdle(newRes) {
		// Leave SCHED_IDLE first: the shares below are refused until then.
		if err := m.Set(&cgroups.Resources{CPUIdle: newRes.CPUIdle, SkipDevices: true}); err != nil {
			return err
		}
	}
	if err := m.Set(newRes); err != nil {
		c.rollbackResources(m, oldRes, newRes)
		return err
	}
	return nil
}

// recordResources saves the merged resources in the state: a copy of the
// spec, so that a failed save leaves the loaded state as it was (and the
// cgroups are put back).
func (c *Container) recordResources(merged *specs.LinuxResources, m cgroups.Manager, oldRes, newRes *cgroups.Resources) error {
	spec := c.state.Config
	// Record the new resources: a copy of the spec, so that a failed save
	// leaves the loaded state as it was.
	newSpec := *spec
	var linux specs.Linux
	if spec.Linux != nil {
		linux = *spec.Linux
	}
	linux.Resources = merged
	newSpec.Linux = &linux
	newState := *c.state
	newState.Config = &newSpec
	if err := c.dir.save(&newState); err != nil {
		c.rollbackResources(m, oldRes, newRes)
		return fmt.Errorf("save state: %w", err)
	}
	c.state = &newState
	return nil
}

// rollbackResources puts back what a failed update may have half written.
func (c *Container) rollbackResources(m cgroups.Manager, oldRes, newRes *cgroups.Resources) {
	if err := m.Set(rollbackTarget(oldRes, newRes)); err != nil {
		logrus.Warnf("putting back the previous resources of %s failed: %v; the cgroup may not match the recorded state", c.state.ID, err)
	}
}

// updateCgroupResources converts spec resources for an update: device rules
// are left alone, as runc update does (they cannot be changed).
func updateCgroupResources(r *specs.LinuxResources) (*cgroups.Resources, error) {
	res := &cgroups.Resources{}
	if r != nil {
		if err := cgConvertResources(r, res); err != nil {
			return nil, err
		}
	}
	res.SkipDevices = true
	if isIdle(res) {
		// The kernel refuses cpu.shares (cpu.weight) for a SCHED_IDLE
		// group, and the managers write them before cpu.idle.
		res.CpuShares, res.CpuWeight = 0, 0
	}
	return res, nil
}

func isIdle(r *cgroups.Resources) bool {
	return r.CPUIdle != nil && *r.CPUIdle != 0
}

// Kernel defaults for limits that the managers leave alone when unset.
const (
	defaultCPUShares = 1024
	defaultCPUWeight = 100
	defaultCPUPeriod = 100000
)

// rollbackTarget is old, plus the kernel's default for each limit that old
// leaves unset but new sets, since a manager does not write an unset value
// and so could not undo it.
func rollbackTarget(old, new *cgroups.Resources) *cgroups.Resources {
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

// mergeResources returns a copy of old with every field that upd sets
// replaced; lists keyed by device, page size or name are merged entry by
// entry. Device rules and kernel memory limits are not taken from upd.
func mergeResources(old, upd *specs.LinuxResources) (*specs.LinuxResources, error) {
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
	mergeMemory(out, upd.Memory)
	mergeCPU(out, upd.CPU)
	mergePids(out, upd.Pids)
	mergeBlockIO(out, upd.BlockIO)
	out.HugepageLimits = mergeBy(out.HugepageLimits, upd.HugepageLimits, func(l specs.LinuxHugepageLimit) string { return l.Pagesize })
	mergeNetwork(out, upd.Network)
	mergeRdma(out, upd.Rdma)
	for k, v := range upd.Unified {
		if out.Unified == nil {
			out.Unified = map[string]string{}
		}
		out.Unified[k] = v
	}
	return out, nil
}

func mergeMemory(out *specs.LinuxResources, m *specs.LinuxMemory) {
	if m == nil {
		return
	}
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

func mergeCPU(out *specs.LinuxResources, cpu *specs.LinuxCPU) {
	if cpu == nil {
		return
	}
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

func mergePids(out *specs.LinuxResources, p *specs.LinuxPids) {
	if p != nil && p.Limit != nil {
		if out.Pids == nil {
			out.Pids = &specs.LinuxPids{}
		}
		setPtr(&out.Pids.Limit, p.Limit)
	}
}

func mergeBlockIO(out *specs.LinuxResources, b *specs.LinuxBlockIO) {
	if b == nil {
		return
	}
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

func mergeNetwork(out *specs.LinuxResources, n *specs.LinuxNetwork) {
	if n == nil {
		return
	}
	if out.Network == nil {
		out.Network = &specs.LinuxNetwork{}
	}
	setPtr(&out.Network.ClassID, n.ClassID)
	out.Network.Priorities = mergeBy(out.Network.Priorities, n.Priorities, func(p specs.LinuxInterfacePriority) string { return p.Name })
}

func mergeRdma(out *specs.LinuxResources, rdma map[string]specs.LinuxRdma) {
	for dev, l := range rdma {
		if out.Rdma == nil {
			out.Rdma = map[string]specs.LinuxRdma{}
		}
		o := out.Rdma[dev]
		setPtr(&o.HcaHandles, l.HcaHandles)
		setPtr(&o.HcaObjects, l.HcaObjects)
		out.Rdma[dev] = o
	}
}

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
