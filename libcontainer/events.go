package libcontainer

// Container statistics and events (`runc events`): the cgroup manager's
// statistics in runc's JSON format, and OOM notifications from the memory
// cgroup (cgroup.OOMNotifier).

import (
	"errors"
	"fmt"
	"time"

	"github.com/ocirun/runc/libcontainer/cgroup"
	"github.com/opencontainers/cgroups"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Event is one line of `runc events`.
type Event struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data any    `json:"data,omitempty"`
}

// Stats are a container's statistics with the JSON names runc prints.
type Stats struct {
	CPU               CPUStats                `json:"cpu"`
	CPUSet            CPUSetStats             `json:"cpuset"`
	Memory            MemoryStats             `json:"memory"`
	Pids              PidsStats               `json:"pids"`
	Blkio             BlkioStats              `json:"blkio"`
	Hugetlb           map[string]HugetlbStats `json:"hugetlb"`
	IntelRdt          IntelRdtStats           `json:"intel_rdt"`
	NetworkInterfaces []*NetworkInterface     `json:"network_interfaces"`
}

// CPUUsage times are in nanoseconds.
type CPUUsage struct {
	Total        uint64   `json:"total,omitempty"`
	Percpu       []uint64 `json:"percpu,omitempty"`
	PercpuKernel []uint64 `json:"percpu_kernel,omitempty"`
	PercpuUser   []uint64 `json:"percpu_user,omitempty"`
	Kernel       uint64   `json:"kernel"`
	User         uint64   `json:"user"`
}

type Throttling struct {
	Periods          uint64 `json:"periods,omitempty"`
	ThrottledPeriods uint64 `json:"throttledPeriods,omitempty"`
	ThrottledTime    uint64 `json:"throttledTime,omitempty"`
}

type CPUStats struct {
	Usage      CPUUsage          `json:"usage"`
	Throttling Throttling        `json:"throttling"`
	PSI        *cgroups.PSIStats `json:"psi,omitempty"`
}

type CPUSetStats struct {
	CPUs                  []uint16 `json:"cpus,omitempty"`
	CPUExclusive          uint64   `json:"cpu_exclusive"`
	Mems                  []uint16 `json:"mems,omitempty"`
	MemHardwall           uint64   `json:"mem_hardwall"`
	MemExclusive          uint64   `json:"mem_exclusive"`
	MemoryMigrate         uint64   `json:"memory_migrate"`
	MemorySpreadPage      uint64   `json:"memory_spread_page"`
	MemorySpreadSlab      uint64   `json:"memory_spread_slab"`
	MemoryPressure        uint64   `json:"memory_pressure"`
	SchedLoadBalance      uint64   `json:"sched_load_balance"`
	SchedRelaxDomainLevel int64    `json:"sched_relax_domain_level"`
}

type MemoryEntry struct {
	Limit   uint64 `json:"limit"`
	Usage   uint64 `json:"usage,omitempty"`
	Max     uint64 `json:"max,omitempty"`
	Failcnt uint64 `json:"failcnt"`
}

type MemoryStats struct {
	Cache     uint64            `json:"cache,omitempty"`
	Usage     MemoryEntry       `json:"usage"`
	Swap      MemoryEntry       `json:"swap"`
	Kernel    MemoryEntry       `json:"kernel"`
	KernelTCP MemoryEntry       `json:"kernelTCP"`
	Raw       map[string]uint64 `json:"raw,omitempty"`
	PSI       *cgroups.PSIStats `json:"psi,omitempty"`
}

type PidsStats struct {
	Current uint64 `json:"current,omitempty"`
	Limit   uint64 `json:"limit,omitempty"`
}

type BlkioEntry struct {
	Major uint64 `json:"major,omitempty"`
	Minor uint64 `json:"minor,omitempty"`
	Op    string `json:"op,omitempty"`
	Value uint64 `json:"value,omitempty"`
}

type BlkioStats struct {
	IoServiceBytesRecursive []BlkioEntry      `json:"ioServiceBytesRecursive,omitempty"`
	IoServicedRecursive     []BlkioEntry      `json:"ioServicedRecursive,omitempty"`
	IoQueuedRecursive       []BlkioEntry      `json:"ioQueueRecursive,omitempty"`
	IoServiceTimeRecursive  []BlkioEntry      `json:"ioServiceTimeRecursive,omitempty"`
	IoWaitTimeRecursive     []BlkioEntry      `json:"ioWaitTimeRecursive,omitempty"`
	IoMergedRecursive       []BlkioEntry      `json:"ioMergedRecursive,omitempty"`
	IoTimeRecursive         []BlkioEntry      `json:"ioTimeRecursive,omitempty"`
	SectorsRecursive        []BlkioEntry      `json:"sectorsRecursive,omitempty"`
	PSI                     *cgroups.PSIStats `json:"psi,omitempty"`
}

type HugetlbStats struct {
	Usage   uint64 `json:"usage,omitempty"`
	Max     uint64 `json:"max,omitempty"`
	Failcnt uint64 `json:"failcnt"`
}

// IntelRdtStats is always empty: linux.intelRdt is refused at create.
type IntelRdtStats struct{}

// NetworkInterface statistics are only collected by runc for interfaces it
// configured itself, which an OCI bundle never asks for: the list is null.
type NetworkInterface struct {
	Name      string
	RxBytes   uint64
	RxPackets uint64
	RxErrors  uint64
	RxDropped uint64
	TxBytes   uint64
	TxPackets uint64
	TxErrors  uint64
	TxDropped uint64
}

// errNotRunningID is runc's refusal of events for a stopped container.
func (c *Container) errNotRunningID() error {
	return fmt.Errorf("container with id %s is not running", c.state.ID)
}

// Stats returns the statistics of a container that is not stopped.
func (c *Container) Stats() (*Stats, error) {
	if c.Status() == Stopped {
		return nil, c.errNotRunningID()
	}
	m, err := c.cgroupManager()
	if err != nil {
		return nil, err
	}
	return managerStats(m)
}

// managerStats reads the cgroup statistics and converts them.
func managerStats(m cgroups.Manager) (*Stats, error) {
	cs, err := m.GetStats()
	if err != nil {
		return nil, fmt.Errorf("read cgroup statistics: %w", err)
	}
	return convertStats(cs), nil
}

func convertStats(cs *cgroups.Stats) *Stats {
	s := &Stats{Hugetlb: map[string]HugetlbStats{}}
	u := cs.CpuStats.CpuUsage
	s.CPU.Usage = CPUUsage{
		Total:        u.TotalUsage,
		Percpu:       u.PercpuUsage,
		PercpuKernel: u.PercpuUsageInKernelmode,
		PercpuUser:   u.PercpuUsageInUsermode,
		Kernel:       u.UsageInKernelmode,
		User:         u.UsageInUsermode,
	}
	t := cs.CpuStats.ThrottlingData
	s.CPU.Throttling = Throttling{Periods: t.Periods, ThrottledPeriods: t.ThrottledPeriods, ThrottledTime: t.ThrottledTime}
	s.CPU.PSI = cs.CpuStats.PSI

	cpuset := cs.CPUSetStats
	s.CPUSet = CPUSetStats{
		CPUs:                  cpuset.CPUs,
		CPUExclusive:          cpuset.CPUExclusive,
		Mems:                  cpuset.Mems,
		MemHardwall:           cpuset.MemHardwall,
		MemExclusive:          cpuset.MemExclusive,
		MemoryMigrate:         cpuset.MemoryMigrate,
		MemorySpreadPage:      cpuset.MemorySpreadPage,
		MemorySpreadSlab:      cpuset.MemorySpreadSlab,
		MemoryPressure:        cpuset.MemoryPressure,
		SchedLoadBalance:      cpuset.SchedLoadBalance,
		SchedRelaxDomainLevel: cpuset.SchedRelaxDomainLevel,
	}

	mem := cs.MemoryStats
	s.Memory = MemoryStats{
		Cache:     mem.Cache,
		Usage:     memoryEntry(mem.Usage),
		Swap:      memoryEntry(mem.SwapUsage),
		Kernel:    memoryEntry(mem.KernelUsage),
		KernelTCP: memoryEntry(mem.KernelTCPUsage),
		Raw:       mem.Stats,
		PSI:       mem.PSI,
	}

	s.Pids = PidsStats{Current: cs.PidsStats.Current, Limit: cs.PidsStats.Limit}

	b := cs.BlkioStats
	s.Blkio = BlkioStats{
		IoServiceBytesRecursive: blkioEntries(b.IoServiceBytesRecursive),
		IoServicedRecursive:     blkioEntries(b.IoServicedRecursive),
		IoQueuedRecursive:       blkioEntries(b.IoQueuedRecursive),
		IoServiceTimeRecursive:  blkioEntries(b.IoServiceTimeRecursive),
		IoWaitTimeRecursive:     blkioEntries(b.IoWaitTimeRecursive),
		IoMergedRecursive:       blkioEntries(b.IoMergedRecursive),
		IoTimeRecursive:         blkioEntries(b.IoTimeRecursive),
		SectorsRecursive:        blkioEntries(b.SectorsRecursive),
		PSI:                     b.PSI,
	}

	for size, h := range cs.HugetlbStats {
		s.Hugetlb[size] = HugetlbStats{Usage: h.Usage, Max: h.MaxUsage, Failcnt: h.Failcnt}
	}
	return s
}

func memoryEntry(d cgroups.MemoryData) MemoryEntry {
	return MemoryEntry{Limit: d.Limit, Usage: d.Usage, Max: d.MaxUsage, Failcnt: d.Failcnt}
}

func blkioEntries(in []cgroups.BlkioStatEntry) []BlkioEntry {
	var out []BlkioEntry
	for _, e := range in {
		out = append(out, BlkioEntry{Major: e.Major, Minor: e.Minor, Op: e.Op, Value: e.Value})
	}
	return out
}

// Events reports the container's statistics every interval (the first
// after one interval) and an "oom" event whenever the kernel's OOM killer
// acts in its memory cgroup, until the container's init exits or its
// cgroup is removed. emit is called for each event; an error from it ends
// the stream.
//
// The container's lock is released once the stream is set up, so that
// delete or update need not wait for the stream to end.
func (c *Container) Events(interval time.Duration, emit func(*Event) error) error {
	if interval <= 0 {
		return errors.New("duration interval must be greater than 0")
	}
	// Open the pidfd first, then check that it is still our init: a pid
	// reused after the check could not be mistaken for it.
	pidfd, err := unix.PidfdOpen(c.state.InitPid, 0)
	if err != nil {
		return c.errNotRunningID()
	}
	defer unix.Close(pidfd)
	if c.Status() == Stopped {
		return c.errNotRunningID()
	}
	m, err := c.cgroupManager()
	if err != nil {
		return err
	}
	oom, err := cgroup.NewOOMNotifier(m)
	if err != nil {
		return err
	}
	if oom != nil {
		defer oom.Close()
	}
	c.Close()

	id := c.state.ID
	sendOOM := func() error { return emit(&Event{Type: "oom", ID: id}) }
	next := time.Now().Add(interval)
	for {
		wait := time.Until(next)
		if wait <= 0 {
			if s, err := managerStats(m); err != nil {
				logrus.Error(err)
			} else if err := emit(&Event{Type: "stats", ID: id, Data: s}); err != nil {
				return err
			}
			next = next.Add(interval)
			if now := time.Now(); next.Before(now) {
				// Stats took longer than the interval: do not catch up.
				next = now.Add(interval)
			}
			continue
		}
		fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
		if oom != nil {
			fds = append(fds, unix.PollFd{Fd: int32(oom.Fd()), Events: unix.POLLIN})
		}
		ms := int((wait + time.Millisecond - 1) / time.Millisecond)
		if _, err := unix.Poll(fds, ms); err != nil {
			if err == unix.EINTR {
				continue
			}
			return fmt.Errorf("wait for events: %w", err)
		}
		if oom != nil && fds[1].Revents != 0 {
			n, gone, err := oom.Check()
			if err != nil {
				return err
			}
			if n {
				if err := sendOOM(); err != nil {
					return err
				}
			}
			if gone {
				// The cgroup was removed (the container was deleted).
				return nil
			}
		}
		if fds[0].Revents != 0 {
			// init has exited. An OOM kill that killed it was counted
			// before it died: report it before the stream ends.
			if oom != nil {
				if n, _, err := oom.Check(); err == nil && n {
					if err := sendOOM(); err != nil {
						return err
					}
				}
			}
			return nil
		}
	}
}
