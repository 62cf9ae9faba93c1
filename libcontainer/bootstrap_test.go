package libcontainer

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

type bootRecord struct {
	typ     uint32
	payload []byte
}

// decodeBootstrap parses what runStage sends: a u32 total length, then
// records of u32 type, u32 payload length and the payload, all in native
// byte order.
func decodeBootstrap(t *testing.T, b *bootstrap) []bootRecord {
	t.Helper()
	hdr := b.bytes()
	if len(hdr) != 4 {
		t.Fatalf("length header is %d bytes, want 4", len(hdr))
	}
	if n := binary.NativeEndian.Uint32(hdr); int(n) != len(b.buf) {
		t.Fatalf("length header says %d, body is %d bytes", n, len(b.buf))
	}
	var recs []bootRecord
	buf := b.buf
	for len(buf) > 0 {
		if len(buf) < 8 {
			t.Fatalf("truncated record header: %d bytes left", len(buf))
		}
		typ := binary.NativeEndian.Uint32(buf[:4])
		n := binary.NativeEndian.Uint32(buf[4:8])
		if int(n) > len(buf)-8 {
			t.Fatalf("record %d claims %d bytes, %d left", typ, n, len(buf)-8)
		}
		recs = append(recs, bootRecord{typ, buf[8 : 8+n]})
		buf = buf[8+n:]
	}
	return recs
}

func bootFind(recs []bootRecord, typ uint32) [][]byte {
	var out [][]byte
	for _, r := range recs {
		if r.typ == typ {
			out = append(out, r.payload)
		}
	}
	return out
}

func bootCloneFlags(t *testing.T, recs []bootRecord) uint32 {
	t.Helper()
	f := bootFind(recs, recCloneFlags)
	if len(f) != 1 || len(f[0]) != 4 {
		t.Fatalf("want exactly one 4-byte clone flags record, got %q", f)
	}
	return binary.NativeEndian.Uint32(f[0])
}

func bootSpec(ns ...specs.LinuxNamespace) *specs.Spec {
	return &specs.Spec{Linux: &specs.Linux{Namespaces: ns}}
}

func TestNamespaceBootstrapCloneFlags(t *testing.T) {
	s := bootSpec(
		specs.LinuxNamespace{Type: specs.PIDNamespace},
		specs.LinuxNamespace{Type: specs.NetworkNamespace},
		specs.LinuxNamespace{Type: specs.IPCNamespace},
		specs.LinuxNamespace{Type: specs.UTSNamespace},
		specs.LinuxNamespace{Type: specs.MountNamespace},
		specs.LinuxNamespace{Type: specs.CgroupNamespace},
		specs.LinuxNamespace{Type: specs.TimeNamespace},
	)
	b, err := namespaceBootstrap(s)
	if err != nil {
		t.Fatal(err)
	}
	recs := decodeBootstrap(t, b)
	want := uint32(unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWIPC | unix.CLONE_NEWUTS |
		unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWTIME)
	if got := bootCloneFlags(t, recs); got != want {
		t.Errorf("clone flags = %#x, want %#x", got, want)
	}
	if p := bootFind(recs, recNsPath); len(p) != 0 {
		t.Errorf("unexpected namespace paths %q", p)
	}
	if m := bootFind(recs, recUIDMap); len(m) != 0 {
		t.Errorf("unexpected uid map %q", m)
	}
}

func TestNamespaceBootstrapEmpty(t *testing.T) {
	for _, s := range []*specs.Spec{{}, bootSpec()} {
		b, err := namespaceBootstrap(s)
		if err != nil {
			t.Fatal(err)
		}
		recs := decodeBootstrap(t, b)
		if len(recs) != 1 {
			t.Errorf("records = %v, want only clone flags", recs)
		}
		if got := bootCloneFlags(t, recs); got != 0 {
			t.Errorf("clone flags = %#x, want 0", got)
		}
	}
}

func TestNamespaceBootstrapJoin(t *testing.T) {
	s := bootSpec(
		specs.LinuxNamespace{Type: specs.PIDNamespace},
		specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/var/run/netns/a"},
		specs.LinuxNamespace{Type: specs.IPCNamespace, Path: "/proc/1/ns/ipc"},
		specs.LinuxNamespace{Type: specs.MountNamespace},
		specs.LinuxNamespace{Type: specs.UserNamespace, Path: "/proc/1/ns/user"},
	)
	b, err := namespaceBootstrap(s)
	if err != nil {
		t.Fatal(err)
	}
	recs := decodeBootstrap(t, b)
	if got, want := bootCloneFlags(t, recs), uint32(unix.CLONE_NEWPID|unix.CLONE_NEWNS); got != want {
		t.Errorf("clone flags = %#x, want %#x", got, want)
	}
	var paths []string
	for _, p := range bootFind(recs, recNsPath) {
		paths = append(paths, string(p))
	}
	want := []string{"net:/var/run/netns/a", "ipc:/proc/1/ns/ipc", "user:/proc/1/ns/user"}
	slices.Sort(paths)
	slices.Sort(want)
	if !slices.Equal(paths, want) {
		t.Errorf("namespace paths = %q, want %q", paths, want)
	}
	// Joining a user namespace needs no mappings.
	if m := bootFind(recs, recUIDMap); len(m) != 0 {
		t.Errorf("unexpected uid map %q", m)
	}
}

func TestNamespaceBootstrapNsFileNames(t *testing.T) {
	for typ, file := range map[specs.LinuxNamespaceType]string{
		specs.PIDNamespace: "pid", specs.NetworkNamespace: "net", specs.MountNamespace: "mnt",
		specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts", specs.UserNamespace: "user",
		specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
	} {
		b, err := namespaceBootstrap(bootSpec(specs.LinuxNamespace{Type: typ, Path: "/x"}))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		p := bootFind(decodeBootstrap(t, b), recNsPath)
		if len(p) != 1 || string(p[0]) != file+":/x" {
			t.Errorf("%s: path records %q, want %q", typ, p, file+":/x")
		}
	}
}

func TestNamespaceBootstrapUserNamespace(t *testing.T) {
	s := bootSpec(specs.LinuxNamespace{Type: specs.UserNamespace}, specs.LinuxNamespace{Type: specs.MountNamespace})
	if _, err := namespaceBootstrap(s); err == nil {
		t.Error("new user namespace without mappings was accepted")
	}
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	if _, err := namespaceBootstrap(s); err == nil {
		t.Error("new user namespace without gid mappings was accepted")
	}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 2000, Size: 1}, {ContainerID: 1, HostID: 100000, Size: 65536}}
	b, err := namespaceBootstrap(s)
	if err != nil {
		t.Fatal(err)
	}
	recs := decodeBootstrap(t, b)
	if got, want := bootCloneFlags(t, recs), uint32(unix.CLONE_NEWUSER|unix.CLONE_NEWNS); got != want {
		t.Errorf("clone flags = %#x, want %#x", got, want)
	}
	if u := bootFind(recs, recUIDMap); len(u) != 1 || string(u[0]) != "0 1000 1\n" {
		t.Errorf("uid map records = %q", u)
	}
	if g := bootFind(recs, recGIDMap); len(g) != 1 || string(g[0]) != "0 2000 1\n1 100000 65536\n" {
		t.Errorf("gid map records = %q", g)
	}
}

func TestNamespaceBootstrapErrors(t *testing.T) {
	for name, s := range map[string]*specs.Spec{
		"duplicate": bootSpec(specs.LinuxNamespace{Type: specs.PIDNamespace}, specs.LinuxNamespace{Type: specs.PIDNamespace}),
		"duplicate new and joined": bootSpec(specs.LinuxNamespace{Type: specs.NetworkNamespace},
			specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/1/ns/net"}),
		"unknown":      bootSpec(specs.LinuxNamespace{Type: "bogus"}),
		"empty type":   bootSpec(specs.LinuxNamespace{}),
		"NUL in path":  bootSpec(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/1/ns/net\x00x"}),
		"user no maps": bootSpec(specs.LinuxNamespace{Type: specs.UserNamespace}),
		"time offsets without time namespace": {Linux: &specs.Linux{
			TimeOffsets: map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 1}},
		}},
	} {
		if _, err := namespaceBootstrap(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestNamespaceBootstrapTimeAndOOM(t *testing.T) {
	adj := -500
	s := bootSpec(specs.LinuxNamespace{Type: specs.TimeNamespace})
	s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{
		"monotonic": {Secs: 10, Nanosecs: 5},
		"boottime":  {Secs: -3},
	}
	s.Process = &specs.Process{OOMScoreAdj: &adj}
	b, err := namespaceBootstrap(s)
	if err != nil {
		t.Fatal(err)
	}
	recs := decodeBootstrap(t, b)
	off := bootFind(recs, recTimensOffsets)
	if len(off) != 1 {
		t.Fatalf("time offset records = %q", off)
	}
	lines := strings.Split(strings.TrimSuffix(string(off[0]), "\n"), "\n")
	slices.Sort(lines)
	if want := []string{"boottime -3 0", "monotonic 10 5"}; !slices.Equal(lines, want) {
		t.Errorf("time offsets = %q, want %q", lines, want)
	}
	if o := bootFind(recs, recOOMScoreAdj); len(o) != 1 || string(o[0]) != "-500" {
		t.Errorf("oom score records = %q", o)
	}
	if got := bootCloneFlags(t, recs); got != unix.CLONE_NEWTIME {
		t.Errorf("clone flags = %#x, want CLONE_NEWTIME", got)
	}
}
