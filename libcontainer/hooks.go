package libcontainer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Hook kinds, as config.json names them.
const (
	hookPrestart        = "prestart"
	hookCreateRuntime   = "createRuntime"
	hookCreateContainer = "createContainer"
	hookStartContainer  = "startContainer"
	hookPoststart       = "poststart"
	hookPoststop        = "poststop"
)

// hooksOf returns the hooks of one kind.
func hooksOf(spec *specs.Spec, kind string) []specs.Hook {
	if spec == nil || spec.Hooks == nil {
		return nil
	}
	h := spec.Hooks
	switch kind {
	case hookPrestart:
		return h.Prestart //nolint:staticcheck // deprecated in the spec, still run by runc
	case hookCreateRuntime:
		return h.CreateRuntime
	case hookCreateContainer:
		return h.CreateContainer
	case hookStartContainer:
		return h.StartContainer
	case hookPoststart:
		return h.Poststart
	case hookPoststop:
		return h.Poststop
	}
	return nil
}

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

// runHooks runs the hooks of one kind in order. It stops at the first that
// fails, unless keepGoing (poststart, poststop), when every hook runs and a
// failure is only logged. dir is their working directory ("" for ours).
func runHooks(spec *specs.Spec, kind string, state *specs.State, dir string, keepGoing bool) error {
	hooks := hooksOf(spec, kind)
	if len(hooks) == 0 {
		return nil
	}
	data, err := json.Marshal(state)
	if err != nil {
		return err
	}
	defer phase("hooks:" + kind)()
	for i, h := range hooks {
		logrus.Debugf("running %s hook #%d: %s", kind, i, h.Path)
		if err := runHook(h, data, dir); err != nil {
			err = fmt.Errorf("error running %s hook #%d: %w", kind, i, err)
			if !keepGoing {
				return err
			}
			logrus.Warn(err)
		}
	}
	return nil
}

// runRuntimeHooks runs hooks of the runtime's own namespaces (prestart,
// createRuntime, poststart, poststop) in the bundle; without any, it costs
// nothing.
func runRuntimeHooks(st *containerState, kind string, status containerStatus, pid int, keepGoing bool) error {
	if len(hooksOf(st.Config, kind)) == 0 {
		return nil
	}
	return runHooks(st.Config, kind, hookState(st, status, pid), hookDir(st), keepGoing)
}

func runHook(h specs.Hook, state []byte, dir string) error {
	var stdout, stderr bytes.Buffer
	cmd := &exec.Cmd{
		Path:   h.Path,
		Args:   h.Args,
		Env:    h.Env,
		Dir:    dir,
		Stdin:  bytes.NewReader(state),
		Stdout: &stdout,
		Stderr: &stderr,
	}
	// A hook that leaves a child holding its output must not hang us.
	cmd.WaitDelay = time.Second
	if len(cmd.Args) == 0 {
		cmd.Args = []string{h.Path}
	}
	if cmd.Env == nil {
		// As runc: a hook without env gets the runtime's.
		cmd.Env = os.Environ()
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var timeout <-chan time.Time
	if h.Timeout != nil {
		t := time.NewTimer(time.Duration(*h.Timeout) * time.Second)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, exec.ErrWaitDelay) {
			return hookError(err, &stdout, &stderr)
		}
		return nil
	case <-timeout:
		cmd.Process.Signal(unix.SIGKILL)
		<-done
		return fmt.Errorf("hook ran past specified timeout of %.1fs", float64(*h.Timeout))
	}
}

func hookError(err error, stdout, stderr *bytes.Buffer) error {
	var b strings.Builder
	b.WriteString(err.Error())
	for _, o := range []struct {
		name string
		buf  *bytes.Buffer
	}{{"stdout", stdout}, {"stderr", stderr}} {
		if s := strings.TrimSpace(o.buf.String()); s != "" {
			// One line: the command prints errors on one.
			fmt.Fprintf(&b, ", %s: %s", o.name, strings.Join(strings.Fields(s), " "))
		}
	}
	return errors.New(b.String())
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
		{hookPrestart, h.Prestart}, //nolint:staticcheck
		{hookCreateRuntime, h.CreateRuntime},
		{hookCreateContainer, h.CreateContainer},
		{hookStartContainer, h.StartContainer},
		{hookPoststart, h.Poststart},
		{hookPoststop, h.Poststop},
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
