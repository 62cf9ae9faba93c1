package libcontainer

// Rootless containers: what changes when the runtime itself runs without
// privilege (a non-root user, or root inside a user namespace).
//
//   - --rootless (true, false or auto) says whether cgroup permission
//     errors are tolerated; auto turns it on for a non-root user and for
//     root in a user namespace, as runc does.
//   - The id maps of a new user namespace are written by the runtime when
//     it may (it is privileged, or the map is the single id of its own),
//     else by the setuid helpers newuidmap/newgidmap (package uidmap). An
//     unprivileged gid map of one's own gid needs setgroups denied first.
//   - The runtime binary cannot be put on a detached read-only mount
//     without privilege: it is executed as it is when the container cannot
//     write to it anyway, else from a sealed in-memory copy.
//   - Without a cgroup, the processes of a container are found through its
//     pid namespace.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/ocirun/runc/libcontainer/internal/fsx"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// ParseRootless reads the value of --rootless: a boolean (as strconv
// parses it) or "auto" (also the empty string), which is true for a
// non-root user and for root inside a user namespace.
func ParseRootless(value string) (bool, error) {
	switch strings.ToLower(value) {
	case "", "auto":
		return os.Geteuid() != 0 || RunningInUserNS(), nil
	}
	b, err := strconv.ParseBool(value)
	if err != nil {
		return false, fmt.Errorf("invalid value %q for --rootless: want true, false or auto", value)
	}
	return b, nil
}

var userNS struct {
	once sync.Once
	in   bool
}

// RunningInUserNS tells whether this process is in a user namespace other
// than the initial one (whose uid map is the whole range, identity).
func RunningInUserNS() bool {
	userNS.once.Do(func() {
		data, err := fsx.ReadFile("/proc/self/uid_map")
		if err != nil {
			return
		}
		userNS.in = !isInitialUIDMap(data)
	})
	return userNS.in
}

func isInitialUIDMap(data []byte) bool {
	f := strings.Fields(string(data))
	return len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
}

// HonorXDGRuntimeDir tells whether the default state root is
// $XDG_RUNTIME_DIR/runc rather than /run/runc: for a non-root user, and
// for root in a user namespace unless $USER says root, as runc decides.
// Real root keeps /run/runc even when XDG_RUNTIME_DIR is set.
func HonorXDGRuntimeDir() bool {
	if os.Getenv("XDG_RUNTIME_DIR") == "" {
		return false
	}
	if os.Geteuid() != 0 {
		return true
	}
	if !RunningInUserNS() {
		return false
	}
	u, ok := os.LookupEnv("USER")
	return !ok || u != "root"
}

// unprivilegedSelf is sealedSelf's way when the runtime may not make
// mounts. A binary that only root may write (or on a read-only mount) is
// out of reach of a container started without privilege, whose ids are
// the caller's own or subordinate ones: it is executed in place. Else a
// sealed copy in memory is executed, which nothing can write.
func unprivilegedSelf() (*os.File, error) {
	f, err := os.OpenFile("/proc/self/exe", unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open the runtime binary: %w", err)
	}
	var st unix.Stat_t
	var sfs unix.Statfs_t
	if unix.Fstat(int(f.Fd()), &st) == nil && unix.Fstatfs(int(f.Fd()), &sfs) == nil &&
		(sfs.Flags&unix.ST_RDONLY != 0 || (st.Uid == 0 && st.Mode&0o022 == 0)) {
		logrus.Debug("runc exeseal: using /proc/self/exe in place (read-only or writable only by root)")
		return f, nil
	}
	f.Close()
	return sealedCopyOfSelf()
}

func sealedCopyOfSelf() (*os.File, error) {
	const mfdExec = 0x10 // MFD_EXEC: executable even where memfds default to noexec
	name := "runc_cloned:/proc/self/exe"
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|mfdExec)
	if err == unix.EINVAL {
		fd, err = unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return nil, fmt.Errorf("copy the runtime binary: memfd_create: %w", err)
	}
	mem := os.NewFile(uintptr(fd), name)
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		mem.Close()
		return nil, fmt.Errorf("copy the runtime binary: %w", err)
	}
	defer src.Close()
	if _, err := io.Copy(mem, src); err != nil {
		mem.Close()
		return nil, fmt.Errorf("copy the runtime binary: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(mem.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		mem.Close()
		return nil, fmt.Errorf("seal the copy of the runtime binary: %w", err)
	}
	logrus.Debug("runc exeseal: using a sealed memfd copy of /proc/self/exe")
	return mem, nil
}

// Seams for tests.
var (
	idEuid     = os.Geteuid
	idEgid     = os.Getegid
	idHasCap   = hasEffectiveCap
	idLookTool = exec.LookPath
)

// hasEffectiveCap tells whether this process has capability c effective.
func hasEffectiveCap(c uint) bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[c/32].Effective&(1<<(c%32)) != 0
}

// idMapPlan says who writes the id maps of a new user namespace.
type idMapPlan struct {
	uidTool, gidTool string // newuidmap/newgidmap; "" when the runtime writes the map
	denySetgroups    bool   // setgroups must be denied before the gid map is written
}

// planIDMaps chooses, for each map, between a direct write (allowed with
// CAP_SETUID/CAP_SETGID, or for one id mapped to the caller's own) and the
// setuid helpers, which consult /etc/subuid and /etc/subgid.
func planIDMaps(spec *specs.Spec) (*idMapPlan, error) {
	p := &idMapPlan{}
	canSetuid, canSetgid := idHasCap(unix.CAP_SETUID), idHasCap(unix.CAP_SETGID)
	uids, gids := spec.Linux.UIDMappings, spec.Linux.GIDMappings
	if !canSetuid && !ownSingleID(uids, idEuid()) {
		tool, err := idLookTool("newuidmap")
		if err != nil {
			return nil, fmt.Errorf("uidMappings %s: an unprivileged user can only map its own uid (%d) by itself; more needs newuidmap (package uidmap) and /etc/subuid: %w",
				idMapText(uids), idEuid(), err)
		}
		p.uidTool = tool
	}
	if !canSetgid && !ownSingleID(gids, idEgid()) {
		tool, err := idLookTool("newgidmap")
		if err != nil {
			return nil, fmt.Errorf("gidMappings %s: an unprivileged user can only map its own gid (%d) by itself; more needs newgidmap (package uidmap) and /etc/subgid: %w",
				idMapText(gids), idEgid(), err)
		}
		p.gidTool = tool
	}
	// The kernel lets an unprivileged process write a gid map only once
	// setgroups(2) is denied in the namespace (it could otherwise drop
	// groups that deny it access).
	p.denySetgroups = !canSetgid && p.gidTool == ""
	return p, nil
}

func ownSingleID(m []specs.LinuxIDMapping, id int) bool {
	return len(m) == 1 && m[0].Size == 1 && int64(m[0].HostID) == int64(id)
}

// idMapText shows a map as newuidmap takes it: "0 1000 1, 1 100000 65536".
func idMapText(m []specs.LinuxIDMapping) string {
	var parts []string
	for _, e := range m {
		parts = append(parts, fmt.Sprintf("%d %d %d", e.ContainerID, e.HostID, e.Size))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// write sets the uid and gid maps of the user namespace of pid, which is
// waiting for them.
func (p *idMapPlan) write(pid int, spec *specs.Spec) error {
	if err := writeOneIDMap(pid, "uid_map", p.uidTool, spec.Linux.UIDMappings); err != nil {
		return err
	}
	return writeOneIDMap(pid, "gid_map", p.gidTool, spec.Linux.GIDMappings)
}

func writeOneIDMap(pid int, file, tool string, m []specs.LinuxIDMapping) error {
	if tool == "" {
		path := "/proc/" + strconv.Itoa(pid) + "/" + file
		if err := os.WriteFile(path, []byte(idMapString(m)), 0); err != nil {
			hint := ""
			if errors.Is(err, unix.EPERM) {
				hint = " (the host ids must exist in the runtime's own user namespace, and ranges must not overlap)"
			}
			return fmt.Errorf("write %s %s: %w%s", file, idMapText(m), err, hint)
		}
		return nil
	}
	args := []string{strconv.Itoa(pid)}
	for _, e := range m {
		args = append(args, strconv.FormatUint(uint64(e.ContainerID), 10),
			strconv.FormatUint(uint64(e.HostID), 10), strconv.FormatUint(uint64(e.Size), 10))
	}
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if msg != "" {
			msg = ": " + msg
		}
		return fmt.Errorf("%s %s (%s): %w%s", tool, idMapText(m), file, err, msg)
	}
	return nil
}

// validateRootlessEUID rejects what cannot work when the runtime runs as a
// non-root user, before anything is made.
func validateRootlessEUID(spec *specs.Spec) error {
	if !ocispec.HasNamespace(spec, specs.UserNamespace) {
		return errors.New("rootless container requires user namespaces")
	}
	if ocispec.HasNewNamespace(spec, specs.UserNamespace) {
		if len(spec.Linux.UIDMappings) == 0 {
			return errors.New("rootless containers requires at least one UID mapping")
		}
		if len(spec.Linux.GIDMappings) == 0 {
			return errors.New("rootless containers requires at least one GID mapping")
		}
	}
	for _, m := range spec.Mounts {
		if mountIsIDMapped(m) {
			return fmt.Errorf("mount %s: idmapped mounts need privilege (CAP_SYS_ADMIN in the initial user namespace); a rootless container cannot have them", m.Destination)
		}
		if !ocispec.HasNewNamespace(spec, specs.UserNamespace) {
			continue
		}
		for _, o := range m.Options {
			key, val, ok := strings.Cut(o, "=")
			if !ok || (key != "uid" && key != "gid") {
				continue
			}
			id, err := strconv.ParseUint(val, 10, 32)
			if err != nil {
				return fmt.Errorf("mount %s: invalid option %s", m.Destination, o)
			}
			maps := spec.Linux.UIDMappings
			if key == "gid" {
				maps = spec.Linux.GIDMappings
			}
			if !idMapped(maps, uint32(id)) {
				return fmt.Errorf("mount %s: option %s names a %s that the container's user namespace does not map", m.Destination, o, key)
			}
		}
	}
	return nil
}

func idMapped(m []specs.LinuxIDMapping, id uint32) bool {
	for _, e := range m {
		if id >= e.ContainerID && uint64(id) < uint64(e.ContainerID)+uint64(e.Size) {
			return true
		}
	}
	return false
}

// applyCgroup puts pid in the container's cgroups. A rootless runtime
// without access to cgroups goes on without them (the library forgets the
// paths it could not use; limits asked for then fail in Set with a clear
// error), as runc does.
func applyCgroup(m cgroups.Manager, pid int, spec *specs.Spec) error {
	defer timing.Phase("cgroup")()
	logrus.Debugf("cgroup: moving pid %d into the container's cgroups", pid)
	err := m.Apply(pid)
	if err == nil {
		return nil
	}
	if errors.Is(err, cgroups.ErrRootless) {
		logrus.Debugf("rootless: no access to (some of) the cgroups, continuing without them: %v", err)
		if !ocispec.HasNewNamespace(spec, specs.PIDNamespace) {
			logrus.Warn("a rootless container without cgroups and without a pid namespace: its processes cannot all be found to kill them")
		}
		return nil
	}
	return err
}

// pidNamespacePids lists the host pids of the processes in init's pid
// namespace (for a container with a pid namespace of its own and no
// cgroup); without one, only init itself is known.
func pidNamespacePids(initPid int, ownPidNS bool) ([]int, error) {
	if !ownPidNS {
		return []int{initPid}, nil
	}
	want, err := os.Readlink("/proc/" + strconv.Itoa(initPid) + "/ns/pid")
	if err != nil {
		return nil, fmt.Errorf("read the pid namespace of init: %w", err)
	}
	d, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, err
	}
	pids := []int{}
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		if ns, err := os.Readlink("/proc/" + n + "/ns/pid"); err == nil && ns == want {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// pruneMissingCgroups drops the cgroups a rootless runtime could not make
// (the library keeps named hierarchies it failed to join), so that what is
// recorded is what the container is in.
func pruneMissingCgroups(paths map[string]string) {
	for k, p := range paths {
		if _, err := os.Stat(p); err != nil {
			delete(paths, k)
		}
	}
}

// containerPids lists the container's processes: those of its cgroup, or,
// when it has none (rootless without a delegated cgroup), those of its pid
// namespace.
func (c *Container) containerPids(m cgroups.Manager) ([]int, error) {
	if dir := cgPidsDir(m); dir != "" && cgExists(dir) {
		return cgroupPids(m)
	}
	if !initAlive(c.state.InitPid, c.state.InitStart) {
		return []int{}, nil
	}
	return pidNamespacePids(c.state.InitPid, ocispec.HasNewNamespace(c.state.Config, specs.PIDNamespace))
}

// joinedCgroups hides the cgroups a rootless runtime could not make, so
// that the cgroup mounts show the container the cgroups it is really in
// (its runtime's, for the others).
type joinedCgroups struct{ cgroups.Manager }

func (j joinedCgroups) Path(subsys string) string {
	if p := j.Manager.Path(subsys); p != "" && cgExists(p) {
		return p
	}
	return ""
}
