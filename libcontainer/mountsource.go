package libcontainer

// The runtime's side of bind-mount sources opened on init's request
// (wire.RequestMountSource describes the exchange): a detached mount of
// the source, made in the container's mount namespace, id-mapped if asked.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/ocirun/runc/libcontainer/internal/mountopt"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/userns"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mountSourcer is the runtime's side: it answers init's requests for the
// container whose init is pid.
type mountSourcer struct {
	spec   *specs.Spec
	bundle string
	pid    int
	userns map[string]*os.File // by mapping, for id-mapped mounts
}

func newMountSourcer(spec *specs.Spec, bundle string, pid int) *mountSourcer {
	return &mountSourcer{spec: spec, bundle: bundle, pid: pid, userns: map[string]*os.File{}}
}

func (s *mountSourcer) close() {
	for _, f := range s.userns {
		f.Close()
	}
}

// source makes the detached mount for spec.Mounts[index].
func (s *mountSourcer) source(index string) (*os.File, error) {
	i, err := strconv.Atoi(index)
	if err != nil || i < 0 || i >= len(s.spec.Mounts) {
		return nil, fmt.Errorf("no mount %q in the config", index)
	}
	m := s.spec.Mounts[i]
	o := mountopt.Parse(m.Options)
	if m.Type != "bind" && !o.Bind {
		return nil, fmt.Errorf("mount %s is not a bind mount", m.Destination)
	}
	source := m.Source
	if !filepath.IsAbs(source) {
		source = filepath.Join(s.bundle, source)
	}
	var mapNS *os.File
	if userns.IsIDMapped(m) {
		if mapNS, err = s.usernsFor(m); err != nil {
			return nil, err
		}
	}
	mntns, err := os.Open("/proc/" + strconv.Itoa(s.pid) + "/ns/mnt")
	if err != nil {
		return nil, fmt.Errorf("open the container's mount namespace: %w", err)
	}
	defer mntns.Close()

	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		// This thread changes namespace for good: it is never unlocked,
		// so it ends with the goroutine.
		runtime.LockOSThread()
		f, err := openSourceIn(mntns, source, m, o, mapNS)
		done <- result{f, err}
	}()
	r := <-done
	return r.f, r.err
}

// usernsFor returns the user namespace whose mapping an id-mapped mount
// gets: its own mappings, or the container's user namespace (made by the
// runtime, or joined by path).
func (s *mountSourcer) usernsFor(m specs.Mount) (*os.File, error) {
	key := "container"
	if len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0 {
		key = userns.MapText(m.UIDMappings) + userns.MapText(m.GIDMappings)
	}
	if f, ok := s.userns[key]; ok {
		return f, nil
	}
	var f *os.File
	var err error
	if key == "container" {
		if !ocispec.HasNamespace(s.spec, specs.UserNamespace) {
			return nil, fmt.Errorf("mount %s: option idmap without uidMappings and gidMappings uses the container's user namespace mappings, but the container has no user namespace", m.Destination)
		}
		f, err = os.Open("/proc/" + strconv.Itoa(s.pid) + "/ns/user")
	} else {
		f, err = userns.ForMapping(m.UIDMappings, m.GIDMappings)
	}
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", m.Destination, err)
	}
	s.userns[key] = f
	return f, nil
}

// openSourceIn runs on a locked thread that it moves into mntns.
func openSourceIn(mntns *os.File, source string, m specs.Mount, o mountopt.Opts, mapNS *os.File) (*os.File, error) {
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return nil, fmt.Errorf("unshare fs attributes: %w", err)
	}
	if err := unix.Setns(int(mntns.Fd()), unix.CLONE_NEWNS); err != nil {
		return nil, fmt.Errorf("join the container's mount namespace: %w", err)
	}
	flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
	if o.Flags&unix.MS_REC != 0 {
		flags |= unix.AT_RECURSIVE
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, source, flags)
	if err != nil {
		return nil, fmt.Errorf("open source %s: %w", m.Source, err)
	}
	if mapNS != nil {
		at := uint(unix.AT_EMPTY_PATH)
		if userns.RecursiveIDMap(m) {
			at |= unix.AT_RECURSIVE
		}
		attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(mapNS.Fd())}
		if err := unix.MountSetattr(fd, "", at, attr); err != nil {
			unix.Close(fd)
			hint := ""
			if errors.Is(err, unix.EINVAL) {
				hint = " (the filesystem may not support idmapped mounts, or the source is already idmapped)"
			}
			return nil, fmt.Errorf("make %s an idmapped mount: %w%s", m.Source, err, hint)
		}
	}
	return os.NewFile(uintptr(fd), "mount-source:"+m.Destination), nil
}
