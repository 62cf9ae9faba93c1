package libcontainer

import (
	"errors"
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

var seccompActions = map[specs.LinuxSeccompAction]seccomp.ScmpAction{
	specs.ActKill:        seccomp.ActKillThread, // SCMP_ACT_KILL is the thread kill
	specs.ActKillThread:  seccomp.ActKillThread,
	specs.ActKillProcess: seccomp.ActKillProcess,
	specs.ActTrap:        seccomp.ActTrap,
	specs.ActErrno:       seccomp.ActErrno,
	specs.ActTrace:       seccomp.ActTrace,
	specs.ActAllow:       seccomp.ActAllow,
	specs.ActLog:         seccomp.ActLog,
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

// seccompAction turns a spec action (with its errnoRet) into libseccomp's.
func seccompAction(a specs.LinuxSeccompAction, errnoRet *uint) (seccomp.ScmpAction, error) {
	if a == specs.ActNotify {
		return 0, errors.New("seccomp action SCMP_ACT_NOTIFY is not supported yet")
	}
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

// validateSeccomp checks the names in a profile, so that a bad one fails
// create before anything is made.
func validateSeccomp(s *specs.LinuxSeccomp) error {
	if s == nil {
		return nil
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
		switch f {
		case specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow, specs.LinuxSeccompFlagWaitKillableRecv, "SECCOMP_FILTER_FLAG_TSYNC":
		default:
			return fmt.Errorf("unknown seccomp flag %q", f)
		}
	}
	for _, sc := range s.Syscalls {
		if _, err := seccompAction(sc.Action, sc.ErrnoRet); err != nil {
			return err
		}
		for _, arg := range sc.Args {
			if _, ok := seccompOps[arg.Op]; !ok {
				return fmt.Errorf("unknown seccomp operator %q", arg.Op)
			}
			if arg.Index > 5 {
				return fmt.Errorf("seccomp argument index %d out of range", arg.Index)
			}
		}
	}
	return nil
}

// loadSeccomp builds the filter of the profile and loads it on this thread,
// the one that will execve. Syscall names libseccomp does not know are
// skipped, as runc does, so a profile written for a newer kernel still loads.
func loadSeccomp(s *specs.LinuxSeccomp) error {
	if err := validateSeccomp(s); err != nil {
		return err
	}
	def, _ := seccompAction(s.DefaultAction, s.DefaultErrnoRet)
	f, err := seccomp.NewFilter(def)
	if err != nil {
		return fmt.Errorf("create seccomp filter: %w", err)
	}
	defer f.Release()
	for _, a := range s.Architectures {
		arch, _ := seccompArch(a)
		if err := f.AddArch(arch); err != nil {
			return fmt.Errorf("add seccomp architecture %s: %w", a, err)
		}
	}
	// no_new_privs is the runtime's business (process.noNewPrivileges).
	if err := f.SetNoNewPrivsBit(false); err != nil {
		return fmt.Errorf("seccomp: %w", err)
	}
	for _, fl := range s.Flags {
		switch fl {
		case specs.LinuxSeccompFlagLog:
			err = f.SetLogBit(true)
		case specs.LinuxSeccompFlagSpecAllow:
			err = f.SetSSB(true)
		case specs.LinuxSeccompFlagWaitKillableRecv:
			err = f.SetWaitKill(true)
		}
		if err != nil {
			return fmt.Errorf("seccomp flag %s: %w", fl, err)
		}
	}
	for _, sc := range s.Syscalls {
		act, _ := seccompAction(sc.Action, sc.ErrnoRet)
		for _, name := range sc.Names {
			call, err := seccomp.GetSyscallFromName(name)
			if err != nil {
				continue // unknown to libseccomp: skipped, as runc does
			}
			if err := addSeccompRule(f, call, act, sc.Args); err != nil {
				return fmt.Errorf("seccomp rule for %s: %w", name, err)
			}
		}
	}
	if err := f.Load(); err != nil {
		return fmt.Errorf("load seccomp filter: %w", err)
	}
	return nil
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
			values = append(values, a.ValueTwo)
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
