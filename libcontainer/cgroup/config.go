package cgroup

// The configuration: turning the OCI spec (linux.cgroupsPath, systemd
// annotations, linux.resources, device rules) into the configuration of
// github.com/opencontainers/cgroups.

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	systemdDbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	"github.com/opencontainers/cgroups"
	devices "github.com/opencontainers/cgroups/devices/config"
	"github.com/opencontainers/cgroups/systemd"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// errNoSystemd is returned when --systemd-cgroup is used on a host where
// systemd is not the init system.
var errNoSystemd = errors.New("systemd cgroup driver requested (--systemd-cgroup) but systemd is not running")

// configError is a linux.resources or linux.cgroupsPath that does not
// convert; it reads as the parent package's configuration errors do.
type configError struct{ err error }

func (e *configError) Error() string { return "invalid configuration: " + e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// errUnifiedOnV1 is returned when linux.resources.unified is set on a host
// without the cgroup v2 unified hierarchy (legacy or hybrid layout).
var errUnifiedOnV1 = errors.New("linux.resources.unified requires cgroup v2 (unified hierarchy), but this host uses cgroup v1")

// IsUnified reports whether the host runs the pure cgroup v2 hierarchy.
// A variable so that tests can exercise the v2 conversions on any host.
var IsUnified = cgroups.IsCgroup2UnifiedMode

// systemdRunning reports whether systemd is the init system (variable for tests).
var systemdRunning = systemd.IsRunningSystemd

const (
	// systemdPropPrefix introduces annotations that become systemd unit properties.
	systemdPropPrefix = "org.systemd.property."
	// defaultMountFlags are used for the tmpfs holding the v1 hierarchies
	// and for cgroup mounts inside a cgroup namespace.
	defaultMountFlags = unix.MS_NOEXEC | unix.MS_NOSUID | unix.MS_NODEV
	// destroyTimeout bounds how long Destroy waits for busy cgroups.
	destroyTimeout = 2 * time.Second
	// unifiedRoot is where the cgroup v2 hierarchy lives on a pure v2 host.
	unifiedRoot = "/sys/fs/cgroup"
)

// defaultDevice is one of the devices every container may use.
type defaultDevice struct {
	path string // "" for rules that are not about a single device node
	rule devices.Rule
}

// defaultDevices are the device cgroup rules appended after the spec's own
// linux.resources.devices rules, in the same order as runc.
var defaultDevices = []defaultDevice{
	// mknod of any character or block device
	{"", devices.Rule{Type: devices.CharDevice, Major: devices.Wildcard, Minor: devices.Wildcard, Permissions: "m", Allow: true}},
	{"", devices.Rule{Type: devices.BlockDevice, Major: devices.Wildcard, Minor: devices.Wildcard, Permissions: "m", Allow: true}},
	{"/dev/null", devices.Rule{Type: devices.CharDevice, Major: 1, Minor: 3, Permissions: "rwm", Allow: true}},
	{"/dev/random", devices.Rule{Type: devices.CharDevice, Major: 1, Minor: 8, Permissions: "rwm", Allow: true}},
	{"/dev/full", devices.Rule{Type: devices.CharDevice, Major: 1, Minor: 7, Permissions: "rwm", Allow: true}},
	{"/dev/tty", devices.Rule{Type: devices.CharDevice, Major: 5, Minor: 0, Permissions: "rwm", Allow: true}},
	{"/dev/zero", devices.Rule{Type: devices.CharDevice, Major: 1, Minor: 5, Permissions: "rwm", Allow: true}},
	{"/dev/urandom", devices.Rule{Type: devices.CharDevice, Major: 1, Minor: 9, Permissions: "rwm", Allow: true}},
	// /dev/pts/*
	{"", devices.Rule{Type: devices.CharDevice, Major: 136, Minor: devices.Wildcard, Permissions: "rwm", Allow: true}},
	// /dev/ptmx
	{"", devices.Rule{Type: devices.CharDevice, Major: 5, Minor: 2, Permissions: "rwm", Allow: true}},
	// /dev/net/tun
	{"", devices.Rule{Type: devices.CharDevice, Major: 10, Minor: 200, Permissions: "rwm", Allow: true}},
}

// buildConfig turns the spec into the cgroup library's configuration.
//
// Placement: with the fs drivers, linux.cgroupsPath is cleaned and used as
// is; absolute paths are relative to the cgroup mount points, relative ones
// (and the default, the container id) to the runtime's own cgroup. With the
// systemd driver, cgroupsPath is "slice:prefix:name" and defaults to
// "system.slice:runc:<id>" ("user.slice" for rootless on cgroup v2);
// annotations org.systemd.property.<Name> become unit properties.
//
// Devices: the spec's rules first, then the default rules (see DeviceRules).
func buildConfig(id string, spec *specs.Spec, systemd, rootless bool) (*cgroups.Cgroup, error) {
	if spec == nil {
		return nil, errors.New("cgroup configuration: no spec")
	}
	c := &cgroups.Cgroup{
		Systemd:   systemd,
		Rootless:  rootless,
		Resources: &cgroups.Resources{},
	}
	var cgPath string
	if spec.Linux != nil {
		cgPath = spec.Linux.CgroupsPath
	}

	if systemd {
		if err := systemdPlacement(c, id, cgPath, rootless); err != nil {
			return nil, err
		}
		props, err := systemdProps(spec.Annotations)
		if err != nil {
			return nil, err
		}
		c.SystemdProps = props
	} else {
		if cgPath == "" {
			if id == "" {
				return nil, errors.New("cgroup configuration: empty container id and no linux.cgroupsPath")
			}
			// Name (not Path) keeps the library's rootless leniency for
			// cgroups the user did not ask for explicitly.
			c.Name = id
		} else {
			c.Path = cleanPath(cgPath)
		}
	}

	if spec.Linux != nil && spec.Linux.Resources != nil {
		if err := ConvertResources(spec.Linux.Resources, c.Resources); err != nil {
			return nil, err
		}
	}

	rules, err := DeviceRules(spec)
	if err != nil {
		return nil, err
	}
	c.Resources.Devices = rules
	c.Resources.SkipDevices = false
	return c, nil
}

// systemdPlacement fills Parent, ScopePrefix and Name from a systemd-style
// cgroupsPath "slice:prefix:name".
func systemdPlacement(c *cgroups.Cgroup, id, cgPath string, rootless bool) error {
	slice, prefix, name := "", "runc", id
	if cgPath != "" {
		parts := strings.Split(cgPath, ":")
		if len(parts) != 3 {
			return fmt.Errorf("linux.cgroupsPath %q: the systemd cgroup driver expects the form \"slice:prefix:name\"", cgPath)
		}
		slice, prefix, name = parts[0], parts[1], parts[2]
	}
	if strings.Contains(slice, "/") {
		return fmt.Errorf("linux.cgroupsPath %q: systemd slice %q must not contain \"/\"", cgPath, slice)
	}
	if name == "" {
		return fmt.Errorf("linux.cgroupsPath %q: empty unit name", cgPath)
	}
	if slice == "" {
		slice = "system.slice"
		if rootless && IsUnified() {
			slice = "user.slice"
		}
	}
	c.Parent, c.ScopePrefix, c.Name = slice, prefix, name
	return nil
}

// cleanPath cleans a cgroup path without letting a relative path climb
// above its starting point ("../../x" becomes "x").
func cleanPath(p string) string {
	if p == "" {
		return ""
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	rel, err := filepath.Rel("/", filepath.Clean("/"+p))
	if err != nil || rel == "." {
		return ""
	}
	return rel
}

// systemdProps converts org.systemd.property.<Name> annotations (values in
// GVariant text format) into systemd unit properties. A property ending in
// "Sec" (not "USec"/"NSec") takes seconds and is sent as the "USec" property.
func systemdProps(annotations map[string]string) ([]systemdDbus.Property, error) {
	var props []systemdDbus.Property
	for _, key := range slices.Sorted(maps.Keys(annotations)) {
		name, ok := strings.CutPrefix(key, systemdPropPrefix)
		if !ok {
			continue
		}
		if !validPropName(name) {
			return nil, fmt.Errorf("annotation %s: invalid systemd property name %q", key, name)
		}
		value, err := dbus.ParseVariant(annotations[key], dbus.Signature{})
		if err != nil {
			return nil, fmt.Errorf("annotation %s: value %q is not in GVariant text format: %w", key, annotations[key], err)
		}
		if strings.HasSuffix(name, "Sec") && !strings.HasSuffix(name, "USec") && !strings.HasSuffix(name, "NSec") {
			usec, err := secToUSec(value)
			if err != nil {
				return nil, fmt.Errorf("annotation %s: %w", key, err)
			}
			name = strings.TrimSuffix(name, "Sec") + "USec"
			value = dbus.MakeVariant(usec)
		}
		props = append(props, systemdDbus.Property{Name: name, Value: value})
	}
	return props, nil
}

func validPropName(s string) bool {
	if len(s) < 2 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, r := range s[1:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func secToUSec(v dbus.Variant) (uint64, error) {
	const million = 1_000_000
	var f float64
	switch n := v.Value().(type) {
	case uint8:
		return uint64(n) * million, nil
	case uint16:
		return uint64(n) * million, nil
	case uint32:
		return uint64(n) * million, nil
	case uint64:
		return n * million, nil
	case int16:
		f = float64(n)
	case int32:
		f = float64(n)
	case int64:
		f = float64(n)
	case float64:
		f = n
	default:
		return 0, fmt.Errorf("value %s is not a number of seconds", v.String())
	}
	if f < 0 {
		return 0, fmt.Errorf("negative number of seconds %v", f)
	}
	return uint64(f * million), nil
}

// ConvertResources copies linux.resources into the library's Resources.
func ConvertResources(r *specs.LinuxResources, res *cgroups.Resources) error {
	if m := r.Memory; m != nil {
		convertMemory(m, res)
	}
	if cpu := r.CPU; cpu != nil {
		convertCPU(cpu, res)
	}
	if r.Pids != nil {
		setPtr(&res.PidsLimit, r.Pids.Limit)
	}
	if b := r.BlockIO; b != nil {
		convertBlockIO(b, res)
	}
	for _, l := range r.HugepageLimits {
		if l.Pagesize == "" {
			return errors.New("linux.resources.hugepageLimits: empty pageSize")
		}
		res.HugetlbLimit = append(res.HugetlbLimit, &cgroups.HugepageLimit{Pagesize: l.Pagesize, Limit: l.Limit})
	}
	if n := r.Network; n != nil {
		convertNetwork(n, res)
	}
	if len(r.Rdma) > 0 {
		convertRdma(r.Rdma, res)
	}
	if IsUnified() {
		// memory.swap.max is swap alone: a swap limit below the memory
		// limit, or without one, cannot be expressed (refused up front,
		// as runc does, rather than when init is already running).
		if _, err := cgroups.ConvertMemorySwapToCgroupV2Value(res.MemorySwap, res.Memory); err != nil {
			return fmt.Errorf("linux.resources.memory: %w", err)
		}
	}
	if len(r.Unified) > 0 {
		if !IsUnified() {
			return errUnifiedOnV1
		}
		res.Unified = make(map[string]string, len(r.Unified))
		for k, v := range r.Unified {
			if k == "" || strings.Contains(k, "/") || k == "." || k == ".." {
				return fmt.Errorf("linux.resources.unified: key %q must be a cgroup file name", k)
			}
			res.Unified[k] = v
		}
	}
	return nil
}

// convertMemory copies linux.resources.memory.
func convertMemory(m *specs.LinuxMemory, res *cgroups.Resources) {
	setVal(&res.Memory, m.Limit)
	setVal(&res.MemoryReservation, m.Reservation)
	setVal(&res.MemorySwap, m.Swap)
	// Kernel and KernelTCP are obsolete and ignored (NewManager warns).
	setPtr(&res.MemorySwappiness, m.Swappiness)
	setVal(&res.OomKillDisable, m.DisableOOMKiller)
	setVal(&res.MemoryCheckBeforeUpdate, m.CheckBeforeUpdate)
}

// convertCPU copies linux.resources.cpu.
func convertCPU(cpu *specs.LinuxCPU, res *cgroups.Resources) {
	if cpu.Shares != nil {
		res.CpuShares = *cpu.Shares
		// The v2 drivers only look at CpuWeight; the conversion is ours.
		if IsUnified() {
			res.CpuWeight = cgroups.ConvertCPUSharesToCgroupV2Value(res.CpuShares)
		}
	}
	setVal(&res.CpuQuota, cpu.Quota)
	setPtr(&res.CpuBurst, cpu.Burst)
	setVal(&res.CpuPeriod, cpu.Period)
	setVal(&res.CpuRtRuntime, cpu.RealtimeRuntime)
	setVal(&res.CpuRtPeriod, cpu.RealtimePeriod)
	res.CpusetCpus = cpu.Cpus
	res.CpusetMems = cpu.Mems
	setPtr(&res.CPUIdle, cpu.Idle)
}

// convertBlockIO copies linux.resources.blockIO.
func convertBlockIO(b *specs.LinuxBlockIO, res *cgroups.Resources) {
	setVal(&res.BlkioWeight, b.Weight)
	setVal(&res.BlkioLeafWeight, b.LeafWeight)
	for _, wd := range b.WeightDevice {
		var weight, leaf uint16
		if wd.Weight != nil {
			weight = *wd.Weight
		}
		if wd.LeafWeight != nil {
			leaf = *wd.LeafWeight
		}
		res.BlkioWeightDevice = append(res.BlkioWeightDevice, cgroups.NewWeightDevice(wd.Major, wd.Minor, weight, leaf))
	}
	res.BlkioThrottleReadBpsDevice = throttleDevices(b.ThrottleReadBpsDevice)
	res.BlkioThrottleWriteBpsDevice = throttleDevices(b.ThrottleWriteBpsDevice)
	res.BlkioThrottleReadIOPSDevice = throttleDevices(b.ThrottleReadIOPSDevice)
	res.BlkioThrottleWriteIOPSDevice = throttleDevices(b.ThrottleWriteIOPSDevice)
}

// convertNetwork copies linux.resources.network.
func convertNetwork(n *specs.LinuxNetwork, res *cgroups.Resources) {
	setVal(&res.NetClsClassid, n.ClassID)
	for _, p := range n.Priorities {
		res.NetPrioIfpriomap = append(res.NetPrioIfpriomap, &cgroups.IfPrioMap{Interface: p.Name, Priority: int64(p.Priority)})
	}
}

// convertRdma copies linux.resources.rdma.
func convertRdma(rdma map[string]specs.LinuxRdma, res *cgroups.Resources) {
	res.Rdma = make(map[string]cgroups.LinuxRdma, len(rdma))
	for dev, l := range rdma {
		var v cgroups.LinuxRdma
		setPtr(&v.HcaHandles, l.HcaHandles)
		setPtr(&v.HcaObjects, l.HcaObjects)
		res.Rdma[dev] = v
	}
}

// setVal sets *dst to *src when src is set (setPtr for pointer fields).
func setVal[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func throttleDevices(in []specs.LinuxThrottleDevice) []*cgroups.ThrottleDevice {
	var out []*cgroups.ThrottleDevice
	for _, t := range in {
		out = append(out, cgroups.NewThrottleDevice(t.Major, t.Minor, t.Rate))
	}
	return out
}

// DeviceRules builds the device cgroup rules: the linux.resources.devices
// rules, then the default ones. As with runc, linux.devices only creates
// nodes: access to them is what linux.resources.devices allows (container
// engines add a rule for each device they pass), and a default rule for a
// node that linux.devices lists again (same path) is left out, so that the
// spec's rules decide about it.
func DeviceRules(spec *specs.Spec) ([]*devices.Rule, error) {
	var rules []*devices.Rule
	var specDevs []specs.LinuxDevice
	if spec.Linux != nil {
		specDevs = spec.Linux.Devices
		if spec.Linux.Resources != nil {
			for i, d := range spec.Linux.Resources.Devices {
				rule, err := specDeviceRule(d)
				if err != nil {
					return nil, fmt.Errorf("linux.resources.devices[%d]: %w", i, err)
				}
				rules = append(rules, rule)
			}
		}
	}
	for i, d := range specDevs {
		switch d.Type {
		case "c", "u", "b", "p":
		default:
			return nil, fmt.Errorf("linux.devices[%d] (%s): invalid device type %q", i, d.Path, d.Type)
		}
	}
	for _, dd := range defaultDevices {
		if dd.path != "" && slices.ContainsFunc(specDevs, func(d specs.LinuxDevice) bool { return path.Clean(d.Path) == dd.path }) {
			continue
		}
		r := dd.rule
		rules = append(rules, &r)
	}
	return rules, nil
}

func specDeviceRule(d specs.LinuxDeviceCgroup) (*devices.Rule, error) {
	rule := &devices.Rule{
		Type:        devices.WildcardDevice,
		Major:       devices.Wildcard,
		Minor:       devices.Wildcard,
		Permissions: devices.Permissions(d.Access),
		Allow:       d.Allow,
	}
	switch d.Type {
	case "", "a":
	case "c":
		rule.Type = devices.CharDevice
	case "b":
		rule.Type = devices.BlockDevice
	default:
		return nil, fmt.Errorf("invalid device type %q (want a, b or c)", d.Type)
	}
	if d.Major != nil {
		rule.Major = *d.Major
	}
	if d.Minor != nil {
		rule.Minor = *d.Minor
	}
	if d.Access == "" {
		return nil, errors.New("empty access (want a combination of r, w and m)")
	}
	// runc takes what it does not know in an access string ("rwa", which
	// some tools write) without complaint and keeps r, w and m of it.
	var perms []byte
	for _, p := range []byte("rwm") {
		if strings.IndexByte(d.Access, p) >= 0 {
			perms = append(perms, p)
		}
	}
	if len(perms) == 0 {
		return nil, fmt.Errorf("invalid access %q (want a combination of r, w and m)", d.Access)
	}
	rule.Permissions = devices.Permissions(perms)
	return rule, nil
}
