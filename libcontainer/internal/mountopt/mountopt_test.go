package mountopt

import (
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseMountOptionsFlags(t *testing.T) {
	for _, tc := range []struct {
		opts  []string
		flags uintptr
		bind  bool
	}{
		{nil, 0, false},
		{[]string{"defaults"}, 0, false},
		{[]string{"ro"}, unix.MS_RDONLY, false},
		{[]string{"nosuid", "noexec", "nodev"}, unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV, false},
		{[]string{"nosuid", "strictatime"}, unix.MS_NOSUID | unix.MS_STRICTATIME, false},
		{[]string{"relatime", "ro"}, unix.MS_RELATIME | unix.MS_RDONLY, false},
		{[]string{"noatime", "nodiratime"}, unix.MS_NOATIME | unix.MS_NODIRATIME, false},
		{[]string{"sync", "dirsync", "mand"}, unix.MS_SYNCHRONOUS | unix.MS_DIRSYNC | unix.MS_MANDLOCK, false},
		{[]string{"remount", "ro"}, unix.MS_REMOUNT | unix.MS_RDONLY, false},
		{[]string{"nosymfollow", "lazytime", "iversion", "silent"}, unix.MS_NOSYMFOLLOW | unix.MS_LAZYTIME | unix.MS_I_VERSION | unix.MS_SILENT, false},
		{[]string{"bind"}, unix.MS_BIND, true},
		{[]string{"rbind"}, unix.MS_BIND | unix.MS_REC, true},
		{[]string{"rbind", "ro", "nosuid"}, unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY | unix.MS_NOSUID, true},
		// Later options override earlier ones.
		{[]string{"ro", "rw"}, 0, false},
		{[]string{"rw", "ro"}, unix.MS_RDONLY, false},
		{[]string{"nosuid", "suid"}, 0, false},
		{[]string{"nodev", "dev", "noexec", "exec"}, 0, false},
		{[]string{"noatime", "atime"}, 0, false},
		{[]string{"sync", "async"}, 0, false},
		{[]string{"strictatime", "nostrictatime"}, 0, false},
		{[]string{"relatime", "norelatime"}, 0, false},
		{[]string{"nosymfollow", "symfollow"}, 0, false},
	} {
		o := Parse(tc.opts)
		if o.Flags != tc.flags {
			t.Errorf("%q: flags = %#x, want %#x", tc.opts, o.Flags, tc.flags)
		}
		if o.Bind != tc.bind {
			t.Errorf("%q: bind = %v, want %v", tc.opts, o.Bind, tc.bind)
		}
		if len(o.Data) != 0 || len(o.Propagate) != 0 || o.RecSet != 0 || o.RecClear != 0 {
			t.Errorf("%q: unexpected extras %+v", tc.opts, o)
		}
	}
}

// Options that clear a flag are remembered, so that a bind remount does not
// put back a flag locked on the source that the user asked to drop.
func TestParseMountOptionsClear(t *testing.T) {
	o := Parse([]string{"rw", "suid", "dev", "exec"})
	want := uintptr(unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if o.Clear != want {
		t.Errorf("clear = %#x, want %#x", o.Clear, want)
	}
	if o.Flags != 0 {
		t.Errorf("flags = %#x, want 0", o.Flags)
	}
	if o := Parse([]string{"ro", "nosuid"}); o.Clear != 0 {
		t.Errorf("ro,nosuid: clear = %#x, want 0", o.Clear)
	}
}

func TestParseMountOptionsPropagation(t *testing.T) {
	for opt, want := range map[string]uintptr{
		"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
		"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
		"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
		"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
	} {
		o := Parse([]string{"bind", opt})
		if !slices.Equal(o.Propagate, []uintptr{want}) {
			t.Errorf("%s: propagate = %#x, want [%#x]", opt, o.Propagate, want)
		}
		if o.Flags != unix.MS_BIND {
			t.Errorf("%s: propagation leaked into flags %#x", opt, o.Flags)
		}
		if len(o.Data) != 0 {
			t.Errorf("%s: propagation leaked into data %q", opt, o.Data)
		}
	}
	// Several are applied in the order given.
	o := Parse([]string{"rshared", "nosuid", "rslave"})
	if !slices.Equal(o.Propagate, []uintptr{unix.MS_SHARED | unix.MS_REC, unix.MS_SLAVE | unix.MS_REC}) {
		t.Errorf("propagate = %#x", o.Propagate)
	}
}

func TestParseMountOptionsRecursive(t *testing.T) {
	for _, tc := range []struct {
		opts       []string
		set, clear uint64
	}{
		{[]string{"rro"}, unix.MOUNT_ATTR_RDONLY, 0},
		{[]string{"rnosuid"}, unix.MOUNT_ATTR_NOSUID, 0},
		{[]string{"rro", "rnosuid", "rnodev", "rnoexec"}, unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC, 0},
		{[]string{"rrw"}, 0, unix.MOUNT_ATTR_RDONLY},
		{[]string{"rsuid", "rdev", "rexec"}, 0, unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC},
		{[]string{"rnodiratime"}, unix.MOUNT_ATTR_NODIRATIME, 0},
		{[]string{"rdiratime"}, 0, unix.MOUNT_ATTR_NODIRATIME},
		{[]string{"rnosymfollow"}, unix.MOUNT_ATTR_NOSYMFOLLOW, 0},
		{[]string{"rsymfollow"}, 0, unix.MOUNT_ATTR_NOSYMFOLLOW},
	} {
		o := Parse(append([]string{"rbind"}, tc.opts...))
		if o.RecSet != tc.set || o.RecClear != tc.clear {
			t.Errorf("%q: recSet=%#x recClear=%#x, want %#x %#x", tc.opts, o.RecSet, o.RecClear, tc.set, tc.clear)
		}
		if o.Flags != unix.MS_BIND|unix.MS_REC {
			t.Errorf("%q: recursive attributes leaked into flags %#x", tc.opts, o.Flags)
		}
		if len(o.Data) != 0 {
			t.Errorf("%q: recursive attributes leaked into data %q", tc.opts, o.Data)
		}
	}
	// The atime modes ask mount_setattr for a change of the atime field.
	for _, opt := range []string{"rnoatime", "rstrictatime"} {
		if o := Parse([]string{opt}); o.RecSet == 0 {
			t.Errorf("%s: recSet = 0", opt)
		}
	}
}

// "rrelatime" must make mountEntry call mount_setattr even though
// MOUNT_ATTR_RELATIME is 0: the option is recorded as an atime change.
func TestParseMountOptionsRecursiveRelatime(t *testing.T) {
	o := Parse([]string{"rbind", "rrelatime"})
	if !o.RecAtime {
		t.Errorf("rrelatime: recAtime not set, the option would be ignored")
	}
	if o := Parse([]string{"rbind", "rnosuid"}); o.RecAtime {
		t.Errorf("rnosuid: recAtime set, want only for r*atime options")
	}
}

func TestParseMountOptionsData(t *testing.T) {
	o := Parse([]string{"nosuid", "mode=755", "strictatime", "size=65536k", "uid=0"})
	if !slices.Equal(o.Data, []string{"mode=755", "size=65536k", "uid=0"}) {
		t.Errorf("data = %q", o.Data)
	}
	if o.Flags != unix.MS_NOSUID|unix.MS_STRICTATIME {
		t.Errorf("flags = %#x", o.Flags)
	}
	// devpts options from the default spec.
	o = Parse([]string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"})
	if !slices.Equal(o.Data, []string{"newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}) {
		t.Errorf("devpts data = %q", o.Data)
	}
	// Extensions handled elsewhere are not passed to the filesystem.
	o = Parse([]string{"tmpcopyup", "idmap", "ridmap", "size=1m"})
	if !slices.Equal(o.Data, []string{"size=1m"}) {
		t.Errorf("extensions data = %q", o.Data)
	}
	// Unknown words are data, in order.
	o = Parse([]string{"lowerdir=/a:/b", "upperdir=/c", "xino=off"})
	if !slices.Equal(o.Data, []string{"lowerdir=/a:/b", "upperdir=/c", "xino=off"}) {
		t.Errorf("overlay data = %q", o.Data)
	}
}

func TestParseMountOptionsAtimeAndIDMap(t *testing.T) {
	for _, opt := range []string{"atime", "noatime", "relatime", "norelatime", "strictatime", "nostrictatime", "diratime", "nodiratime"} {
		if !Parse([]string{opt}).Atime {
			t.Errorf("%s is an atime option", opt)
		}
	}
	if Parse([]string{"ro", "nosuid", "bind"}).Atime {
		t.Error("ro,nosuid,bind has no atime option")
	}
	o := Parse([]string{"rbind", "idmap"})
	if !o.IDMap || o.RIDMap {
		t.Errorf("idmap: %+v", o)
	}
	o = Parse([]string{"rbind", "ridmap"})
	if o.IDMap || !o.RIDMap {
		t.Errorf("ridmap: %+v", o)
	}
}
