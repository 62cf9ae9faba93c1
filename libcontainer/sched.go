package libcontainer

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var schedPolicies = map[specs.LinuxSchedulerPolicy]uint32{
	"SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3,
	"SCHED_ISO": 4, "SCHED_IDLE": 5, "SCHED_DEADLINE": 6,
}

var schedFlags = map[specs.LinuxSchedulerFlag]uint64{
	"SCHED_FLAG_RESET_ON_FORK": 0x01, "SCHED_FLAG_RECLAIM": 0x02, "SCHED_FLAG_DL_OVERRUN": 0x04,
	"SCHED_FLAG_KEEP_POLICY": 0x08, "SCHED_FLAG_KEEP_PARAMS": 0x10,
	"SCHED_FLAG_UTIL_CLAMP_MIN": 0x20, "SCHED_FLAG_UTIL_CLAMP_MAX": 0x40,
}

var ioprioClasses = map[specs.IOPriorityClass]int{
	specs.IOPRIO_CLASS_RT: 1, specs.IOPRIO_CLASS_BE: 2, specs.IOPRIO_CLASS_IDLE: 3,
}

// validateProcessSched checks process.scheduler, ioPriority and
// execCPUAffinity before anything is made.
func validateProcessSched(p *specs.Process) error {
	if s := p.Scheduler; s != nil {
		if _, ok := schedPolicies[s.Policy]; !ok {
			return fmt.Errorf("process.scheduler: unknown policy %q", s.Policy)
		}
		for _, f := range s.Flags {
			if _, ok := schedFlags[f]; !ok {
				return fmt.Errorf("process.scheduler: unknown flag %q", f)
			}
		}
		if s.Nice < -20 || s.Nice > 19 {
			return fmt.Errorf("process.scheduler: nice %d out of range -20..19", s.Nice)
		}
	}
	if io := p.IOPriority; io != nil {
		if _, ok := ioprioClasses[io.Class]; !ok {
			return fmt.Errorf("process.ioPriority: unknown class %q", io.Class)
		}
		if io.Priority < 0 || io.Priority > 7 {
			return fmt.Errorf("process.ioPriority: priority %d out of range 0..7", io.Priority)
		}
	}
	if a := p.ExecCPUAffinity; a != nil {
		for _, l := range []string{a.Initial, a.Final} {
			if _, err := parseCPUList(l); err != nil {
				return fmt.Errorf("process.execCPUAffinity: %w", err)
			}
		}
	}
	return nil
}

// checkSchedCpuset refuses a process scheduler in a container with a
// cpuset, as runc does: the kernel would refuse some policies later (EPERM
// for SCHED_DEADLINE with a restricted affinity), after the container is made.
func checkSchedCpuset(spec *specs.Spec, p *specs.Process) error {
	if p == nil || p.Scheduler == nil || spec.Linux == nil || spec.Linux.Resources == nil {
		return nil
	}
	if cpu := spec.Linux.Resources.CPU; cpu != nil && cpu.Cpus != "" {
		return fmt.Errorf("process scheduler can't be used together with AllowedCPUs")
	}
	return nil
}

// applyProcessSched sets the scheduler, I/O priority and final CPU
// affinity of the calling thread, the one that will execve.
func applyProcessSched(p *specs.Process) error {
	defer phase("init:sched")()
	if s := p.Scheduler; s != nil {
		attr := unix.SchedAttr{
			Size: unix.SizeofSchedAttr, Policy: schedPolicies[s.Policy], Nice: s.Nice,
			Priority: uint32(s.Priority), Runtime: s.Runtime, Deadline: s.Deadline, Period: s.Period,
		}
		for _, f := range s.Flags {
			attr.Flags |= schedFlags[f]
		}
		if err := unix.SchedSetAttr(0, &attr, 0); err != nil {
			return fmt.Errorf("set scheduler %s: %w", s.Policy, err)
		}
	}
	if io := p.IOPriority; io != nil {
		const ioprioWhoProcess = 1
		prio := ioprioClasses[io.Class]<<13 | io.Priority
		if _, _, errno := unix.Syscall(unix.SYS_IOPRIO_SET, ioprioWhoProcess, 0, uintptr(prio)); errno != 0 {
			return fmt.Errorf("set I/O priority %s/%d: %w", io.Class, io.Priority, errno)
		}
	}
	if a := p.ExecCPUAffinity; a != nil && a.Final != "" {
		if err := setAffinity(0, a.Final); err != nil {
			return fmt.Errorf("set final CPU affinity %q: %w", a.Final, err)
		}
	}
	return nil
}

// resetAffinity lets pid, now in the container's cgroups, run on every
// CPU its cpuset allows (all of them without one): whatever affinity the
// caller of the runtime had (`taskset`) is not the container's. The kernel
// narrows the full mask down to the cpuset.
func resetAffinity(pid int) error {
	var set unix.CPUSet
	for i := range set {
		set[i] = ^set[i]
	}
	if err := unix.SchedSetaffinity(pid, &set); err != nil {
		return fmt.Errorf("reset CPU affinity: %w", err)
	}
	return nil
}

// setAffinity pins pid (0: the calling thread) to a cpu list like "0-2,5".
func setAffinity(pid int, list string) error {
	cpus, err := parseCPUList(list)
	if err != nil {
		return err
	}
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	return unix.SchedSetaffinity(pid, &set)
}

func parseCPUList(list string) ([]int, error) {
	var cpus []int
	if list == "" {
		return nil, nil
	}
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a || b >= 1024 {
			return nil, fmt.Errorf("invalid CPU list %q", list)
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// checkIntelRdt refuses linux.intelRdt on a host without resctrl, as runc
// does, instead of ignoring it.
func checkIntelRdt(spec *specs.Spec) error {
	if spec.Linux.IntelRdt == nil {
		return nil
	}
	if _, err := os.Stat("/sys/fs/resctrl/schemata"); err != nil {
		return fmt.Errorf("linux.intelRdt is specified but Intel RDT is not enabled on this host (no resctrl filesystem at /sys/fs/resctrl)")
	}
	return fmt.Errorf("linux.intelRdt is not supported yet")
}
