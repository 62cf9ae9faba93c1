package initproc

import (
	"strings"
	"testing"

	"github.com/ocirun/runc/libcontainer/internal/mountopt"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestSysfsBind(t *testing.T) {
	m := sysfsBind(specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}})
	if m.Type != "bind" || m.Source != "/sys" || m.Destination != "/sys" {
		t.Errorf("mount %+v", m)
	}
	o := mountopt.Parse(m.Options)
	if !o.Bind || o.Flags&unix.MS_REC == 0 || o.Flags&unix.MS_RDONLY == 0 || o.RecSet&unix.MOUNT_ATTR_RDONLY == 0 ||
		o.Flags&(unix.MS_NOSUID|unix.MS_NOEXEC|unix.MS_NODEV) != unix.MS_NOSUID|unix.MS_NOEXEC|unix.MS_NODEV {
		t.Errorf("options %q", m.Options)
	}
	// Read-write stays read-write.
	o = mountopt.Parse(sysfsBind(specs.Mount{Destination: "/sys", Type: "sysfs", Options: []string{"rw"}}).Options)
	if o.Flags&unix.MS_RDONLY != 0 || o.RecSet != 0 {
		t.Errorf("rw sysfs became read-only: %+v", o)
	}
}

func TestFlagNames(t *testing.T) {
	if got := flagNames(unix.MS_RDONLY|unix.MS_NOSUID, false); got != "ro,nosuid" {
		t.Errorf("set names %q", got)
	}
	if got := flagNames(unix.MS_RDONLY|unix.MS_NOEXEC, true); got != "rw,exec" {
		t.Errorf("clear names %q", got)
	}
	if got := flagNames(0, false); got != "rw" {
		t.Errorf("no flags %q", got)
	}
}

func TestMountHint(t *testing.T) {
	m := specs.Mount{Destination: "/sys", Type: "sysfs"}
	if h := mountHint(unix.EPERM, m, mountopt.Opts{}, false); h != "" {
		t.Errorf("hint without a user namespace: %q", h)
	}
	if h := mountHint(unix.EPERM, m, mountopt.Opts{}, true); !strings.Contains(h, "sysfs") || !strings.Contains(h, "user namespace") {
		t.Errorf("EPERM hint %q", h)
	}
	o := mountopt.Parse([]string{"newinstance", "gid=5"})
	if h := mountHint(unix.EINVAL, specs.Mount{Type: "devpts"}, o, true); !strings.Contains(h, "gid=5") {
		t.Errorf("EINVAL hint %q", h)
	}
}
