package initproc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestCopyUp(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(src, "d/e"), 0o755))
	must(os.WriteFile(filepath.Join(src, "d/f"), []byte("data"), 0o640))
	must(unix.Chmod(filepath.Join(src, "d"), 0o2751))
	must(os.Symlink("f", filepath.Join(src, "d/l")))
	must(os.Link(filepath.Join(src, "d/f"), filepath.Join(src, "h")))
	must(unix.Mkfifo(filepath.Join(src, "p"), 0o600))
	if os.Geteuid() == 0 {
		must(os.Lchown(filepath.Join(src, "d/f"), 12, 34))
	}
	s, err := os.Open(src)
	must(err)
	defer s.Close()
	d, err := os.OpenFile(dst, unix.O_PATH|unix.O_DIRECTORY, 0)
	must(err)
	defer d.Close()
	must(copyUp(s, d))

	if b, err := os.ReadFile(filepath.Join(dst, "d/f")); err != nil || string(b) != "data" {
		t.Fatalf("d/f = %q, %v", b, err)
	}
	if l, err := os.Readlink(filepath.Join(dst, "d/l")); err != nil || l != "f" {
		t.Fatalf("d/l -> %q, %v", l, err)
	}
	var a, b unix.Stat_t
	must(unix.Stat(filepath.Join(dst, "d/f"), &a))
	must(unix.Stat(filepath.Join(dst, "h"), &b))
	if a.Ino != b.Ino || a.Nlink != 2 {
		t.Fatalf("hard link not kept: %d/%d nlink %d", a.Ino, b.Ino, a.Nlink)
	}
	if a.Mode&0o7777 != 0o640 {
		t.Fatalf("d/f mode %o", a.Mode&0o7777)
	}
	if os.Geteuid() == 0 && (a.Uid != 12 || a.Gid != 34) {
		t.Fatalf("d/f owner %d:%d", a.Uid, a.Gid)
	}
	must(unix.Stat(filepath.Join(dst, "d"), &a))
	if a.Mode&0o7777 != 0o2751 {
		t.Fatalf("d mode %o", a.Mode&0o7777)
	}
	must(unix.Lstat(filepath.Join(dst, "p"), &a))
	if a.Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Fatalf("p is not a fifo: %o", a.Mode)
	}
}

func TestCheckOrdinaryDir(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "proc"), 0o755)
	os.Symlink("/tmp", filepath.Join(dir, "sys"))
	os.Symlink("/", filepath.Join(dir, "up"))
	root, err := os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, ok := range []string{"/proc", "/missing", "/missing/deeper", "/up/proc", "/"} {
		if err := checkOrdinaryDir(root, ok, "proc"); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"/sys", "/up/sys"} {
		err := checkOrdinaryDir(root, bad, "sysfs")
		if err == nil || !strings.Contains(err.Error(), `filesystem "sysfs" must be mounted on ordinary directory`) {
			t.Errorf("%s: err = %v", bad, err)
		}
	}
}

func TestIsReadonlyDev(t *testing.T) {
	for _, tc := range []struct {
		m    specs.Mount
		want bool
	}{
		{specs.Mount{Destination: "/dev", Type: "tmpfs", Options: []string{"nosuid", "ro"}}, true},
		{specs.Mount{Destination: "/dev/", Type: "tmpfs", Options: []string{"ro"}}, true},
		{specs.Mount{Destination: "/dev", Type: "tmpfs", Options: []string{"nosuid"}}, false},
		{specs.Mount{Destination: "/dev", Type: "bind", Options: []string{"ro"}}, false},
		{specs.Mount{Destination: "/dev", Options: []string{"rbind", "ro"}}, false},
		{specs.Mount{Destination: "/dev/shm", Type: "tmpfs", Options: []string{"ro"}}, false},
	} {
		if got := isReadonlyDev(tc.m); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.m, got, tc.want)
		}
	}
	if got := withoutOption([]string{"ro", "nosuid", "ro"}, "ro"); len(got) != 1 || got[0] != "nosuid" {
		t.Errorf("withoutOption = %v", got)
	}
}
