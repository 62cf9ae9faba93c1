package initproc

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/cyphar/filepath-securejoin/pathrs-lite/procfs"
	"github.com/ocirun/runc/libcontainer/internal/mountopt"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

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
