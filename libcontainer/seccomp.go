package libcontainer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"unsafe"

	"github.com/ocirun/runc/libcontainer/internal/timing"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	seccomp "github.com/seccomp/libseccomp-golang"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// How linux.seccomp becomes a filter: libseccomp compiles the profile, we
// export its cBPF program, put a short stub in front of it that answers
// system calls newer than the profile with ENOSYS (see enosysStub), and load
// the result with seccomp(2) ourselves. Loading it ourselves is what lets us
// choose the flags, and get the listener descriptor of SCMP_ACT_NOTIFY.

var seccompActions = map[specs.LinuxSeccompAction]seccomp.ScmpAction{
	specs.ActKill:        seccomp.ActKillThread, // SCMP_ACT_KILL is the thread kill
	specs.ActKillThread:  seccomp.ActKillThread,
	specs.ActKillProcess: seccomp.ActKillProcess,
	specs.ActTrap:        seccomp.ActTrap,
	specs.ActErrno:       seccomp.ActErrno,
	specs.ActTrace:       seccomp.ActTrace,
	specs.ActAllow:       seccomp.ActAllow,
	specs.ActLog:         seccomp.ActLog,
	specs.ActNotify:      seccomp.ActNotify,
}

var seccompOps = map[specs.LinuxSeccompOperator]seccomp.ScmpCompareOp{
	specs.OpNotEqual:     seccomp.CompareNotEqual,
	specs.OpLessThan:     seccomp.CompareLess,
	specs.OpLessEqual:    seccomp.CompareLessOrEqual,
	specs.OpEqualTo:      seccomp.CompareEqual,
	specs.OpGreaterEqual: seccomp.CompareGreaterEqual,
	specs.OpGreaterThan:  seccomp.CompareGreater,
	specs.OpMaskedEqual:  seccomp.CompareMaskedEqual,
}

// seccompFlagTsync is in the runtime spec but has no constant in specs-go.
const seccompFlagTsync specs.LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_TSYNC"

// seccompFlags are the filter flags we know, with the bit each one asks
// seccomp(2) for. TSYNC asks for none: the filter is loaded on the thread
// that execs the container's process, and init's other threads (all of
// them the Go runtime's) end at that execve anyway. Synchronising them
// would only let a notified syscall of the Go runtime's block init before
// the agent has the listener. WAIT_KILLABLE_RECV is only meaningful (and
// only accepted by the kernel) together with a listener.
var seccompFlags = map[specs.LinuxSeccompFlag]uintptr{
	seccompFlagTsync:                       0,
	specs.LinuxSeccompFlagLog:              unix.SECCOMP_FILTER_FLAG_LOG,
	specs.LinuxSeccompFlagSpecAllow:        unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
	specs.LinuxSeccompFlagWaitKillableRecv: unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
}

// seccompAction turns a spec action (with its errnoRet) into libseccomp's.
func seccompAction(a specs.LinuxSeccompAction, errnoRet *uint) (seccomp.ScmpAction, error) {
	act, ok := seccompActions[a]
	if !ok {
		return 0, fmt.Errorf("unknown seccomp action %q", a)
	}
	if act == seccomp.ActErrno || act == seccomp.ActTrace {
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

func seccompArch(a specs.Arch) (seccomp.ScmpArch, error) {
	name := strings.ToLower(strings.TrimPrefix(string(a), "SCMP_ARCH_"))
	arch, err := seccomp.GetArchFromString(name)
	if err != nil {
		return 0, fmt.Errorf("unknown seccomp architecture %q", a)
	}
	return arch, nil
}

// seccompNotifies tells whether the profile has SCMP_ACT_NOTIFY rules, so
// that its filter comes with a listener for a seccomp agent.
func seccompNotifies(s *specs.LinuxSeccomp) bool {
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

// validateSeccomp checks a profile before anything is made: the names in
// it, the flags (also against the running kernel), and what SCMP_ACT_NOTIFY
// needs. Syscall names libseccomp does not know are not an error: they are
// skipped, as runc does, so that a profile written for a newer kernel
// still loads; a debug message names them.
func validateSeccomp(s *specs.LinuxSeccomp) error {
	if err := checkSeccomp(s); err != nil {
		return err
	}
	if s == nil {
		return nil
	}
	for _, f := range s.Flags {
		if err := seccompFlagSupported(f); err != nil {
			return err
		}
	}
	for _, sc := range s.Syscalls {
		for _, name := range sc.Names {
			if _, err := seccomp.GetSyscallFromName(name); err != nil {
				logrus.Debugf("seccomp: unknown syscall %q in the profile is ignored", name)
			}
		}
	}
	return nil
}

// checkSeccomp is the part of validateSeccomp that init repeats.
func checkSeccomp(s *specs.LinuxSeccomp) error {
	if s == nil {
		return nil
	}
	if s.DefaultAction == specs.ActNotify {
		// Every system call init makes after loading the filter, the
		// one that hands the listener over included, would wait for an
		// agent that has no listener yet.
		return errors.New("seccomp: SCMP_ACT_NOTIFY cannot be the default action")
	}
	if _, err := seccompAction(s.DefaultAction, s.DefaultErrnoRet); err != nil {
		return err
	}
	for _, a := range s.Architectures {
		if _, err := seccompArch(a); err != nil {
			return err
		}
	}
	for _, f := range s.Flags {
		if _, ok := seccompFlags[f]; !ok {
			return fmt.Errorf("unknown seccomp flag %q", f)
		}
	}
	for _, sc := range s.Syscalls {
		if _, err := seccompAction(sc.Action, sc.ErrnoRet); err != nil {
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
			if _, ok := seccompOps[arg.Op]; !ok {
				return fmt.Errorf("unknown seccomp operator %q", arg.Op)
			}
			if arg.Index > 5 {
				return fmt.Errorf("seccomp argument index %d out of range (0 to 5)", arg.Index)
			}
		}
	}
	return nil
}

// seccompFlagSupported asks the kernel whether it knows a filter flag: with
// a known flag seccomp(2) fails on the missing program (EFAULT), with an
// unknown one on the flags (EINVAL).
func seccompFlagSupported(f specs.LinuxSeccompFlag) error {
	bit, ok := seccompFlags[f]
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

// seccompSupportedFlags lists the known flags the running kernel takes.
func seccompSupportedFlags() []string {
	var out []string
	for _, f := range sortedKeys(seccompFlags) {
		if seccompFlagSupported(specs.LinuxSeccompFlag(f)) == nil {
			out = append(out, f)
		}
	}
	return out
}

// seccompProgram is a compiled profile: the cBPF program and the flags to
// load it with.
type seccompProgram struct {
	insns []unix.SockFilter
	flags uintptr
}

// compileSeccomp builds the filter of a profile.
func compileSeccomp(s *specs.LinuxSeccomp) (*seccompProgram, error) {
	if err := checkSeccomp(s); err != nil {
		return nil, err
	}
	def, _ := seccompAction(s.DefaultAction, s.DefaultErrnoRet)
	f, err := seccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("create seccomp filter: %w", err)
	}
	defer f.Release()
	for _, a := range s.Architectures {
		arch, _ := seccompArch(a)
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
		act, _ := seccompAction(sc.Action, sc.ErrnoRet)
		if act == def {
			// libseccomp refuses a rule that does what the default does;
			// it is redundant, so it is skipped, as runc does.
			continue
		}
		for _, name := range sc.Names {
			call, err := seccomp.GetSyscallFromName(name)
			if err != nil {
				continue // unknown to libseccomp: skipped (validateSeccomp logs it)
			}
			if err := addSeccompRule(f, call, act, sc.Args); err != nil {
				return nil, fmt.Errorf("seccomp rule for %s: %w", name, err)
			}
		}
	}
	insns, err := exportBPF(f)
	if err != nil {
		return nil, err
	}
	if !seccompAllows(s.DefaultAction) {
		stub, err := enosysStub(s)
		if err != nil {
			return nil, err
		}
		insns = append(stub, insns...)
	}
	if len(insns) > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("seccomp filter too long: %d instructions (the kernel takes %d)", len(insns), unix.BPF_MAXINSNS)
	}
	p := &seccompProgram{insns: insns}
	for _, fl := range s.Flags {
		p.flags |= seccompFlags[fl]
	}
	if seccompNotifies(s) {
		p.flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	} else {
		p.flags &^= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	}
	return p, nil
}

// seccompAllows reports the default actions that let a syscall run: no
// ENOSYS stub is put before those (a tracer, too, is expected to cope with
// syscalls it does not know).
func seccompAllows(a specs.LinuxSeccompAction) bool {
	return a == specs.ActAllow || a == specs.ActLog || a == specs.ActTrace
}

// addSeccompRule adds one syscall's rule. Conditions on distinct arguments
// must all match (one rule); several conditions on the same argument are
// alternatives (one rule each), which is how runc reads a profile.
func addSeccompRule(f *seccomp.ScmpFilter, call seccomp.ScmpSyscall, act seccomp.ScmpAction, args []specs.LinuxSeccompArg) error {
	if len(args) == 0 {
		return f.AddRule(call, act)
	}
	conds := make([]seccomp.ScmpCondition, 0, len(args))
	seen := map[uint]bool{}
	sameIndex := false
	for _, a := range args {
		values := []uint64{a.Value}
		if a.Op == specs.OpMaskedEqual {
			values = append(values, a.ValueTwo) // mask, then the value
		}
		c, err := seccomp.MakeCondition(a.Index, seccompOps[a.Op], values...)
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
		if err := f.AddRuleConditional(call, act, []seccomp.ScmpCondition{c}); err != nil {
			return err
		}
	}
	return nil
}

// exportBPF returns libseccomp's program for the filter.
func exportBPF(f *seccomp.ScmpFilter) ([]unix.SockFilter, error) {
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

// auditArches maps libseccomp's architectures to the AUDIT_ARCH_* value
// the kernel puts in seccomp_data.arch. x32 shares x86_64's, with bit 30
// set in the syscall number.
var auditArches = map[seccomp.ScmpArch]uint32{
	seccomp.ArchX86: unix.AUDIT_ARCH_I386, seccomp.ArchAMD64: unix.AUDIT_ARCH_X86_64,
	seccomp.ArchX32: unix.AUDIT_ARCH_X86_64, seccomp.ArchARM: unix.AUDIT_ARCH_ARM,
	seccomp.ArchARM64: unix.AUDIT_ARCH_AARCH64, seccomp.ArchMIPS: unix.AUDIT_ARCH_MIPS,
	seccomp.ArchMIPS64: unix.AUDIT_ARCH_MIPS64, seccomp.ArchMIPS64N32: unix.AUDIT_ARCH_MIPS64N32,
	seccomp.ArchMIPSEL: unix.AUDIT_ARCH_MIPSEL, seccomp.ArchMIPSEL64: unix.AUDIT_ARCH_MIPSEL64,
	seccomp.ArchMIPSEL64N32: unix.AUDIT_ARCH_MIPSEL64N32, seccomp.ArchPPC: unix.AUDIT_ARCH_PPC,
	seccomp.ArchPPC64: unix.AUDIT_ARCH_PPC64, seccomp.ArchPPC64LE: unix.AUDIT_ARCH_PPC64LE,
	seccomp.ArchS390: unix.AUDIT_ARCH_S390, seccomp.ArchS390X: unix.AUDIT_ARCH_S390X,
	seccomp.ArchPARISC: unix.AUDIT_ARCH_PARISC, seccomp.ArchPARISC64: unix.AUDIT_ARCH_PARISC64,
	seccomp.ArchRISCV64: unix.AUDIT_ARCH_RISCV64, seccomp.ArchLOONGARCH64: unix.AUDIT_ARCH_LOONGARCH64,
	seccomp.ArchM68K: unix.AUDIT_ARCH_M68K, seccomp.ArchSH: unix.AUDIT_ARCH_SHEL,
	seccomp.ArchSHEB: unix.AUDIT_ARCH_SH,
}

const x32SyscallBit = 0x40000000

// cBPF pieces the stub uses.
const (
	bpfLd     = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS // k = offset in seccomp_data
	bpfJeq    = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	bpfJgt    = unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K
	bpfJset   = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
	bpfJa     = unix.BPF_JMP | unix.BPF_JA
	bpfRet    = unix.BPF_RET | unix.BPF_K
	offNr     = 0 // seccomp_data.nr
	offArch   = 4 // seccomp_data.arch
	retENOSYS = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
)

// A jump in the stub: a plain skip, or one of the places only known once
// the whole stub is laid out.
type stubJump struct {
	to   int // jumpSkip: instructions to skip; jumpAt: absolute index
	kind int
}

const (
	jumpSkip   = iota
	jumpAt     // an absolute index in the stub
	jumpEnosys // the ENOSYS return
	jumpFilter // the first instruction of libseccomp's program
)

var (
	fallThrough = stubJump{}
	toEnosys    = stubJump{kind: jumpEnosys}
	toFilter    = stubJump{kind: jumpFilter}
)

// enosysStub returns the program that goes before libseccomp's: for each
// architecture of the profile, a syscall numbered above the highest one the
// profile names gets ENOSYS, as a kernel that lacks it would answer, rather
// than the default action (an EPERM would tell a C library the call exists
// and failed, and keep it from falling back to an older one). Anything else
// goes on to libseccomp's program. This is one filter, not a second one:
// with two, the kernel would take the more restrictive answer of the two.
// As runc, only the architectures the profile lists get a section.
//
// Each architecture is one section:
//
//	jeq  AUDIT_ARCH, 0, <next section>
//	ld   nr
//	[jeq 0, enosys, 0]             s390: unknown calls arrive as number 0
//	[jset X32_BIT, filter, 0]      x86_64 without x32 (x32 alone: reversed)
//	jgt  max, enosys, filter
//
// x86_64 with x32 tests bit 30 to choose between two maxima. After the
// sections, "ja filter" and the "ret ERRNO(ENOSYS)".
func enosysStub(s *specs.LinuxSeccomp) ([]unix.SockFilter, error) {
	type key struct {
		audit uint32
		arch  seccomp.ScmpArch
	}
	maxima := map[key]seccomp.ScmpSyscall{}
	var audits []uint32
	for _, a := range s.Architectures {
		arch, err := seccompArch(a)
		if err != nil {
			return nil, err
		}
		audit, ok := auditArches[arch]
		if !ok {
			return nil, fmt.Errorf("seccomp architecture %s has no kernel audit value", a)
		}
		k := key{audit, arch}
		if _, seen := maxima[k]; seen {
			continue
		}
		var highest seccomp.ScmpSyscall
		for _, sc := range s.Syscalls {
			for _, name := range sc.Names {
				// Negative numbers are libseccomp's pseudo syscalls,
				// names that do not exist on this architecture.
				if n, err := seccomp.GetSyscallFromNameByArch(name, arch); err == nil && n > highest {
					highest = n
				}
			}
		}
		if highest <= 0 {
			continue // no syscall of the profile exists there: nothing to compare with
		}
		maxima[k] = highest
		if !slices.Contains(audits, audit) {
			audits = append(audits, audit)
		}
	}
	slices.Sort(audits)

	var (
		prog  []unix.SockFilter
		jumps [][2]stubJump
	)
	add := func(code uint16, k uint32, jt, jf stubJump) {
		prog = append(prog, unix.SockFilter{Code: code, K: k})
		jumps = append(jumps, [2]stubJump{jt, jf})
	}
	add(bpfLd, offArch, fallThrough, fallThrough)
	for _, audit := range audits {
		head := len(prog)
		add(bpfJeq, audit, fallThrough, fallThrough) // jf set below
		add(bpfLd, offNr, fallThrough, fallThrough)
		amd64, hasAMD64 := maxima[key{audit, seccomp.ArchAMD64}]
		x32, hasX32 := maxima[key{audit, seccomp.ArchX32}]
		switch {
		case hasAMD64 && hasX32:
			add(bpfJset, x32SyscallBit, stubJump{to: 1}, fallThrough)
			add(bpfJgt, uint32(amd64), toEnosys, toFilter)
			add(bpfJgt, uint32(x32), toEnosys, toFilter)
		case hasAMD64:
			add(bpfJset, x32SyscallBit, toFilter, fallThrough)
			add(bpfJgt, uint32(amd64), toEnosys, toFilter)
		case hasX32:
			add(bpfJset, x32SyscallBit, fallThrough, toFilter)
			add(bpfJgt, uint32(x32), toEnosys, toFilter)
		default:
			for k, highest := range maxima {
				if k.audit != audit {
					continue
				}
				if k.arch == seccomp.ArchS390 || k.arch == seccomp.ArchS390X {
					add(bpfJeq, 0, toEnosys, fallThrough)
				}
				add(bpfJgt, uint32(highest), toEnosys, toFilter)
			}
		}
		jumps[head][1] = stubJump{kind: jumpAt, to: len(prog)}
	}
	add(bpfJa, 0, fallThrough, fallThrough) // no section matched
	ja := len(prog) - 1
	add(bpfRet, retENOSYS, fallThrough, fallThrough)
	enosys, filter := len(prog)-1, len(prog)
	prog[ja].K = uint32(filter - (ja + 1))

	for i := range prog {
		for j, t := range jumps[i] {
			off := t.to
			switch t.kind {
			case jumpAt:
				off = t.to - (i + 1)
			case jumpEnosys:
				off = enosys - (i + 1)
			case jumpFilter:
				off = filter - (i + 1)
			}
			if off < 0 || off > 255 {
				return nil, fmt.Errorf("seccomp ENOSYS stub: a jump of %d instructions", off)
			}
			if j == 0 {
				prog[i].Jt = uint8(off)
			} else {
				prog[i].Jf = uint8(off)
			}
		}
	}
	return prog, nil
}

// loadSeccomp compiles the profile and loads it on this thread, the one
// that will execve. A filter with SCMP_ACT_NOTIFY rules comes with a
// listener: it goes to the parent over sock at once, which hands it to the
// seccomp agent, and is closed here.
func loadSeccomp(s *specs.LinuxSeccomp, sock *os.File) error {
	defer timing.Phase("init:seccomp")()
	p, err := compileSeccomp(s)
	if err != nil {
		return err
	}
	listen := p.flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0
	// Everything the hand-over needs is made before the filter is loaded:
	// from then on, each system call of ours may be the agent's to answer,
	// and it has no listener until the message has gone.
	var send func(listener int) error
	if listen {
		if sock == nil {
			return errors.New("seccomp: no channel to hand the listener over")
		}
		if send, err = listenerSender(sock); err != nil {
			return err
		}
	}
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
	err = send(int(r))
	unix.Close(int(r))
	if err != nil {
		return fmt.Errorf("seccomp: hand the listener to the runtime: %w", err)
	}
	return nil
}
