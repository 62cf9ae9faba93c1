package cgroup

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opencontainers/cgroups"
	devices "github.com/opencontainers/cgroups/devices/config"
	"github.com/opencontainers/cgroups/fs2"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// setUnified pretends the host is (or is not) pure cgroup v2 for the test.
func setUnified(t *testing.T, v bool) {
	t.Helper()
	old := IsUnified
	IsUnified = func() bool { return v }
	t.Cleanup(func() { IsUnified = old })
}

func ptr[T any](v T) *T { return &v }

func defaultRules() []*devices.Rule {
	var out []*devices.Rule
	for _, d := range defaultDevices {
		r := d.rule
		out = append(out, &r)
	}
	return out
}

func ruleStrings(rules []*devices.Rule) []string {
	var out []string
	for _, r := range rules {
		s := r.CgroupString()
		if r.Allow {
			s = "allow " + s
		} else {
			s = "deny " + s
		}
		out = append(out, s)
	}
	return out
}

func TestCgroupConfigPathFs(t *testing.T) {
	for _, tc := range []struct {
		cgPath, wantPath, wantName string
	}{
		{"", "", "ctr1"},
		{"/abs/path", "/abs/path", ""},
		{"/a/../b//c/", "/b/c", ""},
		{"rel/x", "rel/x", ""},
		{"../../escape", "escape", ""},
		{"system.slice:runc:x", "system.slice:runc:x", ""},
	} {
		spec := &specs.Spec{Linux: &specs.Linux{CgroupsPath: tc.cgPath}}
		c, err := buildConfig("ctr1", spec, false, false)
		if err != nil {
			t.Fatalf("%q: %v", tc.cgPath, err)
		}
		if c.Path != tc.wantPath || c.Name != tc.wantName || c.Parent != "" || c.Systemd {
			t.Errorf("%q: got Path=%q Name=%q Parent=%q Systemd=%v; want Path=%q Name=%q",
				tc.cgPath, c.Path, c.Name, c.Parent, c.Systemd, tc.wantPath, tc.wantName)
		}
		if c.Resources == nil || c.Resources.SkipDevices {
			t.Errorf("%q: Resources must be set with SkipDevices=false", tc.cgPath)
		}
	}
	// No linux section at all.
	c, err := buildConfig("ctr2", &specs.Spec{}, false, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "ctr2" || c.Path != "" || !c.Rootless {
		t.Errorf("got %+v", c)
	}
	if !reflect.DeepEqual(c.Resources.Devices, defaultRules()) {
		t.Errorf("devices without a spec: got %v", ruleStrings(c.Resources.Devices))
	}
	if _, err := buildConfig("x", nil, false, false); err == nil {
		t.Error("nil spec accepted")
	}
}

func TestCgroupConfigPathSystemd(t *testing.T) {
	for _, tc := range []struct {
		cgPath   string
		rootless bool
		v2       bool
		parent   string
		prefix   string
		name     string
	}{
		{"", false, false, "system.slice", "runc", "ctr"},
		{"", true, true, "user.slice", "runc", "ctr"},
		{"", true, false, "system.slice", "runc", "ctr"},
		{"machine.slice:docker:abc", false, false, "machine.slice", "docker", "abc"},
		{":crio:abc", false, true, "system.slice", "crio", "abc"},
		{"-:runc:test.slice", false, false, "-", "runc", "test.slice"},
	} {
		setUnified(t, tc.v2)
		spec := &specs.Spec{Linux: &specs.Linux{CgroupsPath: tc.cgPath}}
		c, err := buildConfig("ctr", spec, true, tc.rootless)
		if err != nil {
			t.Fatalf("%q: %v", tc.cgPath, err)
		}
		if c.Parent != tc.parent || c.ScopePrefix != tc.prefix || c.Name != tc.name || c.Path != "" || !c.Systemd {
			t.Errorf("%q: got Parent=%q ScopePrefix=%q Name=%q Path=%q; want %q %q %q",
				tc.cgPath, c.Parent, c.ScopePrefix, c.Name, c.Path, tc.parent, tc.prefix, tc.name)
		}
	}
	for _, bad := range []string{"/abs/path", "a:b", "a:b:c:d", "user.slice/x.slice:p:n", "s.slice:p:"} {
		spec := &specs.Spec{Linux: &specs.Linux{CgroupsPath: bad}}
		if _, err := buildConfig("ctr", spec, true, false); err == nil {
			t.Errorf("%q accepted by the systemd driver", bad)
		}
	}
}

func TestCgroupConfigSystemdProps(t *testing.T) {
	spec := &specs.Spec{Annotations: map[string]string{
		"org.systemd.property.TimeoutStopUSec":   "uint64 123456789",
		"org.systemd.property.CollectMode":       "'inactive-or-failed'",
		"org.systemd.property.RuntimeMaxSec":     "5",
		"org.systemd.property.CPUQuotaPeriodSec": "1.5",
		"com.example.other":                      "ignored",
	}}
	c, err := buildConfig("ctr", spec, true, false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, p := range c.SystemdProps {
		got[p.Name] = p.Value.Value()
	}
	want := map[string]any{
		"TimeoutStopUSec":    uint64(123456789),
		"CollectMode":        "inactive-or-failed",
		"RuntimeMaxUSec":     uint64(5000000),
		"CPUQuotaPeriodUSec": uint64(1500000),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("props: got %v, want %v", got, want)
	}
	// The fs driver ignores the annotations.
	c, err = buildConfig("ctr", spec, false, false)
	if err != nil || len(c.SystemdProps) != 0 {
		t.Errorf("fs driver: props %v, err %v", c.SystemdProps, err)
	}
	for k, v := range map[string]string{
		"org.systemd.property.lower":       "1",
		"org.systemd.property.Bad-Name":    "1",
		"org.systemd.property.CollectMode": "'unterminated",
		"org.systemd.property.TimeoutSec":  "'text'",
	} {
		spec := &specs.Spec{Annotations: map[string]string{k: v}}
		if _, err := buildConfig("ctr", spec, true, false); err == nil {
			t.Errorf("%s=%s accepted", k, v)
		}
	}
}

func TestCgroupConfigDeviceOrder(t *testing.T) {
	spec := &specs.Spec{Linux: &specs.Linux{
		Devices: []specs.LinuxDevice{
			{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229},
			{Path: "/dev/null", Type: "c", Major: 1, Minor: 3}, // replaces the default /dev/null rule
			{Path: "/dev/sda", Type: "b", Major: 8, Minor: 0},
			{Path: "/dev/fifo", Type: "p"},
			{Path: "/dev/u", Type: "u", Major: 4, Minor: 64},
		},
		Resources: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
			{Allow: false, Access: "rwm"},
			{Allow: true, Type: "c", Major: ptr(int64(1)), Minor: ptr(int64(3)), Access: "r"},
			{Allow: true, Type: "b", Major: ptr(int64(7)), Access: "rw"},
			{Allow: false, Type: "a", Minor: ptr(int64(9)), Access: "m"},
		}},
	}}
	c, err := buildConfig("ctr", spec, false, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"deny a *:* rwm",
		"allow c 1:3 r",
		"allow b 7:* rw",
		"deny a *:9 m",
		"allow c *:* m",
		"allow b *:* m",
		// /dev/null left out: linux.devices has it
		"allow c 1:8 rwm",
		"allow c 1:7 rwm",
		"allow c 5:0 rwm",
		"allow c 1:5 rwm",
		"allow c 1:9 rwm",
		"allow c 136:* rwm",
		"allow c 5:2 rwm",
		"allow c 10:200 rwm",
		// linux.devices entries get no rules of their own (as with runc)
	}
	if got := ruleStrings(c.Resources.Devices); !reflect.DeepEqual(got, want) {
		t.Errorf("device rules:\n got %q\nwant %q", got, want)
	}

	// Without linux.devices every default is present, /dev/null included.
	spec.Linux.Devices = nil
	c, err = buildConfig("ctr", spec, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Resources.Devices[4:]; !reflect.DeepEqual(got, defaultRules()) {
		t.Errorf("defaults: got %q", ruleStrings(got))
	}
	if n := len(defaultRules()); n != 11 {
		t.Errorf("%d default rules, want 11", n)
	}
}

// As runc: letters other than r, w and m in an access string are ignored.
func TestCgroupConfigDeviceAccessRwa(t *testing.T) {
	l := &specs.Linux{Resources: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		{Allow: true, Type: "c", Major: ptr(int64(1)), Minor: ptr(int64(3)), Access: "rwa"}}}}
	c, err := buildConfig("ctr", &specs.Spec{Linux: l}, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Resources.Devices[0].Permissions; got != "rw" {
		t.Errorf("permissions %q, want rw", got)
	}
}

func TestCgroupConfigDeviceErrors(t *testing.T) {
	for name, l := range map[string]*specs.Linux{
		"bad type": {Resources: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
			{Allow: true, Type: "x", Access: "rwm"}}}},
		"empty access": {Resources: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
			{Allow: false}}}},
		"bad access": {Resources: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
			{Allow: true, Access: "xa"}}}},
		"bad device type": {Devices: []specs.LinuxDevice{{Path: "/dev/x", Type: "z", Major: 1, Minor: 1}}},
	} {
		if _, err := buildConfig("ctr", &specs.Spec{Linux: l}, false, false); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func fullResources() *specs.LinuxResources {
	return &specs.LinuxResources{
		Memory: &specs.LinuxMemory{
			Limit:             ptr(int64(64 << 20)),
			Reservation:       ptr(int64(32 << 20)),
			Swap:              ptr(int64(128 << 20)),
			Kernel:            ptr(int64(1 << 20)),
			Swappiness:        ptr(uint64(30)),
			DisableOOMKiller:  ptr(true),
			CheckBeforeUpdate: ptr(true),
		},
		CPU: &specs.LinuxCPU{
			Shares:          ptr(uint64(2048)),
			Quota:           ptr(int64(50000)),
			Burst:           ptr(uint64(1000)),
			Period:          ptr(uint64(100000)),
			RealtimeRuntime: ptr(int64(950)),
			RealtimePeriod:  ptr(uint64(1000)),
			Cpus:            "0-1",
			Mems:            "0",
			Idle:            ptr(int64(1)),
		},
		Pids: &specs.LinuxPids{Limit: ptr(int64(0))},
		BlockIO: &specs.LinuxBlockIO{
			Weight:     ptr(uint16(500)),
			LeafWeight: ptr(uint16(300)),
			WeightDevice: []specs.LinuxWeightDevice{
				{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: ptr(uint16(600))},
				{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, LeafWeight: ptr(uint16(700))},
			},
			ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 1000}},
			ThrottleWriteBpsDevice:  []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 2000}},
			ThrottleReadIOPSDevice:  []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 30}},
			ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 40}},
		},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}, {Pagesize: "1GB", Limit: 0}},
		Network: &specs.LinuxNetwork{
			ClassID:    ptr(uint32(0x100001)),
			Priorities: []specs.LinuxInterfacePriority{{Name: "eth0", Priority: 5}, {Name: "lo", Priority: 1}},
		},
		Rdma: map[string]specs.LinuxRdma{
			"mlx5_1": {HcaHandles: ptr(uint32(3)), HcaObjects: ptr(uint32(10000))},
			"rxe3":   {HcaObjects: ptr(uint32(50))},
		},
	}
}

func TestCgroupConfigResources(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		setUnified(t, v2)
		spec := &specs.Spec{Linux: &specs.Linux{Resources: fullResources()}}
		c, err := buildConfig("ctr", spec, false, false)
		if err != nil {
			t.Fatalf("v2=%v: %v", v2, err)
		}
		r := c.Resources
		want := &cgroups.Resources{
			Devices:                 defaultRules(),
			Memory:                  64 << 20,
			MemoryReservation:       32 << 20,
			MemorySwap:              128 << 20,
			MemorySwappiness:        ptr(uint64(30)),
			OomKillDisable:          true,
			MemoryCheckBeforeUpdate: true,
			CpuShares:               2048,
			CpuQuota:                50000,
			CpuBurst:                ptr(uint64(1000)),
			CpuPeriod:               100000,
			CpuRtRuntime:            950,
			CpuRtPeriod:             1000,
			CpusetCpus:              "0-1",
			CpusetMems:              "0",
			CPUIdle:                 ptr(int64(1)),
			PidsLimit:               ptr(int64(0)),
			BlkioWeight:             500,
			BlkioLeafWeight:         300,
			BlkioWeightDevice: []*cgroups.WeightDevice{
				cgroups.NewWeightDevice(8, 0, 600, 0),
				cgroups.NewWeightDevice(8, 16, 0, 700),
			},
			BlkioThrottleReadBpsDevice:   []*cgroups.ThrottleDevice{cgroups.NewThrottleDevice(8, 0, 1000)},
			BlkioThrottleWriteBpsDevice:  []*cgroups.ThrottleDevice{cgroups.NewThrottleDevice(8, 0, 2000)},
			BlkioThrottleReadIOPSDevice:  []*cgroups.ThrottleDevice{cgroups.NewThrottleDevice(8, 0, 30)},
			BlkioThrottleWriteIOPSDevice: []*cgroups.ThrottleDevice{cgroups.NewThrottleDevice(8, 0, 40)},
			HugetlbLimit: []*cgroups.HugepageLimit{
				{Pagesize: "2MB", Limit: 4 << 20},
				{Pagesize: "1GB", Limit: 0},
			},
			NetClsClassid: 0x100001,
			NetPrioIfpriomap: []*cgroups.IfPrioMap{
				{Interface: "eth0", Priority: 5},
				{Interface: "lo", Priority: 1},
			},
			Rdma: map[string]cgroups.LinuxRdma{
				"mlx5_1": {HcaHandles: ptr(uint32(3)), HcaObjects: ptr(uint32(10000))},
				"rxe3":   {HcaObjects: ptr(uint32(50))},
			},
		}
		if v2 {
			want.CpuWeight = cgroups.ConvertCPUSharesToCgroupV2Value(2048)
		}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("v2=%v: resources\n got %+v\nwant %+v", v2, r, want)
		}
		// The conversion must not alias the spec's pointers.
		*spec.Linux.Resources.Pids.Limit = 99
		if *r.PidsLimit != 0 {
			t.Errorf("PidsLimit aliases the spec")
		}
	}

	// A pids limit of -1 means unlimited and is passed through; no pids
	// section leaves the limit alone (nil).
	spec := &specs.Spec{Linux: &specs.Linux{Resources: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr(int64(-1))}}}}
	c, err := buildConfig("ctr", spec, false, false)
	if err != nil || c.Resources.PidsLimit == nil || *c.Resources.PidsLimit != -1 {
		t.Errorf("pids -1: %v %v", c, err)
	}
	spec.Linux.Resources.Pids = nil
	if c, err = buildConfig("ctr", spec, false, false); err != nil || c.Resources.PidsLimit != nil {
		t.Errorf("no pids: %v", err)
	}
	// Shares 0 give no weight.
	setUnified(t, true)
	spec.Linux.Resources.CPU = &specs.LinuxCPU{Shares: ptr(uint64(0))}
	if c, err = buildConfig("ctr", spec, false, false); err != nil || c.Resources.CpuWeight != 0 {
		t.Errorf("shares 0: weight %d, %v", c.Resources.CpuWeight, err)
	}
	spec.Linux.Resources.CPU.Shares = ptr(uint64(1024))
	if c, err = buildConfig("ctr", spec, false, false); err != nil || c.Resources.CpuWeight != 100 {
		t.Errorf("shares 1024: weight %d, %v", c.Resources.CpuWeight, err)
	}
	spec.Linux.Resources.HugepageLimits = []specs.LinuxHugepageLimit{{Limit: 1}}
	if _, err = buildConfig("ctr", spec, false, false); err == nil {
		t.Error("empty hugepage size accepted")
	}
}

func TestCgroupConfigUnified(t *testing.T) {
	unified := map[string]string{"memory.high": "1000000", "cgroup.max.descendants": "3"}
	spec := &specs.Spec{Linux: &specs.Linux{Resources: &specs.LinuxResources{Unified: unified}}}

	setUnified(t, false)
	_, err := buildConfig("ctr", spec, false, false)
	if !errors.Is(err, errUnifiedOnV1) {
		t.Errorf("v1: got %v, want %v", err, errUnifiedOnV1)
	}

	setUnified(t, true)
	c, err := buildConfig("ctr", spec, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Resources.Unified, unified) {
		t.Errorf("unified: got %v", c.Resources.Unified)
	}
	unified["memory.high"] = "changed"
	if c.Resources.Unified["memory.high"] != "1000000" {
		t.Error("unified map aliases the spec")
	}
	for _, bad := range []string{"../memory.max", "a/b", "", ".."} {
		spec := &specs.Spec{Linux: &specs.Linux{Resources: &specs.LinuxResources{Unified: map[string]string{bad: "1"}}}}
		if _, err := buildConfig("ctr", spec, false, false); err == nil {
			t.Errorf("unified key %q accepted", bad)
		}
	}
}

func TestCgroupConfigUnifiedRejectedOnThisHost(t *testing.T) {
	if cgroups.IsCgroup2UnifiedMode() {
		t.Skip("host is pure cgroup v2")
	}
	spec := &specs.Spec{Linux: &specs.Linux{Resources: &specs.LinuxResources{Unified: map[string]string{"pids.max": "10"}}}}
	if _, err := NewManager("cg-unified-v1", spec, false, false); !errors.Is(err, errUnifiedOnV1) {
		t.Errorf("got %v, want %v", err, errUnifiedOnV1)
	}
}

func TestNewManagerSystemdNotRunning(t *testing.T) {
	old := systemdRunning
	systemdRunning = func() bool { return false }
	t.Cleanup(func() { systemdRunning = old })
	spec := &specs.Spec{}
	if _, err := NewManager("ctr", spec, true, false); !errors.Is(err, errNoSystemd) {
		t.Errorf("new: got %v, want %v", err, errNoSystemd)
	}
	if _, err := LoadManager("ctr", spec, map[string]string{}, true, false); !errors.Is(err, errNoSystemd) {
		t.Errorf("load: got %v, want %v", err, errNoSystemd)
	}
	if strings.Contains(errNoSystemd.Error(), "\n") {
		t.Error("error is not one line")
	}
	// As runc: a malformed systemd cgroupsPath is reported first.
	spec = &specs.Spec{Linux: &specs.Linux{CgroupsPath: "bad"}}
	_, err := NewManager("ctr", spec, true, false)
	if err == nil || errors.Is(err, errNoSystemd) || !strings.Contains(err.Error(), "slice:prefix:name") {
		t.Errorf("bad systemd path: got %v", err)
	}
}

func TestMountFlags(t *testing.T) {
	flags, data := mountFlags([]string{"nosuid", "noexec", "nodev", "relatime", "ro", "rprivate", "foo=bar", "rw", "ro", "bar"})
	want := uintptr(unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV | unix.MS_RELATIME | unix.MS_RDONLY)
	if flags != want || data != "foo=bar,bar" {
		t.Errorf("got %#x %q, want %#x %q", flags, data, want, "foo=bar,bar")
	}
	if flags, _ := mountFlags([]string{"noexec", "exec", "suid"}); flags != 0 {
		t.Errorf("clearing options: %#x", flags)
	}
}

// fakeManager is a cgroups.Manager with fixed paths, for the mount plan.
type fakeManager struct {
	cgroups.Manager
	paths map[string]string
}

func (f *fakeManager) Path(s string) string                 { return f.paths[s] }
func (f *fakeManager) GetPaths() map[string]string          { return f.paths }
func (f *fakeManager) GetAllPids() ([]int, error)           { return nil, errors.New("unused") }
func (f *fakeManager) Apply(int) error                      { return errors.New("unused") }
func (f *fakeManager) GetCgroups() (*cgroups.Cgroup, error) { return nil, errors.New("unused") }

func TestCgroupMountPlanV1Fake(t *testing.T) {
	m := &fakeManager{paths: map[string]string{
		"cpu":          "/sys/fs/cgroup/cpu,cpuacct/ctr",
		"cpuacct":      "/sys/fs/cgroup/cpu,cpuacct/ctr",
		"memory":       "/sys/fs/cgroup/memory/ctr",
		"name=systemd": "/sys/fs/cgroup/systemd/ctr",
	}}
	hier := []v1Hierarchy{
		{Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", Root: "/", Controllers: []string{"cpu", "cpuacct"}},
		{Mountpoint: "/sys/fs/cgroup/memory", Root: "/", Controllers: []string{"memory"}},
		{Mountpoint: "/sys/fs/cgroup/net_cls,net_prio", Root: "/", Controllers: []string{"net_cls", "net_prio"}},
		{Mountpoint: "/sys/fs/cgroup/systemd", Root: "/", Controllers: []string{"name=systemd"}},
		{Mountpoint: "/sys/fs/cgroup/perf_event", Root: "/nested", Controllers: []string{"perf_event"}},
	}
	own := map[string]string{
		"cpu": "/", "cpuacct": "/", "memory": "/", "net_cls": "/runtime", "net_prio": "/runtime",
		"name=systemd": "/", "perf_event": "/nested/rt",
	}
	ro := uintptr(unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RELATIME)
	got := v1Plan(m, "/sys/fs/cgroup", ro, hier, own, false)
	want := []MountOp{
		{Kind: "tmpfs", Source: "tmpfs", Dest: "/sys/fs/cgroup", Flags: defaultMountFlags, Data: "mode=755"},
		{Kind: "bind", Source: "/sys/fs/cgroup/cpu,cpuacct/ctr", Dest: "/sys/fs/cgroup/cpu,cpuacct", Flags: ro},
		{Kind: "bind", Source: "/sys/fs/cgroup/memory/ctr", Dest: "/sys/fs/cgroup/memory", Flags: ro},
		{Kind: "bind", Source: "/sys/fs/cgroup/net_cls,net_prio/runtime", Dest: "/sys/fs/cgroup/net_cls,net_prio", Flags: ro},
		{Kind: "bind", Source: "/sys/fs/cgroup/systemd/ctr", Dest: "/sys/fs/cgroup/systemd", Flags: ro},
		{Kind: "bind", Source: "/sys/fs/cgroup/perf_event/rt", Dest: "/sys/fs/cgroup/perf_event", Flags: ro},
		{Kind: "symlink", Source: "cpu,cpuacct", Dest: "/sys/fs/cgroup/cpu"},
		{Kind: "symlink", Source: "cpu,cpuacct", Dest: "/sys/fs/cgroup/cpuacct"},
		{Kind: "symlink", Source: "net_cls,net_prio", Dest: "/sys/fs/cgroup/net_cls"},
		{Kind: "symlink", Source: "net_cls,net_prio", Dest: "/sys/fs/cgroup/net_prio"},
		{Kind: "remount-ro", Dest: "/sys/fs/cgroup", Flags: unix.MS_REMOUNT | unix.MS_BIND | unix.MS_RDONLY | defaultMountFlags},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("no cgroupns:\n got %+v\nwant %+v", got, want)
	}

	got = v1Plan(m, "/sys/fs/cgroup", 0, hier[:4], own, true)
	want = []MountOp{
		{Kind: "tmpfs", Source: "tmpfs", Dest: "/sys/fs/cgroup", Flags: defaultMountFlags, Data: "mode=755"},
		{Kind: "cgroup", Source: "cpu,cpuacct", Dest: "/sys/fs/cgroup/cpu,cpuacct", Flags: defaultMountFlags, Data: "cpu,cpuacct"},
		{Kind: "cgroup", Source: "memory", Dest: "/sys/fs/cgroup/memory", Flags: defaultMountFlags, Data: "memory"},
		{Kind: "cgroup", Source: "net_cls,net_prio", Dest: "/sys/fs/cgroup/net_cls,net_prio", Flags: defaultMountFlags, Data: "net_cls,net_prio"},
		{Kind: "cgroup", Source: "name=systemd", Dest: "/sys/fs/cgroup/systemd", Flags: defaultMountFlags, Data: "name=systemd"},
		{Kind: "symlink", Source: "cpu,cpuacct", Dest: "/sys/fs/cgroup/cpu"},
		{Kind: "symlink", Source: "cpu,cpuacct", Dest: "/sys/fs/cgroup/cpuacct"},
		{Kind: "symlink", Source: "net_cls,net_prio", Dest: "/sys/fs/cgroup/net_cls"},
		{Kind: "symlink", Source: "net_cls,net_prio", Dest: "/sys/fs/cgroup/net_prio"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cgroupns:\n got %+v\nwant %+v", got, want)
	}
}

func TestCgroupMountPlanV2Fake(t *testing.T) {
	setUnified(t, true)
	dir := t.TempDir()
	m := &fakeManager{paths: map[string]string{"": dir}}
	got, err := MountPlan(m, "sys/fs/cgroup", []string{"ro", "nosuid", "nsdelegate"}, true)
	if err != nil {
		t.Fatal(err)
	}
	flags := uintptr(unix.MS_RDONLY | unix.MS_NOSUID)
	// Where the kernel refuses the mount, the container's cgroup is bound.
	want := []MountOp{{Kind: "cgroup2", Source: "cgroup", Dest: "/sys/fs/cgroup", Flags: flags, Data: "nsdelegate", Fallback: dir}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cgroupns: got %+v", got)
	}
	// Without a cgroup namespace, as runc: cgroup2 too (the hierarchy from
	// its root), else the whole hierarchy bound.
	got, err = MountPlan(m, "/sys/fs/cgroup", []string{"ro", "nosuid"}, false)
	if err != nil {
		t.Fatal(err)
	}
	want = []MountOp{{Kind: "cgroup2", Source: "cgroup", Dest: "/sys/fs/cgroup", Flags: flags, Fallback: "/sys/fs/cgroup"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("no cgroupns: got %+v", got)
	}
}

// TestCgroupMountPlanHost checks the plan against this host's v1 hierarchies
// (no root needed: a manager is only built, never applied).
func TestCgroupMountPlanHost(t *testing.T) {
	if cgroups.IsCgroup2UnifiedMode() {
		t.Skip("host is pure cgroup v2")
	}
	m, err := NewManager("cg-plan-test", &specs.Spec{}, false, false)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := MountPlan(m, "/sys/fs/cgroup", []string{"nosuid", "noexec", "nodev", "relatime", "ro"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if ops[0].Kind != "tmpfs" || ops[len(ops)-1].Kind != "remount-ro" {
		t.Errorf("plan must start with tmpfs and end with remount-ro: %+v", ops)
	}
	binds := map[string]string{}
	for _, op := range ops {
		if op.Kind == "bind" {
			binds[filepath.Base(op.Dest)] = op.Source
		}
	}
	for sub, key := range map[string]string{"memory": "memory", "devices": "devices", "pids": "pids", "freezer": "freezer", "systemd": "name=systemd"} {
		if _, err := os.Stat(filepath.Join("/sys/fs/cgroup", sub)); err != nil {
			continue
		}
		if binds[sub] == "" || binds[sub] != m.Path(key) {
			t.Errorf("%s: bind source %q, manager path %q", sub, binds[sub], m.Path(key))
		}
	}
	if _, ok := binds["unified"]; ok {
		t.Error("the hybrid cgroup2 hierarchy is bound (runc does not)")
	}
	ops, err = MountPlan(m, "/sys/fs/cgroup", nil, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.Kind == "cgroup" && filepath.Base(op.Dest) == "systemd" && op.Data != "name=systemd" {
			t.Errorf("systemd hierarchy data %q", op.Data)
		}
		if op.Kind == "remount-ro" || op.Kind == "bind" {
			t.Errorf("unexpected %+v with a cgroup namespace and no ro", op)
		}
	}
}

func TestRemoveTree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cg")
	for _, d := range []string{"a/b/c", "a/d", "e"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := removeTree(dir, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still there: %v", dir, err)
	}
	if err := removeTree(dir, time.Now()); err != nil {
		t.Errorf("missing dir: %v", err)
	}
	// Destroy through a loaded manager whose paths are already gone.
	if !cgroups.IsCgroup2UnifiedMode() {
		m, err := LoadManager("gone", &specs.Spec{}, map[string]string{"memory": dir, "devices": dir + "2"}, false, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := Destroy(m); err != nil {
			t.Errorf("destroy of removed cgroups: %v", err)
		}
		if pids, err := Pids(m); err != nil || len(pids) != 0 {
			t.Errorf("pids of removed cgroups: %v %v", pids, err)
		}
	}
}

// ---- root tests on the real host ----

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

func uniqueID(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), time.Now().UnixNano())
}

// startSleep starts `sleep 30` and makes sure it is killed at the end.
func startSleep(t *testing.T, attr *syscall.SysProcAttr) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "30")
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
	})
	return cmd
}

func killCmd(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
	_, _ = cmd.Process.Wait()
}

// cleanupPaths kills whatever is left in the cgroups and removes them.
func cleanupPaths(t *testing.T, paths map[string]string) {
	t.Helper()
	saved := make(map[string]string, len(paths))
	for k, v := range paths {
		saved[k] = v
	}
	t.Cleanup(func() {
		for _, p := range saved {
			if pids, err := cgroups.GetAllPids(p); err == nil {
				for _, pid := range pids {
					_ = unix.Kill(pid, unix.SIGKILL)
				}
			}
		}
		deadline := time.Now().Add(3 * time.Second)
		for _, p := range saved {
			if err := removeTree(p, deadline); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
}

func readCgroupFile(t *testing.T, dir, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestCgroupManagerV1Root(t *testing.T) {
	requireRoot(t)
	if cgroups.IsCgroup2UnifiedMode() {
		t.Skip("host is pure cgroup v2")
	}
	for _, absolute := range []bool{false, true} {
		t.Run(fmt.Sprintf("absolute=%v", absolute), func(t *testing.T) {
			id := uniqueID("cgtest")
			spec := &specs.Spec{Linux: &specs.Linux{
				Resources: &specs.LinuxResources{
					Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
					Memory:  &specs.LinuxMemory{Limit: ptr(int64(64 << 20))},
					Pids:    &specs.LinuxPids{Limit: ptr(int64(50))},
				},
				Devices: []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}},
			}}
			if absolute {
				spec.Linux.CgroupsPath = "/" + id
			}
			m, err := NewManager(id, spec, false, false)
			if err != nil {
				t.Fatal(err)
			}
			paths := copyMap(m.GetPaths())
			cleanupPaths(t, paths)
			for _, key := range []string{"memory", "pids", "devices", "freezer", "name=systemd"} {
				p := paths[key]
				if filepath.Base(p) != id {
					t.Errorf("%s path %q does not end in the id", key, p)
				}
				if absolute && !strings.HasSuffix(p, "/"+strings.TrimPrefix(key, "name=")+"/"+id) {
					t.Errorf("absolute path: %s path %q is not at the hierarchy root", key, p)
				}
			}
			if cgroups.IsCgroup2HybridMode() && paths[""] != "/sys/fs/cgroup/unified/"+id {
				t.Errorf("hybrid path %q", paths[""])
			}

			child := startSleep(t, nil)
			if err := m.Apply(child.Process.Pid); err != nil {
				t.Fatal(err)
			}
			cfg, err := m.GetCgroups()
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Set(cfg.Resources); err != nil {
				t.Fatal(err)
			}

			if got := readCgroupFile(t, m.Path("memory"), "memory.limit_in_bytes"); got != strconv.Itoa(64<<20) {
				t.Errorf("memory.limit_in_bytes = %s", got)
			}
			if got := readCgroupFile(t, m.Path("pids"), "pids.max"); got != "50" {
				t.Errorf("pids.max = %s", got)
			}
			list := strings.Split(readCgroupFile(t, m.Path("devices"), "devices.list"), "\n")
			wantList := []string{"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:8 rwm", "c 1:7 rwm", "c 5:0 rwm",
				"c 1:5 rwm", "c 1:9 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm"} // not /dev/fuse
			slices.Sort(list)
			slices.Sort(wantList)
			if !reflect.DeepEqual(list, wantList) {
				t.Errorf("devices.list:\n got %q\nwant %q", list, wantList)
			}
			procCg := readCgroupFile(t, "/proc/"+strconv.Itoa(child.Process.Pid), "cgroup")
			if !strings.Contains(procCg, ":memory:") || !strings.Contains(procCg, id) {
				t.Errorf("/proc/pid/cgroup:\n%s", procCg)
			}

			pids, err := Pids(m)
			if err != nil || !reflect.DeepEqual(pids, []int{child.Process.Pid}) {
				t.Errorf("Pids = %v, %v; want [%d]", pids, err, child.Process.Pid)
			}

			// The rules are enforced: a process moved into the cgroup may
			// open /dev/null but not /dev/kmsg (c 1:11).
			for dev, wantOK := range map[string]bool{"/dev/null": true, "/dev/kmsg": false} {
				if _, err := os.Stat(dev); err != nil {
					continue
				}
				ok, out := openInCgroup(t, m, dev)
				t.Logf("open %s in the cgroup: ok=%v %s", dev, ok, out)
				if ok != wantOK {
					t.Errorf("open %s in the cgroup: ok=%v, output %s", dev, ok, out)
				}
			}

			// A nested cgroup with a second process is listed too.
			sub := filepath.Join(m.Path("devices"), "sub")
			if err := os.Mkdir(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			child2 := startSleep(t, nil)
			if err := m.AddPid("", child2.Process.Pid); err != nil {
				t.Fatal(err)
			}
			if err := cgroups.WriteCgroupProc(sub, child2.Process.Pid); err != nil {
				t.Fatal(err)
			}

			// A manager rebuilt from the saved paths sees the same processes.
			saved := copyMap(m.GetPaths())
			lm, err := LoadManager(id, spec, saved, false, false)
			if err != nil {
				t.Fatal(err)
			}
			pids, err = Pids(lm)
			slices.Sort(pids)
			want := []int{child.Process.Pid, child2.Process.Pid}
			slices.Sort(want)
			if err != nil || !reflect.DeepEqual(pids, want) {
				t.Errorf("loaded Pids = %v, %v; want %v", pids, err, want)
			}

			// Busy cgroups: destroy gives up after a bounded time.
			start := time.Now()
			err = Destroy(lm)
			if err == nil || !errors.Is(err, unix.EBUSY) {
				t.Errorf("destroy of a busy cgroup: %v", err)
			}
			if d := time.Since(start); d > destroyTimeout+2*time.Second {
				t.Errorf("destroy took %v", d)
			}

			killCmd(child)
			killCmd(child2)
			start = time.Now()
			if err := Destroy(lm); err != nil {
				t.Fatal(err)
			}
			t.Logf("destroy after kill took %v", time.Since(start))
			for key, p := range paths {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("%s: %s still exists (%v)", key, p, err)
				}
			}
			if !reflect.DeepEqual(saved, copyMap(paths)) || len(saved) == 0 {
				t.Error("destroy changed the caller's paths map")
			}
			// Destroying again is fine.
			if err := Destroy(lm); err != nil {
				t.Errorf("second destroy: %v", err)
			}
			if pids, err := Pids(lm); err != nil || len(pids) != 0 {
				t.Errorf("pids after destroy: %v %v", pids, err)
			}
		})
	}
}

// openInCgroup starts a shell, moves it into m's cgroups, then lets it
// open dev; it reports whether the open worked.
func openInCgroup(t *testing.T, m cgroups.Manager, dev string) (bool, string) {
	t.Helper()
	c := exec.Command("sh", "-c", "read x && exec 3<"+dev)
	stdin, err := c.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer killCmd(c)
	if err := m.AddPid("", c.Process.Pid); err != nil {
		t.Fatal(err)
	}
	_, _ = stdin.Write([]byte("go\n"))
	_ = stdin.Close()
	err = c.Wait()
	return err == nil, strings.TrimSpace(out.String())
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestCgroupV2Emulated runs the pure cgroup v2 code paths on a hybrid host:
// the test binary is re-executed in a private mount namespace where the
// cgroup2 hierarchy is mounted on /sys/fs/cgroup before the process starts
// (the library caches the cgroup mode for the life of the process).
func TestCgroupV2Emulated(t *testing.T) {
	if os.Getenv("CG_TEST_V2_CHILD") == "1" {
		v2Child(t)
		return
	}
	requireRoot(t)
	if cgroups.IsCgroup2UnifiedMode() {
		t.Skip("host is pure cgroup v2 already; the other tests cover it")
	}
	if !cgroups.IsCgroup2HybridMode() {
		t.Skip("no cgroup2 hierarchy on this host")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare(1) not found")
	}
	id := uniqueID("cgtest-v2")
	hostDir := filepath.Join("/sys/fs/cgroup/unified", id)
	cleanupPaths(t, map[string]string{"": hostDir})
	before, err := os.ReadFile("/sys/fs/cgroup/unified/cgroup.subtree_control")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// fs2 enables every available controller in the parent; undo that.
		after, _ := os.ReadFile("/sys/fs/cgroup/unified/cgroup.subtree_control")
		for _, c := range strings.Fields(string(after)) {
			if !slices.Contains(strings.Fields(string(before)), c) {
				_ = os.WriteFile("/sys/fs/cgroup/unified/cgroup.subtree_control", []byte("-"+c), 0o644)
			}
		}
	})

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(unshare, "--mount", "--propagation", "private", "sh", "-c",
		`mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$0" "$@"`,
		self, "-test.run", "^TestCgroupV2Emulated$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "CG_TEST_V2_CHILD=1", "CG_TEST_V2_ID="+id)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	t.Logf("child output:\n%s", out.String())
	if err != nil {
		t.Fatalf("v2 child: %v", err)
	}
	if !strings.Contains(out.String(), "--- PASS: TestCgroupV2Emulated") {
		t.Fatal("the child did not run the test")
	}
	if _, err := os.Stat(hostDir); !os.IsNotExist(err) {
		t.Errorf("%s left behind", hostDir)
	}
}

func v2Child(t *testing.T) {
	if !cgroups.IsCgroup2UnifiedMode() || !IsUnified() {
		t.Fatal("child does not see a pure cgroup v2 host")
	}
	id := os.Getenv("CG_TEST_V2_ID")
	if id == "" {
		t.Fatal("no CG_TEST_V2_ID")
	}
	res := &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Unified: map[string]string{"cgroup.max.descendants": "5"},
	}
	hugetlb := slices.Contains(cgroups.HugePageSizes(), "2MB")
	t.Logf("hugetlb 2MB limit tested: %v", hugetlb)
	if hugetlb {
		res.HugepageLimits = []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 8 << 20}}
	}
	spec := &specs.Spec{Linux: &specs.Linux{Resources: res}}
	m, err := NewManager(id, spec, false, false)
	if err != nil {
		t.Fatal(err)
	}
	dir := m.Path("")
	if dir != filepath.Join("/sys/fs/cgroup", id) {
		t.Fatalf("v2 path %q", dir)
	}
	if got := m.GetPaths(); !reflect.DeepEqual(got, map[string]string{"": dir}) {
		t.Errorf("GetPaths = %v", got)
	}
	cleanupPaths(t, map[string]string{"": dir})

	if err := CheckUnused(m); err != nil {
		t.Fatalf("cgroup that does not exist: %v", err)
	}
	child := startSleep(t, nil)
	if err := m.Apply(child.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := CheckUnused(m); err == nil || err.Error() != "container's cgroup is not empty: 1 process(es) found" {
		t.Errorf("cgroup with a process: %v", err)
	}
	cfg, _ := m.GetCgroups()
	if err := m.Set(cfg.Resources); err != nil {
		t.Fatal(err)
	}
	if got := readCgroupFile(t, dir, "cgroup.max.descendants"); got != "5" {
		t.Errorf("cgroup.max.descendants = %s", got)
	}
	if hugetlb {
		if got := readCgroupFile(t, dir, "hugetlb.2MB.max"); got != strconv.Itoa(8<<20) {
			t.Errorf("hugetlb.2MB.max = %s", got)
		}
	}
	pids, err := Pids(m)
	if err != nil || !reflect.DeepEqual(pids, []int{child.Process.Pid}) {
		t.Errorf("Pids = %v, %v", pids, err)
	}

	// The eBPF device filter: /dev/null is allowed, /dev/kmsg (c 1:11) is not.
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	for dev, wantOK := range map[string]bool{"/dev/null": true, "/dev/kmsg": false} {
		if _, err := os.Stat(dev); err != nil {
			continue
		}
		c := exec.Command("sh", "-c", "exec 3<"+dev)
		c.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
		out, err := c.CombinedOutput()
		t.Logf("open %s inside %s: err=%v %s", dev, dir, err, bytes.TrimSpace(out))
		if (err == nil) != wantOK {
			t.Errorf("open %s in the container cgroup: err=%v output=%s", dev, err, out)
		}
	}

	ops, err := MountPlan(m, "/sys/fs/cgroup", []string{"ro", "nosuid"}, true)
	if err != nil || len(ops) != 1 || ops[0].Kind != "cgroup2" || ops[0].Fallback != dir {
		t.Errorf("plan with cgroupns: %+v %v", ops, err)
	}
	ops, err = MountPlan(m, "/sys/fs/cgroup", []string{"ro", "nosuid"}, false)
	if err != nil || len(ops) != 1 || ops[0].Kind != "cgroup2" || ops[0].Fallback != "/sys/fs/cgroup" {
		t.Errorf("plan without cgroupns: %+v %v", ops, err)
	}

	lm, err := LoadManager(id, spec, map[string]string{"": dir}, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if lm.Path("") != dir {
		t.Errorf("loaded path %q", lm.Path(""))
	}

	// cgroup.kill takes every process, those of sub-cgroups too.
	if _, err := os.Stat(filepath.Join(dir, "cgroup.kill")); err == nil {
		sub := filepath.Join(dir, "sub")
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		child2 := startSleep(t, nil)
		if err := cgroups.WriteCgroupProc(sub, child2.Process.Pid); err != nil {
			t.Fatal(err)
		}
		if done, err := KillAll(lm); !done || err != nil {
			t.Fatalf("KillAll: %v %v", done, err)
		}
		if !waitKilled(t, child) || !waitKilled(t, child2) {
			t.Error("cgroup.kill did not kill every process")
		}
	} else {
		t.Logf("no cgroup.kill on this kernel: %v", err)
	}
	killCmd(child)
	for i := 0; i < 100 && CheckUnused(lm) != nil; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	// An empty, frozen cgroup (cgroup.freeze) is refused too.
	if err := lm.Freeze(cgroups.Frozen); err != nil {
		t.Fatal(err)
	}
	if got := readCgroupFile(t, dir, "cgroup.freeze"); got != "1" {
		t.Errorf("cgroup.freeze = %s", got)
	}
	if err := CheckUnused(lm); err == nil || err.Error() != "container's cgroup unexpectedly frozen" {
		t.Errorf("frozen: %v", err)
	}
	if err := lm.Freeze(cgroups.Thawed); err != nil {
		t.Fatal(err)
	}
	if err := CheckUnused(lm); err != nil {
		t.Errorf("thawed: %v", err)
	}
	if err := Destroy(lm); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists", dir)
	}
}

// fs2Set converts r as on a pure cgroup v2 host and applies it with the
// fs2 manager to a fake cgroup directory (the library's TestMode creates the
// files it writes). files are created first: cgroup.controllers and, e.g.,
// memory.current. The v2 controllers of this hybrid host are bound to v1,
// so this is how the v2 files of memory, cpu, cpuset, io and pids are
// checked here.
func fs2Set(t *testing.T, r *specs.LinuxResources, files map[string]string) (string, error) {
	t.Helper()
	setUnified(t, true)
	old := cgroups.TestMode
	cgroups.TestMode = true
	t.Cleanup(func() { cgroups.TestMode = old })
	dir := t.TempDir()
	if _, ok := files["cgroup.controllers"]; !ok {
		files = maps.Clone(files)
		if files == nil {
			files = map[string]string{}
		}
		files["cgroup.controllers"] = "cpuset cpu io memory hugetlb pids rdma misc\n"
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := buildConfig("ctr", &specs.Spec{Linux: &specs.Linux{Resources: r}}, false, false)
	if err != nil {
		return dir, err
	}
	c.Resources.SkipDevices = true // the eBPF program needs a real cgroup
	m, err := fs2.NewManager(c, dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, m.Set(c.Resources)
}

// dirFiles reads every file of dir but cgroup.controllers.
func dirFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if e.Name() == "cgroup.controllers" {
			continue
		}
		out[e.Name()] = readCgroupFile(t, dir, e.Name())
	}
	return out
}

func TestCgroupV2Files(t *testing.T) {
	for _, tc := range []struct {
		name  string
		res   *specs.LinuxResources
		pre   map[string]string // files present before Set
		want  map[string]string // every file written (pre ones included)
		error string            // substring of the expected error
	}{
		{
			name: "memory limit, reservation and swap (memory+swap becomes swap alone)",
			res: &specs.LinuxResources{Memory: &specs.LinuxMemory{
				Limit: ptr(int64(64 << 20)), Reservation: ptr(int64(32 << 20)), Swap: ptr(int64(96 << 20)),
				// No v2 files: runc ignores them on cgroup v2 too.
				Swappiness: ptr(uint64(10)), DisableOOMKiller: ptr(true),
			}},
			want: map[string]string{"memory.max": "67108864", "memory.low": "33554432", "memory.swap.max": "33554432"},
		},
		{
			name: "memory unlimited: swap unlimited too",
			res:  &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr(int64(-1))}},
			want: map[string]string{"memory.max": "max", "memory.swap.max": "max"},
		},
		{
			name: "swap equal to the limit: no swap",
			res:  &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr(int64(1 << 20)), Swap: ptr(int64(1 << 20))}},
			want: map[string]string{"memory.max": "1048576", "memory.swap.max": "0"},
		},
		{
			name:  "swap below the limit is refused",
			res:   &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr(int64(2 << 20)), Swap: ptr(int64(1 << 20))}},
			error: "memory+swap limit should be >= memory limit",
		},
		{
			name:  "swap without a memory limit is refused",
			res:   &specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: ptr(int64(1 << 20))}},
			error: "unable to set swap limit without memory limit",
		},
		{
			name: "checkBeforeUpdate refuses a limit below the usage",
			res: &specs.LinuxResources{Memory: &specs.LinuxMemory{
				Limit: ptr(int64(1 << 20)), CheckBeforeUpdate: ptr(true)}},
			pre:   map[string]string{"memory.current": "2097152\n"},
			error: "rejecting memory limit 1048576 <= usage 2097152",
		},
		{
			name: "checkBeforeUpdate accepts a limit above the usage",
			res: &specs.LinuxResources{Memory: &specs.LinuxMemory{
				Limit: ptr(int64(4 << 20)), CheckBeforeUpdate: ptr(true)}},
			pre:  map[string]string{"memory.current": "2097152\n"},
			want: map[string]string{"memory.current": "2097152", "memory.max": "4194304"},
		},
		{
			name: "without checkBeforeUpdate the usage is not looked at",
			res:  &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr(int64(1 << 20))}},
			pre:  map[string]string{"memory.current": "2097152\n"},
			want: map[string]string{"memory.current": "2097152", "memory.max": "1048576"},
		},
		{
			name: "cpu shares become cpu.weight; quota, period, burst, idle, cpuset",
			res: &specs.LinuxResources{CPU: &specs.LinuxCPU{
				Shares: ptr(uint64(512)), Quota: ptr(int64(50000)), Period: ptr(uint64(200000)),
				Burst: ptr(uint64(10000)), Idle: ptr(int64(0)), Cpus: "0-1", Mems: "0",
				// Real-time scheduling has no cgroup v2 files: ignored, as by runc.
				RealtimeRuntime: ptr(int64(1000)), RealtimePeriod: ptr(uint64(100000)),
			}},
			want: map[string]string{
				"cpu.weight": "59", "cpu.max": "50000 200000", "cpu.max.burst": "10000",
				"cpu.idle": "0", "cpuset.cpus": "0-1", "cpuset.mems": "0",
			},
		},
		{
			name: "cpu shares 1024 are the default weight 100; quota alone gets the default period",
			res:  &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: ptr(uint64(1024)), Quota: ptr(int64(25000))}},
			want: map[string]string{"cpu.weight": "100", "cpu.max": "25000 100000"},
		},
		{
			name: "cpu extremes: shares 2 and 262144, quota -1",
			res:  &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: ptr(uint64(262144)), Quota: ptr(int64(-1)), Period: ptr(uint64(50000))}},
			want: map[string]string{"cpu.weight": "10000", "cpu.max": "max 50000"},
		},
		{
			name: "cpu shares 2",
			res:  &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: ptr(uint64(2))}},
			want: map[string]string{"cpu.weight": "1"},
		},
		{
			name: "cpu idle 1",
			res:  &specs.LinuxResources{CPU: &specs.LinuxCPU{Idle: ptr(int64(1))}},
			want: map[string]string{"cpu.idle": "1"},
		},
		{
			name: "pids limit",
			res:  &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr(int64(42))}},
			want: map[string]string{"pids.max": "42"},
		},
		{
			name: "pids -1 is max",
			res:  &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr(int64(-1))}},
			want: map[string]string{"pids.max": "max"},
		},
		{
			name: "pids 0 (as the library maps it for systemd's sake: 1)",
			res:  &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr(int64(0))}},
			want: map[string]string{"pids.max": "1"},
		},
		{
			name: "blkio weight without BFQ: io.weight, converted",
			res:  &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: ptr(uint16(500))}},
			want: map[string]string{"io.weight": "4950"},
		},
		{
			name: "blkio weight 10 and 1000 are io.weight 1 and 10000",
			res:  &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: ptr(uint16(1000))}},
			want: map[string]string{"io.weight": "10000"},
		},
		{
			name: "blkio weight with BFQ: io.bfq.weight as is, then the device weights",
			res: &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
				Weight: ptr(uint16(500)),
				WeightDevice: []specs.LinuxWeightDevice{
					{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: ptr(uint16(600))},
				},
			}},
			// A kernel with per-device BFQ weights reads "default N".
			pre: map[string]string{"io.bfq.weight": "default 100\n"},
			// Both writes go through one open file, over the fake
			// content: the weight at the start, the device weight
			// after a re-read.
			want: map[string]string{"io.bfq.weight": "500ault 100\n8:0 600"},
		},
		{
			name: "read bps throttle",
			res: &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{
				{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 1048576}}}},
			want: map[string]string{"io.max": "8:0 rbps=1048576"},
		},
		{
			name: "write bps throttle",
			res: &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{ThrottleWriteBpsDevice: []specs.LinuxThrottleDevice{
				{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, Rate: 2097152}}}},
			want: map[string]string{"io.max": "8:16 wbps=2097152"},
		},
		{
			name: "read iops throttle",
			res: &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{ThrottleReadIOPSDevice: []specs.LinuxThrottleDevice{
				{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 300}}}},
			want: map[string]string{"io.max": "8:0 riops=300"},
		},
		{
			name: "write iops throttle",
			res: &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{
				{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 400}}}},
			want: map[string]string{"io.max": "8:0 wiops=400"},
		},
		{
			name: "hugetlb: max and, where the kernel has it, rsvd.max",
			res:  &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 8 << 20}}},
			pre:  map[string]string{"hugetlb.2MB.rsvd.max": "max\n"},
			want: map[string]string{"hugetlb.2MB.max": "8388608", "hugetlb.2MB.rsvd.max": "8388608"},
		},
		{
			name: "rdma",
			res: &specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{
				"mlx5_1": {HcaHandles: ptr(uint32(3)), HcaObjects: ptr(uint32(10000))}}},
			want: map[string]string{"rdma.max": "mlx5_1 hca_handle=3 hca_object=10000"},
		},
		{
			name: "network classID and priorities: no v2 files (ignored, as by runc)",
			res: &specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: ptr(uint32(0x100001)),
				Priorities: []specs.LinuxInterfacePriority{{Name: "lo", Priority: 1}}}},
			want: map[string]string{},
		},
		{
			name: "unified",
			res:  &specs.LinuxResources{Unified: map[string]string{"memory.high": "1000000", "cgroup.max.depth": "2"}},
			want: map[string]string{"memory.high": "1000000", "cgroup.max.depth": "2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := fs2Set(t, tc.res, tc.pre)
			if tc.error != "" {
				if err == nil || !strings.Contains(err.Error(), tc.error) {
					t.Fatalf("got error %v, want %q", err, tc.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := dirFiles(t, dir); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("files:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// waitKilled waits for cmd and reports whether SIGKILL ended it.
func waitKilled(t *testing.T, cmd *exec.Cmd) bool {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
				return true
			}
		}
		t.Logf("pid %d ended with %v", cmd.Process.Pid, err)
		return false
	case <-time.After(5 * time.Second):
		t.Errorf("pid %d still alive", cmd.Process.Pid)
		return false
	}
}

func TestCheckUnusedAndKillV1Root(t *testing.T) {
	requireRoot(t)
	if cgroups.IsCgroup2UnifiedMode() {
		t.Skip("host is pure cgroup v2 (TestCgroupV2Emulated's child covers it)")
	}
	id := uniqueID("cgtest-unused")
	spec := &specs.Spec{Linux: &specs.Linux{CgroupsPath: "/" + id}}
	m, err := NewManager(id, spec, false, false)
	if err != nil {
		t.Fatal(err)
	}
	paths := copyMap(m.GetPaths())
	cleanupPaths(t, paths)
	if err := CheckUnused(m); err != nil {
		t.Fatalf("cgroups that do not exist: %v", err)
	}

	// A process in a single hierarchy (runc would only look at devices).
	pidsDir := paths["pids"]
	if pidsDir == "" {
		t.Skip("no pids hierarchy")
	}
	if err := os.MkdirAll(pidsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	child := startSleep(t, nil)
	if err := cgroups.WriteCgroupProc(pidsDir, child.Process.Pid); err != nil {
		t.Fatal(err)
	}
	err = CheckUnused(m)
	if err == nil || err.Error() != "container's cgroup is not empty: 1 process(es) found" {
		t.Errorf("process in the pids cgroup only: %v", err)
	}
	// Everywhere, plus one in a sub-cgroup: still counted once each.
	if err := m.Apply(child.Process.Pid); err != nil {
		t.Fatal(err)
	}
	child2 := startSleep(t, nil)
	sub := filepath.Join(paths["memory"], "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := cgroups.WriteCgroupProc(sub, child2.Process.Pid); err != nil {
		t.Fatal(err)
	}
	err = CheckUnused(m)
	if err == nil || err.Error() != "container's cgroup is not empty: 2 process(es) found" {
		t.Errorf("two processes: %v", err)
	}

	// cgroup.kill of the hybrid cgroup2 hierarchy, where the kernel has it.
	if paths[""] != "" {
		if _, err := os.Stat(filepath.Join(paths[""], "cgroup.kill")); err == nil {
			if err := m.AddPid("", child2.Process.Pid); err != nil { // unified only
				t.Fatal(err)
			}
			done, err := KillAll(m)
			if !done || err != nil {
				t.Fatalf("KillAll: %v %v", done, err)
			}
			if !waitKilled(t, child) || !waitKilled(t, child2) {
				t.Error("cgroup.kill did not kill every process")
			}
		} else {
			t.Logf("no cgroup.kill on this kernel: %v", err)
		}
	}
	killCmd(child)
	killCmd(child2)
	// Let the killed processes leave their cgroups.
	for i := 0; i < 100; i++ {
		if CheckUnused(m) == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := CheckUnused(m); err != nil {
		t.Fatalf("after kill: %v", err)
	}

	// An empty but frozen cgroup.
	if err := m.Freeze(cgroups.Frozen); err != nil {
		t.Fatal(err)
	}
	err = CheckUnused(m)
	if err == nil || err.Error() != "container's cgroup unexpectedly frozen" {
		t.Errorf("frozen: %v", err)
	}
	if err := m.Freeze(cgroups.Thawed); err != nil {
		t.Fatal(err)
	}
	if err := CheckUnused(m); err != nil {
		t.Errorf("thawed: %v", err)
	}
	// No cgroup.kill (missing directory): the caller falls back.
	if err := Destroy(m); err != nil {
		t.Fatal(err)
	}
	lm, err := LoadManager(id, spec, paths, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if done, err := KillAll(lm); done || err != nil {
		t.Errorf("KillAll of removed cgroups: %v %v", done, err)
	}
}
