package libcontainer

import (
	"fmt"
	"os"

	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// validateProcessSched checks process.scheduler, ioPriority and
// execCPUAffinity before anything is made.
func validateProcessSched(p *specs.Process) error {
	if s := p.Scheduler; s != nil {
		if _, ok := ocispec.SchedPolicies[s.Policy]; !ok {
			return fmt.Errorf("process.scheduler: unknown policy %q", s.Policy)
		}
		for _, f := range s.Flags {
			if _, ok := ocispec.SchedFlags[f]; !ok {
				return fmt.Errorf("process.scheduler: unknown flag %q", f)
			}
		}
		if s.Nice < -20 || s.Nice > 19 {
			return fmt.Errorf("process.scheduler: nice %d out of range -20..19", s.Nice)
		}
	}
	if io := p.IOPriority; io != nil {
		if _, ok := ocispec.IOPrioClasses[io.Class]; !ok {
			return fmt.Errorf("process.ioPriority: unknown class %q", io.Class)
		}
		if io.Priority < 0 || io.Priority > 7 {
			return fmt.Errorf("process.ioPriority: priority %d out of range 0..7", io.Priority)
		}
	}
	if a := p.ExecCPUAffinity; a != nil {
		for _, l := range []string{a.Initial, a.Final} {
			if _, err := ocispec.ParseCPUList(l); err != nil {
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
