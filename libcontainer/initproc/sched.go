package initproc

import (
	"fmt"

	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// applyProcessSched sets the scheduler, I/O priority and final CPU
// affinity of the calling thread, the one that will execve.
func applyProcessSched(p *specs.Process) error {
	defer timing.Phase("init:sched")()
	if s := p.Scheduler; s != nil {
		attr := unix.SchedAttr{
			Size: unix.SizeofSchedAttr, Policy: ocispec.SchedPolicies[s.Policy], Nice: s.Nice,
			Priority: uint32(s.Priority), Runtime: s.Runtime, Deadline: s.Deadline, Period: s.Period,
		}
		for _, f := range s.Flags {
			attr.Flags |= ocispec.SchedFlags[f]
		}
		if err := unix.SchedSetAttr(0, &attr, 0); err != nil {
			return fmt.Errorf("set scheduler %s: %w", s.Policy, err)
		}
	}
	if io := p.IOPriority; io != nil {
		const ioprioWhoProcess = 1
		prio := ocispec.IOPrioClasses[io.Class]<<13 | io.Priority
		if _, _, errno := unix.Syscall(unix.SYS_IOPRIO_SET, ioprioWhoProcess, 0, uintptr(prio)); errno != 0 {
			return fmt.Errorf("set I/O priority %s/%d: %w", io.Class, io.Priority, errno)
		}
	}
	if a := p.ExecCPUAffinity; a != nil && a.Final != "" {
		if err := ocispec.SetAffinity(0, a.Final); err != nil {
			return fmt.Errorf("set final CPU affinity %q: %w", a.Final, err)
		}
	}
	return nil
}
