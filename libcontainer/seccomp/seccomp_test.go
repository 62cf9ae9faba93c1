package seccomp

import (
	"encoding/binary"
	"fmt"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

func TestValidate(t *testing.T) {
	errno := uint(1)
	ok := []*specs.LinuxSeccomp{
		nil,
		{DefaultAction: specs.ActAllow},
		{DefaultAction: specs.ActErrno, DefaultErrnoRet: &errno, Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchAARCH64}},
		{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow, flagTsync}},
		{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActKillProcess,
			Args: []specs.LinuxSeccompArg{{Index: 1, Value: 1, ValueTwo: 1, Op: specs.OpMaskedEqual}}}}},
		{DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock", Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify}}},
		{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"no_such_syscall"}, Action: specs.ActErrno}}},
	}
	for i, s := range ok {
		if err := Validate(s); err != nil {
			t.Errorf("case %d: unexpected error %v", i, err)
		}
	}
	bad := map[string]*specs.LinuxSeccomp{
		"unknown default action": {DefaultAction: "SCMP_ACT_NOSUCH"},
		"errnoRet on allow":      {DefaultAction: specs.ActAllow, DefaultErrnoRet: &errno},
		"unknown arch":           {DefaultAction: specs.ActAllow, Architectures: []specs.Arch{"SCMP_ARCH_VAX"}},
		"unknown flag":           {DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_NOSUCH"}},
		"unknown operator": {DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_NOSUCH"}}}}},
		"argument index too large": {DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}}},
		"notify as default action": {DefaultAction: specs.ActNotify, ListenerPath: "/run/agent.sock"},
		"notify without listenerPath": {DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}}},
		"notify for write": {DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock",
			Syscalls: []specs.LinuxSyscall{{Names: []string{"write"}, Action: specs.ActNotify}}},
		"notify for sendmsg": {DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock",
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "sendmsg"}, Action: specs.ActNotify}}},
	}
	for name, s := range bad {
		if err := Validate(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// seccompData is the kernel's struct seccomp_data.
type seccompData struct {
	nr   int32
	arch uint32
	args [6]uint64
}

func (d seccompData) bytes() []byte {
	b := make([]byte, 64)
	binary.NativeEndian.PutUint32(b[0:], uint32(d.nr))
	binary.NativeEndian.PutUint32(b[4:], d.arch)
	for i, a := range d.args {
		binary.NativeEndian.PutUint64(b[16+8*i:], a)
	}
	return b
}

// runBPF interprets a seccomp cBPF program (the subset libseccomp and the
// stub use) and returns its verdict.
func runBPF(t *testing.T, prog []unix.SockFilter, d seccompData) uint32 {
	t.Helper()
	data := d.bytes()
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		jump := func(cond bool) {
			if cond {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		}
		src := in.K
		if in.Code&unix.BPF_X != 0 {
			src = x
		}
		switch in.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			if int(in.K)+4 > len(data) {
				t.Fatalf("pc %d: load beyond seccomp_data", pc)
			}
			a = binary.NativeEndian.Uint32(data[in.K:])
		case unix.BPF_LD | unix.BPF_IMM:
			a = in.K
		case unix.BPF_LDX | unix.BPF_IMM:
			x = in.K
		case unix.BPF_LD | unix.BPF_MEM:
			a = mem[in.K]
		case unix.BPF_LDX | unix.BPF_MEM:
			x = mem[in.K]
		case unix.BPF_ST:
			mem[in.K] = a
		case unix.BPF_STX:
			mem[in.K] = x
		case unix.BPF_MISC | unix.BPF_TAX:
			x = a
		case unix.BPF_MISC | unix.BPF_TXA:
			a = x
		case unix.BPF_ALU | unix.BPF_AND | unix.BPF_K, unix.BPF_ALU | unix.BPF_AND | unix.BPF_X:
			a &= src
		case unix.BPF_ALU | unix.BPF_OR | unix.BPF_K:
			a |= src
		case unix.BPF_JMP | unix.BPF_JA:
			pc += int(in.K)
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_X:
			jump(a == src)
		case unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K, unix.BPF_JMP | unix.BPF_JGT | unix.BPF_X:
			jump(a > src)
		case unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K, unix.BPF_JMP | unix.BPF_JGE | unix.BPF_X:
			jump(a >= src)
		case unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K, unix.BPF_JMP | unix.BPF_JSET | unix.BPF_X:
			jump(a&src != 0)
		case unix.BPF_RET | unix.BPF_K:
			return in.K
		case unix.BPF_RET | unix.BPF_A:
			return a
		default:
			t.Fatalf("pc %d: opcode %#x not handled by the test interpreter", pc, in.Code)
		}
	}
	t.Fatal("program ran off its end")
	return 0
}

func syscallNr(t *testing.T, name string, arch libseccomp.ScmpArch) int32 {
	t.Helper()
	n, err := libseccomp.GetSyscallFromNameByArch(name, arch)
	if err != nil {
		t.Fatalf("syscall %s on %v: %v", name, arch, err)
	}
	return int32(n)
}

func errnoRet(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }

func TestProgram(t *testing.T) {
	native, err := libseccomp.GetNativeArch()
	if err != nil || native != libseccomp.ArchAMD64 {
		t.Skip("the expectations below are written for x86_64")
	}
	x86, amd64 := uint32(unix.AUDIT_ARCH_I386), uint32(unix.AUDIT_ARCH_X86_64)
	enospc := uint(unix.ENOSPC)
	prof := &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read", "write", "getppid", "no_such_syscall"}, Action: specs.ActAllow},
			{Names: []string{"mkdirat"}, Action: specs.ActErrno, ErrnoRet: &enospc},
			{Names: []string{"getpid"}, Action: specs.ActErrno}, // same as the default: skipped
			// AND of two arguments.
			{Names: []string{"kill"}, Action: specs.ActKillProcess, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 7, Op: specs.OpEqualTo}, {Index: 1, Value: 9, Op: specs.OpGreaterEqual}}},
			// OR: two conditions on the same argument.
			{Names: []string{"setuid"}, Action: specs.ActTrap, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 1, Op: specs.OpEqualTo}, {Index: 0, Value: 2, Op: specs.OpEqualTo}}},
			{Names: []string{"setgid"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 0xf0, ValueTwo: 0x50, Op: specs.OpMaskedEqual}}},
			{Names: []string{"dup"}, Action: specs.ActLog, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 3, Op: specs.OpNotEqual}}},
			{Names: []string{"dup2"}, Action: specs.ActKillThread, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 3, Op: specs.OpLessThan}}},
			{Names: []string{"dup3"}, Action: specs.ActKill, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 3, Op: specs.OpLessEqual}}},
			{Names: []string{"close"}, Action: specs.ActTrace, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 3, Op: specs.OpGreaterThan}}},
			{Names: []string{"rseq"}, Action: specs.ActAllow}, // the highest number above, on x86_64
		},
	}
	p, err := Compile(prof)
	if err != nil {
		t.Fatal(err)
	}
	if p.flags != 0 {
		t.Errorf("flags %#x, want none", p.flags)
	}
	nr := func(name string) int32 { return syscallNr(t, name, libseccomp.ArchAMD64) }
	rseq := nr("rseq")
	cases := []struct {
		name string
		d    seccompData
		want uint32
	}{
		{"allowed", seccompData{nr: nr("read"), arch: amd64}, unix.SECCOMP_RET_ALLOW},
		{"errnoRet", seccompData{nr: nr("mkdirat"), arch: amd64}, errnoRet(unix.ENOSPC)},
		{"rule equal to the default", seccompData{nr: nr("getpid"), arch: amd64}, errnoRet(unix.EPERM)},
		{"not in the profile, below its highest", seccompData{nr: nr("mkdir"), arch: amd64}, errnoRet(unix.EPERM)},
		{"the highest itself", seccompData{nr: rseq, arch: amd64}, unix.SECCOMP_RET_ALLOW},
		{"newer than the profile", seccompData{nr: rseq + 1, arch: amd64}, errnoRet(unix.ENOSYS)},
		{"far newer", seccompData{nr: 1000, arch: amd64}, errnoRet(unix.ENOSYS)},
		{"AND: both match", seccompData{nr: nr("kill"), arch: amd64, args: [6]uint64{7, 9}}, unix.SECCOMP_RET_KILL_PROCESS},
		{"AND: one matches", seccompData{nr: nr("kill"), arch: amd64, args: [6]uint64{7, 8}}, errnoRet(unix.EPERM)},
		{"AND: other matches", seccompData{nr: nr("kill"), arch: amd64, args: [6]uint64{6, 9}}, errnoRet(unix.EPERM)},
		{"OR: first", seccompData{nr: nr("setuid"), arch: amd64, args: [6]uint64{1}}, unix.SECCOMP_RET_TRAP},
		{"OR: second", seccompData{nr: nr("setuid"), arch: amd64, args: [6]uint64{2}}, unix.SECCOMP_RET_TRAP},
		{"OR: neither", seccompData{nr: nr("setuid"), arch: amd64, args: [6]uint64{3}}, errnoRet(unix.EPERM)},
		{"masked equal", seccompData{nr: nr("setgid"), arch: amd64, args: [6]uint64{0x5a}}, unix.SECCOMP_RET_ALLOW},
		{"masked not equal", seccompData{nr: nr("setgid"), arch: amd64, args: [6]uint64{0x4a}}, errnoRet(unix.EPERM)},
		{"NE true", seccompData{nr: nr("dup"), arch: amd64, args: [6]uint64{4}}, unix.SECCOMP_RET_LOG},
		{"NE false", seccompData{nr: nr("dup"), arch: amd64, args: [6]uint64{3}}, errnoRet(unix.EPERM)},
		{"LT true", seccompData{nr: nr("dup2"), arch: amd64, args: [6]uint64{2}}, unix.SECCOMP_RET_KILL_THREAD},
		{"LT false", seccompData{nr: nr("dup2"), arch: amd64, args: [6]uint64{3}}, errnoRet(unix.EPERM)},
		{"LE true", seccompData{nr: nr("dup3"), arch: amd64, args: [6]uint64{3}}, unix.SECCOMP_RET_KILL_THREAD},
		{"LE false", seccompData{nr: nr("dup3"), arch: amd64, args: [6]uint64{4}}, errnoRet(unix.EPERM)},
		{"GT true (trace)", seccompData{nr: nr("close"), arch: amd64, args: [6]uint64{4}}, unix.SECCOMP_RET_TRACE | uint32(unix.EPERM)},
		{"GT false", seccompData{nr: nr("close"), arch: amd64, args: [6]uint64{3}}, errnoRet(unix.EPERM)},
		// x32 and i386 have their own numbers and maxima.
		{"x32 allowed", seccompData{nr: syscallNr(t, "read", libseccomp.ArchX32), arch: amd64}, unix.SECCOMP_RET_ALLOW},
		{"x32 newer", seccompData{nr: syscallNr(t, "rseq", libseccomp.ArchX32) + 1, arch: amd64}, errnoRet(unix.ENOSYS)},
		{"i386 allowed", seccompData{nr: syscallNr(t, "read", libseccomp.ArchX86), arch: x86}, unix.SECCOMP_RET_ALLOW},
		{"i386 below", seccompData{nr: syscallNr(t, "mkdir", libseccomp.ArchX86), arch: x86}, errnoRet(unix.EPERM)},
		{"i386 newer", seccompData{nr: syscallNr(t, "rseq", libseccomp.ArchX86) + 1, arch: x86}, errnoRet(unix.ENOSYS)},
		// Not an architecture of the profile: libseccomp's bad-arch action.
		{"other arch", seccompData{nr: 1000, arch: unix.AUDIT_ARCH_AARCH64}, unix.SECCOMP_RET_KILL_THREAD},
	}
	for _, c := range cases {
		if got := runBPF(t, p.insns, c.d); got != c.want {
			t.Errorf("%s (nr %d arch %#x): got %#x, want %#x", c.name, c.d.nr, c.d.arch, got, c.want)
		}
	}

	// Defaults that let syscalls through get no stub; a profile without
	// architectures has no section in it (as runc).
	for _, def := range []specs.LinuxSeccompAction{specs.ActAllow, specs.ActLog, specs.ActTrace} {
		p, err := Compile(&specs.LinuxSeccomp{DefaultAction: def, Architectures: []specs.Arch{specs.ArchX86_64},
			Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActKillProcess}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := runBPF(t, p.insns, seccompData{nr: 1000, arch: amd64}); got&unix.SECCOMP_RET_ACTION_FULL == unix.SECCOMP_RET_ERRNO {
			t.Errorf("default %s: nr 1000 got %#x, want the default action", def, got)
		}
	}
	p, err = Compile(&specs.LinuxSeccomp{DefaultAction: specs.ActKillProcess,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := runBPF(t, p.insns, seccompData{nr: 1000, arch: amd64}); got != unix.SECCOMP_RET_KILL_PROCESS {
		t.Errorf("no architectures: nr 1000 got %#x, want KILL_PROCESS", got)
	}
}

func TestFlags(t *testing.T) {
	base := func(flags ...specs.LinuxSeccompFlag) *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: flags,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActErrno}}}
	}
	cases := []struct {
		s    *specs.LinuxSeccomp
		want uintptr
	}{
		{base(), 0},
		{base(flagTsync), 0},
		{base(specs.LinuxSeccompFlagLog), unix.SECCOMP_FILTER_FLAG_LOG},
		{base(specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow), unix.SECCOMP_FILTER_FLAG_LOG | unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW},
		// Meaningless without a listener: dropped.
		{base(specs.LinuxSeccompFlagWaitKillableRecv), 0},
	}
	notify := base(specs.LinuxSeccompFlagWaitKillableRecv)
	notify.ListenerPath = "/run/agent.sock"
	notify.Syscalls = append(notify.Syscalls, specs.LinuxSyscall{Names: []string{"mknod"}, Action: specs.ActNotify})
	cases = append(cases, struct {
		s    *specs.LinuxSeccomp
		want uintptr
	}{notify, unix.SECCOMP_FILTER_FLAG_NEW_LISTENER | unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV})
	for i, c := range cases {
		p, err := Compile(c.s)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if p.flags != c.want {
			t.Errorf("case %d (%v): flags %#x, want %#x", i, c.s.Flags, p.flags, c.want)
		}
	}
	for _, f := range []specs.LinuxSeccompFlag{flagTsync, specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow} {
		if err := flagSupported(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if err := flagSupported("SECCOMP_FILTER_FLAG_NOSUCH"); err == nil {
		t.Error("an unknown flag was reported as supported")
	}
}

func TestEnosysStubShape(t *testing.T) {
	// Every architecture libseccomp knows at once: the stub stays short
	// enough for 8-bit jumps, and is well formed.
	var arches []specs.Arch
	for _, a := range []string{"X86", "X86_64", "X32", "ARM", "AARCH64", "MIPS", "MIPS64", "MIPS64N32", "MIPSEL",
		"MIPSEL64", "MIPSEL64N32", "PPC", "PPC64", "PPC64LE", "S390", "S390X", "PARISC", "PARISC64", "RISCV64"} {
		arches = append(arches, specs.Arch("SCMP_ARCH_"+a))
	}
	prof := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: arches,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"read", "write", "openat", "clone3"}, Action: specs.ActAllow}}}
	stub, err := enosysStub(prof)
	if err != nil {
		t.Fatal(err)
	}
	if len(stub) < 10 || stub[len(stub)-1] != (unix.SockFilter{Code: bpfRet, K: retENOSYS}) {
		t.Fatalf("unexpected stub of %d instructions", len(stub))
	}
	// An architecture the stub does not know ends at the filter's start.
	tail := append(append([]unix.SockFilter{}, stub...), unix.SockFilter{Code: bpfRet, K: 0x1234})
	if got := runBPF(t, tail, seccompData{nr: 5000, arch: 0xdead}); got != 0x1234 {
		t.Errorf("unknown architecture: got %#x", got)
	}
	// s390x: number 0 is how an unknown call arrives.
	if got := runBPF(t, tail, seccompData{nr: 0, arch: unix.AUDIT_ARCH_S390X}); got != retENOSYS {
		t.Errorf("s390x nr 0: got %#x", got)
	}
	for _, arch := range []libseccomp.ScmpArch{libseccomp.ArchARM64, libseccomp.ArchMIPSEL64, libseccomp.ArchPPC64LE, libseccomp.ArchRISCV64} {
		hi := syscallNr(t, "clone3", arch)
		audit := auditArches[arch]
		if got := runBPF(t, tail, seccompData{nr: hi, arch: audit}); got != 0x1234 {
			t.Errorf("%v clone3: got %#x", arch, got)
		}
		if got := runBPF(t, tail, seccompData{nr: hi + 1, arch: audit}); got != retENOSYS {
			t.Errorf("%v clone3+1: got %#x", arch, got)
		}
	}
}

func TestEnosysStubAarch64(t *testing.T) {
	stub, err := enosysStub(&specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchAARCH64}, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}}})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for _, in := range stub {
		got += fmt.Sprintf("%#04x %d %d %#x\n", in.Code, in.Jt, in.Jf, in.K)
	}
	want := `0x0020 0 0 0x4
0x0015 0 2 0xc00000b7
0x0020 0 0 0x0
0x0025 1 2 0x3f
0x0005 0 0 0x1
0x0006 0 0 0x50026
`
	if got != want {
		t.Errorf("stub:\n%s\nwant:\n%s", got, want)
	}
}
