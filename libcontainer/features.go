package libcontainer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/moby/sys/capability"
	"github.com/ocirun/runc/libcontainer/internal/hooks"
	"github.com/ocirun/runc/libcontainer/internal/mountopt"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	seccomp "github.com/seccomp/libseccomp-golang"
)

// Features describes what this binary implements (runtime-spec
// features.md). Every list is read from the tables the code itself uses,
// so it cannot claim more than the code does.
func Features() *features.Features {
	t, f := true, false
	major, minor, micro := seccomp.GetLibraryVersion()
	return &features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks: []string{hooks.Prestart, hooks.CreateRuntime, hooks.CreateContainer,
			hooks.StartContainer, hooks.Poststart, hooks.Poststop},
		MountOptions: mountOptionNames(),
		Linux: &features.Linux{
			Namespaces:   namespaceNames(),
			Capabilities: capabilityNames(),
			Cgroup: &features.Cgroup{
				V1: &t, V2: &t, Systemd: &t, SystemdUser: &t, Rdma: &t,
			},
			Seccomp: &features.Seccomp{
				Enabled:   &t,
				Actions:   seccompActionNames(),
				Operators: seccompOperatorNames(),
				Archs:     seccompArchNames(),
				// Known to this binary; supported by the running kernel.
				KnownFlags:     sortedKeys(seccompFlags),
				SupportedFlags: seccompSupportedFlags(),
			},
			// Applied where the module is loaded (lsm.go).
			Apparmor:        &features.Apparmor{Enabled: &t},
			Selinux:         &features.Selinux{Enabled: &t},
			IntelRdt:        &features.IntelRdt{Enabled: &f},
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: &t}},
			NetDevices:      &features.NetDevices{Enabled: &t},
			// Applied by init with set_mempolicy(2) (mempolicy.go).
			MemoryPolicy: &features.MemoryPolicy{Modes: sortedKeys(ocispec.MpolModes), Flags: sortedKeys(ocispec.MpolFlags)},
		},
		Annotations: map[string]string{
			"io.github.seccomp.libseccomp.version": fmt.Sprintf("%d.%d.%d", major, minor, micro),
		},
		// Annotations that change what the runtime does with the host.
		PotentiallyUnsafeConfigAnnotations: []string{"org.systemd.property."},
	}
}

func sortedKeys[K ~string, V any](m map[K]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}

func mountOptionNames() []string {
	return mountopt.Names()
}

func namespaceNames() []string {
	return sortedKeys(nsInfo)
}

// capabilityNames lists every capability this binary knows, in bit order
// (not only those of the running kernel).
func capabilityNames() []string {
	var out []string
	for _, c := range capability.ListKnown() {
		out = append(out, "CAP_"+strings.ToUpper(c.String()))
	}
	return out
}

func seccompActionNames() []string {
	return sortedKeys(seccompActions)
}

func seccompOperatorNames() []string {
	return sortedKeys(seccompOps)
}

// seccompArchNames lists the runtime-spec architectures that the linked
// libseccomp accepts in a filter.
func seccompArchNames() []string {
	all := []specs.Arch{
		specs.ArchX86, specs.ArchX86_64, specs.ArchX32, specs.ArchARM, specs.ArchAARCH64,
		specs.ArchMIPS, specs.ArchMIPS64, specs.ArchMIPS64N32, specs.ArchMIPSEL,
		specs.ArchMIPSEL64, specs.ArchMIPSEL64N32, specs.ArchPPC, specs.ArchPPC64,
		specs.ArchPPC64LE, specs.ArchS390, specs.ArchS390X, specs.ArchPARISC,
		specs.ArchPARISC64, specs.ArchRISCV64, specs.ArchLOONGARCH64, specs.ArchM68K,
		specs.ArchSH, specs.ArchSHEB,
	}
	f, err := seccomp.NewFilter(seccomp.ActAllow)
	if err != nil {
		return nil
	}
	defer f.Release()
	var out []string
	for _, a := range all {
		arch, err := seccompArch(a)
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
