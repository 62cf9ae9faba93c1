package userns

import (
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ioctls of namespace files (linux/nsfs.h).
const (
	nsGetNstype   = 0xb703 // _IO(0xb7, 0x3)
	nsGetOwnerUID = 0xb704 // _IO(0xb7, 0x4)
)

// CheckJoin refuses, before anything is made, a user namespace given
// by path that the runtime cannot join: the kernel lets only root and the
// namespace's owner in.
func CheckJoin(spec *specs.Spec) error {
	if spec.Linux == nil {
		return nil
	}
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type != specs.UserNamespace || ns.Path == "" {
			continue
		}
		f, err := os.Open(ns.Path)
		if err != nil {
			return fmt.Errorf("user namespace %s: %w", ns.Path, err)
		}
		defer f.Close()
		if t, err := unix.IoctlRetInt(int(f.Fd()), nsGetNstype); err != nil || t != unix.CLONE_NEWUSER {
			return fmt.Errorf("user namespace %s: not a user namespace file", ns.Path)
		}
		owner, err := unix.IoctlGetUint32(int(f.Fd()), nsGetOwnerUID)
		if err != nil {
			return fmt.Errorf("user namespace %s: get owner: %w", ns.Path, err)
		}
		if euid := os.Geteuid(); euid != 0 && int(owner) != euid {
			return fmt.Errorf("user namespace %s is owned by uid %d: uid %d cannot join it (only its owner or root can)", ns.Path, owner, euid)
		}
	}
	return nil
}
