package libcontainer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseRootless(t *testing.T) {
	auto := os.Geteuid() != 0 || RunningInUserNS()
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

// withIDs sets the seams of planIDMaps for one test.
func withIDs(t *testing.T, euid, egid int, caps bool, tools map[string]string) {
	t.Helper()
	oe, og, oc, ol := idEuid, idEgid, idHasCap, idLookTool
	idEuid = func() int { return euid }
	idEgid = func() int { return egid }
	idHasCap = func(uint) bool { return caps }
	idLookTool = func(name string) (string, error) {
		if p, ok := tools[name]; ok {
			return p, nil
		}
		return "", errors.New("executable file not found in $PATH")
	}
	t.Cleanup(func() { idEuid, idEgid, idHasCap, idLookTool = oe, og, oc, ol })
}

func mapSpec(uids, gids []specs.LinuxIDMapping) *specs.Spec {
	return &specs.Spec{Linux: &specs.Linux{
		Namespaces:  []specs.LinuxNamespace{{Type: specs.UserNamespace}},
		UIDMappings: uids, GIDMappings: gids,
	}}
}

func TestPlanIDMaps(t *testing.T) {
	own := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	ranges := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}, {ContainerID: 1, HostID: 100000, Size: 65536}}
	tools := map[string]string{"newuidmap": "/usr/bin/newuidmap", "newgidmap": "/usr/bin/newgidmap"}

	// Privileged: every map written directly, setgroups left alone.
	withIDs(t, 0, 0, true, nil)
	p, err := planIDMaps(mapSpec(ranges, ranges))
	if err != nil || *p != (idMapPlan{}) {
		t.Errorf("privileged: plan %+v, %v; want direct writes", p, err)
	}

	// Unprivileged, one's own ids: direct, with setgroups denied.
	withIDs(t, 1000, 1000, false, nil)
	p, err = planIDMaps(mapSpec(own, own))
	if err != nil || p.uidTool != "" || p.gidTool != "" || !p.denySetgroups {
		t.Errorf("own ids: plan %+v, %v; want direct writes and setgroups denied", p, err)
	}

	// Unprivileged, several ranges: the helpers, setgroups allowed.
	withIDs(t, 1000, 1000, false, tools)
	p, err = planIDMaps(mapSpec(ranges, ranges))
	if err != nil || p.uidTool != tools["newuidmap"] || p.gidTool != tools["newgidmap"] || p.denySetgroups {
		t.Errorf("ranges: plan %+v, %v; want newuidmap and newgidmap", p, err)
	}

	// Own uid alone, gids in ranges: direct uid map, newgidmap for gids.
	p, err = planIDMaps(mapSpec(own, ranges))
	if err != nil || p.uidTool != "" || p.gidTool == "" || p.denySetgroups {
		t.Errorf("mixed: plan %+v, %v", p, err)
	}

	// A single id that is not one's own needs the helper too.
	other := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1001, Size: 1}}
	p, err = planIDMaps(mapSpec(other, own))
	if err != nil || p.uidTool == "" || !p.denySetgroups {
		t.Errorf("other uid: plan %+v, %v", p, err)
	}

	// No helper installed: an error that says what to install.
	withIDs(t, 1000, 1000, false, nil)
	_, err = planIDMaps(mapSpec(ranges, own))
	if err == nil || !strings.Contains(err.Error(), "newuidmap") || !strings.Contains(err.Error(), "uidmap") ||
		!strings.Contains(err.Error(), "1 100000 65536") {
		t.Errorf("no newuidmap: err = %v", err)
	}
	_, err = planIDMaps(mapSpec(own, ranges))
	if err == nil || !strings.Contains(err.Error(), "newgidmap") {
		t.Errorf("no newgidmap: err = %v", err)
	}
}

// The bootstrap carries the setgroups record exactly when it is needed.
func TestPlanUsernsSetgroupsRecord(t *testing.T) {
	own := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	for _, tc := range []struct {
		name string
		caps bool
		want int
	}{{"unprivileged", false, 1}, {"privileged", true, 0}} {
		withIDs(t, 1000, 1000, tc.caps, nil)
		s := mapSpec(own, own)
		b, err := namespaceBootstrap(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.planUserns(s); err != nil {
			t.Fatal(err)
		}
		recs := bootFind(decodeBootstrap(t, b), recSetgroups)
		if len(recs) != tc.want || (tc.want == 1 && string(recs[0]) != "deny") {
			t.Errorf("%s: setgroups records %q, want %d \"deny\"", tc.name, recs, tc.want)
		}
	}
	// No new user namespace: nothing to plan.
	b := &bootstrap{}
	if err := b.planUserns(&specs.Spec{Linux: &specs.Linux{}}); err != nil || b.ids != nil || len(b.buf) != 0 {
		t.Errorf("without a user namespace: ids %+v, %d bytes, %v", b.ids, len(b.buf), err)
	}
}

// The helpers get the pid, then containerID hostID size for every range.
func TestWriteOneIDMapWithTool(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "fakemap")
	out := filepath.Join(dir, "args")
	script := "#!/bin/sh\necho \"$@\" > " + out + "\n"
	if err := os.WriteFile(tool, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}, {ContainerID: 1, HostID: 100000, Size: 65536}}
	if err := writeOneIDMap(4242, "uid_map", tool, m); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	if string(got) != "4242 0 1000 1 1 100000 65536\n" {
		t.Errorf("helper arguments %q", got)
	}
	// Its refusal is reported with what it said.
	if err := os.WriteFile(tool, []byte("#!/bin/sh\necho 'range not allowed' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := writeOneIDMap(4242, "uid_map", tool, m)
	if err == nil || !strings.Contains(err.Error(), "range not allowed") || !strings.Contains(err.Error(), "uid_map") {
		t.Errorf("err = %v", err)
	}
}

func TestValidateRootlessEUID(t *testing.T) {
	own := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	ok := func() *specs.Spec { return mapSpec(own, own) }
	if err := validateRootlessEUID(ok()); err != nil {
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
		err := validateRootlessEUID(s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one with %q", name, err, tc.want)
		}
	}
	// A mapped id is fine; so is a joined user namespace (no maps of ours).
	s := ok()
	s.Mounts = []specs.Mount{{Destination: "/dev/pts", Type: "devpts", Options: []string{"gid=0", "uid=0"}}}
	if err := validateRootlessEUID(s); err != nil {
		t.Errorf("mapped ids refused: %v", err)
	}
	s = &specs.Spec{Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.UserNamespace, Path: "/proc/1/ns/user"}}}}
	if err := validateRootlessEUID(s); err != nil {
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
