package libcontainer

import (
	"errors"
	"reflect"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// LoadBrief reads what Load reads, less the config it does not keep, and
// the OCI state of both is the same.
func TestLoadBrief(t *testing.T) {
	root := t.TempDir()
	if _, err := LoadBrief(Options{Root: root}, "c1"); !errors.Is(err, ErrNotExist) {
		t.Errorf("missing container: %v, want ErrNotExist", err)
	}
	d, err := newStateDir(root, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.loadBrief(false); !errors.Is(err, ErrNotExist) {
		t.Errorf("before save: %v, want ErrNotExist", err)
	}
	spec := minimalSpec()
	spec.Annotations = map[string]string{"a": "b"}
	spec.Linux.CgroupsPath = "/x/c1"
	spec.Linux.Resources = &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr(int64(5))}}
	full := &containerState{
		ID:          "c1",
		InitPid:     4242,
		InitStart:   987654321,
		Created:     time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC),
		Bundle:      "/bundle",
		Rootfs:      "/bundle/rootfs",
		Owner:       "root",
		CgroupPaths: map[string]string{"memory": "/sys/fs/cgroup/memory/c1"},
		Systemd:     true,
		Rootless:    true,
		Config:      spec,
	}
	if err := d.save(full); err != nil {
		t.Fatal(err)
	}
	d.close()

	opts := Options{Root: root}
	c, err := LoadBrief(opts, "c1")
	if err != nil {
		t.Fatal(err)
	}
	got := *c.state
	c.Close()
	want := *full
	want.Config = &specs.Spec{Annotations: spec.Annotations, Linux: &specs.Linux{CgroupsPath: "/x/c1"}}
	if !got.Created.Equal(want.Created) {
		t.Errorf("created = %v, want %v", got.Created, want.Created)
	}
	got.Created = want.Created
	if !reflect.DeepEqual(&got, &want) {
		t.Errorf("brief state:\n got %+v\nwant %+v", got, want)
	}

	c1, err := Load(opts, "c1", false)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := LoadBrief(opts, "c1")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if s1, s2 := c1.OCIState(), c2.OCIState(); !reflect.DeepEqual(s1, s2) {
		t.Errorf("OCI state:\n Load      %+v\n LoadBrief %+v", s1, s2)
	}
}

func ptr[T any](v T) *T { return &v }

// LoadForStart keeps the brief config and the hooks, which start runs.
func TestLoadForStart(t *testing.T) {
	root := t.TempDir()
	if _, err := LoadForStart(Options{Root: root}, "c1"); !errors.Is(err, ErrNotExist) {
		t.Errorf("missing container: %v, want ErrNotExist", err)
	}
	d, err := newStateDir(root, "c1")
	if err != nil {
		t.Fatal(err)
	}
	spec := minimalSpec()
	spec.Annotations = map[string]string{"a": "b"}
	spec.Linux.CgroupsPath = "/x/c1"
	spec.Hooks = &specs.Hooks{Poststart: []specs.Hook{{Path: "/bin/true", Args: []string{"true", "x"}, Timeout: ptr(3)}}}
	if err := d.save(&containerState{ID: "c1", InitPid: 1, Config: spec}); err != nil {
		t.Fatal(err)
	}
	d.close()
	c, err := LoadForStart(Options{Root: root}, "c1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := &specs.Spec{Annotations: spec.Annotations, Linux: &specs.Linux{CgroupsPath: "/x/c1"}, Hooks: spec.Hooks}
	if !reflect.DeepEqual(c.state.Config, want) {
		t.Errorf("config:\n got %+v\nwant %+v", c.state.Config, want)
	}
}
