package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v3"

	"github.com/ocirun/runc/libcontainer"
)

const updateResourcesUsage = `path to the file containing the resources to update or '-' to read from the standard input

The accepted format is as follow (unchanged values can be omitted):

{
  "memory": {
    "limit": 0,
    "reservation": 0,
    "swap": 0,
    "checkBeforeUpdate": true
  },
  "cpu": {
    "shares": 0,
    "quota": 0,
    "burst": 0,
    "period": 0,
    "realtimeRuntime": 0,
    "realtimePeriod": 0,
    "cpus": "",
    "mems": "",
    "idle": 0
  },
  "pids": {
    "limit": 0
  },
  "blockIO": {
    "weight": 0
  }
}

Note: if data is to be read from a file or the standard input, all
other options are ignored.
`

var updateCommand = &cli.Command{
	Name:      "update",
	Usage:     "update container resource constraints",
	ArgsUsage: "<container-id>",
	Description: `The update command changes the resource limits of a created, running or
paused container, through its cgroups, and records them in its state. Values
not given keep their current setting.`,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "resources", Aliases: []string{"r"}, Usage: updateResourcesUsage},
		&cli.StringFlag{Name: "blkio-weight", Usage: "Specifies per cgroup weight, range is from 10 to 1000"},
		&cli.StringFlag{Name: "cpu-period", Usage: "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"},
		&cli.StringFlag{Name: "cpu-quota", Usage: "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"},
		&cli.StringFlag{Name: "cpu-burst", Usage: "CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time additionally for burst a given period"},
		&cli.StringFlag{Name: "cpu-share", Aliases: []string{"cpu-shares"}, Usage: "CPU shares (relative weight vs. other containers)"},
		&cli.StringFlag{Name: "cpu-rt-period", Usage: "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default"},
		&cli.StringFlag{Name: "cpu-rt-runtime", Usage: "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period"},
		&cli.StringFlag{Name: "cpuset-cpus", Usage: "CPU(s) to use"},
		&cli.StringFlag{Name: "cpuset-mems", Usage: "Memory node(s) to use"},
		&cli.StringFlag{Name: "cpu-idle", Usage: "set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE"},
		&cli.StringFlag{Name: "kernel-memory", Usage: "(obsoleted; do not use)", Hidden: true},
		&cli.StringFlag{Name: "kernel-memory-tcp", Usage: "(obsoleted; do not use)", Hidden: true},
		&cli.StringFlag{Name: "memory", Usage: "Memory limit (in bytes; k, m, g, t and p suffixes accepted)"},
		&cli.StringFlag{Name: "memory-reservation", Usage: "Memory reservation or soft_limit (in bytes)"},
		&cli.StringFlag{Name: "memory-swap", Usage: "Total memory usage (memory + swap); set '-1' to enable unlimited swap"},
		&cli.StringFlag{Name: "pids-limit", Usage: "Maximum number of pids allowed in the container; -1 for no limit"},
		&cli.StringFlag{Name: "l3-cache-schema", Usage: "The string of Intel RDT/CAT L3 cache schema"},
		&cli.StringFlag{Name: "mem-bw-schema", Usage: "The string of Intel RDT/MBA memory bandwidth schema"},
	},
	Action: withContainer(true, func(cmd *cli.Command, c *libcontainer.Container) error {
		var r *specs.LinuxResources
		var err error
		if in := cmd.String("resources"); in != "" {
			r, err = readResources(in, os.Stdin)
		} else {
			r, err = resourcesFromFlags(cmd.IsSet, cmd.String)
		}
		if err != nil {
			return err
		}
		if err := libcontainer.CheckIntelRdtUpdate(cmd.String("l3-cache-schema"), cmd.String("mem-bw-schema")); err != nil {
			return err
		}
		return c.Update(r)
	}),
}

// readResources decodes a runtime-spec LinuxResources object from the file
// in, or from stdin when in is "-".
func readResources(in string, stdin io.Reader) (*specs.LinuxResources, error) {
	src, name := stdin, "standard input"
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return nil, fmt.Errorf("read resources: %w", err)
		}
		defer f.Close()
		src, name = f, in
	}
	var r specs.LinuxResources
	if err := json.NewDecoder(src).Decode(&r); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("parse resources from %s: no JSON object", name)
		}
		return nil, fmt.Errorf("parse resources from %s: %w", name, err)
	}
	return &r, nil
}

// resourcesFromFlags builds the requested change from the command's flags;
// a flag given as "" counts as not given, as in runc.
func resourcesFromFlags(isSet func(string) bool, value func(string) string) (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{}
	get := func(name string) (string, bool) {
		v := value(name)
		return v, isSet(name) && v != ""
	}
	invalid := func(name string, err error) error {
		if ne, ok := err.(*strconv.NumError); ok {
			err = ne.Err
		}
		return fmt.Errorf("invalid value for %s: %w", name, err)
	}
	mem := func() *specs.LinuxMemory {
		if r.Memory == nil {
			r.Memory = &specs.LinuxMemory{}
		}
		return r.Memory
	}
	cpu := func() *specs.LinuxCPU {
		if r.CPU == nil {
			r.CPU = &specs.LinuxCPU{}
		}
		return r.CPU
	}

	if v, ok := get("blkio-weight"); ok {
		w, err := strconv.ParseUint(v, 10, 16)
		if err != nil {
			return nil, invalid("blkio-weight", err)
		}
		// 0 is runc's "not given".
		if w != 0 {
			weight := uint16(w)
			r.BlockIO = &specs.LinuxBlockIO{Weight: &weight}
		}
	}
	for _, f := range []struct {
		name string
		dst  **uint64
	}{
		{"cpu-period", &cpu().Period},
		{"cpu-burst", &cpu().Burst},
		{"cpu-share", &cpu().Shares},
		{"cpu-rt-period", &cpu().RealtimePeriod},
	} {
		if v, ok := get(f.name); ok {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return nil, invalid(f.name, err)
			}
			*f.dst = &n
		}
	}
	for _, f := range []struct {
		name string
		dst  **int64
	}{
		{"cpu-quota", &cpu().Quota},
		{"cpu-rt-runtime", &cpu().RealtimeRuntime},
		{"cpu-idle", &cpu().Idle},
	} {
		if v, ok := get(f.name); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, invalid(f.name, err)
			}
			*f.dst = &n
		}
	}
	if v, ok := get("cpuset-cpus"); ok {
		cpu().Cpus = v
	}
	if v, ok := get("cpuset-mems"); ok {
		cpu().Mems = v
	}
	if *r.CPU == (specs.LinuxCPU{}) {
		r.CPU = nil
	}
	for _, f := range []struct {
		name string
		dst  **int64
	}{
		{"memory", &mem().Limit},
		{"memory-swap", &mem().Swap},
		{"memory-reservation", &mem().Reservation},
	} {
		if v, ok := get(f.name); ok {
			n, err := parseMemory(v)
			if err != nil {
				return nil, invalid(f.name, err)
			}
			*f.dst = &n
		}
	}
	if *r.Memory == (specs.LinuxMemory{}) {
		r.Memory = nil
	}
	for _, name := range []string{"kernel-memory", "kernel-memory-tcp"} {
		if _, ok := get(name); ok {
			logrus.Warnf("Setting --%s is ignored and will be removed", name)
		}
	}
	if v, ok := get("pids-limit"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, invalid("pids-limit", err)
		}
		r.Pids = &specs.LinuxPids{Limit: &n}
	}
	return r, nil
}

// parseMemory reads a memory size as runc does: "-1" (unlimited), or a
// non-negative decimal number, optionally followed by one space and a unit
// k, m, g, t or p (powers of 1024, any case), optionally followed by "i",
// then optionally "b": "512", "10m", "1.5G", "64 MiB", "100kb".
func parseMemory(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	bad := fmt.Errorf("invalid size: '%s'", s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, bad
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i+1 {
			return 0, bad
		}
		i = j
	}
	num, rest := s[:i], s[i:]
	rest = strings.TrimPrefix(rest, " ")
	mult := 1.0
	if rest != "" {
		if k := strings.IndexByte("kmgtp", lower(rest[0])); k >= 0 {
			mult = math.Pow(1024, float64(k+1))
			rest = rest[1:]
		}
	}
	if rest != "" && lower(rest[0]) == 'i' {
		rest = rest[1:]
	}
	if rest != "" && lower(rest[0]) == 'b' {
		rest = rest[1:]
	}
	if rest != "" {
		return 0, bad
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, bad
	}
	v := f * mult
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("invalid size: '%s' is too large", s)
	}
	return int64(v), nil
}

func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}
