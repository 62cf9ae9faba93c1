package initproc

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ocirun/runc/libcontainer/internal/fsx"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// makeDevices fills a freshly mounted /dev and makes linux.devices.
func makeDevices(cfg *initConfig, root *os.File, devMounted bool) error {
	if devMounted {
		if err := setupDev(root, cfg.HostDevices); err != nil {
			return err
		}
	}
	for _, d := range cfg.Spec.Linux.Devices {
		if err := createDevice(root, d, cfg.HostDevices); err != nil {
			return err
		}
	}
	return nil
}

// setupDev fills a freshly mounted /dev: the default nodes and links.
func setupDev(root *os.File, hostDevices bool) error {
	for _, d := range ocispec.DefaultDevices {
		mode := os.FileMode(0o666)
		dev := specs.LinuxDevice{Path: d.Path, Type: "c", Major: int64(d.Major), Minor: int64(d.Minor), FileMode: &mode}
		if err := createDevice(root, dev, hostDevices); err != nil {
			return err
		}
	}
	links := [][2]string{
		{"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"},
		{"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
		{"pts/ptmx", "/dev/ptmx"},
	}
	if _, err := os.Stat("/proc/kcore"); err == nil {
		links = append(links, [2]string{"/proc/kcore", "/dev/core"})
	}
	devDir, err := fsx.OpenInRoot(root, "/dev")
	if err != nil {
		return fmt.Errorf("open /dev: %w", err)
	}
	defer devDir.Close()
	for _, l := range links {
		if err := unix.Symlinkat(l[0], int(devDir.Fd()), filepath.Base(l[1])); err != nil && err != unix.EEXIST {
			return fmt.Errorf("symlink %s -> %s: %w", l[1], l[0], err)
		}
	}
	return nil
}

// createDevice makes a device node in the container, or in a user
// namespace (where mknod is refused) bind-mounts the host's node.
func createDevice(root *os.File, d specs.LinuxDevice, hostDevices bool) error {
	if !filepath.IsAbs(d.Path) || filepath.Clean(d.Path) == "/dev" {
		return fmt.Errorf("invalid device path %q", d.Path)
	}
	var typ uint32
	switch d.Type {
	case "c", "u":
		typ = unix.S_IFCHR
	case "b":
		typ = unix.S_IFBLK
	case "p":
		typ = unix.S_IFIFO
	default:
		return fmt.Errorf("device %s: invalid type %q", d.Path, d.Type)
	}
	parent, err := mkdirAllInRoot(root, filepath.Dir(d.Path))
	if err != nil {
		return fmt.Errorf("device %s: %w", d.Path, err)
	}
	defer parent.Close()
	base := filepath.Base(d.Path)
	pfd := int(parent.Fd())
	if hostDevices {
		fd, err := unix.Openat(pfd, base, unix.O_CREAT|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
		if err != nil {
			return fmt.Errorf("device %s: create mount point: %w", d.Path, err)
		}
		unix.Close(fd)
		target, err := fsx.OpenInRoot(root, d.Path)
		if err != nil {
			return err
		}
		defer target.Close()
		if err := unix.Mount(d.Path, fsx.ProcFd(target), "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind mount device %s: %w", d.Path, err)
		}
		return nil
	}
	mode := uint32(0o666)
	if d.FileMode != nil {
		mode = uint32(*d.FileMode) & 0o7777
	}
	unix.Unlinkat(pfd, base, 0) // replace whatever the image had there
	if err := unix.Mknodat(pfd, base, typ|mode, int(unix.Mkdev(uint32(d.Major), uint32(d.Minor)))); err != nil {
		return fmt.Errorf("mknod %s: %w", d.Path, err)
	}
	uid, gid := -1, -1
	if d.UID != nil {
		uid = int(*d.UID)
	}
	if d.GID != nil {
		gid = int(*d.GID)
	}
	if uid != -1 || gid != -1 {
		if err := unix.Fchownat(pfd, base, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown %s: %w", d.Path, err)
		}
	}
	return nil
}
