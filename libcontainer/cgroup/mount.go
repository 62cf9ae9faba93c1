package cgroup

// Planning the cgroup filesystem mounts inside a container (carried out by
// runc init).

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/sys/mountinfo"
	"github.com/ocirun/runc/libcontainer/wire"
	"github.com/opencontainers/cgroups"
	"golang.org/x/sys/unix"
)

// MountOp is one step of mounting the cgroup filesystem inside a
// container: the runtime plans it here, init carries it out, so its
// definition is part of the runtime/init contract (wire.CgroupMountOp).
type MountOp = wire.CgroupMountOp

// MountPlan describes how to mount the cgroup filesystem of a spec
// mount of type "cgroup" at dest with the given options.
//
// cgroup v1 and hybrid hosts: a tmpfs (mode=755) at dest, then one entry per
// v1 hierarchy named as on the host (dest/cpu, dest/memory, dest/systemd...):
// with a cgroup namespace a fresh cgroup mount of the hierarchy, without one
// a bind mount of the container's own cgroup directory on that hierarchy;
// then symlinks for co-mounted controllers (dest/cpu -> cpu,cpuacct), and a
// read-only remount of dest when "ro" is asked for. As runc, the cgroup2
// hierarchy of a hybrid host (/sys/fs/cgroup/unified) is not exposed.
//
// Pure cgroup v2 hosts, as runc: a cgroup2 mount, with or without a cgroup
// namespace (without one the container sees the hierarchy from its root,
// read-only by default). Where the kernel refuses that mount (EPERM or
// EBUSY: a user namespace without a cgroup namespace), a bind mount of
// Fallback instead: the container's cgroup with a cgroup namespace, the
// whole hierarchy without.
func MountPlan(m cgroups.Manager, dest string, options []string, cgroupns bool) ([]MountOp, error) {
	if m == nil {
		return nil, errors.New("cgroup mount: no cgroup manager")
	}
	dest = path.Join("/", dest)
	flags, data := mountFlags(options)
	// The kind of each step says how to mount; keep only per-mount flags.
	flags &^= unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT

	if IsUnified() {
		fallback := unifiedRoot
		if cgroupns {
			fallback = m.Path("")
			if fallback == "" || !Exists(fallback) {
				own, err := ownV2Dir()
				if err != nil {
					return nil, err
				}
				fallback = own
			}
		}
		return []MountOp{{Kind: "cgroup2", Source: "cgroup", Dest: dest, Flags: flags, Data: data, Fallback: fallback}}, nil
	}

	own, err := cgroups.ParseCgroupFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("cgroup mount: %w", err)
	}
	hierarchies, err := v1Hierarchies(own)
	if err != nil {
		return nil, err
	}
	return v1Plan(m, dest, flags, hierarchies, own, cgroupns), nil
}

// v1Plan builds the cgroup v1 plan from the host's hierarchies and the
// runtime's own cgroups (/proc/self/cgroup).
func v1Plan(m cgroups.Manager, dest string, flags uintptr, hierarchies []v1Hierarchy, own map[string]string, cgroupns bool) []MountOp {
	ops := []MountOp{{Kind: "tmpfs", Source: "tmpfs", Dest: dest, Flags: defaultMountFlags, Data: "mode=755"}}
	names := make(map[string]bool)
	var merged []string
	for _, h := range hierarchies {
		name := filepath.Base(h.Mountpoint)
		if names[name] {
			continue
		}
		names[name] = true
		sub := path.Join(dest, name)
		if cgroupns {
			ctrls := strings.Join(h.Controllers, ",")
			ops = append(ops, MountOp{
				Kind:   "cgroup",
				Source: ctrls,
				Dest:   sub,
				Flags:  defaultMountFlags | flags&unix.MS_RDONLY,
				Data:   ctrls,
			})
		} else {
			ops = append(ops, MountOp{
				Kind:   "bind",
				Source: hierarchyDir(m, h, own),
				Dest:   sub,
				Flags:  flags,
			})
		}
		if strings.Contains(name, ",") {
			merged = append(merged, name)
		}
	}
	for _, mc := range merged {
		for _, ss := range strings.Split(mc, ",") {
			if ss == "" || names[ss] {
				continue
			}
			names[ss] = true
			ops = append(ops, MountOp{Kind: "symlink", Source: mc, Dest: path.Join(dest, ss)})
		}
	}
	if flags&unix.MS_RDONLY != 0 {
		ops = append(ops, MountOp{
			Kind:  "remount-ro",
			Dest:  dest,
			Flags: unix.MS_REMOUNT | unix.MS_BIND | unix.MS_RDONLY | defaultMountFlags,
		})
	}
	return ops
}

// v1Hierarchy is one mounted cgroup v1 hierarchy.
type v1Hierarchy struct {
	Mountpoint  string
	Root        string
	Controllers []string // as in /proc/self/cgroup: "cpu", "name=systemd"
}

// v1Hierarchies lists the mounted v1 hierarchies in mount order, one
// entry per hierarchy, preferring mount points directly in /sys/fs/cgroup.
func v1Hierarchies(own map[string]string) ([]v1Hierarchy, error) {
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup"))
	if err != nil {
		return nil, fmt.Errorf("cgroup mount: read mountinfo: %w", err)
	}
	type dev struct{ major, minor int }
	var out []v1Hierarchy
	seen := make(map[dev]int)
	for _, mi := range mounts {
		var ctrls []string
		for opt := range strings.SplitSeq(mi.VFSOptions, ",") {
			if _, ok := own[opt]; ok && opt != "" && !slices.Contains(ctrls, opt) {
				ctrls = append(ctrls, opt)
			}
		}
		if len(ctrls) == 0 {
			continue
		}
		h := v1Hierarchy{Mountpoint: mi.Mountpoint, Root: mi.Root, Controllers: ctrls}
		d := dev{mi.Major, mi.Minor}
		if i, ok := seen[d]; ok {
			if filepath.Dir(out[i].Mountpoint) != unifiedRoot && filepath.Dir(h.Mountpoint) == unifiedRoot {
				out[i] = h
			}
			continue
		}
		seen[d] = len(out)
		out = append(out, h)
	}
	return out, nil
}

// hierarchyDir returns the host directory of the container's cgroup on a
// v1 hierarchy: the manager's path, or (for hierarchies the manager does not
// handle) the runtime's own cgroup, which the container inherits.
func hierarchyDir(m cgroups.Manager, h v1Hierarchy, own map[string]string) string {
	for _, c := range h.Controllers {
		if p := m.Path(c); p != "" {
			return p
		}
	}
	for _, c := range h.Controllers {
		if p, ok := own[c]; ok {
			rel, err := filepath.Rel(h.Root, p)
			if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
				return h.Mountpoint
			}
			return filepath.Join(h.Mountpoint, rel)
		}
	}
	return h.Mountpoint
}

// ownV2Dir returns the runtime's own cgroup directory on a pure v2 host.
func ownV2Dir() (string, error) {
	own, err := cgroups.ParseCgroupFile("/proc/self/cgroup")
	if err != nil {
		return "", fmt.Errorf("cgroup mount: %w", err)
	}
	p, ok := own[""]
	if !ok {
		return "", errors.New("cgroup mount: no cgroup v2 entry in /proc/self/cgroup")
	}
	return filepath.Join(unifiedRoot, p), nil
}

func Exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// mountFlags turns mount options into mount(2) flags; options that are
// not flags (and not propagation or recursive-attribute options) are
// returned comma-joined as data.
func mountFlags(options []string) (uintptr, string) {
	set := map[string]uintptr{
		"ro": unix.MS_RDONLY, "nosuid": unix.MS_NOSUID, "nodev": unix.MS_NODEV,
		"noexec": unix.MS_NOEXEC, "sync": unix.MS_SYNCHRONOUS, "dirsync": unix.MS_DIRSYNC,
		"mand": unix.MS_MANDLOCK, "noatime": unix.MS_NOATIME, "nodiratime": unix.MS_NODIRATIME,
		"relatime": unix.MS_RELATIME, "strictatime": unix.MS_STRICTATIME,
		"bind": unix.MS_BIND, "rbind": unix.MS_BIND | unix.MS_REC, "remount": unix.MS_REMOUNT,
	}
	unset := map[string]uintptr{
		"rw": unix.MS_RDONLY, "suid": unix.MS_NOSUID, "dev": unix.MS_NODEV,
		"exec": unix.MS_NOEXEC, "async": unix.MS_SYNCHRONOUS, "nomand": unix.MS_MANDLOCK,
		"atime": unix.MS_NOATIME, "diratime": unix.MS_NODIRATIME,
		"norelatime": unix.MS_RELATIME, "nostrictatime": unix.MS_STRICTATIME,
	}
	ignore := map[string]bool{
		"defaults": true, "private": true, "rprivate": true, "shared": true, "rshared": true,
		"slave": true, "rslave": true, "unbindable": true, "runbindable": true,
		"rro": true, "rrw": true, "rnosuid": true, "rsuid": true, "rnodev": true, "rdev": true,
		"rnoexec": true, "rexec": true, "rnoatime": true, "ratime": true, "rnodiratime": true,
		"rdiratime": true, "rrelatime": true, "rnorelatime": true, "rstrictatime": true,
		"rnostrictatime": true, "idmap": true, "ridmap": true, "tmpcopyup": true,
	}
	var flags uintptr
	var data []string
	for _, o := range options {
		switch {
		case set[o] != 0:
			flags |= set[o]
		case unset[o] != 0:
			flags &^= unset[o]
		case ignore[o] || o == "":
		default:
			data = append(data, o)
		}
	}
	return flags, strings.Join(data, ",")
}
