package libcontainer

import (
	"fmt"
	"strings"

	"github.com/moby/sys/capability"
	"github.com/ocirun/runc/libcontainer/internal/hooks"
	"github.com/ocirun/runc/libcontainer/internal/mountopt"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// Features describes what this binary implements (runtime-spec
// features.md). Every list is read from the tables the code itself uses,
// so it cannot claim more than the code does.
func Features() *features.Features {
	t, f := true, false
	major, minor, micro := seccomp.LibraryVersion()
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
				Actions:   seccomp.ActionNames(),
				Operators: seccomp.OperatorNames(),
				Archs:     seccomp.ArchNames(),
				// Known to this binary; supported by the running kernel.
				KnownFlags:     seccomp.KnownFlags(),
				SupportedFlags: seccomp.SupportedFlags(),
			},
			// Applied where the module is loaded (lsm.go).
			Apparmor:        &features.Apparmor{Enabled: &t},
			Selinux:         &features.Selinux{Enabled: &t},
			IntelRdt:        &features.IntelRdt{Enabled: &f},
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: &t}},
			NetDevices:      &features.NetDevices{Enabled: &t},
			// Applied by init with set_mempolicy(2) (mempolicy.go).
			MemoryPolicy: &features.MemoryPolicy{Modes: ocispec.SortedNames(ocispec.MpolModes), Flags: ocispec.SortedNames(ocispec.MpolFlags)},
		},
		Annotations: map[string]string{
			"io.github.seccomp.libseccomp.version": fmt.Sprintf("%d.%d.%d", major, minor, micro),
		},
		// Annotations that change what the runtime does with the host.
		PotentiallyUnsafeConfigAnnotations: []string{"org.systemd.property."},
	}
}

func mountOptionNames() []string {
	return mountopt.Names()
}

func namespaceNames() []string {
	return ocispec.SortedNames(nsInfo)
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
