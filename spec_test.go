package main

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ocirun/runc/libcontainer"
	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func specNamespaceTypes(s *specs.Spec) []specs.LinuxNamespaceType {
	var out []specs.LinuxNamespaceType
	for _, ns := range s.Linux.Namespaces {
		out = append(out, ns.Type)
	}
	return out
}

func TestDefaultSpec(t *testing.T) {
	s := defaultSpec()
	if s.Version != specs.Version {
		t.Errorf("ociVersion = %q, want %q", s.Version, specs.Version)
	}
	if s.Root == nil || s.Root.Path != "rootfs" || !s.Root.Readonly {
		t.Errorf("root = %+v, want rootfs read-only", s.Root)
	}
	p := s.Process
	if p == nil {
		t.Fatal("no process")
	}
	if !p.Terminal {
		t.Error("process.terminal should be true")
	}
	if !reflect.DeepEqual(p.Args, []string{"sh"}) {
		t.Errorf("args = %q, want [sh]", p.Args)
	}
	if p.Cwd != "/" {
		t.Errorf("cwd = %q", p.Cwd)
	}
	if p.User.UID != 0 || p.User.GID != 0 {
		t.Errorf("user = %+v, want root", p.User)
	}
	if !p.NoNewPrivileges {
		t.Error("noNewPrivileges should be true")
	}
	if !slices.ContainsFunc(p.Env, func(e string) bool { return strings.HasPrefix(e, "PATH=") }) ||
		!slices.Contains(p.Env, "TERM=xterm") {
		t.Errorf("env = %q", p.Env)
	}
	if want := []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}}; !reflect.DeepEqual(p.Rlimits, want) {
		t.Errorf("rlimits = %+v, want %+v", p.Rlimits, want)
	}
	caps := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	if c := p.Capabilities; c == nil || !reflect.DeepEqual(c.Bounding, caps) ||
		!reflect.DeepEqual(c.Permitted, caps) || !reflect.DeepEqual(c.Effective, caps) ||
		len(c.Inheritable) != 0 || len(c.Ambient) != 0 {
		t.Errorf("capabilities = %+v", p.Capabilities)
	}
	if s.Hostname != "runc" {
		t.Errorf("hostname = %q", s.Hostname)
	}

	wantNS := []specs.LinuxNamespaceType{specs.PIDNamespace, specs.NetworkNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.MountNamespace}
	if cgroups.IsCgroup2UnifiedMode() {
		wantNS = append(wantNS, specs.CgroupNamespace)
	}
	if got := specNamespaceTypes(s); !reflect.DeepEqual(got, wantNS) {
		t.Errorf("namespaces = %v, want %v", got, wantNS)
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Path != "" {
			t.Errorf("namespace %s has a path %q", ns.Type, ns.Path)
		}
	}

	for _, m := range []string{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"} {
		if !slices.Contains(s.Linux.MaskedPaths, m) {
			t.Errorf("maskedPaths lacks %s", m)
		}
	}
	if want := []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}; !reflect.DeepEqual(s.Linux.ReadonlyPaths, want) {
		t.Errorf("readonlyPaths = %q, want %q", s.Linux.ReadonlyPaths, want)
	}
	if r := s.Linux.Resources; r == nil || !reflect.DeepEqual(r.Devices, []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}) {
		t.Errorf("resources = %+v, want a single deny-all device rule", s.Linux.Resources)
	}

	dests := map[string]specs.Mount{}
	for _, m := range s.Mounts {
		dests[m.Destination] = m
	}
	for dest, typ := range map[string]string{
		"/proc": "proc", "/dev": "tmpfs", "/dev/pts": "devpts", "/dev/shm": "tmpfs",
		"/dev/mqueue": "mqueue", "/sys": "sysfs", "/sys/fs/cgroup": "cgroup",
	} {
		if m, ok := dests[dest]; !ok || m.Type != typ {
			t.Errorf("mount %s = %+v, want type %s", dest, m, typ)
		}
	}
	if !slices.Contains(dests["/sys"].Options, "ro") || !slices.Contains(dests["/sys/fs/cgroup"].Options, "ro") {
		t.Error("/sys and /sys/fs/cgroup should be read-only")
	}
	if !slices.Contains(dests["/dev/pts"].Options, "newinstance") || !slices.Contains(dests["/dev/pts"].Options, "gid=5") {
		t.Errorf("/dev/pts options = %q", dests["/dev/pts"].Options)
	}

	// Two calls give independent values.
	s2 := defaultSpec()
	s2.Process.Args[0] = "changed"
	s2.Linux.MaskedPaths[0] = "changed"
	if s.Process.Args[0] != "sh" || s.Linux.MaskedPaths[0] == "changed" {
		t.Error("defaultSpec shares slices between calls")
	}
}

// What `runc spec` writes must be accepted by `runc run`.
func TestDefaultSpecIsValid(t *testing.T) {
	for _, rootless := range []bool{false, true} {
		s := defaultSpec()
		if rootless {
			toRootless(s, 1000, 1000)
		}
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := libcontainer.ParseSpec(data); err != nil {
			t.Errorf("rootless=%v: ParseSpec of the default spec: %v", rootless, err)
		}
	}
}

func TestToRootless(t *testing.T) {
	uid, gid := 1234, 5678
	if os.Geteuid() != 0 {
		uid, gid = os.Geteuid(), os.Getegid()
	}
	s := defaultSpec()
	toRootless(s, uid, gid)

	var userns int
	for _, ns := range s.Linux.Namespaces {
		switch ns.Type {
		case specs.NetworkNamespace:
			t.Error("rootless spec keeps a network namespace")
		case specs.UserNamespace:
			userns++
			if ns.Path != "" {
				t.Errorf("user namespace has a path %q", ns.Path)
			}
		}
	}
	if userns != 1 {
		t.Errorf("rootless spec has %d user namespaces, want 1", userns)
	}
	for _, want := range []specs.LinuxNamespaceType{specs.PIDNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.MountNamespace} {
		if !slices.Contains(specNamespaceTypes(s), want) {
			t.Errorf("rootless spec lost the %s namespace", want)
		}
	}
	if want := []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(uid), Size: 1}}; !reflect.DeepEqual(s.Linux.UIDMappings, want) {
		t.Errorf("uidMappings = %+v, want %+v", s.Linux.UIDMappings, want)
	}
	if want := []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(gid), Size: 1}}; !reflect.DeepEqual(s.Linux.GIDMappings, want) {
		t.Errorf("gidMappings = %+v, want %+v", s.Linux.GIDMappings, want)
	}
	if s.Linux.Resources != nil {
		t.Errorf("rootless spec has resources %+v", s.Linux.Resources)
	}
	var sawSys bool
	for _, m := range s.Mounts {
		for _, o := range m.Options {
			if strings.HasPrefix(o, "gid=") || strings.HasPrefix(o, "uid=") {
				t.Errorf("mount %s keeps option %s, which names an unmapped id", m.Destination, o)
			}
		}
		if m.Destination == "/sys" {
			sawSys = true
			if m.Type == "sysfs" || !slices.Contains(m.Options, "rbind") || !slices.Contains(m.Options, "ro") || m.Source != "/sys" {
				t.Errorf("/sys in a rootless spec should be a read-only rbind of the host's, got %+v", m)
			}
		}
	}
	if !sawSys {
		t.Error("rootless spec has no /sys mount")
	}
	// As runc's template: the cgroup mount stays (the container's own
	// cgroups, or its runtime's, bound read-only); devpts loses gid=5.
	if !slices.ContainsFunc(s.Mounts, func(m specs.Mount) bool { return m.Destination == "/sys/fs/cgroup" && m.Type == "cgroup" }) {
		t.Error("rootless spec lost the /sys/fs/cgroup mount")
	}
	for _, m := range s.Mounts {
		if m.Destination == "/dev/pts" && !slices.Equal(m.Options, []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}) {
			t.Errorf("/dev/pts options %q", m.Options)
		}
	}
	// The parts that have nothing to do with privilege are kept.
	if !s.Process.Terminal || !reflect.DeepEqual(s.Process.Args, []string{"sh"}) || !s.Process.NoNewPrivileges {
		t.Errorf("process changed: %+v", s.Process)
	}
	if len(s.Linux.MaskedPaths) == 0 || len(s.Linux.ReadonlyPaths) == 0 {
		t.Error("rootless spec lost masked or read-only paths")
	}
}

// Converting twice (or a spec that already has a user namespace) keeps one.
func TestToRootlessIdempotent(t *testing.T) {
	s := defaultSpec()
	toRootless(s, 1000, 1000)
	toRootless(s, 1000, 1000)
	n := 0
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == specs.UserNamespace {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d user namespaces after two conversions", n)
	}
}
