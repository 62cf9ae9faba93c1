package libcontainer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/ocirun/runc/libcontainer/userns"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Record and message types of the C stage (libcontainer/nsenter/nsexec.c).
const (
	recCloneFlags     = 1
	recNsPath         = 2
	recUIDMap         = 3
	recGIDMap         = 4
	recTimensOffsets  = 5
	recOOMScoreAdj    = 6
	recSetgroups      = 7 // "deny": written to /proc/self/setgroups before the maps
	msgUsermapRequest = 100
	msgUsermapAck     = 101
	msgChildPid       = 102
	msgError          = 103
)

// nsInfo maps a runtime-spec namespace type to its clone flag and the name
// of its file under /proc/<pid>/ns.
var nsInfo = map[specs.LinuxNamespaceType]struct {
	flag uintptr
	file string
}{
	specs.PIDNamespace:     {unix.CLONE_NEWPID, "pid"},
	specs.NetworkNamespace: {unix.CLONE_NEWNET, "net"},
	specs.MountNamespace:   {unix.CLONE_NEWNS, "mnt"},
	specs.IPCNamespace:     {unix.CLONE_NEWIPC, "ipc"},
	specs.UTSNamespace:     {unix.CLONE_NEWUTS, "uts"},
	specs.UserNamespace:    {unix.CLONE_NEWUSER, "user"},
	specs.CgroupNamespace:  {unix.CLONE_NEWCGROUP, "cgroup"},
	specs.TimeNamespace:    {unix.CLONE_NEWTIME, "time"},
}

type bootstrap struct {
	buf []byte
	// ids says who writes the id maps of a new user namespace (nil: the
	// runtime itself).
	ids *userns.MapPlan
}

func (b *bootstrap) add(typ uint32, payload []byte) {
	b.buf = binary.NativeEndian.AppendUint32(b.buf, typ)
	b.buf = binary.NativeEndian.AppendUint32(b.buf, uint32(len(payload)))
	b.buf = append(b.buf, payload...)
}

func (b *bootstrap) bytes() []byte {
	return binary.NativeEndian.AppendUint32(nil, uint32(len(b.buf)))
}

// validateNamespaceNeeds refuses what needs a namespace the config does
// not have: a hostname or domainname (UTS), masked or read-only paths
// (mount), id maps (user).
func validateNamespaceNeeds(spec *specs.Spec) error {
	if spec.Hostname != "" && !ocispec.HasNamespace(spec, specs.UTSNamespace) {
		return errors.New("unable to set hostname without a private UTS namespace")
	}
	if spec.Domainname != "" && !ocispec.HasNamespace(spec, specs.UTSNamespace) {
		return errors.New("unable to set domainname without a private UTS namespace")
	}
	if (len(spec.Linux.MaskedPaths) > 0 || len(spec.Linux.ReadonlyPaths) > 0) && !ocispec.HasNamespace(spec, specs.MountNamespace) {
		return errors.New("unable to restrict sys entries without a private MNT namespace")
	}
	if (len(spec.Linux.UIDMappings) > 0 || len(spec.Linux.GIDMappings) > 0) && !ocispec.HasNamespace(spec, specs.UserNamespace) {
		return errors.New("uidMappings and gidMappings require a user namespace")
	}
	return nil
}

// validateNamespaces checks the namespaces as the C stage would get them.
func validateNamespaces(spec *specs.Spec) error {
	_, err := namespaceBootstrap(spec)
	return err
}

// namespaceBootstrap encodes what the C stage must create and join.
func namespaceBootstrap(spec *specs.Spec) (*bootstrap, error) {
	b := &bootstrap{}
	var flags uint32
	if spec.Linux != nil {
		seen := map[specs.LinuxNamespaceType]bool{}
		for _, ns := range spec.Linux.Namespaces {
			info, ok := nsInfo[ns.Type]
			if !ok {
				return nil, fmt.Errorf("unknown namespace type %q", ns.Type)
			}
			if seen[ns.Type] {
				return nil, fmt.Errorf("namespace %q listed twice", ns.Type)
			}
			seen[ns.Type] = true
			if ns.Path == "" {
				flags |= uint32(info.flag)
				continue
			}
			if strings.ContainsRune(ns.Path, 0) {
				return nil, fmt.Errorf("invalid path for namespace %q", ns.Type)
			}
			b.add(recNsPath, []byte(info.file+":"+ns.Path))
		}
		if flags&unix.CLONE_NEWUSER != 0 {
			if len(spec.Linux.UIDMappings) == 0 || len(spec.Linux.GIDMappings) == 0 {
				return nil, fmt.Errorf("user namespace requires uidMappings and gidMappings")
			}
			b.add(recUIDMap, []byte(userns.MapString(spec.Linux.UIDMappings)))
			b.add(recGIDMap, []byte(userns.MapString(spec.Linux.GIDMappings)))
		}
		if len(spec.Linux.TimeOffsets) > 0 {
			if flags&unix.CLONE_NEWTIME == 0 {
				return nil, fmt.Errorf("timeOffsets require a new time namespace")
			}
			var sb strings.Builder
			for clock, off := range spec.Linux.TimeOffsets {
				fmt.Fprintf(&sb, "%s %d %d\n", clock, off.Secs, off.Nanosecs)
			}
			b.add(recTimensOffsets, []byte(sb.String()))
		}
	}
	if spec.Process != nil && spec.Process.OOMScoreAdj != nil {
		b.add(recOOMScoreAdj, []byte(strconv.Itoa(*spec.Process.OOMScoreAdj)))
	}
	b.add(recCloneFlags, binary.NativeEndian.AppendUint32(nil, flags))
	return b, nil
}

// planUserns decides how the id maps of a new user namespace get written,
// and asks the C stage to deny setgroups first when the kernel needs that.
func (b *bootstrap) planUserns(spec *specs.Spec) error {
	if !ocispec.HasNewNamespace(spec, specs.UserNamespace) {
		return nil
	}
	p, err := planIDMaps(spec)
	if err != nil {
		return err
	}
	b.ids = p
	if p.DenySetgroups {
		b.add(recSetgroups, []byte("deny"))
	}
	return nil
}

// runStage sends the bootstrap to the C stage and answers its requests
// until it reports the pid of the container's init.
func runStage(conn io.ReadWriter, b *bootstrap, spec *specs.Spec) (int, error) {
	if _, err := conn.Write(append(b.bytes(), b.buf...)); err != nil {
		return 0, fmt.Errorf("send bootstrap to init: %w", err)
	}
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return 0, fmt.Errorf("read from init's C stage: %w", err)
		}
		typ := binary.NativeEndian.Uint32(hdr[:4])
		val := binary.NativeEndian.Uint32(hdr[4:])
		switch typ {
		case msgChildPid:
			return int(int32(val)), nil
		case msgUsermapRequest:
			ids := b.ids
			if ids == nil {
				ids = &userns.MapPlan{}
			}
			if err := ids.Write(int(int32(val)), spec); err != nil {
				return 0, err
			}
			var ack [8]byte
			binary.NativeEndian.PutUint32(ack[:4], msgUsermapAck)
			if _, err := conn.Write(ack[:]); err != nil {
				return 0, err
			}
		case msgError:
			if val > 4096 {
				return 0, fmt.Errorf("init's C stage failed (message too long)")
			}
			msg := make([]byte, val)
			io.ReadFull(conn, msg)
			return 0, &initError{errors.New(string(msg))}
		default:
			return 0, fmt.Errorf("unexpected message %d from init's C stage", typ)
		}
	}
}

// planNamespaces encodes what the C stage of create makes and joins, and
// who writes the id maps of a new user namespace (a create stage).
func (cr *creation) planNamespaces() error {
	boot, err := namespaceBootstrap(cr.spec)
	if err != nil {
		return err
	}
	if err := boot.planUserns(cr.spec); err != nil {
		return err
	}
	cr.boot = boot
	return nil
}

// runCStage runs the C stage of create: it makes the namespaces and
// reports init's pid (a create stage).
func (cr *creation) runCStage() (err error) {
	cmd := cr.l.cmd
	stageTimer := timing.Phase("nsexec")
	cr.initPid, err = runStage(cr.l.sock, cr.boot, cr.spec)
	stageTimer()
	cr.stageDone = true
	if err != nil {
		cmd.Process.Kill() // it may be waiting for an answer (its id maps)
	}
	if werr := cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("init's C stage: %w", werr)
	}
	return err
}
