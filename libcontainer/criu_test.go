package libcontainer

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestParseManageCgroupsMode(t *testing.T) {
	for _, ok := range []string{"", "soft", "full", "strict", "ignore"} {
		if _, err := ParseManageCgroupsMode(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	if _, err := ParseManageCgroupsMode("props"); err == nil {
		t.Error("props accepted")
	}
	if m := cgModeOf("ignore"); m == nil || m.String() != "IGNORE" {
		t.Errorf("ignore -> %v", m)
	}
	if cgModeOf("") != nil {
		t.Error("empty mode must leave CRIU's default")
	}
}

func TestParseEmptyNs(t *testing.T) {
	m, err := ParseEmptyNs([]string{"network"})
	if err != nil || m != unix.CLONE_NEWNET {
		t.Fatalf("got %#x, %v", m, err)
	}
	for _, bad := range []string{"net", "ipc", "pid"} {
		if _, err := ParseEmptyNs([]string{"network", bad}); err == nil {
			t.Errorf("namespace %q accepted", bad)
		}
	}
}

func TestParsePageServer(t *testing.T) {
	ps, err := parsePageServer("0.0.0.0:2727")
	if err != nil || ps.GetAddress() != "0.0.0.0" || ps.GetPort() != 2727 {
		t.Fatalf("got %v, %v", ps, err)
	}
	for _, bad := range []string{"host", "host:0", "host:x", ":70000", ":2727"} {
		if _, err := parsePageServer(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestContainerPathFollowsSymlinksInRoot(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "real/sub"), 0o755)
	os.Symlink("/real", filepath.Join(root, "link"))
	os.Symlink("../../../../etc", filepath.Join(root, "escape"))
	for in, want := range map[string]string{
		"/link/sub": "/real/sub",
		"link":      "/real",
		"/plain/x":  "/plain/x",
		"/escape":   "/etc",
	} {
		if got := containerPath(root, in); got != want {
			t.Errorf("containerPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHostMounts(t *testing.T) {
	root := t.TempDir()
	spec := &specs.Spec{
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/data", Type: "bind", Source: "/srv/data"},
			{Destination: "/rel", Source: "rel", Options: []string{"rbind", "ro"}},
		},
		Linux: &specs.Linux{
			MaskedPaths: []string{"/proc/kcore"},
			Namespaces:  []specs.LinuxNamespace{{Type: specs.UserNamespace}},
			Devices:     []specs.LinuxDevice{{Path: "/dev/fuse"}},
		},
	}
	got := map[string]string{}
	for _, e := range hostMounts("/bundle", root, spec, nil) {
		got[e.key] = e.val
	}
	want := map[string]string{
		"/data": "/srv/data", "/rel": "/bundle/rel", "/proc/kcore": "/dev/null",
		"/dev/null": "/dev/null", "/dev/fuse": "/dev/fuse",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s -> %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if _, ok := got["/proc"]; ok {
		t.Error("proc is not a host mount")
	}
}

func TestExternalNamespaces(t *testing.T) {
	f := filepath.Join(t.TempDir(), "ns")
	os.WriteFile(f, nil, 0o644)
	var st unix.Stat_t
	unix.Stat(f, &st)
	spec := &specs.Spec{Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{
		{Type: specs.NetworkNamespace, Path: f}, {Type: specs.PIDNamespace}, {Type: specs.IPCNamespace, Path: f},
	}}}
	ext, err := externalNamespaces(spec)
	if err != nil || len(ext) != 1 || ext[0] != "net["+strconv.FormatUint(st.Ino, 10)+"]:extRootNetNS" {
		t.Fatalf("got %v, %v", ext, err)
	}
}
