package libcontainer

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidateSeccomp(t *testing.T) {
	errno := uint(1)
	ok := []*specs.LinuxSeccomp{
		nil,
		{DefaultAction: specs.ActAllow},
		{DefaultAction: specs.ActErrno, DefaultErrnoRet: &errno, Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchAARCH64}},
		{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow}},
		{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActKillProcess,
			Args: []specs.LinuxSeccompArg{{Index: 1, Value: 1, ValueTwo: 1, Op: specs.OpMaskedEqual}}}}},
	}
	for i, s := range ok {
		if err := validateSeccomp(s); err != nil {
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
		"notify not yet supported": {DefaultAction: specs.ActNotify},
	}
	for name, s := range bad {
		if err := validateSeccomp(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
