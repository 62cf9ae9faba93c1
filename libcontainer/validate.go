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

// validateSpec rejects what runc rejects before anything is made. It is
// the one entry point of config validation: LoadSpec (config.json), Create
// (create, run) and restore go through it; exec checks its process with
// the process checks of the list (checkExec).
func validateSpec(spec *specs.Spec) error {
	for _, check := range specChecks {
		if err := check(spec); err != nil {
			return err
		}
	}
	return nil
}

// specChecks are the checks of a config, each beside its concern, in the
// order they run: the first error is reported, so for a config with
// several errors the order decides which one (messages.bats and
// validate_test.go pin some). A check may rely on the ones before it
// (root, process and linux are there).
var specChecks = []func(*specs.Spec) error{
	validateVersion,        // ociVersion 1.x
	validateRoot,           // process.go: root.path
	validateProcessSection, // validate_process.go: args, user ids, env, capabilities, cwd
	validateLinuxSection,   // linux
	validateNamespaceNeeds, // bootstrap.go: hostname, domainname, masked paths, id maps
	validateMounts,         // destinations, id-mapped mounts (idmap.go)
	validateHookSection,    // hooks.go
	validateRlimits,        // types (init.go's table), soft <= hard
	validateNamespaces,     // bootstrap.go: types, duplicates, paths
	validateNetDevices,     // netdev.go
	validatePersonality,    // personality domain
	validateSysctl,         // sysctl.go
	validateSched,          // sched.go: scheduler, CPU affinity within the cpuset
	checkIntelRdt,          // sched.go
	validateMemPolicy,      // mempolicy.go
	validateLSM,            // lsm.go
	validateSeccompSection, // seccomp.go
}

// The checks of specChecks that take a part of the config.

func validateVersion(spec *specs.Spec) error     { return checkVersion(spec.Version) }
func validateHookSection(spec *specs.Spec) error { return validateHooks(spec.Hooks) }
func validateMemPolicy(spec *specs.Spec) error {
	return validateMemoryPolicy(spec.Linux.MemoryPolicy)
}
func validateSeccompSection(spec *specs.Spec) error { return seccomp.Validate(spec.Linux.Seccomp) }

func validateSched(spec *specs.Spec) error {
	if err := validateProcessSched(spec.Process); err != nil {
		return err
	}
	return checkSchedCpuset(spec, spec.Process)
}

func validateLinuxSection(spec *specs.Spec) error {
	if spec.Linux == nil {
		return errors.New("linux section must be specified")
	}
	return nil
}

// validateMounts checks every mount entry's paths, and its id map.
func validateMounts(spec *specs.Spec) error {
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
	return nil
}

func validateRlimits(spec *specs.Spec) error {
	for _, rl := range spec.Process.Rlimits {
		if _, ok := ocispec.Rlimits[rl.Type]; !ok {
			return fmt.Errorf("unknown rlimit type %q", rl.Type)
		}
		if rl.Soft > rl.Hard {
			return fmt.Errorf("rlimit %s: soft limit %d is above hard limit %d", rl.Type, rl.Soft, rl.Hard)
		}
	}
	return nil
}

func validatePersonality(spec *specs.Spec) error {
	if p := spec.Linux.Personality; p != nil && p.Domain != specs.PerLinux && p.Domain != specs.PerLinux32 {
		return fmt.Errorf("unknown personality domain %q", p.Domain)
	}
	return nil
}

// checkCreate is what create and run check before anything is made: the
// config (validateSpec), then what it asks of this host, then the
// command's options.
func checkCreate(opts Options, co *CreateOpts) error {
	spec := co.Spec
	if err := validateSpec(spec); err != nil {
		return invalidConfig(err)
	}
	warnSpec(spec)
	if os.Geteuid() != 0 {
		if err := userns.ValidateRootless(spec); err != nil {
			return err
		}
	}
	if err := userns.CheckJoin(spec); err != nil {
		return err
	}
	if err := checkNetDevices(spec, opts.Rootless); err != nil {
		return err
	}
	// Detached unless a foreground run made the console pair itself.
	return checkConsole(spec.Process.Terminal, co.consoleConn == nil, co.ConsoleSocket)
}

// checkExec is what exec checks before anything is made: the options,
// and the process (process.json or the command line's) with the process
// checks of specChecks that can differ from the container's.
func checkExec(spec *specs.Spec, eo *ExecOpts) error {
	proc := eo.Process
	if err := checkConsole(proc.Terminal, eo.Detach, eo.ConsoleSocket); err != nil {
		return err
	}
	if err := validateProcess(proc); err != nil {
		return err
	}
	if err := validateProcessSched(proc); err != nil {
		return invalidConfig(err)
	}
	if err := checkSubCgroups(eo.SubCgroups); err != nil {
		return err
	}
	if err := checkSchedCpuset(spec, proc); err != nil {
		return err
	}
	if err := validateProcessLSM(proc); err != nil {
		return invalidConfig(err)
	}
	return nil
}

// checkConsole checks --console-socket against process.terminal: a
// detached terminal needs the socket, and the socket needs a terminal.
func checkConsole(terminal, detach bool, socket string) error {
	if terminal && detach && socket == "" {
		return errors.New("cannot allocate tty if runc will detach without setting console socket")
	}
	if !terminal && socket != "" {
		return errors.New("cannot use console socket if runc will not detach or allocate tty")
	}
	return nil
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
