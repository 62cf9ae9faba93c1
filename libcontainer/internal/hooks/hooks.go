// Package hooks runs the OCI hooks of config.json: the runtime runs those
// of its own namespaces (prestart, createRuntime, poststart, poststop),
// init those of the container's (createContainer, startContainer).
package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Hook kinds, as config.json names them.
const (
	Prestart        = "prestart"
	CreateRuntime   = "createRuntime"
	CreateContainer = "createContainer"
	StartContainer  = "startContainer"
	Poststart       = "poststart"
	Poststop        = "poststop"
)

// Of returns the hooks of one kind.
func Of(spec *specs.Spec, kind string) []specs.Hook {
	if spec == nil || spec.Hooks == nil {
		return nil
	}
	h := spec.Hooks
	switch kind {
	case Prestart:
		return h.Prestart //nolint:staticcheck // deprecated in the spec, still run by runc
	case CreateRuntime:
		return h.CreateRuntime
	case CreateContainer:
		return h.CreateContainer
	case StartContainer:
		return h.StartContainer
	case Poststart:
		return h.Poststart
	case Poststop:
		return h.Poststop
	}
	return nil
}

// Run runs the hooks of one kind in order. It stops at the first that
// fails, unless keepGoing (poststart, poststop), when every hook runs and a
// failure is only logged. dir is their working directory ("" for ours).
func Run(spec *specs.Spec, kind string, state *specs.State, dir string, keepGoing bool) error {
	hooks := Of(spec, kind)
	if len(hooks) == 0 {
		return nil
	}
	data, err := json.Marshal(state)
	if err != nil {
		return err
	}
	defer timing.Phase("hooks:" + kind)()
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
