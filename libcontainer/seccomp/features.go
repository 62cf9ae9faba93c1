package seccomp

import (
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// What this binary and the linked libseccomp know, for `runc features`:
// every list is read from the tables the filter is built with.

// LibraryVersion is the version of the linked libseccomp.
func LibraryVersion() (major, minor, micro uint) {
	return libseccomp.GetLibraryVersion()
}

// ActionNames lists the profile actions this binary knows.
func ActionNames() []string {
	return ocispec.SortedNames(actions)
}

// OperatorNames lists the argument operators this binary knows.
func OperatorNames() []string {
	return ocispec.SortedNames(ops)
}

// KnownFlags lists the filter flags this binary knows (SupportedFlags:
// those the running kernel takes).
func KnownFlags() []string {
	return ocispec.SortedNames(flags)
}

// ArchNames lists the runtime-spec architectures that the linked
// libseccomp accepts in a filter.
func ArchNames() []string {
	all := []specs.Arch{
		specs.ArchX86, specs.ArchX86_64, specs.ArchX32, specs.ArchARM, specs.ArchAARCH64,
		specs.ArchMIPS, specs.ArchMIPS64, specs.ArchMIPS64N32, specs.ArchMIPSEL,
		specs.ArchMIPSEL64, specs.ArchMIPSEL64N32, specs.ArchPPC, specs.ArchPPC64,
		specs.ArchPPC64LE, specs.ArchS390, specs.ArchS390X, specs.ArchPARISC,
		specs.ArchPARISC64, specs.ArchRISCV64, specs.ArchLOONGARCH64, specs.ArchM68K,
		specs.ArchSH, specs.ArchSHEB,
	}
	f, err := libseccomp.NewFilter(libseccomp.ActAllow)
	if err != nil {
		return nil
	}
	defer f.Release()
	var out []string
	for _, a := range all {
		arch, err := archOf(a)
		if err != nil {
			continue
		}
		if err := f.AddArch(arch); err != nil {
			continue
		}
		out = append(out, string(a))
	}
	return out
}
