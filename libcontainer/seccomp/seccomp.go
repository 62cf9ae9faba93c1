// Package seccomp turns a runtime-spec linux.seccomp profile into a
// seccomp filter and loads it: it checks profiles, compiles them with
// libseccomp (plus an ENOSYS stub for newer syscalls), loads the program
// with seccomp(2), and says what the linked libseccomp and the running
// kernel support. Handing a notify listener to the seccomp agent is the
// caller's.
package seccomp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"unsafe"

	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// How linux.seccomp becomes a filter: libseccomp compiles the profile, we
// export its cBPF program, put a short stub in front of it that answers
// system calls newer than the profile with ENOSYS (see enosysStub), and load
// the result with seccomp(2) ourselves. Loading it ourselves is what lets us
// choose the flags, and get the listener descriptor of SCMP_ACT_NOTIFY.

var actions = map[specs.LinuxSeccompAction]libseccomp.ScmpAction{
	specs.ActKill:        libseccomp.ActKillThread, // SCMP_ACT_KILL is the thread kill
	specs.ActKillThread:  libseccomp.ActKillThread,
	specs.ActKillProcess: libseccomp.ActKillProcess,
	specs.ActTrap:        libseccomp.ActTrap,
	specs.ActErrno:       libseccomp.ActErrno,
	specs.ActTrace:       libseccomp.ActTrace,
	specs.ActAllow:       libseccomp.ActAllow,
	specs.ActLog:         libseccomp.ActLog,
	specs.ActNotify:      libseccomp.ActNotify,
}

var ops = map[specs.LinuxSeccompOperator]libseccomp.ScmpCompareOp{
	specs.OpNotEqual:     libseccomp.CompareNotEqual,
	specs.OpLessThan:     libseccomp.CompareLess,
	specs.OpLessEqual:    libseccomp.CompareLessOrEqual,
	specs.OpEqualTo:      libseccomp.CompareEqual,
	specs.OpGreaterEqual: libseccomp.CompareGreaterEqual,
	specs.OpGreaterThan:  libseccomp.CompareGreater,
	specs.OpMaskedEqual:  libseccomp.CompareMaskedEqual,
}

// flagTsync is in the runtime spec but has no constant in specs-go.
const flagTsync specs.LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_TSYNC"

// flags are the filter flags we know, with the bit each one asks
// seccomp(2) for. TSYNC asks for none: the filter is loaded on the thread
// that execs the container's process, and init's other threads (all of
// them the Go runtime's) end at that execve anyway. Synchronising them
// would only let a notified syscall of the Go runtime's block init before
// the agent has the listener. WAIT_KILLABLE_RECV is only meaningful (and
// only accepted by the kernel) together with a listener.
var flags = map[specs.LinuxSeccompFlag]uintptr{
	flagTsync:                              0,
	specs.LinuxSeccompFlagLog:              unix.SECCOMP_FILTER_FLAG_LOG,
	specs.LinuxSeccompFlagSpecAllow:        unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
	specs.LinuxSeccompFlagWaitKillableRecv: unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
}

// action turns a spec action (with its errnoRet) into libseccomp's.
func action(a specs.LinuxSeccompAction, errnoRet *uint) (libseccomp.ScmpAction, error) {
	act, ok := actions[a]
	if !ok {
		return 0, fmt.Errorf("unknown seccomp action %q", a)
	}
	if act == libseccomp.ActErrno || act == libseccomp.ActTrace {
		ret := uint(unix.EPERM)
		if errnoRet != nil {
			ret = *errnoRet
		}
		act = act.SetReturnCode(int16(ret))
	} else if errnoRet != nil {
		return 0, fmt.Errorf("errnoRet is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not %s", a)
	}
	return act, nil
}

func archOf(a specs.Arch) (libseccomp.ScmpArch, error) {
	name := strings.ToLower(strings.TrimPrefix(string(a), "SCMP_ARCH_"))
	arch, err := libseccomp.GetArchFromString(name)
	if err != nil {
		return 0, fmt.Errorf("unknown seccomp architecture %q", a)
	}
	return arch, nil
}

// Notifies tells whether the profile has SCMP_ACT_NOTIFY rules, so
// that its filter comes with a listener for a seccomp agent.
func Notifies(s *specs.LinuxSeccomp) bool {
	if s == nil {
		return false
	}
	for _, sc := range s.Syscalls {
		if sc.Action == specs.ActNotify {
			return true
		}
	}
	return false
}

// Validate checks a profile before anything is made: the names in
// it, the flags (also against the running kernel), and what SCMP_ACT_NOTIFY
// needs. Syscall names libseccomp does not know are not an error: they are
// skipped, as runc does, so that a profile written for a newer kernel
// still loads; a debug message names them.
func Validate(s *specs.LinuxSeccomp) error {
	if err := check(s); err != nil {
		return err
	}
	if s == nil {
		return nil
	}
	for _, f := range s.Flags {
		if err := flagSupported(f); err != nil {
			return err
		}
	}
	for _, sc := range s.Syscalls {
		for _, name := range sc.Names {
			if _, err := libseccomp.GetSyscallFromName(name); err != nil {
				logrus.Debugf("seccomp: unknown syscall %q in the profile is ignored", name)
			}
		}
	}
	return nil
}

// check is the part of Validate that init repeats.
func check(s *specs.LinuxSeccomp) error {
	if s == nil {
		return nil
	}
	if s.DefaultAction == specs.ActNotify {
		// Every system call init makes after loading the filter, the
		// one that hands the listener over included, would wait for an
		// agent that has no listener yet.
		return errors.New("seccomp: SCMP_ACT_NOTIFY cannot be the default action")
	}
	if _, err := action(s.DefaultAction, s.DefaultErrnoRet); err != nil {
		return err
	}
	for _, a := range s.Architectures {
		if _, err := archOf(a); err != nil {
			return err
		}
	}
	for _, f := range s.Flags {
		if _, ok := flags[f]; !ok {
			return fmt.Errorf("unknown seccomp flag %q", f)
		}
	}
	for _, sc := range s.Syscalls {
		if _, err := action(sc.Action, sc.ErrnoRet); err != nil {
			return err
		}
		if sc.Action == specs.ActNotify {
			if s.ListenerPath == "" {
				return errors.New("seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath, the seccomp agent's socket")
			}
			if slices.Contains(sc.Names, "write") {
				// As runc: the runtime's own messages after the filter is
				// loaded (its errors included) would wait for an agent.
				return errors.New("SCMP_ACT_NOTIFY cannot be used for the write syscall")
			}
			if slices.Contains(sc.Names, "sendmsg") {
				// init hands the listener to the runtime with sendmsg(2).
				return errors.New("seccomp: SCMP_ACT_NOTIFY cannot be used for sendmsg, which hands the listener to the seccomp agent")
			}
		}
		for _, arg := range sc.Args {
			if _, ok := ops[arg.Op]; !ok {
				return fmt.Errorf("unknown seccomp operator %q", arg.Op)
			}
			if arg.Index > 5 {
				return fmt.Errorf("seccomp argument index %d out of range (0 to 5)", arg.Index)
			}
		}
	}
	return nil
}

// flagSupported asks the kernel whether it knows a filter flag: with
// a known flag seccomp(2) fails on the missing program (EFAULT), with an
// unknown one on the flags (EINVAL).
func flagSupported(f specs.LinuxSeccompFlag) error {
	bit, ok := flags[f]
	if !ok {
		return fmt.Errorf("unknown seccomp flag %q", f)
	}
	if bit == 0 {
		return nil
	}
	if bit == unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV {
		bit |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, bit, 0)
	if errno == unix.EFAULT {
		return nil
	}
	return fmt.Errorf("seccomp flag %s is not supported by this kernel: %v", f, errno)
}

// SupportedFlags lists the known flags the running kernel takes.
func SupportedFlags() []string {
	var out []string
	for _, f := range ocispec.SortedNames(flags) {
		if flagSupported(specs.LinuxSeccompFlag(f)) == nil {
			out = append(out, f)
		}
	}
	return out
}

// Program is a compiled profile: the cBPF program and the flags to
// load it with.
type Program struct {
	insns []unix.SockFilter
	flags uintptr
}

// Compile builds the filter of a profile.
func Compile(s *specs.LinuxSeccomp) (*Program, error) {
	if err := check(s); err != nil {
		return nil, err
	}
	def, _ := action(s.DefaultAction, s.DefaultErrnoRet)
	f, err := libseccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("create seccomp filter: %w", err)
	}
	defer f.Release()
	for _, a := range s.Architectures {
		arch, _ := archOf(a)
		if err := f.AddArch(arch); err != nil {
			return nil, fmt.Errorf("add seccomp architecture %s: %w", a, err)
		}
	}
	// A binary search over the syscall numbers instead of a linear scan
	// pays off on long profiles (libseccomp 2.5 misbehaves without rules).
	if len(s.Syscalls) > 32 {
		f.SetOptimize(2) // an older libseccomp without it still works
	}
	for _, sc := range s.Syscalls {
		act, _ := action(sc.Action, sc.ErrnoRet)
		if act == def {
			// libseccomp refuses a rule that does what the default does;
			// it is redundant, so it is skipped, as runc does.
			continue
		}
		for _, name := range sc.Names {
			call, err := libseccomp.GetSyscallFromName(name)
			if err != nil {
				continue // unknown to libseccomp: skipped (Validate logs it)
			}
			if err := addRule(f, call, act, sc.Args); err != nil {
				return nil, fmt.Errorf("seccomp rule for %s: %w", name, err)
			}
		}
	}
	insns, err := exportBPF(f)
	if err != nil {
		return nil, err
	}
	if !allows(s.DefaultAction) {
		stub, err := enosysStub(s)
		if err != nil {
			return nil, err
		}
		insns = append(stub, insns...)
	}
	if len(insns) > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("seccomp filter too long: %d instructions (the kernel takes %d)", len(insns), unix.BPF_MAXINSNS)
	}
	p := &Program{insns: insns}
	for _, fl := range s.Flags {
		p.flags |= flags[fl]
	}
	if Notifies(s) {
		p.flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	} else {
		p.flags &^= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	}
	return p, nil
}

// allows reports the default actions that let a syscall run: no
// ENOSYS stub is put before those (a tracer, too, is expected to cope with
// syscalls it does not know).
func allows(a specs.LinuxSeccompAction) bool {
	return a == specs.ActAllow || a == specs.ActLog || a == specs.ActTrace
}

// addRule adds one syscall's rule. Conditions on distinct arguments
// must all match (one rule); several conditions on the same argument are
// alternatives (one rule each), which is how runc reads a profile.
func addRule(f *libseccomp.ScmpFilter, call libseccomp.ScmpSyscall, act libseccomp.ScmpAction, args []specs.LinuxSeccompArg) error {
	if len(args) == 0 {
		return f.AddRule(call, act)
	}
	conds := make([]libseccomp.ScmpCondition, 0, len(args))
	seen := map[uint]bool{}
	sameIndex := false
	for _, a := range args {
		values := []uint64{a.Value}
		if a.Op == specs.OpMaskedEqual {
			values = append(values, a.ValueTwo) // mask, then the value
		}
		c, err := libseccomp.MakeCondition(a.Index, ops[a.Op], values...)
		if err != nil {
			return err
		}
		if seen[a.Index] {
			sameIndex = true
		}
		seen[a.Index] = true
		conds = append(conds, c)
	}
	if !sameIndex {
		return f.AddRuleConditional(call, act, conds)
	}
	for _, c := range conds {
		if err := f.AddRuleConditional(call, act, []libseccomp.ScmpCondition{c}); err != nil {
			return err
		}
	}
	return nil
}

// exportBPF returns libseccomp's program for the filter.
func exportBPF(f *libseccomp.ScmpFilter) ([]unix.SockFilter, error) {
	fd, err := unix.MemfdCreate("seccomp-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	mf := os.NewFile(uintptr(fd), "seccomp-bpf")
	defer mf.Close()
	if err := f.ExportBPF(mf); err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	raw := make([]byte, st.Size)
	if _, err := mf.ReadAt(raw, 0); err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	return decodeBPF(raw)
}

// decodeBPF reads struct sock_filter entries in the host's byte order.
func decodeBPF(raw []byte) ([]unix.SockFilter, error) {
	if len(raw) == 0 || len(raw)%8 != 0 {
		return nil, fmt.Errorf("export seccomp filter: %d bytes is not a program", len(raw))
	}
	insns := make([]unix.SockFilter, len(raw)/8)
	for i := range insns {
		b := raw[8*i:]
		insns[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(b),
			Jt:   b[2],
			Jf:   b[3],
			K:    binary.NativeEndian.Uint32(b[4:]),
		}
	}
	return insns, nil
}

// Listens tells whether the filter comes with a listener (the profile has
// SCMP_ACT_NOTIFY rules), which Load then hands to send.
func (p *Program) Listens() bool {
	return p.flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0
}

// Load loads the filter on this thread, the one that will execve. The
// listener of a filter that has one goes to send at once, and is closed
// here. Everything send needs must be made before: from the moment the
// filter is loaded, each system call may be the agent's to answer, and it
// has no listener until send is done.
func (p *Program) Load(send func(listener int) error) error {
	listen := p.Listens()
	prog := unix.SockFprog{Len: uint16(len(p.insns)), Filter: &p.insns[0]}
	logrus.Debugf("seccomp filter flags: %d", p.flags)
	r, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, p.flags, uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(p)
	if errno != 0 {
		return fmt.Errorf("load seccomp filter: %w", errno)
	}
	if !listen {
		return nil
	}
	err := send(int(r))
	unix.Close(int(r))
	if err != nil {
		return fmt.Errorf("seccomp: hand the listener to the runtime: %w", err)
	}
	return nil
}
