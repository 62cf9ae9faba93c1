package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/ocirun/runc/libcontainer/internal/fsx"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/ocirun/runc/libcontainer/seccomp"
	"github.com/ocirun/runc/libcontainer/userns"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// LoadSpec reads and checks <bundle>/config.json.
func LoadSpec(bundle string) (*specs.Spec, error) {
	defer timing.Phase("config")()
	// Worded as runc's, which changes into the bundle to read config.json:
	// "chdir DIR: no such file or directory", "chdir DIR: not a
	// directory", "JSON specification file config.json not found".
	fi, err := os.Stat(bundle)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, &os.PathError{Op: "chdir", Path: bundle, Err: pe.Err}
		}
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &os.PathError{Op: "chdir", Path: bundle, Err: syscall.ENOTDIR}
	}
	path := filepath.Join(bundle, "config.json")
	data, err := fsx.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errors.New("JSON specification file config.json not found")
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	spec, err := ParseSpec(data)
	if err != nil {
		var ce *configError
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return spec, nil
}

// ParseSpec decodes a config.json and checks it.
func ParseSpec(data []byte) (*specs.Spec, error) {
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, jsonError(data, err)
	}
	if err := validateSpec(&spec); err != nil {
		return nil, invalidConfig(err)
	}
	return &spec, nil
}

// validateSpec rejects what runc rejects before anything is made.
func validateSpec(spec *specs.Spec) error {
	if err := checkVersion(spec.Version); err != nil {
		return err
	}
	if spec.Root == nil || spec.Root.Path == "" {
		return errors.New("root must be specified")
	}
	if spec.Process == nil {
		return errors.New("process must be specified")
	}
	if len(spec.Process.Args) == 0 {
		return errors.New("process.args must not be empty")
	}
	if err := validateProcess(spec.Process); err != nil {
		return err
	}
	if spec.Process.Cwd == "" || !filepath.IsAbs(spec.Process.Cwd) {
		return fmt.Errorf("process.cwd %q must be an absolute path", spec.Process.Cwd)
	}
	if spec.Linux == nil {
		return errors.New("linux section must be specified")
	}
	if spec.Hostname != "" && !ocispec.HasNamespace(spec, specs.UTSNamespace) {
		return errors.New("unable to set hostname without a private UTS namespace")
	}
	if spec.Domainname != "" && !ocispec.HasNamespace(spec, specs.UTSNamespace) {
		return errors.New("unable to set domainname without a private UTS namespace")
	}
	if (len(spec.Linux.MaskedPaths) > 0 || len(spec.Linux.ReadonlyPaths) > 0) && !ocispec.HasNamespace(spec, specs.MountNamespace) {
		return errors.New("unable to restrict sys entries without a private MNT namespace")
	}
	if (len(spec.Linux.UIDMappings) > 0 || len(spec.Linux.GIDMappings) > 0) && !ocispec.HasNamespace(spec, specs.UserNamespace) {
		return errors.New("uidMappings and gidMappings require a user namespace")
	}
	for _, m := range spec.Mounts {
		if m.Destination == "" {
			return errors.New("mount destination must not be empty")
		}
		if strings.ContainsRune(m.Destination, 0) || strings.ContainsRune(m.Source, 0) {
			return fmt.Errorf("mount %q: invalid path", m.Destination)
		}
		if err := userns.ValidateMount(spec, m); err != nil {
			return err
		}
	}
	if err := validateHooks(spec.Hooks); err != nil {
		return err
	}
	for _, rl := range spec.Process.Rlimits {
		if _, ok := ocispec.Rlimits[rl.Type]; !ok {
			return fmt.Errorf("unknown rlimit type %q", rl.Type)
		}
		if rl.Soft > rl.Hard {
			return fmt.Errorf("rlimit %s: soft limit %d is above hard limit %d", rl.Type, rl.Soft, rl.Hard)
		}
	}
	if _, err := namespaceBootstrap(spec); err != nil {
		return err
	}
	if err := validateNetDevices(spec); err != nil {
		return err
	}
	if p := spec.Linux.Personality; p != nil && p.Domain != specs.PerLinux && p.Domain != specs.PerLinux32 {
		return fmt.Errorf("unknown personality domain %q", p.Domain)
	}
	if err := validateSysctl(spec); err != nil {
		return err
	}
	if err := validateProcessSched(spec.Process); err != nil {
		return err
	}
	if err := checkSchedCpuset(spec, spec.Process); err != nil {
		return err
	}
	if err := checkIntelRdt(spec); err != nil {
		return err
	}
	if err := validateMemoryPolicy(spec.Linux.MemoryPolicy); err != nil {
		return err
	}
	if err := validateLSM(spec); err != nil {
		return err
	}
	return seccomp.Validate(spec.Linux.Seccomp)
}

// checkVersion accepts the 1.x versions of the runtime spec, as runc does.
func checkVersion(v string) error {
	if v == "" {
		return errors.New("ociVersion must be specified")
	}
	major, rest, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	if err != nil || rest == "" {
		return fmt.Errorf("invalid ociVersion %q", v)
	}
	if n != specs.VersionMajor {
		return fmt.Errorf("unsupported ociVersion %q: this runtime supports %d.x", v, specs.VersionMajor)
	}
	return nil
}
