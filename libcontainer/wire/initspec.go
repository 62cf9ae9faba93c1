package wire

import (
	"encoding/json"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// InitConfigIn is InitConfig as init decodes it. encoding/json builds the
// encoders of every type reachable from a struct the first time it decodes
// one (typeFields), whatever the data holds: for specs.Spec that is half a
// millisecond and 3,600 allocations, a good part of init's start-up. Parts
// of the spec are shadowed here by raw fields of the same JSON name, which
// json prefers to the embedded ones and does not look into: those init
// never reads (the cgroup resources, which the parent applies, and the
// other platforms' sections) are dropped; the optional sections that many
// containers do not have (seccomp, hooks, ...) are decoded into their
// types by Config only when present, so that only then their types cost.
type InitConfigIn struct {
	InitConfig
	Spec *initSpec `json:"spec"`
}

type initSpec struct {
	*specs.Spec
	Linux   *initLinux      `json:"linux,omitempty"`
	Hooks   json.RawMessage `json:"hooks,omitempty"`
	Solaris json.RawMessage `json:"solaris,omitempty"`
	Windows json.RawMessage `json:"windows,omitempty"`
	VM      json.RawMessage `json:"vm,omitempty"`
	ZOS     json.RawMessage `json:"zos,omitempty"`
	FreeBSD json.RawMessage `json:"freebsd,omitempty"`
}

type initLinux struct {
	*specs.Linux
	Resources    json.RawMessage `json:"resources,omitempty"`
	NetDevices   json.RawMessage `json:"netDevices,omitempty"`
	Seccomp      json.RawMessage `json:"seccomp,omitempty"`
	IntelRdt     json.RawMessage `json:"intelRdt,omitempty"`
	MemoryPolicy json.RawMessage `json:"memoryPolicy,omitempty"`
	Personality  json.RawMessage `json:"personality,omitempty"`
	TimeOffsets  json.RawMessage `json:"timeOffsets,omitempty"`
}

// Config returns the decoded InitConfig with its spec (without the parts
// init does not read).
func (in *InitConfigIn) Config() (InitConfig, error) {
	cfg := in.InitConfig
	cfg.Spec = nil
	if in.Spec == nil {
		return cfg, nil
	}
	s := in.Spec.Spec
	if s == nil {
		s = &specs.Spec{}
	}
	type part struct {
		raw json.RawMessage
		v   any
	}
	parts := []part{{in.Spec.Hooks, &s.Hooks}}
	if l := in.Spec.Linux; l != nil {
		s.Linux = l.Linux
		if s.Linux == nil {
			s.Linux = &specs.Linux{}
		}
		parts = append(parts, part{l.NetDevices, &s.Linux.NetDevices}, part{l.Seccomp, &s.Linux.Seccomp},
			part{l.IntelRdt, &s.Linux.IntelRdt}, part{l.MemoryPolicy, &s.Linux.MemoryPolicy},
			part{l.Personality, &s.Linux.Personality}, part{l.TimeOffsets, &s.Linux.TimeOffsets})
	}
	for _, p := range parts {
		if len(p.raw) > 0 {
			if err := json.Unmarshal(p.raw, p.v); err != nil {
				return cfg, err
			}
		}
	}
	cfg.Spec = s
	return cfg, nil
}
