package initproc

import (
	"fmt"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/cyphar/filepath-securejoin/pathrs-lite/procfs"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// writeSysctls sets linux.sysctl through a procfs handle of our own (a
// fresh, private procfs instance where the kernel allows it), so that no
// mount the container's image or a racing process puts over /proc/sys can
// send the writes elsewhere.
func writeSysctls(sysctl map[string]string) error {
	defer timing.Phase("init:sysctl")()
	if len(sysctl) == 0 {
		return nil
	}
	proc, err := procfs.OpenProcRoot()
	if err != nil {
		return fmt.Errorf("open procfs for sysctls: %w", err)
	}
	defer proc.Close()
	for key, value := range sysctl {
		path := "sys/" + strings.ReplaceAll(key, ".", "/")
		h, err := proc.OpenRoot(path)
		if err != nil {
			return fmt.Errorf("sysctl %q: %w", key, err)
		}
		f, err := pathrs.Reopen(h, unix.O_WRONLY|unix.O_CLOEXEC)
		h.Close()
		if err != nil {
			return fmt.Errorf("sysctl %q: %w", key, err)
		}
		_, err = f.WriteString(value)
		f.Close()
		if err != nil {
			return fmt.Errorf("write sysctl %q = %q: %w", key, value, err)
		}
	}
	return nil
}

// setPersonality applies linux.personality (LINUX or LINUX32).
func setPersonality(p *specs.LinuxPersonality) error {
	if p == nil {
		return nil
	}
	var persona int
	switch p.Domain {
	case specs.PerLinux:
		persona = 0x0000 // PER_LINUX
	case specs.PerLinux32:
		persona = 0x0008 // PER_LINUX32
	default:
		return fmt.Errorf("unknown personality domain %q", p.Domain)
	}
	if _, _, errno := unix.Syscall(unix.SYS_PERSONALITY, uintptr(persona), 0, 0); errno != 0 {
		return fmt.Errorf("set personality %s: %w", p.Domain, errno)
	}
	return nil
}
