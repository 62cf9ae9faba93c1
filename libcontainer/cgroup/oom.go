package cgroup

// OOM kills in the memory cgroup: whether one happened (OOMKilled, for an
// init that died during create) and notifications of each (OOMNotifier, for
// `runc events`; cgroup v1: an eventfd registered for memory.oom_control
// through cgroup.event_control; cgroup v2: the oom_kill counter of
// memory.events, watched with inotify).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/fscommon"
	"golang.org/x/sys/unix"
)

// OOMKilled tells whether the memory cgroup saw an OOM kill.
func OOMKilled(m cgroups.Manager) bool {
	if m == nil {
		return false
	}
	if p := m.Path("memory"); p != "" && !IsUnified() {
		data, err := os.ReadFile(filepath.Join(p, "memory.oom_control"))
		return err == nil && fieldValue(string(data), "oom_kill") > 0
	}
	if p := m.Path(""); p != "" {
		data, err := os.ReadFile(filepath.Join(p, "memory.events"))
		return err == nil && fieldValue(string(data), "oom_kill") > 0
	}
	return false
}

func fieldValue(data, key string) int {
	for _, line := range strings.Split(data, "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok && k == key {
			var n int
			fmt.Sscan(v, &n)
			return n
		}
	}
	return 0
}

// OOMNotifier tells about OOM kills in a memory cgroup.
type OOMNotifier interface {
	// Fd becomes readable when there may be something to check.
	Fd() int
	// Check consumes what fd reported, without blocking: whether the OOM
	// killer acted since the last check, and whether the cgroup is gone.
	Check() (oom, gone bool, err error)
	Close()
}

// NewOOMNotifier watches the container's memory cgroup; it returns nil
// when the container has no memory cgroup (e.g. rootless without access).
func NewOOMNotifier(m cgroups.Manager) (OOMNotifier, error) {
	if IsUnified() {
		dir := m.Path("")
		if dir == "" || !Exists(filepath.Join(dir, "memory.events")) {
			return nil, nil
		}
		return newOOMNotifierV2(dir)
	}
	dir := m.Path("memory")
	if dir == "" || !Exists(filepath.Join(dir, "memory.oom_control")) {
		return nil, nil
	}
	return newOOMNotifierV1(dir)
}

// oomNotifierV1 is an eventfd the kernel signals on every OOM in the
// cgroup, and when the cgroup is removed.
type oomNotifierV1 struct {
	dir     string
	efd     int
	control *os.File // memory.oom_control, open as long as the eventfd is registered
}

func newOOMNotifierV1(dir string) (*oomNotifierV1, error) {
	control, err := os.Open(filepath.Join(dir, "memory.oom_control"))
	if err != nil {
		return nil, fmt.Errorf("oom notification: %w", err)
	}
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		control.Close()
		return nil, fmt.Errorf("oom notification: eventfd: %w", err)
	}
	reg := strconv.Itoa(efd) + " " + strconv.Itoa(int(control.Fd()))
	if err := os.WriteFile(filepath.Join(dir, "cgroup.event_control"), []byte(reg), 0); err != nil {
		unix.Close(efd)
		control.Close()
		return nil, fmt.Errorf("oom notification: register with %s: %w", dir, err)
	}
	return &oomNotifierV1{dir: dir, efd: efd, control: control}, nil
}

func (n *oomNotifierV1) Fd() int { return n.efd }

func (n *oomNotifierV1) Check() (bool, bool, error) {
	var buf [8]byte
	for {
		_, err := unix.Read(n.efd, buf[:])
		switch err {
		case nil:
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false, false, nil
		default:
			return false, false, fmt.Errorf("oom notification: read eventfd: %w", err)
		}
		break
	}
	// The eventfd is also signalled when the cgroup goes away.
	if !Exists(filepath.Join(n.dir, "memory.oom_control")) {
		return false, true, nil
	}
	return true, false, nil
}

func (n *oomNotifierV1) Close() {
	unix.Close(n.efd)
	n.control.Close()
}

// oomNotifierV2 watches memory.events with inotify (the kernel reports a
// modification whenever a counter changes) and compares oom_kill.
type oomNotifierV2 struct {
	dir   string
	ifd   int
	kills uint64
}

func newOOMNotifierV2(dir string) (*oomNotifierV2, error) {
	ifd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("oom notification: inotify: %w", err)
	}
	if _, err := unix.InotifyAddWatch(ifd, filepath.Join(dir, "memory.events"), unix.IN_MODIFY); err != nil {
		unix.Close(ifd)
		return nil, fmt.Errorf("oom notification: watch %s/memory.events: %w", dir, err)
	}
	n := &oomNotifierV2{dir: dir, ifd: ifd}
	// Only kills from now on count.
	if n.kills, err = n.readKills(); err != nil {
		unix.Close(ifd)
		return nil, err
	}
	return n, nil
}

func (n *oomNotifierV2) Fd() int { return n.ifd }

func (n *oomNotifierV2) readKills() (uint64, error) {
	v, err := fscommon.GetValueByKey(n.dir, "memory.events", "oom_kill")
	if err != nil {
		return 0, fmt.Errorf("oom notification: %w", err)
	}
	return v, nil
}

func (n *oomNotifierV2) Check() (bool, bool, error) {
	gone := false
	buf := make([]byte, 4096)
	for {
		k, err := unix.Read(n.ifd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil || k <= 0 {
			break
		}
		for off := 0; off+unix.SizeofInotifyEvent <= k; {
			// struct inotify_event: wd, mask, cookie, len, name[len].
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			if mask&(unix.IN_IGNORED|unix.IN_DELETE_SELF) != 0 {
				gone = true
			}
			off += unix.SizeofInotifyEvent + int(binary.NativeEndian.Uint32(buf[off+12:]))
		}
	}
	kills, err := n.readKills()
	if err != nil {
		if gone || errors.Is(err, os.ErrNotExist) {
			return false, true, nil
		}
		return false, false, err
	}
	oom := kills > n.kills
	n.kills = kills
	return oom, gone, nil
}

func (n *oomNotifierV2) Close() { unix.Close(n.ifd) }
