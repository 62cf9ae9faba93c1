package cgroup

// Cgroup handling: turning the OCI spec into the configuration of
// github.com/opencontainers/cgroups, choosing and rebuilding managers,
// listing and removing cgroups, and planning the cgroup filesystem mounts
// inside a container.

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	systemdDbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	"github.com/moby/sys/mountinfo"
	"github.com/opencontainers/cgroups"
	_ "github.com/opencontainers/cgroups/devices" // registers device-rule support for the managers
	devices "github.com/opencontainers/cgroups/devices/config"
	"github.com/opencontainers/cgroups/manager"
	"github.com/opencontainers/cgroups/systemd"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
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
	if r.Pids != nil && r.Pids.Limit != nil {
		v := *r.Pids.Limit
		res.PidsLimit = &v
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
	if m.Limit != nil {
		res.Memory = *m.Limit
	}
	if m.Reservation != nil {
		res.MemoryReservation = *m.Reservation
	}
	if m.Swap != nil {
		res.MemorySwap = *m.Swap
	}
	// Kernel and KernelTCP are obsolete and ignored (NewManager warns).
	if m.Swappiness != nil {
		v := *m.Swappiness
		res.MemorySwappiness = &v
	}
	if m.DisableOOMKiller != nil {
		res.OomKillDisable = *m.DisableOOMKiller
	}
	if m.CheckBeforeUpdate != nil {
		res.MemoryCheckBeforeUpdate = *m.CheckBeforeUpdate
	}
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
	if cpu.Quota != nil {
		res.CpuQuota = *cpu.Quota
	}
	if cpu.Burst != nil {
		v := *cpu.Burst
		res.CpuBurst = &v
	}
	if cpu.Period != nil {
		res.CpuPeriod = *cpu.Period
	}
	if cpu.RealtimeRuntime != nil {
		res.CpuRtRuntime = *cpu.RealtimeRuntime
	}
	if cpu.RealtimePeriod != nil {
		res.CpuRtPeriod = *cpu.RealtimePeriod
	}
	res.CpusetCpus = cpu.Cpus
	res.CpusetMems = cpu.Mems
	if cpu.Idle != nil {
		v := *cpu.Idle
		res.CPUIdle = &v
	}
}

// convertBlockIO copies linux.resources.blockIO.
func convertBlockIO(b *specs.LinuxBlockIO, res *cgroups.Resources) {
	if b.Weight != nil {
		res.BlkioWeight = *b.Weight
	}
	if b.LeafWeight != nil {
		res.BlkioLeafWeight = *b.LeafWeight
	}
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
	if n.ClassID != nil {
		res.NetClsClassid = *n.ClassID
	}
	for _, p := range n.Priorities {
		res.NetPrioIfpriomap = append(res.NetPrioIfpriomap, &cgroups.IfPrioMap{Interface: p.Name, Priority: int64(p.Priority)})
	}
}

// convertRdma copies linux.resources.rdma.
func convertRdma(rdma map[string]specs.LinuxRdma, res *cgroups.Resources) {
	res.Rdma = make(map[string]cgroups.LinuxRdma, len(rdma))
	for dev, l := range rdma {
		var v cgroups.LinuxRdma
		if l.HcaHandles != nil {
			h := *l.HcaHandles
			v.HcaHandles = &h
		}
		if l.HcaObjects != nil {
			o := *l.HcaObjects
			v.HcaObjects = &o
		}
		res.Rdma[dev] = v
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

// NewManager returns the manager for a new container: fs on cgroup v1
// or hybrid hosts, fs2 on pure cgroup v2 hosts, systemd when asked for.
//
// As runc, a malformed configuration (cgroupsPath not "slice:prefix:name"
// for the systemd driver) is reported before a missing systemd.
func NewManager(id string, spec *specs.Spec, systemd, rootless bool) (cgroups.Manager, error) {
	c, err := buildConfig(id, spec, systemd, rootless)
	if err != nil {
		return nil, &configError{err}
	}
	if systemd && !systemdRunning() {
		return nil, errNoSystemd
	}
	if l := spec.Linux; l != nil && l.Resources != nil && l.Resources.Memory != nil &&
		(l.Resources.Memory.Kernel != nil || l.Resources.Memory.KernelTCP != nil) {
		logrus.Warn("linux.resources.memory.kernel and kernelTCP are not supported and are ignored")
	}
	m, err := manager.New(c)
	if err != nil {
		return nil, fmt.Errorf("cgroup manager: %w", err)
	}
	return m, nil
}

// LoadManager rebuilds the manager of an existing container from the
// paths saved at create time (manager.GetPaths()). If the spec no longer
// converts (the host changed), a manager without resources is returned so
// that delete, kill and ps still work on the saved cgroups.
func LoadManager(id string, spec *specs.Spec, paths map[string]string, systemd, rootless bool) (cgroups.Manager, error) {
	if systemd && !systemdRunning() {
		return nil, errNoSystemd
	}
	c, err := buildConfig(id, spec, systemd, rootless)
	if err != nil {
		logrus.Debugf("cgroup configuration of %s: %v; using the saved cgroup paths only", id, err)
		c = &cgroups.Cgroup{Systemd: systemd, Rootless: rootless, Resources: &cgroups.Resources{}}
		if systemd {
			_ = systemdPlacement(c, id, "", rootless)
		} else {
			c.Name = id
		}
	}
	// The fs manager keeps (and Destroy empties) the map it is given: copy.
	// No saved paths means no cgroups (never recompute them on v1; fs2
	// falls back to its default path for an empty map).
	p := maps.Clone(paths)
	if p == nil {
		p = map[string]string{}
	}
	m, err := manager.NewWithPaths(c, p)
	if err != nil {
		return nil, fmt.Errorf("cgroup manager: %w", err)
	}
	return m, nil
}

// CheckUnused refuses, as runc does, a cgroup for a new container that
// already holds processes (another container, or anything else: its
// limits, freezing and killing would be shared) or that is frozen (init
// would hang in it). Unlike runc, which looks at one v1 hierarchy only,
// every hierarchy is checked: a missing cgroup costs one failed lstat.
func CheckUnused(m cgroups.Manager) error {
	seen := make(map[string]bool)
	pids := make(map[int]bool)
	for _, p := range m.GetPaths() {
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		list, err := cgroups.GetAllPids(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENODEV) {
				continue
			}
			return fmt.Errorf("unable to get cgroup PIDs: %w", err)
		}
		for _, pid := range list {
			pids[pid] = true
		}
	}
	if len(pids) > 0 {
		return fmt.Errorf("container's cgroup is not empty: %d process(es) found", len(pids))
	}
	st, err := m.GetFreezerState()
	if err != nil {
		return fmt.Errorf("unable to get cgroup freezer state: %w", err)
	}
	if st == cgroups.Frozen {
		return errors.New("container's cgroup unexpectedly frozen")
	}
	return nil
}

// KillAll kills every process of the cgroup at once through cgroup.kill
// (cgroup v2, or the cgroup2 hierarchy of a hybrid host; Linux 5.14+). It
// reports false, and no error, where cgroup.kill does not exist: the caller
// then signals the processes one by one.
func KillAll(m cgroups.Manager) (bool, error) {
	p := m.Path("")
	if p == "" {
		return false, nil
	}
	if err := cgroups.WriteFile(p, "cgroup.kill", "1"); err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENODEV) {
			return false, nil
		}
		return false, fmt.Errorf("kill cgroup %s: %w", p, err)
	}
	return true, nil
}

// PidsDir picks the directory whose tree holds every process of the
// container.
func PidsDir(m cgroups.Manager) string {
	if IsUnified() {
		return m.Path("")
	}
	for _, s := range []string{"devices", "pids", "freezer", "memory", "cpu", "name=systemd"} {
		if p := m.Path(s); p != "" {
			return p
		}
	}
	paths := m.GetPaths()
	for _, k := range slices.Sorted(maps.Keys(paths)) {
		if paths[k] != "" {
			return paths[k]
		}
	}
	return ""
}

// Pids lists every pid in the container's cgroup, sub-cgroups
// included. A cgroup that does not exist (any more), or a manager without
// paths (destroyed, or rootless without access), has no processes.
func Pids(m cgroups.Manager) ([]int, error) {
	dir := PidsDir(m)
	if dir == "" {
		// No cgroup at all (rootless without access, or already destroyed).
		return []int{}, nil
	}
	pids, err := cgroups.GetAllPids(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return []int{}, nil
		}
		return nil, fmt.Errorf("list processes of cgroup %s: %w", dir, err)
	}
	if pids == nil {
		pids = []int{}
	}
	return pids, nil
}

// Destroy removes the container's cgroups on every hierarchy.
// Directories already gone are fine; EBUSY (the last processes being
// reaped) is retried for at most destroyTimeout in total.
func Destroy(m cgroups.Manager) error {
	if m == nil {
		return nil
	}
	var unitErr error
	switch m.(type) {
	case *systemd.LegacyManager, *systemd.UnifiedManager:
		// Stop the unit first: systemd owns (and removes) the cgroup.
		if unitErr = m.Destroy(); unitErr == nil {
			return nil
		}
	}
	paths := maps.Clone(m.GetPaths())
	deadline := time.Now().Add(destroyTimeout)
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(paths)) {
		if p := paths[k]; p != "" {
			if err := removeTree(p, deadline); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		if unitErr != nil {
			errs = append([]error{unitErr}, errs...)
		}
		return fmt.Errorf("remove cgroups: %w", errors.Join(errs...))
	}
	if unitErr != nil {
		return nil // the unit failed to stop but its cgroups are gone
	}
	// Everything is gone: let the manager forget its paths (fast, ENOENT).
	_ = m.Destroy()
	return nil
}

// removeTree removes a cgroup directory and its sub-cgroups.
func removeTree(dir string, deadline time.Time) error {
	delay := 2 * time.Millisecond
	for {
		err := unix.Rmdir(dir)
		switch {
		case err == nil, errors.Is(err, unix.ENOENT):
			return nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EBUSY), errors.Is(err, unix.ENOTEMPTY):
			entries, rerr := os.ReadDir(dir)
			if rerr != nil {
				if errors.Is(rerr, os.ErrNotExist) {
					return nil
				}
				return rerr
			}
			removed := false
			for _, e := range entries {
				if e.IsDir() {
					if err := removeTree(filepath.Join(dir, e.Name()), deadline); err != nil {
						return err
					}
					removed = true
				}
			}
			if removed {
				continue
			}
			if time.Now().After(deadline) {
				return &os.PathError{Op: "rmdir", Path: dir, Err: err}
			}
			time.Sleep(delay)
			delay = min(delay*2, 100*time.Millisecond)
		default:
			// e.g. EROFS is reported even for missing paths.
			if _, serr := os.Lstat(dir); errors.Is(serr, os.ErrNotExist) {
				return nil
			}
			return &os.PathError{Op: "rmdir", Path: dir, Err: err}
		}
	}
}

// MountOp is one step of mounting the cgroup filesystem inside a
// container. Dest is a path inside the container's root.
//
//   - "tmpfs":      mount -t tmpfs -o Data tmpfs Dest, with Flags.
//   - "bind":       recursive bind mount of Source (a host path) on Dest.
//     Flags holds only the per-mount flags from the options (MS_RDONLY,
//     MS_NOSUID, MS_RELATIME...), without MS_BIND/MS_REC; when non-zero
//     they have to be applied by a remount (MS_REMOUNT|MS_BIND|Flags),
//     since mount(2) ignores them when creating a bind mount.
//   - "cgroup":     mount -t cgroup -o Data cgroup Dest with Flags; Source
//     and Data are the controllers of the hierarchy ("cpu,cpuacct",
//     "name=systemd").
//   - "cgroup2":    mount -t cgroup2 Source Dest with Flags and Data; if
//     that fails with EPERM or EBUSY and Fallback is set, a "bind" of
//     Fallback instead.
//   - "symlink":    symlink(Source, Dest); Source is a relative target.
//   - "remount-ro": mount("", Dest, "", Flags, "") -- Flags already holds
//     MS_REMOUNT|MS_BIND|MS_RDONLY and the flags to keep.
type MountOp struct {
	Kind   string  // "tmpfs", "bind", "cgroup", "cgroup2", "symlink", "remount-ro"
	Source string  // host path for bind; controllers data for cgroup; link target for symlink
	Dest   string  // path relative to the container root, e.g. "/sys/fs/cgroup/memory"
	Flags  uintptr // mount flags (MS_NOSUID etc.) to use
	Data   string
	// Fallback is the host directory to bind for "cgroup2" when the
	// kernel refuses the mount.
	Fallback string `json:",omitempty"`
}

// MountPlan describes how to mount the cgroup filesystem of a spec
// mount of type "cgroup" at dest with the given options.
//
// cgroup v1 and hybrid hosts: a tmpfs (mode=755) at dest, then one entry per
// v1 hierarchy named as on the host (dest/cpu, dest/memory, dest/systemd...):
// with a cgroup namespace a fresh cgroup mount of the hierarchy, without one
// a bind mount of the container's own cgroup directory on that hierarchy;
// then symlinks for co-mounted controllers (dest/cpu -> cpu,cpuacct), and a
// read-only remount of dest when "ro" is asked for. As runc, the cgroup2
// hierarchy of a hybrid host (/sys/fs/cgroup/unified) is not exposed.
//
// Pure cgroup v2 hosts, as runc: a cgroup2 mount, with or without a cgroup
// namespace (without one the container sees the hierarchy from its root,
// read-only by default). Where the kernel refuses that mount (EPERM or
// EBUSY: a user namespace without a cgroup namespace), a bind mount of
// Fallback instead: the container's cgroup with a cgroup namespace, the
// whole hierarchy without.
func MountPlan(m cgroups.Manager, dest string, options []string, cgroupns bool) ([]MountOp, error) {
	if m == nil {
		return nil, errors.New("cgroup mount: no cgroup manager")
	}
	dest = path.Join("/", dest)
	flags, data := mountFlags(options)
	// The kind of each step says how to mount; keep only per-mount flags.
	flags &^= unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT

	if IsUnified() {
		fallback := unifiedRoot
		if cgroupns {
			fallback = m.Path("")
			if fallback == "" || !Exists(fallback) {
				own, err := ownV2Dir()
				if err != nil {
					return nil, err
				}
				fallback = own
			}
		}
		return []MountOp{{Kind: "cgroup2", Source: "cgroup", Dest: dest, Flags: flags, Data: data, Fallback: fallback}}, nil
	}

	own, err := cgroups.ParseCgroupFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("cgroup mount: %w", err)
	}
	hierarchies, err := v1Hierarchies(own)
	if err != nil {
		return nil, err
	}
	return v1Plan(m, dest, flags, hierarchies, own, cgroupns), nil
}

// v1Plan builds the cgroup v1 plan from the host's hierarchies and the
// runtime's own cgroups (/proc/self/cgroup).
func v1Plan(m cgroups.Manager, dest string, flags uintptr, hierarchies []v1Hierarchy, own map[string]string, cgroupns bool) []MountOp {
	ops := []MountOp{{Kind: "tmpfs", Source: "tmpfs", Dest: dest, Flags: defaultMountFlags, Data: "mode=755"}}
	names := make(map[string]bool)
	var merged []string
	for _, h := range hierarchies {
		name := filepath.Base(h.Mountpoint)
		if names[name] {
			continue
		}
		names[name] = true
		sub := path.Join(dest, name)
		if cgroupns {
			ctrls := strings.Join(h.Controllers, ",")
			ops = append(ops, MountOp{
				Kind:   "cgroup",
				Source: ctrls,
				Dest:   sub,
				Flags:  defaultMountFlags | flags&unix.MS_RDONLY,
				Data:   ctrls,
			})
		} else {
			ops = append(ops, MountOp{
				Kind:   "bind",
				Source: hierarchyDir(m, h, own),
				Dest:   sub,
				Flags:  flags,
			})
		}
		if strings.Contains(name, ",") {
			merged = append(merged, name)
		}
	}
	for _, mc := range merged {
		for _, ss := range strings.Split(mc, ",") {
			if ss == "" || names[ss] {
				continue
			}
			names[ss] = true
			ops = append(ops, MountOp{Kind: "symlink", Source: mc, Dest: path.Join(dest, ss)})
		}
	}
	if flags&unix.MS_RDONLY != 0 {
		ops = append(ops, MountOp{
			Kind:  "remount-ro",
			Dest:  dest,
			Flags: unix.MS_REMOUNT | unix.MS_BIND | unix.MS_RDONLY | defaultMountFlags,
		})
	}
	return ops
}

// v1Hierarchy is one mounted cgroup v1 hierarchy.
type v1Hierarchy struct {
	Mountpoint  string
	Root        string
	Controllers []string // as in /proc/self/cgroup: "cpu", "name=systemd"
}

// v1Hierarchies lists the mounted v1 hierarchies in mount order, one
// entry per hierarchy, preferring mount points directly in /sys/fs/cgroup.
func v1Hierarchies(own map[string]string) ([]v1Hierarchy, error) {
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup"))
	if err != nil {
		return nil, fmt.Errorf("cgroup mount: read mountinfo: %w", err)
	}
	type dev struct{ major, minor int }
	var out []v1Hierarchy
	seen := make(map[dev]int)
	for _, mi := range mounts {
		var ctrls []string
		for opt := range strings.SplitSeq(mi.VFSOptions, ",") {
			if _, ok := own[opt]; ok && opt != "" && !slices.Contains(ctrls, opt) {
				ctrls = append(ctrls, opt)
			}
		}
		if len(ctrls) == 0 {
			continue
		}
		h := v1Hierarchy{Mountpoint: mi.Mountpoint, Root: mi.Root, Controllers: ctrls}
		d := dev{mi.Major, mi.Minor}
		if i, ok := seen[d]; ok {
			if filepath.Dir(out[i].Mountpoint) != unifiedRoot && filepath.Dir(h.Mountpoint) == unifiedRoot {
				out[i] = h
			}
			continue
		}
		seen[d] = len(out)
		out = append(out, h)
	}
	return out, nil
}

// hierarchyDir returns the host directory of the container's cgroup on a
// v1 hierarchy: the manager's path, or (for hierarchies the manager does not
// handle) the runtime's own cgroup, which the container inherits.
func hierarchyDir(m cgroups.Manager, h v1Hierarchy, own map[string]string) string {
	for _, c := range h.Controllers {
		if p := m.Path(c); p != "" {
			return p
		}
	}
	for _, c := range h.Controllers {
		if p, ok := own[c]; ok {
			rel, err := filepath.Rel(h.Root, p)
			if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
				return h.Mountpoint
			}
			return filepath.Join(h.Mountpoint, rel)
		}
	}
	return h.Mountpoint
}

// ownV2Dir returns the runtime's own cgroup directory on a pure v2 host.
func ownV2Dir() (string, error) {
	own, err := cgroups.ParseCgroupFile("/proc/self/cgroup")
	if err != nil {
		return "", fmt.Errorf("cgroup mount: %w", err)
	}
	p, ok := own[""]
	if !ok {
		return "", errors.New("cgroup mount: no cgroup v2 entry in /proc/self/cgroup")
	}
	return filepath.Join(unifiedRoot, p), nil
}

func Exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// mountFlags turns mount options into mount(2) flags; options that are
// not flags (and not propagation or recursive-attribute options) are
// returned comma-joined as data.
func mountFlags(options []string) (uintptr, string) {
	set := map[string]uintptr{
		"ro": unix.MS_RDONLY, "nosuid": unix.MS_NOSUID, "nodev": unix.MS_NODEV,
		"noexec": unix.MS_NOEXEC, "sync": unix.MS_SYNCHRONOUS, "dirsync": unix.MS_DIRSYNC,
		"mand": unix.MS_MANDLOCK, "noatime": unix.MS_NOATIME, "nodiratime": unix.MS_NODIRATIME,
		"relatime": unix.MS_RELATIME, "strictatime": unix.MS_STRICTATIME,
		"bind": unix.MS_BIND, "rbind": unix.MS_BIND | unix.MS_REC, "remount": unix.MS_REMOUNT,
	}
	unset := map[string]uintptr{
		"rw": unix.MS_RDONLY, "suid": unix.MS_NOSUID, "dev": unix.MS_NODEV,
		"exec": unix.MS_NOEXEC, "async": unix.MS_SYNCHRONOUS, "nomand": unix.MS_MANDLOCK,
		"atime": unix.MS_NOATIME, "diratime": unix.MS_NODIRATIME,
		"norelatime": unix.MS_RELATIME, "nostrictatime": unix.MS_STRICTATIME,
	}
	ignore := map[string]bool{
		"defaults": true, "private": true, "rprivate": true, "shared": true, "rshared": true,
		"slave": true, "rslave": true, "unbindable": true, "runbindable": true,
		"rro": true, "rrw": true, "rnosuid": true, "rsuid": true, "rnodev": true, "rdev": true,
		"rnoexec": true, "rexec": true, "rnoatime": true, "ratime": true, "rnodiratime": true,
		"rdiratime": true, "rrelatime": true, "rnorelatime": true, "rstrictatime": true,
		"rnostrictatime": true, "idmap": true, "ridmap": true, "tmpcopyup": true,
	}
	var flags uintptr
	var data []string
	for _, o := range options {
		switch {
		case set[o] != 0:
			flags |= set[o]
		case unset[o] != 0:
			flags &^= unset[o]
		case ignore[o] || o == "":
		default:
			data = append(data, o)
		}
	}
	return flags, strings.Join(data, ",")
}
