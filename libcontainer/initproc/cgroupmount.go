package initproc

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ocirun/runc/libcontainer/internal/fsx"
	"github.com/ocirun/runc/libcontainer/internal/mountopt"
	"github.com/ocirun/runc/libcontainer/wire"
	"golang.org/x/sys/unix"
)

// runCgroupOps carries out the cgroup filesystem plan for one mount entry.
func runCgroupOps(root *os.File, ops []wire.CgroupMountOp) error {
	for _, op := range ops {
		switch op.Kind {
		case "symlink":
			parent, err := mkdirAllInRoot(root, filepath.Dir(op.Dest))
			if err != nil {
				return err
			}
			err = unix.Symlinkat(op.Source, int(parent.Fd()), filepath.Base(op.Dest))
			parent.Close()
			if err != nil && err != unix.EEXIST {
				return fmt.Errorf("symlink %s: %w", op.Dest, err)
			}
			continue
		}
		target, err := ensureTarget(root, op.Dest, true)
		if err != nil {
			return err
		}
		tpath := fsx.ProcFd(target)
		if op.Kind == "cgroup2" && op.Fallback != "" {
			err = unix.Mount(op.Kind, tpath, op.Kind, op.Flags, op.Data)
			if err != unix.EPERM && err != unix.EBUSY {
				target.Close()
				if err != nil {
					return fmt.Errorf("%s %s: %w", op.Kind, op.Dest, err)
				}
				continue
			}
			op.Kind, op.Source = "bind", op.Fallback // a user namespace without a cgroup namespace
		}
		switch op.Kind {
		case "tmpfs", "cgroup", "cgroup2":
			err = unix.Mount(op.Kind, tpath, op.Kind, op.Flags, op.Data)
		case "bind":
			err = unix.Mount(op.Source, tpath, "", unix.MS_BIND|unix.MS_REC, "")
			if err == nil && op.Flags != 0 {
				target.Close()
				if target, err = fsx.OpenInRoot(root, op.Dest); err == nil {
					err = remountBind(fsx.ProcFd(target), op.Flags, 0, op.Flags&mountopt.AtimeFlags != 0)
				}
			}
		case "remount-ro":
			err = unix.Mount("", tpath, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|op.Flags, "")
		default:
			err = fmt.Errorf("unknown cgroup mount step %q", op.Kind)
		}
		target.Close()
		if err != nil {
			return fmt.Errorf("%s %s: %w", op.Kind, op.Dest, err)
		}
	}
	return nil
}
