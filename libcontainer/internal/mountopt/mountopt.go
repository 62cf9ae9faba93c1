// Package mountopt parses the options of config.json's mounts into what
// mount(2) and mount_setattr(2) take; the runtime (checks, mount sources,
// features) and init (the mounts) read them alike.
package mountopt

import (
	"sort"

	"golang.org/x/sys/unix"
)

// Opts is a mount's options split into what mount(2) and
// mount_setattr(2) take.
type Opts struct {
	Flags     uintptr   // set by mount(2)
	Clear     uintptr   // flags explicitly cleared (rw, suid, ...)
	Propagate []uintptr // MS_SHARED etc., applied after the mount
	RecSet    uint64    // MOUNT_ATTR_* set recursively (rro, rnosuid, ...)
	RecClear  uint64
	RecAtime  bool // an r*atime option was given (MOUNT_ATTR_RELATIME is 0)
	Atime     bool // an atime option (noatime, relatime, strictatime...) was given
	Data      []string
	Bind      bool
	IDMap     bool // idmap: an id-mapped mount (the top mount of an rbind)
	RIDMap    bool // ridmap: every mount of an rbind tree id-mapped
}

// AtimeFlags are the mount flags of the atime setting, which the kernel
// treats as one (and locks as one in a user namespace).
const AtimeFlags = unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_STRICTATIME

var flagNames = map[string]struct {
	clear bool
	flag  uintptr
}{
	"defaults": {false, 0}, "ro": {false, unix.MS_RDONLY}, "rw": {true, unix.MS_RDONLY},
	"suid": {true, unix.MS_NOSUID}, "nosuid": {false, unix.MS_NOSUID},
	"dev": {true, unix.MS_NODEV}, "nodev": {false, unix.MS_NODEV},
	"exec": {true, unix.MS_NOEXEC}, "noexec": {false, unix.MS_NOEXEC},
	"sync": {false, unix.MS_SYNCHRONOUS}, "async": {true, unix.MS_SYNCHRONOUS},
	"dirsync": {false, unix.MS_DIRSYNC}, "remount": {false, unix.MS_REMOUNT},
	"mand": {false, unix.MS_MANDLOCK}, "nomand": {true, unix.MS_MANDLOCK},
	"atime": {true, unix.MS_NOATIME}, "noatime": {false, unix.MS_NOATIME},
	"diratime": {true, unix.MS_NODIRATIME}, "nodiratime": {false, unix.MS_NODIRATIME},
	"relatime": {false, unix.MS_RELATIME}, "norelatime": {true, unix.MS_RELATIME},
	"strictatime": {false, unix.MS_STRICTATIME}, "nostrictatime": {true, unix.MS_STRICTATIME},
	"bind": {false, unix.MS_BIND}, "rbind": {false, unix.MS_BIND | unix.MS_REC},
	"silent": {false, unix.MS_SILENT}, "loud": {true, unix.MS_SILENT},
	"lazytime": {false, unix.MS_LAZYTIME}, "nolazytime": {true, unix.MS_LAZYTIME},
	"iversion": {false, unix.MS_I_VERSION}, "noiversion": {true, unix.MS_I_VERSION},
	"nosymfollow": {false, unix.MS_NOSYMFOLLOW}, "symfollow": {true, unix.MS_NOSYMFOLLOW},
}

// Propagation maps the propagation options (rootfsPropagation too) to
// their mount flags.
var Propagation = map[string]uintptr{
	"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
	"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
	"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
	"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

var recAttrNames = map[string]struct {
	clear bool
	attr  uint64
}{
	"rro": {false, unix.MOUNT_ATTR_RDONLY}, "rrw": {true, unix.MOUNT_ATTR_RDONLY},
	"rnosuid": {false, unix.MOUNT_ATTR_NOSUID}, "rsuid": {true, unix.MOUNT_ATTR_NOSUID},
	"rnodev": {false, unix.MOUNT_ATTR_NODEV}, "rdev": {true, unix.MOUNT_ATTR_NODEV},
	"rnoexec": {false, unix.MOUNT_ATTR_NOEXEC}, "rexec": {true, unix.MOUNT_ATTR_NOEXEC},
	"rnodiratime": {false, unix.MOUNT_ATTR_NODIRATIME}, "rdiratime": {true, unix.MOUNT_ATTR_NODIRATIME},
	"rnoatime": {false, unix.MOUNT_ATTR_NOATIME}, "rrelatime": {false, unix.MOUNT_ATTR_RELATIME},
	"rstrictatime": {false, unix.MOUNT_ATTR_STRICTATIME},
	"rnosymfollow": {false, unix.MOUNT_ATTR_NOSYMFOLLOW}, "rsymfollow": {true, unix.MOUNT_ATTR_NOSYMFOLLOW},
}

// Parse splits a mount's options (config.json's mounts[].options).
func Parse(opts []string) Opts {
	var o Opts
	for _, opt := range opts {
		if f, ok := flagNames[opt]; ok {
			if f.clear {
				o.Flags &^= f.flag
				o.Clear |= f.flag
			} else {
				o.Flags |= f.flag
			}
			if f.flag&unix.MS_BIND != 0 {
				o.Bind = true
			}
			if f.flag&AtimeFlags != 0 {
				o.Atime = true
			}
		} else if p, ok := Propagation[opt]; ok {
			o.Propagate = append(o.Propagate, p)
		} else if a, ok := recAttrNames[opt]; ok {
			if a.clear {
				o.RecClear |= a.attr
			} else {
				o.RecSet |= a.attr
			}
			if opt == "rnoatime" || opt == "rrelatime" || opt == "rstrictatime" {
				o.RecAtime = true
			}
		} else if opt == "idmap" {
			o.IDMap = true
		} else if opt == "ridmap" {
			o.RIDMap = true
		} else if opt == "tmpcopyup" {
			// An extension handled elsewhere (or not at all yet).
		} else {
			o.Data = append(o.Data, opt)
		}
	}
	return o
}

// Names lists every option Parse knows, sorted (as `features` prints them).
func Names() []string {
	var out []string
	for k := range flagNames {
		out = append(out, k)
	}
	for k := range Propagation {
		out = append(out, k)
	}
	for k := range recAttrNames {
		out = append(out, k)
	}
	out = append(out, "idmap", "ridmap") // bind mounts only
	sort.Strings(out)
	return out
}

// IsFlag tells whether opt is one of the options mount(2) takes as a flag
// (ro, nosuid, relatime, bind, ...).
func IsFlag(opt string) bool {
	_, ok := flagNames[opt]
	return ok
}
