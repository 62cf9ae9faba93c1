package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/cyphar/filepath-securejoin/pathrs-lite/procfs"
	"github.com/ocirun/runc/libcontainer/internal/fsx"
	"github.com/ocirun/runc/libcontainer/internal/mountopt"
	"github.com/ocirun/runc/libcontainer/internal/timing"
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

// withMountLabel gives a mount that takes one the SELinux context of
// linux.mountLabel. procfs, sysfs and cgroup filesystems cannot be
// labelled, and a bind mount keeps the labels of its source.
func withMountLabel(m specs.Mount, label string) specs.Mount {
	if label == "" || m.Type == "bind" || mountopt.Parse(m.Options).Bind {
		return m
	}
	switch m.Type {
	case "proc", "sysfs", "cgroup", "cgroup2", "mqueue":
		return m
	}
	m.Options = append(append([]string(nil), m.Options...), "context="+strconv.Quote(label))
	return m
}

// applyLSM asks for the process's AppArmor profile and SELinux label at
// its execve. The attribute files are reached through a procfs handle
// that is checked to be one: the container's /proc could send a write to
// another file of the kernel's.
func applyLSM(p *specs.Process) error {
	defer timing.Phase("init:lsm")()
	if p.ApparmorProfile == "" && p.SelinuxLabel == "" {
		return nil
	}
	proc, err := procfs.OpenProcRoot()
	if err != nil {
		return fmt.Errorf("open procfs: %w", err)
	}
	defer proc.Close()
	write := func(attr, value string) error {
		f, closer, err := proc.OpenThreadSelf(attr)
		if err != nil {
			return err
		}
		defer closer()
		defer f.Close()
		w, err := pathrs.Reopen(f, unix.O_WRONLY|unix.O_CLOEXEC)
		if err != nil {
			return err
		}
		defer w.Close()
		_, err = w.WriteString(value)
		return err
	}
	if p.ApparmorProfile != "" {
		err := write("attr/apparmor/exec", "exec "+p.ApparmorProfile)
		if errors.Is(err, os.ErrNotExist) {
			err = write("attr/exec", "exec "+p.ApparmorProfile) // before Linux 5.8
		}
		if err != nil {
			return fmt.Errorf("apply apparmor profile %q: %w", p.ApparmorProfile, err)
		}
	}
	if p.SelinuxLabel != "" {
		if err := write("attr/exec", p.SelinuxLabel); err != nil {
			return fmt.Errorf("apply selinux label %q: %w", p.SelinuxLabel, err)
		}
	}
	return nil
}
