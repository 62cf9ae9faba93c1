package wire

import (
	"encoding/json"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// init's view of the init config is the parent's, less the parts it does
// not read.
func TestInitConfigInRoundTrip(t *testing.T) {
	limit := int64(1 << 20)
	spec := &specs.Spec{
		Version:  "1.2.0",
		Process:  &specs.Process{Args: []string{"sh"}, Cwd: "/", Env: []string{"A=b"}},
		Root:     &specs.Root{Path: "rootfs", Readonly: true},
		Hostname: "h",
		Mounts:   []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}},
		Hooks:    &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/true"}}},
		Linux: &specs.Linux{
			Namespaces:  []specs.LinuxNamespace{{Type: specs.MountNamespace}},
			Resources:   &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}},
			MaskedPaths: []string{"/proc/kcore"},
			Sysctl:      map[string]string{"net.ipv4.ip_forward": "1"},
			Seccomp: &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
				{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 1, Value: 2, Op: specs.OpEqualTo}}},
			}},
			Personality: &specs.LinuxPersonality{Domain: specs.PerLinux32},
			TimeOffsets: map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 5}},
			IntelRdt:    &specs.LinuxIntelRdt{ClosID: "x"},
			NetDevices:  map[string]specs.LinuxNetDevice{"eth1": {Name: "e"}},
		},
		Windows:     &specs.Windows{},
		Annotations: map[string]string{"a": "b"},
	}
	out := InitConfig{ID: "c", Spec: spec, Rootfs: "/r", FifoFd: 4, CgroupMounts: map[int][]CgroupMountOp{0: nil}}
	data, err := json.Marshal(&out)
	if err != nil {
		t.Fatal(err)
	}
	var in InitConfigIn
	if err := json.Unmarshal(data, &in); err != nil {
		t.Fatal(err)
	}
	got, err := in.Config()
	if err != nil {
		t.Fatal(err)
	}

	want := out
	ws := *spec
	wl := *spec.Linux
	wl.Resources = nil
	ws.Linux = &wl
	ws.Windows = nil
	want.Spec = &ws
	// What json itself turns a nil slice into.
	want.CgroupMounts = map[int][]CgroupMountOp{0: nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", got, want)
	}
	if !reflect.DeepEqual(got.Spec, want.Spec) {
		t.Errorf("spec\n%+v\nwant\n%+v", *got.Spec, *want.Spec)
	}

	// A spec without a linux section stays without one.
	spec.Linux = nil
	data, _ = json.Marshal(&InitConfig{Spec: spec})
	in = InitConfigIn{}
	if err := json.Unmarshal(data, &in); err != nil {
		t.Fatal(err)
	}
	if cfg, err := in.Config(); err != nil || cfg.Spec == nil || cfg.Spec.Linux != nil || cfg.Spec.Hostname != "h" {
		t.Errorf("without linux: %+v, %v", cfg.Spec, err)
	}
}
