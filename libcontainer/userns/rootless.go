package userns

// Rootless: what changes when the runtime itself runs without privilege
// (a non-root user, or root inside a user namespace).
//
//   - --rootless (true, false or auto) says whether cgroup permission
//     errors are tolerated; auto turns it on for a non-root user and for
//     root in a user namespace, as runc does.
//   - A non-root runtime can only run a container with a user namespace,
//     and mount options can only name ids that namespace maps
//     (ValidateRootless).
//   - An unprivileged gid map of one's own gid needs setgroups denied
//     first (see maps.go); init then cannot set additional groups.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/ocirun/runc/libcontainer/internal/fsx"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ParseRootless reads the value of --rootless: a boolean (as strconv
// parses it) or "auto" (also the empty string), which is true for a
// non-root user and for root inside a user namespace.
func ParseRootless(value string) (bool, error) {
	switch strings.ToLower(value) {
	case "", "auto":
		return os.Geteuid() != 0 || runningInUserNS(), nil
	}
	b, err := strconv.ParseBool(value)
	if err != nil {
		return false, fmt.Errorf("invalid value %q for --rootless: want true, false or auto", value)
	}
	return b, nil
}

var userNS struct {
	once sync.Once
	in   bool
}

// runningInUserNS tells whether this process is in a user namespace other
// than the initial one (whose uid map is the whole range, identity).
func runningInUserNS() bool {
	userNS.once.Do(func() {
		data, err := fsx.ReadFile("/proc/self/uid_map")
		if err != nil {
			return
		}
		userNS.in = !isInitialUIDMap(data)
	})
	return userNS.in
}

func isInitialUIDMap(data []byte) bool {
	f := strings.Fields(string(data))
	return len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
}

// HonorXDGRuntimeDir tells whether the default state root is
// $XDG_RUNTIME_DIR/runc rather than /run/runc: for a non-root user, and
// for root in a user namespace unless $USER says root, as runc decides.
// Real root keeps /run/runc even when XDG_RUNTIME_DIR is set.
func HonorXDGRuntimeDir() bool {
	if os.Getenv("XDG_RUNTIME_DIR") == "" {
		return false
	}
	if os.Geteuid() != 0 {
		return true
	}
	if !runningInUserNS() {
		return false
	}
	u, ok := os.LookupEnv("USER")
	return !ok || u != "root"
}

// ValidateRootless rejects what cannot work when the runtime runs as a
// non-root user, before anything is made.
func ValidateRootless(spec *specs.Spec) error {
	if !ocispec.HasNamespace(spec, specs.UserNamespace) {
		return errors.New("rootless container requires user namespaces")
	}
	if ocispec.HasNewNamespace(spec, specs.UserNamespace) {
		if len(spec.Linux.UIDMappings) == 0 {
			return errors.New("rootless containers requires at least one UID mapping")
		}
		if len(spec.Linux.GIDMappings) == 0 {
			return errors.New("rootless containers requires at least one GID mapping")
		}
	}
	for _, m := range spec.Mounts {
		if IsIDMapped(m) {
			return fmt.Errorf("mount %s: idmapped mounts need privilege (CAP_SYS_ADMIN in the initial user namespace); a rootless container cannot have them", m.Destination)
		}
		if !ocispec.HasNewNamespace(spec, specs.UserNamespace) {
			continue
		}
		for _, o := range m.Options {
			key, val, ok := strings.Cut(o, "=")
			if !ok || (key != "uid" && key != "gid") {
				continue
			}
			id, err := strconv.ParseUint(val, 10, 32)
			if err != nil {
				return fmt.Errorf("mount %s: invalid option %s", m.Destination, o)
			}
			maps := spec.Linux.UIDMappings
			if key == "gid" {
				maps = spec.Linux.GIDMappings
			}
			if !idMapped(maps, uint32(id)) {
				return fmt.Errorf("mount %s: option %s names a %s that the container's user namespace does not map", m.Destination, o, key)
			}
		}
	}
	return nil
}

func idMapped(m []specs.LinuxIDMapping, id uint32) bool {
	for _, e := range m {
		if id >= e.ContainerID && uint64(id) < uint64(e.ContainerID)+uint64(e.Size) {
			return true
		}
	}
	return false
}

// SetgroupsDenied tells whether setgroups(2) is refused in our user
// namespace.
func SetgroupsDenied() bool {
	data, err := fsx.ReadFile("/proc/self/setgroups")
	return err == nil && string(bytes.TrimSpace(data)) == "deny"
}
