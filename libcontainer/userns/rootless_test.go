package userns

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseRootless(t *testing.T) {
	auto := os.Geteuid() != 0 || runningInUserNS()
	for in, want := range map[string]bool{
		"true": true, "TRUE": true, "1": true, "t": true,
		"false": false, "0": false, "F": false,
		"auto": auto, "AUTO": auto, "": auto,
	} {
		got, err := ParseRootless(in)
		if err != nil || got != want {
			t.Errorf("ParseRootless(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"yes", "no", "maybe", "2"} {
		if _, err := ParseRootless(in); err == nil || !strings.Contains(err.Error(), "--rootless") {
			t.Errorf("ParseRootless(%q): err = %v, want an error naming --rootless", in, err)
		}
	}
}

func TestIsInitialUIDMap(t *testing.T) {
	if !isInitialUIDMap([]byte("         0          0 4294967295\n")) {
		t.Error("the identity map of the whole range is the initial namespace's")
	}
	for _, m := range []string{"0 1000 1\n", "0 0 65536\n", "0 0 4294967295\n1 1 1\n", ""} {
		if isInitialUIDMap([]byte(m)) {
			t.Errorf("%q taken for the initial user namespace's map", m)
		}
	}
}

func TestValidateRootless(t *testing.T) {
	own := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	ok := func() *specs.Spec { return mapSpec(own, own) }
	if err := ValidateRootless(ok()); err != nil {
		t.Errorf("rootless spec refused: %v", err)
	}
	for name, tc := range map[string]struct {
		edit func(*specs.Spec)
		want string
	}{
		"no userns":  {func(s *specs.Spec) { s.Linux.Namespaces = nil }, "requires user namespaces"},
		"no uid map": {func(s *specs.Spec) { s.Linux.UIDMappings = nil }, "UID mapping"},
		"no gid map": {func(s *specs.Spec) { s.Linux.GIDMappings = nil }, "GID mapping"},
		"unmapped gid": {func(s *specs.Spec) {
			s.Mounts = []specs.Mount{{Destination: "/dev/pts", Type: "devpts", Options: []string{"gid=5"}}}
		}, "gid=5"},
		"bad uid": {func(s *specs.Spec) {
			s.Mounts = []specs.Mount{{Destination: "/x", Type: "tmpfs", Options: []string{"uid=x"}}}
		}, "uid=x"},
		"idmapped mount": {func(s *specs.Spec) {
			s.Mounts = []specs.Mount{{Destination: "/x", Type: "bind", Source: "/tmp", Options: []string{"bind", "idmap"}}}
		}, "idmapped mounts need privilege"},
	} {
		s := ok()
		tc.edit(s)
		err := ValidateRootless(s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one with %q", name, err, tc.want)
		}
	}
	// A mapped id is fine; so is a joined user namespace (no maps of ours).
	s := ok()
	s.Mounts = []specs.Mount{{Destination: "/dev/pts", Type: "devpts", Options: []string{"gid=0", "uid=0"}}}
	if err := ValidateRootless(s); err != nil {
		t.Errorf("mapped ids refused: %v", err)
	}
	s = &specs.Spec{Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.UserNamespace, Path: "/proc/1/ns/user"}}}}
	if err := ValidateRootless(s); err != nil {
		t.Errorf("joined user namespace refused: %v", err)
	}
}

func TestIDMapped(t *testing.T) {
	m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}, {ContainerID: 10, HostID: 100000, Size: 5}}
	for id, want := range map[uint32]bool{0: true, 1: false, 9: false, 10: true, 14: true, 15: false} {
		if idMapped(m, id) != want {
			t.Errorf("idMapped(%d) = %v", id, !want)
		}
	}
	big := []specs.LinuxIDMapping{{ContainerID: 4294967290, HostID: 0, Size: 10}}
	if !idMapped(big, 4294967295) {
		t.Error("a range reaching the top of the id space")
	}
}
