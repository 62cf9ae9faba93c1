package libcontainer

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidateID(t *testing.T) {
	valid := []string{
		"a", "abc", "ABC", "0", "123", "abc_1.2-3+x", "my-container", "with.dots.", ".hidden", "..a", "a..",
		"___", "+", "-", "-leading-dash", strings.Repeat("x", 255), strings.Repeat("y", 1024),
	}
	for _, id := range valid {
		if err := ValidateID(id); err != nil {
			t.Errorf("ValidateID(%q) = %v, want nil", id, err)
		}
	}
	invalid := []string{
		"", ".", "..", "a/b", "/", "/abc", "abc/", "../x", "a b", " a", "a\n", "a\x00b", "a:b", "a@b", "a*b", "a\\b",
		"a~", "é", "日本", "a$b", "a;b", strings.Repeat("z", 1025),
	}
	for _, id := range invalid {
		if err := ValidateID(id); err == nil {
			t.Errorf("ValidateID(%q) = nil, want an error", id)
		}
	}
	if err := ValidateID(""); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("ValidateID(\"\") = %v, want an error saying the id is empty", err)
	}
}

func TestNewStateDirExists(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root") // created on demand
	d, err := newStateDir(root, "c1")
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	if fi, err := os.Stat(filepath.Join(root, "c1")); err != nil || !fi.IsDir() {
		t.Fatalf("state dir not created: %v", err)
	}
	d2, err := newStateDir(root, "c1")
	if !errors.Is(err, errExist) {
		if d2 != nil {
			d2.close()
		}
		t.Fatalf("second newStateDir = %v, want errExist", err)
	}
	if _, err := newStateDir(root, "../escape"); err == nil {
		t.Error("newStateDir accepted an invalid id")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(root), "escape")); err == nil {
		t.Error("an invalid id created a directory outside the root")
	}
}

func TestStateSaveLoad(t *testing.T) {
	root := t.TempDir()
	d, err := newStateDir(root, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.load(); !errors.Is(err, ErrNotExist) {
		t.Errorf("load before save = %v, want ErrNotExist", err)
	}
	want := &containerState{
		ID:          "c1",
		InitPid:     4242,
		InitStart:   987654321,
		Created:     time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC),
		Bundle:      "/bundle",
		Rootfs:      "/bundle/rootfs",
		Owner:       "root",
		CgroupPaths: map[string]string{"memory": "/sys/fs/cgroup/memory/c1", "": "/sys/fs/cgroup/unified/c1"},
		Systemd:     true,
		Rootless:    true,
		Config:      minimalSpec(),
	}
	if err := d.save(want); err != nil {
		t.Fatal(err)
	}
	d.close()

	d, err = openStateDir(root, "c1", false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	got, err := d.load()
	if err != nil {
		t.Fatal(err)
	}
	if !got.Created.Equal(want.Created) {
		t.Errorf("created = %v, want %v", got.Created, want.Created)
	}
	got.Created = want.Created
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}

	// Saving again replaces the file and leaves nothing else behind.
	want.InitPid = 1
	if err := d.save(want); err != nil {
		t.Fatal(err)
	}
	if got, err := d.load(); err != nil || got.InitPid != 1 {
		t.Errorf("after second save: %+v, %v", got, err)
	}
	entries, err := os.ReadDir(filepath.Join(root, "c1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != stateFile {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("state dir holds %q, want only %s", names, stateFile)
	}
	fi, err := os.Stat(filepath.Join(root, "c1", stateFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode = %v, want 0600", fi.Mode().Perm())
	}

	// A corrupt state file is an error, not ErrNotExist.
	if err := os.WriteFile(filepath.Join(root, "c1", stateFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.load(); err == nil || errors.Is(err, ErrNotExist) {
		t.Errorf("load of a corrupt state file = %v", err)
	}
}

func TestOpenStateDirMissing(t *testing.T) {
	root := t.TempDir()
	if _, err := openStateDir(root, "nope", false); !errors.Is(err, ErrNotExist) {
		t.Errorf("missing id: %v, want ErrNotExist", err)
	}
	if _, err := openStateDir(filepath.Join(root, "no-root"), "nope", true); !errors.Is(err, ErrNotExist) {
		t.Errorf("missing root: %v, want ErrNotExist", err)
	}
	// A file or a symlink where the directory should be is not a container.
	if err := os.WriteFile(filepath.Join(root, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openStateDir(root, "file", false); !errors.Is(err, ErrNotExist) {
		t.Errorf("file: %v, want ErrNotExist", err)
	}
	if err := os.Mkdir(filepath.Join(root, "real"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if d, err := openStateDir(root, "link", false); !errors.Is(err, ErrNotExist) {
		if d != nil {
			d.close()
		}
		t.Errorf("symlink: %v, want ErrNotExist", err)
	}
	if _, err := openStateDir(root, "..", false); err == nil || errors.Is(err, ErrNotExist) {
		t.Errorf("invalid id: %v, want an id error", err)
	}
}

// An exclusive lock (held from creation) makes a shared opener wait.
func TestStateDirLocking(t *testing.T) {
	root := t.TempDir()
	d, err := newStateDir(root, "c1")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *stateDir, 1)
	go func() {
		d2, err := openStateDir(root, "c1", false)
		if err != nil {
			t.Error(err)
		}
		got <- d2
	}()
	select {
	case d2 := <-got:
		d.close()
		if d2 != nil {
			d2.close()
		}
		t.Fatal("shared open did not wait for the exclusive lock")
	case <-time.After(200 * time.Millisecond):
	}
	d.close()
	select {
	case d2 := <-got:
		if d2 == nil {
			return
		}
		// Two shared locks coexist.
		d3, err := openStateDir(root, "c1", false)
		if err != nil {
			t.Fatal(err)
		}
		d3.close()
		d2.close()
	case <-time.After(10 * time.Second):
		t.Fatal("shared open still blocked after the exclusive lock was released")
	}
}

func TestStateDirRemove(t *testing.T) {
	root := t.TempDir()
	d, err := newStateDir(root, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.save(&containerState{ID: "c1"}); err != nil {
		t.Fatal(err)
	}
	if err := d.remove(); err != nil {
		t.Fatal(err)
	}
	d.close()
	d.close() // closing twice is harmless
	if _, err := openStateDir(root, "c1", false); !errors.Is(err, ErrNotExist) {
		t.Errorf("after remove: %v, want ErrNotExist", err)
	}
}

func TestList(t *testing.T) {
	root := t.TempDir()
	for _, id := range []string{"zeta", "alpha", "m_1.2-3+x", "Beta"} {
		d, err := newStateDir(root, id)
		if err != nil {
			t.Fatal(err)
		}
		d.close()
	}
	// Things that are not containers.
	if err := os.Mkdir(filepath.Join(root, "bad name"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "bad@name"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "afile"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("alpha", filepath.Join(root, "alias")); err != nil {
		t.Fatal(err)
	}
	ids, err := List(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Beta", "alpha", "m_1.2-3+x", "zeta"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("List = %q, want %q", ids, want)
	}
	ids, err = List(filepath.Join(root, "missing"))
	if err != nil || len(ids) != 0 {
		t.Errorf("List of a missing root = %q, %v; want empty, nil", ids, err)
	}
	ids, err = List(t.TempDir())
	if err != nil || len(ids) != 0 {
		t.Errorf("List of an empty root = %q, %v", ids, err)
	}
}

func TestWritePidFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pid")
	if err := writePidFile(p, 12345); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "12345" {
		t.Errorf("pid file = %q, want %q (no newline)", data, "12345")
	}
	// Overwrite, with a shorter pid: no leftover bytes, no temp files.
	if err := writePidFile(p, 7); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(p); string(data) != "7" {
		t.Errorf("pid file after overwrite = %q", data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("dir holds %d entries, want just the pid file", len(entries))
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("pid file mode: %v %v", fi.Mode(), err)
	}

	// A relative path is taken from the working directory.
	t.Chdir(dir)
	if err := writePidFile("rel.pid", os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "rel.pid")); string(data) != strconv.Itoa(os.Getpid()) {
		t.Errorf("relative pid file = %q", data)
	}
	if err := writePidFile(filepath.Join(dir, "missing", "pid"), 1); err == nil {
		t.Error("pid file in a missing directory: no error")
	}
}

// The spec stored in the state is the one the container was created with.
func TestStateConfigRoundTrip(t *testing.T) {
	s := minimalSpec()
	s.Annotations = map[string]string{"k": "v"}
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/1/ns/net"})
	root := t.TempDir()
	d, err := newStateDir(root, "c")
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	if err := d.save(&containerState{ID: "c", Config: s}); err != nil {
		t.Fatal(err)
	}
	got, err := d.load()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Config, s) {
		t.Errorf("config round trip:\n got %+v\nwant %+v", got.Config, s)
	}
}
