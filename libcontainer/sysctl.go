package libcontainer

import (
	"fmt"
	"strings"

	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The IPC sysctls that an IPC namespace scopes.
var ipcSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// validateSysctl accepts only sysctls that a namespace of the container
// scopes, as runc does; a host-wide one would change the host.
func validateSysctl(spec *specs.Spec) error {
	for key := range spec.Linux.Sysctl {
		k := strings.ReplaceAll(key, "/", ".")
		switch {
		case ipcSysctls[k] || strings.HasPrefix(k, "fs.mqueue."):
			if !ocispec.HasNamespace(spec, specs.IPCNamespace) {
				return fmt.Errorf("sysctl %q is not allowed without an IPC namespace", key)
			}
		case strings.HasPrefix(k, "net."):
			if !ocispec.HasNamespace(spec, specs.NetworkNamespace) {
				return fmt.Errorf("sysctl %q is not allowed in the host's network namespace", key)
			}
		case k == "kernel.hostname" || k == "kernel.domainname":
			if !ocispec.HasNamespace(spec, specs.UTSNamespace) {
				return fmt.Errorf("sysctl %q is not allowed without a UTS namespace", key)
			}
		default:
			return fmt.Errorf("sysctl %q is not in a separate kernel namespace", key)
		}
		if strings.Contains(k, "..") || strings.ContainsAny(k, "\x00") {
			return fmt.Errorf("invalid sysctl name %q", key)
		}
	}
	return nil
}
