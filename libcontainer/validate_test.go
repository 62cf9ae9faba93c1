package libcontainer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// minimalSpec is the smallest spec ParseSpec should accept.
func minimalSpec() *specs.Spec {
	return &specs.Spec{
		Version: "1.0.2",
		Root:    &specs.Root{Path: "rootfs"},
		Process: &specs.Process{Args: []string{"sh"}, Cwd: "/"},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.MountNamespace}},
		},
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseSpecAccepts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*specs.Spec)
	}{
		{"minimal", func(*specs.Spec) {}},
		{"version 1.0.2-dev", func(s *specs.Spec) { s.Version = "1.0.2-dev" }},
		{"version 1.2.0", func(s *specs.Spec) { s.Version = "1.2.0" }},
		{"version 1.0.0", func(s *specs.Spec) { s.Version = "1.0.0" }},
		{"current version", func(s *specs.Spec) { s.Version = specs.Version }},
		{"hostname with uts", func(s *specs.Spec) {
			s.Hostname = "box"
			s.Domainname = "example.org"
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UTSNamespace})
		}},
		{"rlimits", func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 1024}, {Type: "RLIMIT_CORE", Soft: 0, Hard: 10}}
		}},
		{"user namespace with mappings", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
		}},
		{"joined namespace", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/1/ns/net"})
		}},
		{"mounts", func(s *specs.Spec) {
			s.Mounts = []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := minimalSpec()
			tc.mutate(s)
			got, err := ParseSpec(mustJSON(t, s))
			if err != nil {
				t.Fatalf("ParseSpec: %v", err)
			}
			if got.Version != s.Version || got.Process.Args[0] != "sh" {
				t.Errorf("decoded spec differs: %+v", got)
			}
		})
	}
}

func TestParseSpecRejects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*specs.Spec)
		want   string // a word the error should contain
	}{
		{"no version", func(s *specs.Spec) { s.Version = "" }, "ociVersion"},
		{"version 0.1.0", func(s *specs.Spec) { s.Version = "0.1.0" }, "0.1.0"},
		{"version 2.0.0", func(s *specs.Spec) { s.Version = "2.0.0" }, "2.0.0"},
		{"version garbage", func(s *specs.Spec) { s.Version = "abc" }, "abc"},
		{"version major only", func(s *specs.Spec) { s.Version = "1" }, "ociVersion"},
		{"no root", func(s *specs.Spec) { s.Root = nil }, "root"},
		{"empty root path", func(s *specs.Spec) { s.Root.Path = "" }, "root"},
		{"no process", func(s *specs.Spec) { s.Process = nil }, "process"},
		{"no args", func(s *specs.Spec) { s.Process.Args = nil }, "args"},
		{"empty args", func(s *specs.Spec) { s.Process.Args = []string{} }, "args"},
		{"no cwd", func(s *specs.Spec) { s.Process.Cwd = "" }, "cwd"},
		{"relative cwd", func(s *specs.Spec) { s.Process.Cwd = "tmp" }, "cwd"},
		{"no linux", func(s *specs.Spec) { s.Linux = nil }, "linux"},
		{"hostname without uts", func(s *specs.Spec) { s.Hostname = "box" }, "UTS"},
		{"domainname without uts", func(s *specs.Spec) { s.Domainname = "example.org" }, "UTS"},
		{"unknown rlimit", func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_BOGUS", Soft: 1, Hard: 1}}
		}, "RLIMIT_BOGUS"},
		{"lower-case rlimit", func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "rlimit_nofile", Soft: 1, Hard: 1}}
		}, "rlimit"},
		{"rlimit soft above hard", func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 2048, Hard: 1024}}
		}, "RLIMIT_NOFILE"},
		{"empty mount destination", func(s *specs.Spec) {
			s.Mounts = []specs.Mount{{Destination: "", Type: "tmpfs", Source: "tmpfs"}}
		}, "destination"},
		{"NUL in mount destination", func(s *specs.Spec) {
			s.Mounts = []specs.Mount{{Destination: "/a\x00b", Type: "tmpfs", Source: "tmpfs"}}
		}, "mount"},
		{"user namespace without mappings", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		}, "user"},
		{"duplicate namespace", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.PIDNamespace})
		}, "pid"},
		{"unknown namespace", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "bogus"})
		}, "bogus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := minimalSpec()
			tc.mutate(s)
			_, err := ParseSpec(mustJSON(t, s))
			if err == nil {
				t.Fatal("ParseSpec accepted the spec")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestParseSpecInvalidJSON(t *testing.T) {
	for _, in := range []string{"", "{", "not json", `{"ociVersion": 1}`, `[]`, `{"process": {"args": "sh"}}`, "null"} {
		if _, err := ParseSpec([]byte(in)); err == nil {
			t.Errorf("ParseSpec(%q) succeeded", in)
		}
	}
	_, err := ParseSpec([]byte("{"))
	if err == nil || !strings.Contains(err.Error(), "JSON") {
		t.Errorf("error for truncated JSON = %v, want it to say JSON", err)
	}
}

// runc's validator only asks that a UTS namespace be in the config: a
// joined one (with a path) is enough to set the hostname.
func TestParseSpecHostnameWithJoinedUTS(t *testing.T) {
	s := minimalSpec()
	s.Hostname = "box"
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UTSNamespace, Path: "/proc/1/ns/uts"})
	if _, err := ParseSpec(mustJSON(t, s)); err != nil {
		t.Errorf("hostname with a joined UTS namespace rejected: %v", err)
	}
}

// runc refuses maskedPaths/readonlyPaths without a mount namespace ("unable
// to restrict sys entries without a private MNT namespace"); silently
// ignoring them would leave /proc/kcore and friends visible.
func TestParseSpecMaskedPathsWithoutMountNamespace(t *testing.T) {
	s := minimalSpec()
	s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.PIDNamespace}}
	s.Linux.MaskedPaths = []string{"/proc/kcore"}
	if _, err := ParseSpec(mustJSON(t, s)); err == nil {
		t.Error("maskedPaths without a mount namespace accepted")
	}
}

// runc refuses uid/gid mappings when the config has no user namespace.
func TestParseSpecMappingsWithoutUserNamespace(t *testing.T) {
	s := minimalSpec()
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	if _, err := ParseSpec(mustJSON(t, s)); err == nil {
		t.Error("uidMappings/gidMappings without a user namespace accepted")
	}
}

func TestCheckVersion(t *testing.T) {
	for v, ok := range map[string]bool{
		"1.0.0": true, "1.0.2-dev": true, "1.2.0": true, "1.3.0": true, "1.0.0-rc5": true, specs.Version: true,
		"": false, "0.1.0": false, "0.6.0": false, "2.0.0": false, "1": false, "abc": false, "v1.0.0": false, "10.0.0": false,
	} {
		err := checkVersion(v)
		if (err == nil) != ok {
			t.Errorf("checkVersion(%q) = %v, want ok=%v", v, err, ok)
		}
	}
}

func TestLoadSpec(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadSpec(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("missing bundle: %v", err)
	}
	if _, err := LoadSpec(dir); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("bundle without config.json: %v", err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSpec(file); err == nil {
		t.Error("a file as the bundle was accepted")
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), mustJSON(t, minimalSpec()), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSpec(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Root.Path != "rootfs" {
		t.Errorf("root = %+v", s.Root)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSpec(dir); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("bad config.json: %v, want an error naming the file", err)
	}
}

// TestValidateSpecOrder pins the order of specChecks: a config with two
// errors reports the one of the earlier check, whatever the later one.
func TestValidateSpecOrder(t *testing.T) {
	// One error per check, in the order of specChecks.
	faults := []struct {
		name   string
		mutate func(*specs.Spec)
	}{
		{"version", func(s *specs.Spec) { s.Version = "" }},
		{"root", func(s *specs.Spec) { s.Root = nil }},
		{"process", func(s *specs.Spec) { s.Process.Cwd = "tmp" }},
		{"linux", func(s *specs.Spec) { s.Linux = nil }},
		{"namespace needs", func(s *specs.Spec) { s.Hostname = "box" }},
		{"mounts", func(s *specs.Spec) { s.Mounts = append(s.Mounts, specs.Mount{Destination: ""}) }},
		{"hooks", func(s *specs.Spec) { s.Hooks = &specs.Hooks{Poststop: []specs.Hook{{Path: "rel"}}} }},
		{"rlimits", func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_BOGUS", Soft: 1, Hard: 1}}
		}},
		{"namespaces", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "bogus"})
		}},
		{"net devices", func(s *specs.Spec) { s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth9": {}} }},
		{"personality", func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{Domain: "bogus"} }},
		{"sysctl", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"vm.bogus": "1"} }},
		{"sched", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: "bogus"} }},
		{"intel rdt", func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{} }},
		{"memory policy", func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{} }},
		{"lsm", func(s *specs.Spec) { s.Linux.MountLabel = "system_u:object_r:bogus_t:s0" }},
		{"seccomp", func(s *specs.Spec) { s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: "bogus"} }},
	}
	alone := make([]error, len(faults))
	for i, f := range faults {
		s := minimalSpec()
		f.mutate(s)
		if alone[i] = validateSpec(s); alone[i] == nil && f.name != "lsm" {
			t.Fatalf("%s: the fault is not refused", f.name)
		}
	}
	for i := range faults {
		for j := i + 1; j < len(faults); j++ {
			if alone[i] == nil || alone[j] == nil {
				continue // a fault this host accepts (SELinux enabled)
			}
			s := minimalSpec()
			faults[j].mutate(s) // the later one first: the earlier may remove its field
			faults[i].mutate(s)
			if err := validateSpec(s); err == nil || err.Error() != alone[i].Error() {
				t.Errorf("%s and %s: got %v, want %v", faults[i].name, faults[j].name, err, alone[i])
			}
		}
	}
}
