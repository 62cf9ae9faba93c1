package initproc

import (
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestWithMountLabel(t *testing.T) {
	const l = "system_u:object_r:container_file_t:s0:c1,c2"
	labelled := []specs.Mount{
		{Destination: "/dev", Type: "tmpfs", Options: []string{"nosuid", "mode=755"}},
		{Destination: "/dev/pts", Type: "devpts", Options: []string{"newinstance"}},
		{Destination: "/run", Type: "tmpfs"},
	}
	for _, m := range labelled {
		orig := slices.Clone(m.Options)
		got := withMountLabel(m, l)
		if !slices.Contains(got.Options, `context="`+l+`"`) {
			t.Errorf("%s: options %v lack the context", m.Destination, got.Options)
		}
		if !slices.Equal(m.Options, orig) {
			t.Errorf("%s: the spec's own options were changed", m.Destination)
		}
	}
	kept := []specs.Mount{
		{Destination: "/proc", Type: "proc"},
		{Destination: "/sys", Type: "sysfs"},
		{Destination: "/sys/fs/cgroup", Type: "cgroup"},
		{Destination: "/dev/mqueue", Type: "mqueue"},
		{Destination: "/data", Type: "bind", Source: "/x"},
		{Destination: "/data", Type: "none", Source: "/x", Options: []string{"rbind"}},
	}
	for _, m := range kept {
		if got := withMountLabel(m, l); len(got.Options) != len(m.Options) {
			t.Errorf("%s (%s): labelled: %v", m.Destination, m.Type, got.Options)
		}
	}
	if got := withMountLabel(labelled[0], ""); len(got.Options) != 2 {
		t.Errorf("no label: options %v", got.Options)
	}
}
