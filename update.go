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
	f := updateFlags{isSet: isSet, value: value}
	r := &specs.LinuxResources{}
	var err error
	if r.BlockIO, err = f.blockIO(); err != nil {
		return nil, err
	}
	if r.CPU, err = f.cpu(); err != nil {
		return nil, err
	}
	if r.Memory, err = f.memory(); err != nil {
		return nil, err
	}
	if r.Pids, err = f.pids(); err != nil {
		return nil, err
	}
	return r, nil
}

// updateFlags reads update's flags for resourcesFromFlags.
type updateFlags struct {
	isSet func(string) bool
	value func(string) string
}

// get is the flag's value, and whether it was given (not as "").
func (f updateFlags) get(name string) (string, bool) {
	v := f.value(name)
	return v, f.isSet(name) && v != ""
}

// invalidFlag words a flag's bad value as runc does, the parser's error
// whole ("invalid value for cpu-period: strconv.ParseUint: parsing
// \"abc\": invalid syntax").
func invalidFlag(name string, err error) error {
	return fmt.Errorf("invalid value for %s: %w", name, err)
}

// flagDst is a flag and the field its value goes to.
type flagDst[T any] struct {
	name string
	dst  **T
}

// setFlags sets each field from its flag, when given, in the order
// given; parse reads the value.
func setFlags[T any](f updateFlags, parse func(string) (T, error), flags ...flagDst[T]) error {
	for _, fl := range flags {
		if v, ok := f.get(fl.name); ok {
			n, err := parse(v)
			if err != nil {
				return invalidFlag(fl.name, err)
			}
			*fl.dst = &n
		}
	}
	return nil
}

func parseUint64(v string) (uint64, error) { return strconv.ParseUint(v, 10, 64) }
func parseInt64(v string) (int64, error)   { return strconv.ParseInt(v, 10, 64) }

// blockIO is --blkio-weight; 0 is runc's "not given".
func (f updateFlags) blockIO() (*specs.LinuxBlockIO, error) {
	v, ok := f.get("blkio-weight")
	if !ok {
		return nil, nil
	}
	w, err := strconv.ParseUint(v, 10, 16)
	if err != nil {
		return nil, invalidFlag("blkio-weight", err)
	}
	if w == 0 {
		return nil, nil
	}
	weight := uint16(w)
	return &specs.LinuxBlockIO{Weight: &weight}, nil
}

// cpu is the --cpu-* and --cpuset-* flags (nil when none is given).
func (f updateFlags) cpu() (*specs.LinuxCPU, error) {
	c := &specs.LinuxCPU{}
	if err := setFlags(f, parseUint64, flagDst[uint64]{"cpu-period", &c.Period}, flagDst[uint64]{"cpu-burst", &c.Burst},
		flagDst[uint64]{"cpu-share", &c.Shares}, flagDst[uint64]{"cpu-rt-period", &c.RealtimePeriod}); err != nil {
		return nil, err
	}
	if err := setFlags(f, parseInt64, flagDst[int64]{"cpu-quota", &c.Quota}, flagDst[int64]{"cpu-rt-runtime", &c.RealtimeRuntime},
		flagDst[int64]{"cpu-idle", &c.Idle}); err != nil {
		return nil, err
	}
	if v, ok := f.get("cpuset-cpus"); ok {
		c.Cpus = v
	}
	if v, ok := f.get("cpuset-mems"); ok {
		c.Mems = v
	}
	if *c == (specs.LinuxCPU{}) {
		return nil, nil
	}
	return c, nil
}

// memory is --memory, --memory-swap and --memory-reservation (nil when
// none is given); --kernel-memory* are ignored with runc's warning.
func (f updateFlags) memory() (*specs.LinuxMemory, error) {
	m := &specs.LinuxMemory{}
	if err := setFlags(f, parseMemory, flagDst[int64]{"memory", &m.Limit}, flagDst[int64]{"memory-swap", &m.Swap},
		flagDst[int64]{"memory-reservation", &m.Reservation}); err != nil {
		return nil, err
	}
	for _, name := range []string{"kernel-memory", "kernel-memory-tcp"} {
		if _, ok := f.get(name); ok {
			logrus.Warnf("Setting --%s is ignored and will be removed", name)
		}
	}
	if *m == (specs.LinuxMemory{}) {
		return nil, nil
	}
	return m, nil
}

// pids is --pids-limit.
func (f updateFlags) pids() (*specs.LinuxPids, error) {
	var limit *int64
	if err := setFlags(f, parseInt64, flagDst[int64]{"pids-limit", &limit}); err != nil || limit == nil {
		return nil, err
	}
	return &specs.LinuxPids{Limit: limit}, nil
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
