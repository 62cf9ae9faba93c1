package seccomp

import (
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// auditArches maps libseccomp's architectures to the AUDIT_ARCH_* value
// the kernel puts in seccomp_data.arch. x32 shares x86_64's, with bit 30
// set in the syscall number.
var auditArches = map[libseccomp.ScmpArch]uint32{
	libseccomp.ArchX86: unix.AUDIT_ARCH_I386, libseccomp.ArchAMD64: unix.AUDIT_ARCH_X86_64,
	libseccomp.ArchX32: unix.AUDIT_ARCH_X86_64, libseccomp.ArchARM: unix.AUDIT_ARCH_ARM,
	libseccomp.ArchARM64: unix.AUDIT_ARCH_AARCH64, libseccomp.ArchMIPS: unix.AUDIT_ARCH_MIPS,
	libseccomp.ArchMIPS64: unix.AUDIT_ARCH_MIPS64, libseccomp.ArchMIPS64N32: unix.AUDIT_ARCH_MIPS64N32,
	libseccomp.ArchMIPSEL: unix.AUDIT_ARCH_MIPSEL, libseccomp.ArchMIPSEL64: unix.AUDIT_ARCH_MIPSEL64,
	libseccomp.ArchMIPSEL64N32: unix.AUDIT_ARCH_MIPSEL64N32, libseccomp.ArchPPC: unix.AUDIT_ARCH_PPC,
	libseccomp.ArchPPC64: unix.AUDIT_ARCH_PPC64, libseccomp.ArchPPC64LE: unix.AUDIT_ARCH_PPC64LE,
	libseccomp.ArchS390: unix.AUDIT_ARCH_S390, libseccomp.ArchS390X: unix.AUDIT_ARCH_S390X,
	libseccomp.ArchPARISC: unix.AUDIT_ARCH_PARISC, libseccomp.ArchPARISC64: unix.AUDIT_ARCH_PARISC64,
	libseccomp.ArchRISCV64: unix.AUDIT_ARCH_RISCV64, libseccomp.ArchLOONGARCH64: unix.AUDIT_ARCH_LOONGARCH64,
	libseccomp.ArchM68K: unix.AUDIT_ARCH_M68K, libseccomp.ArchSH: unix.AUDIT_ARCH_SHEL,
	libseccomp.ArchSHEB: unix.AUDIT_ARCH_SH,
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
	maxima, audits, err := stubMaxima(s)
	if err != nil {
		return nil, err
	}
	var b stubBuilder
	b.add(bpfLd, offArch, fallThrough, fallThrough)
	for _, audit := range audits {
		b.addSection(audit, maxima)
	}
	b.add(bpfJa, 0, fallThrough, fallThrough) // no section matched
	ja := len(b.prog) - 1
	b.add(bpfRet, retENOSYS, fallThrough, fallThrough)
	enosys, filter := len(b.prog)-1, len(b.prog)
	b.prog[ja].K = uint32(filter - (ja + 1))
	if err := b.resolve(enosys, filter); err != nil {
		return nil, err
	}
	return b.prog, nil
}

// stubArch is an architecture of the profile: the kernel's audit value
// (shared by x86_64 and x32) and libseccomp's name.
type stubArch struct {
	audit uint32
	arch  libseccomp.ScmpArch
}

// stubMaxima finds, for each architecture of the profile, the highest
// syscall number the profile names there, and the audit values that get a
// section, in order. An architecture where none of the profile's syscalls
// exists has nothing to compare with, and no section.
func stubMaxima(s *specs.LinuxSeccomp) (map[stubArch]libseccomp.ScmpSyscall, []uint32, error) {
	maxima := map[stubArch]libseccomp.ScmpSyscall{}
	var audits []uint32
	for _, a := range s.Architectures {
		arch, err := archOf(a)
		if err != nil {
			return nil, nil, err
		}
		audit, ok := auditArches[arch]
		if !ok {
			return nil, nil, fmt.Errorf("seccomp architecture %s has no kernel audit value", a)
		}
		k := stubArch{audit, arch}
		if _, seen := maxima[k]; seen {
			continue
		}
		highest := highestSyscall(s, arch)
		if highest <= 0 {
			continue // no syscall of the profile exists there: nothing to compare with
		}
		maxima[k] = highest
		if !slices.Contains(audits, audit) {
			audits = append(audits, audit)
		}
	}
	slices.Sort(audits)
	return maxima, audits, nil
}

// highestSyscall is the highest number on arch of the syscalls the profile
// names.
func highestSyscall(s *specs.LinuxSeccomp, arch libseccomp.ScmpArch) libseccomp.ScmpSyscall {
	var highest libseccomp.ScmpSyscall
	for _, sc := range s.Syscalls {
		for _, name := range sc.Names {
			// Negative numbers are libseccomp's pseudo syscalls,
			// names that do not exist on this architecture.
			if n, err := libseccomp.GetSyscallFromNameByArch(name, arch); err == nil && n > highest {
				highest = n
			}
		}
	}
	return highest
}

// stubBuilder lays out the stub: its instructions, and the jumps of each
// (true, false) until resolve turns them into offsets.
type stubBuilder struct {
	prog  []unix.SockFilter
	jumps [][2]stubJump
}

func (b *stubBuilder) add(code uint16, k uint32, jt, jf stubJump) {
	b.prog = append(b.prog, unix.SockFilter{Code: code, K: k})
	b.jumps = append(b.jumps, [2]stubJump{jt, jf})
}

// addSection adds the section of one audit value (see enosysStub).
func (b *stubBuilder) addSection(audit uint32, maxima map[stubArch]libseccomp.ScmpSyscall) {
	head := len(b.prog)
	b.add(bpfJeq, audit, fallThrough, fallThrough) // jf set below
	b.add(bpfLd, offNr, fallThrough, fallThrough)
	amd64, hasAMD64 := maxima[stubArch{audit, libseccomp.ArchAMD64}]
	x32, hasX32 := maxima[stubArch{audit, libseccomp.ArchX32}]
	switch {
	case hasAMD64 && hasX32:
		b.add(bpfJset, x32SyscallBit, stubJump{to: 1}, fallThrough)
		b.add(bpfJgt, uint32(amd64), toEnosys, toFilter)
		b.add(bpfJgt, uint32(x32), toEnosys, toFilter)
	case hasAMD64:
		b.add(bpfJset, x32SyscallBit, toFilter, fallThrough)
		b.add(bpfJgt, uint32(amd64), toEnosys, toFilter)
	case hasX32:
		b.add(bpfJset, x32SyscallBit, fallThrough, toFilter)
		b.add(bpfJgt, uint32(x32), toEnosys, toFilter)
	default:
		for k, highest := range maxima {
			if k.audit != audit {
				continue
			}
			if k.arch == libseccomp.ArchS390 || k.arch == libseccomp.ArchS390X {
				b.add(bpfJeq, 0, toEnosys, fallThrough)
			}
			b.add(bpfJgt, uint32(highest), toEnosys, toFilter)
		}
	}
	b.jumps[head][1] = stubJump{kind: jumpAt, to: len(b.prog)}
}

// resolve turns the jumps into the offsets cBPF takes, now that the
// indexes of the ENOSYS return and of the filter's start are known.
func (b *stubBuilder) resolve(enosys, filter int) error {
	for i := range b.prog {
		for j, t := range b.jumps[i] {
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
				return fmt.Errorf("seccomp ENOSYS stub: a jump of %d instructions", off)
			}
			if j == 0 {
				b.prog[i].Jt = uint8(off)
			} else {
				b.prog[i].Jf = uint8(off)
			}
		}
	}
	return nil
}
