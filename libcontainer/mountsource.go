package libcontainer

// Bind-mount sources opened by the runtime, on init's request.
//
// Mounts are made in the order of config.json, and a bind mount's source
// may lie inside the container's rootfs or inside a mount made earlier in
// the list: it must be looked up in the container's mount namespace, when
// its turn comes. In a user namespace the container's root may be unable
// to read the source at all (a 0700 host directory), and an id-mapped
// mount needs privilege over the source's filesystem that only the
// runtime has. So for these, init asks the runtime:
//
//	init                                  runtime
//	{"type":"mount-source","message":"3"} ->
//	                                      in a thread that joins init's mount
//	                                      namespace: open_tree(CLONE) of the
//	                                      source of mounts[3], given the
//	                                      mapping if it is an id-mapped one
//	<- {"type":"mount-source"} + the fd (SCM_RIGHTS), or the error as message
//
// and moves the detached tree into place (move_mount(2)). One descriptor
// is in flight at a time, so any number of such mounts works under a low
// RLIMIT_NOFILE.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/ocirun/runc/libcontainer/userns"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const syncMountSource = "mount-source"

// requestMountSource (in init) asks the runtime for the source of
// spec.Mounts[index], as a detached mount.
func requestMountSource(sock *os.File, index int) (*os.File, error) {
	req, err := json.Marshal(syncMsg{Type: syncMountSource, Message: strconv.Itoa(index)})
	if err != nil {
		return nil, err
	}
	if _, err := sock.Write(append(req, '\n')); err != nil {
		return nil, fmt.Errorf("ask the runtime for a mount source: %w", err)
	}
	rc, err := sock.SyscallConn()
	if err != nil {
		return nil, err
	}
	var data []byte
	var got *os.File
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	for !bytes.HasSuffix(data, []byte("\n")) {
		var n, oobn int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
			return rerr != unix.EAGAIN
		})
		if err == nil {
			err = rerr
		}
		if err != nil {
			return nil, fmt.Errorf("receive a mount source: %w", err)
		}
		if n == 0 && oobn == 0 {
			return nil, errParentGone
		}
		data = append(data, buf[:n]...)
		if oobn > 0 {
			if msgs, perr := unix.ParseSocketControlMessage(oob[:oobn]); perr == nil {
				for i := range msgs {
					fds, _ := unix.ParseUnixRights(&msgs[i])
					for _, fd := range fds {
						if got == nil {
							got = os.NewFile(uintptr(fd), "mount-source")
						} else {
							unix.Close(fd)
						}
					}
				}
			}
		}
	}
	var reply syncMsg
	if err := json.Unmarshal(data, &reply); err != nil || reply.Type != syncMountSource {
		if got != nil {
			got.Close()
		}
		return nil, fmt.Errorf("unexpected answer from the runtime: %q", data)
	}
	if reply.Message != "" {
		if got != nil {
			got.Close()
		}
		return nil, errors.New(reply.Message)
	}
	if got == nil {
		return nil, errors.New("the runtime sent no mount source")
	}
	return got, nil
}

// needsRuntimeSource tells whether init asks the runtime for the source of
// m: every id-mapped mount, and in a user namespace every bind mount.
func needsRuntimeSource(m specs.Mount, inUserns bool) bool {
	if m.Type != "bind" && !parseMountOptions(m.Options).bind {
		return false
	}
	return inUserns || userns.IsIDMapped(m)
}

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
	o := parseMountOptions(m.Options)
	if m.Type != "bind" && !o.bind {
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
		if !hasNamespace(s.spec, specs.UserNamespace) {
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
func openSourceIn(mntns *os.File, source string, m specs.Mount, o mountOpts, mapNS *os.File) (*os.File, error) {
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return nil, fmt.Errorf("unshare fs attributes: %w", err)
	}
	if err := unix.Setns(int(mntns.Fd()), unix.CLONE_NEWNS); err != nil {
		return nil, fmt.Errorf("join the container's mount namespace: %w", err)
	}
	flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
	if o.flags&unix.MS_REC != 0 {
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

// answerMountSource sends init the answer to its request: the detached
// mount, or why there is none.
func answerMountSource(sock *os.File, f *os.File, err error) error {
	reply := syncMsg{Type: syncMountSource}
	if err != nil {
		reply.Message = err.Error()
	}
	data, merr := json.Marshal(reply)
	if merr != nil {
		return merr
	}
	data = append(data, '\n')
	var oob []byte
	if f != nil {
		oob = unix.UnixRights(int(f.Fd()))
	}
	rc, rerr := sock.SyscallConn()
	if rerr != nil {
		return rerr
	}
	var serr error
	if werr := rc.Write(func(fd uintptr) bool {
		serr = unix.Sendmsg(int(fd), data, oob, nil, 0)
		return serr != unix.EAGAIN
	}); werr != nil {
		return werr
	}
	if serr != nil {
		return fmt.Errorf("send a mount source to init: %w", serr)
	}
	return nil
}
