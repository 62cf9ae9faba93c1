package libcontainer

import (
	"fmt"
	"strings"

	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"
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
		// The kernel refuses an ambient capability that is not both
		// permitted and inheritable. runc has always run such configs (its
		// `runc spec` wrote one: ambient without inheritable), leaving
		// those out.
		for _, n := range pc.Ambient {
			if v, ok := known[n]; ok && c.Get(capability.INHERITABLE, v) && c.Get(capability.PERMITTED, v) {
				c.Set(capability.AMBIENT, v)
			}
		}
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

// apply sets effective, permitted, inheritable and ambient.
func (s *capSets) apply() error {
	if err := s.caps.Apply(capability.CAPS | capability.AMBS); err != nil {
		return fmt.Errorf("apply capabilities: %w", err)
	}
	return nil
}
