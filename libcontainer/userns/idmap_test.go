package userns

import (
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestIsIDMapped(t *testing.T) {
	one := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	for _, tc := range []struct {
		m    specs.Mount
		want bool
	}{
		{specs.Mount{Options: []string{"bind"}}, false},
		{specs.Mount{Options: []string{"bind", "idmap"}}, true},
		{specs.Mount{Options: []string{"rbind", "ridmap"}}, true},
		{specs.Mount{Options: []string{"bind"}, UIDMappings: one, GIDMappings: one}, true},
		{specs.Mount{Options: []string{"bind"}, GIDMappings: one}, true},
	} {
		if got := IsIDMapped(tc.m); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.m, got, tc.want)
		}
	}
}

func TestMountMappings(t *testing.T) {
	ctr := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	own := []specs.LinuxIDMapping{{ContainerID: 1000, HostID: 2000, Size: 1}}
	spec := &specs.Spec{Linux: &specs.Linux{
		Namespaces:  []specs.LinuxNamespace{{Type: specs.UserNamespace}},
		UIDMappings: ctr, GIDMappings: ctr,
	}}
	// The mount's own mappings win.
	u, g := mountMappings(spec, specs.Mount{UIDMappings: own, GIDMappings: own})
	if !reflect.DeepEqual(u, own) || !reflect.DeepEqual(g, own) {
		t.Errorf("own mappings: %v %v", u, g)
	}
	// idmap alone: the container's.
	u, g = mountMappings(spec, specs.Mount{Options: []string{"bind", "idmap"}})
	if !reflect.DeepEqual(u, ctr) || !reflect.DeepEqual(g, ctr) {
		t.Errorf("container mappings: %v %v", u, g)
	}
	// No user namespace of its own: none.
	spec.Linux.Namespaces[0].Path = "/proc/1/ns/user"
	if u, g = mountMappings(spec, specs.Mount{Options: []string{"idmap"}}); u != nil || g != nil {
		t.Errorf("joined user namespace: %v %v", u, g)
	}
}

func TestValidateMount(t *testing.T) {
	one := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	plain := &specs.Spec{Linux: &specs.Linux{}}
	userns := &specs.Spec{Linux: &specs.Linux{
		Namespaces:  []specs.LinuxNamespace{{Type: specs.UserNamespace}},
		UIDMappings: one, GIDMappings: one,
	}}
	good := []struct {
		spec *specs.Spec
		m    specs.Mount
	}{
		{plain, specs.Mount{Destination: "/a", Type: "bind"}},
		{plain, specs.Mount{Destination: "/a", Options: []string{"bind"}, UIDMappings: one, GIDMappings: one}},
		{plain, specs.Mount{Destination: "/a", Options: []string{"rbind", "ridmap"}, UIDMappings: one, GIDMappings: one}},
		{userns, specs.Mount{Destination: "/a", Type: "bind", Options: []string{"idmap"}}},
		// Joined by path: the maps are that namespace's.
		{&specs.Spec{Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.UserNamespace, Path: "/proc/1/ns/user"}}}},
			specs.Mount{Destination: "/a", Type: "bind", Options: []string{"idmap"}}},
	}
	for _, tc := range good {
		if err := ValidateMount(tc.spec, tc.m); err != nil {
			t.Errorf("%+v refused: %v", tc.m, err)
		}
	}
	bad := []struct {
		spec *specs.Spec
		m    specs.Mount
		want string
	}{
		{plain, specs.Mount{Destination: "/a", Type: "tmpfs", Options: []string{"idmap"}, UIDMappings: one, GIDMappings: one}, "only supported for bind mounts"},
		{plain, specs.Mount{Destination: "/a", Type: "bind", UIDMappings: one}, "both uidMappings and gidMappings"},
		{plain, specs.Mount{Destination: "/a", Type: "bind", GIDMappings: one}, "both uidMappings and gidMappings"},
		{plain, specs.Mount{Destination: "/a", Type: "bind", Options: []string{"idmap"}}, "no user namespace"},
		{plain, specs.Mount{Destination: "/a", Type: "bind", UIDMappings: one,
			GIDMappings: []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: 0}}}, "size 0"},
	}
	for _, tc := range bad {
		err := ValidateMount(tc.spec, tc.m)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/a") {
			t.Errorf("%+v: err = %v, want one with %q", tc.m, err, tc.want)
		}
	}
}

// The options that make a bind mount are those that carry MS_BIND.
func TestHasBindOption(t *testing.T) {
	for opts, want := range map[string]bool{
		"bind": true, "rbind": true, "ro,bind": true, "idmap,rbind": true,
		"": false, "ro": false, "idmap": false, "remount": false, "rprivate": false,
	} {
		if got := hasBindOption(strings.Split(opts, ",")); got != want {
			t.Errorf("%q: %v, want %v", opts, got, want)
		}
	}
}
