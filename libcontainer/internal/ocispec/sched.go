package ocispec

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// SchedPolicies are the scheduling policies of process.scheduler.
var SchedPolicies = map[specs.LinuxSchedulerPolicy]uint32{
	"SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3,
	"SCHED_ISO": 4, "SCHED_IDLE": 5, "SCHED_DEADLINE": 6,
}

// SchedFlags are the flags of process.scheduler.
var SchedFlags = map[specs.LinuxSchedulerFlag]uint64{
	"SCHED_FLAG_RESET_ON_FORK": 0x01, "SCHED_FLAG_RECLAIM": 0x02, "SCHED_FLAG_DL_OVERRUN": 0x04,
	"SCHED_FLAG_KEEP_POLICY": 0x08, "SCHED_FLAG_KEEP_PARAMS": 0x10,
	"SCHED_FLAG_UTIL_CLAMP_MIN": 0x20, "SCHED_FLAG_UTIL_CLAMP_MAX": 0x40,
}

// IOPrioClasses are the classes of process.ioPriority.
var IOPrioClasses = map[specs.IOPriorityClass]int{
	specs.IOPRIO_CLASS_RT: 1, specs.IOPRIO_CLASS_BE: 2, specs.IOPRIO_CLASS_IDLE: 3,
}

// SetAffinity pins pid (0: the calling thread) to a cpu list like "0-2,5".
func SetAffinity(pid int, list string) error {
	cpus, err := ParseCPUList(list)
	if err != nil {
		return err
	}
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	return unix.SchedSetaffinity(pid, &set)
}

// ParseCPUList reads a CPU list such as "0-2,5".
func ParseCPUList(list string) ([]int, error) {
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
