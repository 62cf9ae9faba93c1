package libcontainer

import (
	"fmt"
	"os"

	"github.com/ocirun/runc/libcontainer/internal/fsx"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// process.apparmorProfile, process.selinuxLabel and linux.mountLabel.
//
// On a host where the security module is not loaded, runc fails such a
// container: an AppArmor profile when init writes it to
// /proc/self/attr/exec, an SELinux label at validation, a mount label at
// the first mount that gets it as context=. We refuse all three before
// anything is made, with a message that says why.

const selinuxMagic = 0xf97cff8c // SELINUX_MAGIC

func apparmorEnabled() bool {
	if _, err := os.Stat("/sys/kernel/security/apparmor"); err != nil {
		return false
	}
	b, err := fsx.ReadFile("/sys/module/apparmor/parameters/enabled")
	return err == nil && len(b) > 0 && b[0] == 'Y'
}

func selinuxEnabled() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/selinux", &st) == nil && uint32(st.Type) == selinuxMagic
}

// validateProcessLSM checks a process's profile and label against the host.
func validateProcessLSM(p *specs.Process) error {
	if p == nil {
		return nil
	}
	if p.ApparmorProfile != "" && !apparmorEnabled() {
		return fmt.Errorf("apparmor profile %q is set, but AppArmor is not enabled on this host", p.ApparmorProfile)
	}
	if p.SelinuxLabel != "" && !selinuxEnabled() {
		return fmt.Errorf("selinux label %q is set, but SELinux is not enabled on this host", p.SelinuxLabel)
	}
	return nil
}

// validateLSM checks the whole spec.
func validateLSM(spec *specs.Spec) error {
	if err := validateProcessLSM(spec.Process); err != nil {
		return err
	}
	if spec.Linux != nil && spec.Linux.MountLabel != "" && !selinuxEnabled() {
		return fmt.Errorf("mount label %q is set, but SELinux is not enabled on this host", spec.Linux.MountLabel)
	}
	return nil
}
