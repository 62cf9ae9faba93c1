package userns

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// withIDs sets the seams of PlanMaps for one test.
func withIDs(t *testing.T, uid, gid int, caps bool, tools map[string]string) {
	t.Helper()
	oe, og, oc, ol := euid, egid, hasCap, lookTool
	euid = func() int { return uid }
	egid = func() int { return gid }
	hasCap = func(uint) bool { return caps }
	lookTool = func(name string) (string, error) {
		if p, ok := tools[name]; ok {
			return p, nil
		}
		return "", errors.New("executable file not found in $PATH")
	}
	t.Cleanup(func() { euid, egid, hasCap, lookTool = oe, og, oc, ol })
}

func mapSpec(uids, gids []specs.LinuxIDMapping) *specs.Spec {
	return &specs.Spec{Linux: &specs.Linux{
		Namespaces:  []specs.LinuxNamespace{{Type: specs.UserNamespace}},
		UIDMappings: uids, GIDMappings: gids,
	}}
}

func TestPlanMaps(t *testing.T) {
	own := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	ranges := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}, {ContainerID: 1, HostID: 100000, Size: 65536}}
	tools := map[string]string{"newuidmap": "/usr/bin/newuidmap", "newgidmap": "/usr/bin/newgidmap"}

	// Privileged: every map written directly, setgroups left alone.
	withIDs(t, 0, 0, true, nil)
	p, err := PlanMaps(mapSpec(ranges, ranges))
	if err != nil || *p != (MapPlan{}) {
		t.Errorf("privileged: plan %+v, %v; want direct writes", p, err)
	}

	// Unprivileged, one's own ids: direct, with setgroups denied.
	withIDs(t, 1000, 1000, false, nil)
	p, err = PlanMaps(mapSpec(own, own))
	if err != nil || p.uidTool != "" || p.gidTool != "" || !p.DenySetgroups {
		t.Errorf("own ids: plan %+v, %v; want direct writes and setgroups denied", p, err)
	}

	// Unprivileged, several ranges: the helpers, setgroups allowed.
	withIDs(t, 1000, 1000, false, tools)
	p, err = PlanMaps(mapSpec(ranges, ranges))
	if err != nil || p.uidTool != tools["newuidmap"] || p.gidTool != tools["newgidmap"] || p.DenySetgroups {
		t.Errorf("ranges: plan %+v, %v; want newuidmap and newgidmap", p, err)
	}

	// Own uid alone, gids in ranges: direct uid map, newgidmap for gids.
	p, err = PlanMaps(mapSpec(own, ranges))
	if err != nil || p.uidTool != "" || p.gidTool == "" || p.DenySetgroups {
		t.Errorf("mixed: plan %+v, %v", p, err)
	}

	// A single id that is not one's own needs the helper too.
	other := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1001, Size: 1}}
	p, err = PlanMaps(mapSpec(other, own))
	if err != nil || p.uidTool == "" || !p.DenySetgroups {
		t.Errorf("other uid: plan %+v, %v", p, err)
	}

	// No helper installed: an error that says what to install.
	withIDs(t, 1000, 1000, false, nil)
	_, err = PlanMaps(mapSpec(ranges, own))
	if err == nil || !strings.Contains(err.Error(), "newuidmap") || !strings.Contains(err.Error(), "uidmap") ||
		!strings.Contains(err.Error(), "1 100000 65536") {
		t.Errorf("no newuidmap: err = %v", err)
	}
	_, err = PlanMaps(mapSpec(own, ranges))
	if err == nil || !strings.Contains(err.Error(), "newgidmap") {
		t.Errorf("no newgidmap: err = %v", err)
	}
}

// The helpers get the pid, then containerID hostID size for every range.
func TestWriteMapWithTool(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "fakemap")
	out := filepath.Join(dir, "args")
	script := "#!/bin/sh\necho \"$@\" > " + out + "\n"
	if err := os.WriteFile(tool, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}, {ContainerID: 1, HostID: 100000, Size: 65536}}
	if err := writeMap(4242, "uid_map", tool, m); err != nil {
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
	err := writeMap(4242, "uid_map", tool, m)
	if err == nil || !strings.Contains(err.Error(), "range not allowed") || !strings.Contains(err.Error(), "uid_map") {
		t.Errorf("err = %v", err)
	}
}

func TestMapString(t *testing.T) {
	for _, tc := range []struct {
		in   []specs.LinuxIDMapping
		want string
	}{
		{nil, ""},
		{[]specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}, "0 1000 1\n"},
		{[]specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}, {ContainerID: 65536, HostID: 0, Size: 1}},
			"0 100000 65536\n65536 0 1\n"},
		{[]specs.LinuxIDMapping{{ContainerID: 4294967295, HostID: 4294967295, Size: 4294967295}}, "4294967295 4294967295 4294967295\n"},
	} {
		if got := MapString(tc.in); got != tc.want {
			t.Errorf("MapString(%+v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
