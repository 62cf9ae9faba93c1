package userns

// The id maps of a new user namespace are written by the runtime when it
// may (it is privileged, or the map is the single id of its own), else by
// the setuid helpers newuidmap/newgidmap (package uidmap). An unprivileged
// gid map of one's own gid needs setgroups denied first.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Seams for tests.
var (
	euid     = os.Geteuid
	egid     = os.Getegid
	hasCap   = hasEffectiveCap
	lookTool = exec.LookPath
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

// MapPlan says who writes the id maps of a new user namespace. The zero
// plan has the runtime write both maps itself.
type MapPlan struct {
	uidTool, gidTool string // newuidmap/newgidmap; "" when the runtime writes the map
	// DenySetgroups: setgroups must be denied before the gid map is written.
	DenySetgroups bool
}

// PlanMaps chooses, for each map, between a direct write (allowed with
// CAP_SETUID/CAP_SETGID, or for one id mapped to the caller's own) and the
// setuid helpers, which consult /etc/subuid and /etc/subgid.
func PlanMaps(spec *specs.Spec) (*MapPlan, error) {
	p := &MapPlan{}
	canSetgid := hasCap(unix.CAP_SETGID)
	var err error
	if p.uidTool, err = mapTool("uid", spec.Linux.UIDMappings, euid(), hasCap(unix.CAP_SETUID)); err != nil {
		return nil, err
	}
	if p.gidTool, err = mapTool("gid", spec.Linux.GIDMappings, egid(), canSetgid); err != nil {
		return nil, err
	}
	// The kernel lets an unprivileged process write a gid map only once
	// setgroups(2) is denied in the namespace (it could otherwise drop
	// groups that deny it access).
	p.DenySetgroups = !canSetgid && p.gidTool == ""
	return p, nil
}

// mapTool returns the setuid helper (newuidmap or newgidmap, for kind
// "uid" or "gid") that must write map m, or "" when the runtime, with the
// capability or mapping only its own id, writes it itself.
func mapTool(kind string, m []specs.LinuxIDMapping, own int, capable bool) (string, error) {
	if capable || ownSingleID(m, own) {
		return "", nil
	}
	tool, err := lookTool("new" + kind + "map")
	if err != nil {
		return "", fmt.Errorf("%sMappings %s: an unprivileged user can only map its own %s (%d) by itself; more needs new%smap (package uidmap) and /etc/sub%s: %w",
			kind, MapText(m), kind, own, kind, kind, err)
	}
	return tool, nil
}

func ownSingleID(m []specs.LinuxIDMapping, id int) bool {
	return len(m) == 1 && m[0].Size == 1 && int64(m[0].HostID) == int64(id)
}

// MapText shows a map as newuidmap takes it: "0 1000 1, 1 100000 65536".
func MapText(m []specs.LinuxIDMapping) string {
	var parts []string
	for _, e := range m {
		parts = append(parts, fmt.Sprintf("%d %d %d", e.ContainerID, e.HostID, e.Size))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// MapString is a map as /proc/<pid>/uid_map and gid_map take it: one
// "containerID hostID size" line per range.
func MapString(m []specs.LinuxIDMapping) string {
	var sb strings.Builder
	for _, e := range m {
		fmt.Fprintf(&sb, "%d %d %d\n", e.ContainerID, e.HostID, e.Size)
	}
	return sb.String()
}

// Write sets the uid and gid maps of the user namespace of pid, which is
// waiting for them.
func (p *MapPlan) Write(pid int, spec *specs.Spec) error {
	if err := writeMap(pid, "uid_map", p.uidTool, spec.Linux.UIDMappings); err != nil {
		return err
	}
	return writeMap(pid, "gid_map", p.gidTool, spec.Linux.GIDMappings)
}

func writeMap(pid int, file, tool string, m []specs.LinuxIDMapping) error {
	if tool == "" {
		path := "/proc/" + strconv.Itoa(pid) + "/" + file
		if err := os.WriteFile(path, []byte(MapString(m)), 0); err != nil {
			hint := ""
			if errors.Is(err, unix.EPERM) {
				hint = " (the host ids must exist in the runtime's own user namespace, and ranges must not overlap)"
			}
			return fmt.Errorf("write %s %s: %w%s", file, MapText(m), err, hint)
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
		return fmt.Errorf("%s %s (%s): %w%s", tool, MapText(m), file, err, msg)
	}
	return nil
}
