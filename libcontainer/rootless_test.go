package libcontainer

import (
	"strings"
	"testing"

	"github.com/ocirun/runc/libcontainer/userns"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The bootstrap carries the setgroups record exactly when the plan of the
// id maps asks for it (userns.PlanMaps decides; its tests say when).
func TestPlanUsernsSetgroupsRecord(t *testing.T) {
	own := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	orig := planIDMaps
	t.Cleanup(func() { planIDMaps = orig })
	for _, tc := range []struct {
		name string
		deny bool
		want int
	}{{"unprivileged", true, 1}, {"privileged", false, 0}} {
		planIDMaps = func(*specs.Spec) (*userns.MapPlan, error) {
			return &userns.MapPlan{DenySetgroups: tc.deny}, nil
		}
		s := &specs.Spec{Linux: &specs.Linux{
			Namespaces:  []specs.LinuxNamespace{{Type: specs.UserNamespace}},
			UIDMappings: own, GIDMappings: own,
		}}
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

func TestSysfsBind(t *testing.T) {
	m := sysfsBind(specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}})
	if m.Type != "bind" || m.Source != "/sys" || m.Destination != "/sys" {
		t.Errorf("mount %+v", m)
	}
	o := parseMountOptions(m.Options)
	if !o.bind || o.flags&unix.MS_REC == 0 || o.flags&unix.MS_RDONLY == 0 || o.recSet&unix.MOUNT_ATTR_RDONLY == 0 ||
		o.flags&(unix.MS_NOSUID|unix.MS_NOEXEC|unix.MS_NODEV) != unix.MS_NOSUID|unix.MS_NOEXEC|unix.MS_NODEV {
		t.Errorf("options %q", m.Options)
	}
	// Read-write stays read-write.
	o = parseMountOptions(sysfsBind(specs.Mount{Destination: "/sys", Type: "sysfs", Options: []string{"rw"}}).Options)
	if o.flags&unix.MS_RDONLY != 0 || o.recSet != 0 {
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

func TestParseMountOptionsAtimeAndIDMap(t *testing.T) {
	for _, opt := range []string{"atime", "noatime", "relatime", "norelatime", "strictatime", "nostrictatime", "diratime", "nodiratime"} {
		if !parseMountOptions([]string{opt}).atime {
			t.Errorf("%s is an atime option", opt)
		}
	}
	if parseMountOptions([]string{"ro", "nosuid", "bind"}).atime {
		t.Error("ro,nosuid,bind has no atime option")
	}
	o := parseMountOptions([]string{"rbind", "idmap"})
	if !o.idmap || o.ridmap {
		t.Errorf("idmap: %+v", o)
	}
	o = parseMountOptions([]string{"rbind", "ridmap"})
	if o.idmap || !o.ridmap {
		t.Errorf("ridmap: %+v", o)
	}
}

func TestMountHint(t *testing.T) {
	m := specs.Mount{Destination: "/sys", Type: "sysfs"}
	if h := mountHint(unix.EPERM, m, mountOpts{}, false); h != "" {
		t.Errorf("hint without a user namespace: %q", h)
	}
	if h := mountHint(unix.EPERM, m, mountOpts{}, true); !strings.Contains(h, "sysfs") || !strings.Contains(h, "user namespace") {
		t.Errorf("EPERM hint %q", h)
	}
	o := parseMountOptions([]string{"newinstance", "gid=5"})
	if h := mountHint(unix.EINVAL, specs.Mount{Type: "devpts"}, o, true); !strings.Contains(h, "gid=5") {
		t.Errorf("EINVAL hint %q", h)
	}
}
