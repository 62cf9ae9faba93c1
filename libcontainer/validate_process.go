package libcontainer

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/moby/sys/capability"
	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
)

// validateProcessSection checks the config's process: present, with
// args, valid ids, environment and capabilities, an absolute cwd.
func validateProcessSection(spec *specs.Spec) error {
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
	return nil
}

// validateProcess checks what the container's process (or an exec'd
// one) is given before anything is made: ids, environment, capabilities.
func validateProcess(p *specs.Process) error {
	if p == nil {
		return nil
	}
	if err := ocispec.ValidateUserIDs(p.User); err != nil {
		return err
	}
	if err := validateEnv(p.Env); err != nil {
		return err
	}
	return validateCapNames(p.Capabilities)
}

func validateEnv(env []string) error {
	for _, e := range env {
		name, _, ok := strings.Cut(e, "=")
		if !ok || name == "" || strings.ContainsRune(e, 0) {
			return fmt.Errorf("invalid environment variable: %q", e)
		}
	}
	return nil
}

// validateCapNames refuses names that are no capability at all. A real
// capability this kernel does not have is only skipped (with a warning
// when the process is set up), so that a newer profile runs on an older
// kernel.
func validateCapNames(pc *specs.LinuxCapabilities) error {
	if pc == nil {
		return nil
	}
	known := make(map[string]bool)
	for _, c := range capability.List() {
		known["CAP_"+strings.ToUpper(c.String())] = true
	}
	for _, set := range [][]string{pc.Bounding, pc.Effective, pc.Permitted, pc.Inheritable, pc.Ambient} {
		for _, n := range set {
			if !known[n] {
				return fmt.Errorf("unknown capability %q", n)
			}
		}
	}
	return nil
}

// warnSpec logs what runc accepts with a warning.
func warnSpec(spec *specs.Spec) {
	for _, m := range spec.Mounts {
		if m.Destination != "" && !filepath.IsAbs(m.Destination) {
			logrus.Warnf("mount destination %s is not absolute. Support for non-absolute mount destinations will be removed in a future release.", m.Destination)
		}
	}
}
