package libcontainer

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidNetDevName(t *testing.T) {
	for name, want := range map[string]bool{
		"eth0": true, "veth%d": true, "a-b_c.d": true, "fifteen-bytes15": true,
		"": false, ".": false, "..": false, "a/b": false, "a:b": false, "a b": false,
		"a\tb": false, "sixteen-bytes-16": false,
	} {
		if got := validNetDevName(name); got != want {
			t.Errorf("validNetDevName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestValidateNetDevices(t *testing.T) {
	spec := func(withNet bool, devs map[string]specs.LinuxNetDevice) *specs.Spec {
		s := &specs.Spec{Linux: &specs.Linux{NetDevices: devs}}
		if withNet {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.NetworkNamespace}}
		}
		return s
	}
	for _, tc := range []struct {
		name string
		s    *specs.Spec
		err  string
	}{
		{"none", spec(false, nil), ""},
		{"ok", spec(true, map[string]specs.LinuxNetDevice{"eth1": {}, "eth2": {Name: "c0"}}), ""},
		{"templates may repeat", spec(true, map[string]specs.LinuxNetDevice{"a": {Name: "n%d"}, "b": {Name: "n%d"}}), ""},
		{"no netns", spec(false, map[string]specs.LinuxNetDevice{"eth1": {}}), "without a private NET namespace"},
		{"bad host name", spec(true, map[string]specs.LinuxNetDevice{"a/b": {}}), `invalid network device name "a/b"`},
		{"bad new name", spec(true, map[string]specs.LinuxNetDevice{"eth1": {Name: "x y"}}), `invalid network device name "x y"`},
		{"same target", spec(true, map[string]specs.LinuxNetDevice{"a": {Name: "b"}, "b": {}}), "would both be named b"},
	} {
		err := validateNetDevices(tc.s)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.err)
		}
	}
}
