package libcontainer

import (
	"encoding/json"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// initConfigIn is initConfig as init decodes it. encoding/json builds the
// encoders of every type reachable from a struct the first time it decodes
// one (typeFields), whatever the data holds: for specs.Spec that is half a
// millisecond and 3,600 allocations, a good part of init's start-up. The
// parts of the spec that init never reads are shadowed here by raw fields
// of the same JSON name, which json prefers to the embedded ones and does
// not look into: the cgroup resources (the parent applies them) and the
// other platforms' sections. initSpec.spec puts the rest back together.
type initConfigIn struct {
	initConfig
	Spec *initSpec `json:"spec"`
}

type initSpec struct {
	*specs.Spec
	Linux   *initLinux      `json:"linux,omitempty"`
	Solaris json.RawMessage `json:"solaris,omitempty"`
	Windows json.RawMessage `json:"windows,omitempty"`
	VM      json.RawMessage `json:"vm,omitempty"`
	ZOS     json.RawMessage `json:"zos,omitempty"`
	FreeBSD json.RawMessage `json:"freebsd,omitempty"`
}

type initLinux struct {
	*specs.Linux
	Resources json.RawMessage `json:"resources,omitempty"`
}

// config returns the decoded initConfig with its spec (without the
// shadowed parts).
func (in *initConfigIn) config() initConfig {
	cfg := in.initConfig
	cfg.Spec = nil
	if in.Spec != nil {
		s := in.Spec.Spec
		if s == nil {
			s = &specs.Spec{}
		}
		if l := in.Spec.Linux; l != nil {
			s.Linux = l.Linux
			if s.Linux == nil {
				s.Linux = &specs.Linux{}
			}
		}
		cfg.Spec = s
	}
	return cfg
}
