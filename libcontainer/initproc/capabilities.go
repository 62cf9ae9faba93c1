package initproc

import (
	"fmt"
	"strings"

	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
)

// capByName maps "CAP_SYS_ADMIN" style names to the capabilities this
// kernel supports.
func capByName() map[string]capability.Cap {
	m := make(map[string]capability.Cap)
	last, err := capability.LastCap()
	for _, c := range capability.List() {
		if err == nil && c > last {
			continue
		}
		m["CAP_"+strings.ToUpper(c.String())] = c
	}
	return m
}

type capSets struct {
	caps capability.Capabilities
}

// newCapSets prepares the five sets of the process. Names this kernel does
// not know are skipped, as runc does, so that a newer profile still runs.
func newCapSets(pc *specs.LinuxCapabilities) (*capSets, error) {
	c, err := capability.NewPid2(0)
	if err != nil {
		return nil, fmt.Errorf("read capabilities: %w", err)
	}
	c.Clear(capability.CAPS | capability.BOUNDS | capability.AMBS)
	if pc != nil {
		known := capByName()
		set := func(which capability.CapType, names []string) {
			for _, n := range names {
				if v, ok := known[n]; ok {
					c.Set(which, v)
				}
			}
		}
		set(capability.BOUNDING, pc.Bounding)
		set(capability.EFFECTIVE, pc.Effective)
		set(capability.PERMITTED, pc.Permitted)
		set(capability.INHERITABLE, pc.Inheritable)
		set(capability.AMBIENT, pc.Ambient)
	}
	return &capSets{caps: c}, nil
}

// dropBounding shrinks the bounding set; it needs CAP_SETPCAP, so it comes
// before the change of user.
func (s *capSets) dropBounding() error {
	if err := s.caps.Apply(capability.BOUNDS); err != nil {
		return fmt.Errorf("drop bounding capabilities: %w", err)
	}
	return nil
}

// apply sets effective, permitted and inheritable, then raises the
// ambient ones. An ambient capability needs to be permitted and
// inheritable: one that cannot be raised is a warning, as in runc (whose
// own spec template lists ambient capabilities without inheritable ones).
func (s *capSets) apply() error {
	if err := s.caps.Apply(capability.CAPS); err != nil {
		return fmt.Errorf("apply capabilities: %w", err)
	}
	if err := capability.ResetAmbient(); err != nil {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	for _, c := range capability.List() {
		if !s.caps.Get(capability.AMBIENT, c) {
			continue
		}
		if err := capability.SetAmbient(true, c); err != nil {
			logrus.Warnf("can't raise ambient capability CAP_%s: %v", strings.ToUpper(c.String()), err)
		}
	}
	return nil
}
