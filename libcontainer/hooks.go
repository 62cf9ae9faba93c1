package libcontainer

import (
	"fmt"
	"os"
	"strings"

	"github.com/ocirun/runc/libcontainer/internal/hooks"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// hookState is the state a hook reads on its stdin.
func hookState(st *containerState, status containerStatus, pid int) *specs.State {
	s := &specs.State{
		Version: specs.Version,
		ID:      st.ID,
		Status:  specs.ContainerState(status),
		Pid:     pid,
		Bundle:  st.Bundle,
	}
	if st.Config != nil {
		s.Annotations = st.Config.Annotations
	}
	return s
}

// hookDir is where the runtime's own hooks run: the bundle, as runc, which
// changes into it, when it still exists.
func hookDir(st *containerState) string {
	if fi, err := os.Stat(st.Bundle); err == nil && fi.IsDir() {
		return st.Bundle
	}
	return ""
}

// runRuntimeHooks runs hooks of the runtime's own namespaces (prestart,
// createRuntime, poststart, poststop) in the bundle; without any, it costs
// nothing.
func runRuntimeHooks(st *containerState, kind string, status containerStatus, pid int, keepGoing bool) error {
	if len(hooks.Of(st.Config, kind)) == 0 {
		return nil
	}
	return hooks.Run(st.Config, kind, hookState(st, status, pid), hookDir(st), keepGoing)
}

// validateHooks checks what the runtime spec requires of hooks.
func validateHooks(h *specs.Hooks) error {
	if h == nil {
		return nil
	}
	kinds := []struct {
		name  string
		hooks []specs.Hook
	}{
		{hooks.Prestart, h.Prestart}, //nolint:staticcheck
		{hooks.CreateRuntime, h.CreateRuntime},
		{hooks.CreateContainer, h.CreateContainer},
		{hooks.StartContainer, h.StartContainer},
		{hooks.Poststart, h.Poststart},
		{hooks.Poststop, h.Poststop},
	}
	for _, k := range kinds {
		for i, hk := range k.hooks {
			if !strings.HasPrefix(hk.Path, "/") {
				return fmt.Errorf("hooks.%s[%d].path %q must be an absolute path", k.name, i, hk.Path)
			}
			if hk.Timeout != nil && *hk.Timeout <= 0 {
				return fmt.Errorf("hooks.%s[%d].timeout must be greater than zero, not %d", k.name, i, *hk.Timeout)
			}
		}
	}
	return nil
}
