package libcontainer

import (
	"encoding/json"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// LoadBrief is Load (shared lock) for a container that is only looked at
// (its status and OCI state, as `list` shows them): of the config it keeps
// the annotations and linux.cgroupsPath (where Status finds the freezer),
// nothing else. Decoding a whole spec per container was most of the time
// of a `list` of many containers; skipping the rest of the config is about
// five times faster, and the first file costs no walk of the spec's types.
func LoadBrief(opts Options, id string) (*Container, error) {
	return loadWith(opts, id, false, func(d *stateDir) (*containerState, error) { return d.loadBrief(false) })
}

// LoadForStart is Load (exclusive lock) for `start`, which reads of the
// config only what LoadBrief keeps and the hooks (poststart): decoding
// the rest would walk every type of the spec, about half a millisecond
// of cpu, for a command that takes a few. Nothing saves this state.
func LoadForStart(opts Options, id string) (*Container, error) {
	return loadWith(opts, id, true, func(d *stateDir) (*containerState, error) { return d.loadBrief(true) })
}

// briefState is containerState with the config cut down to what LoadBrief keeps:
// the outer Config hides containerState's, so json neither fills nor looks into it.
type briefState struct {
	containerState
	Config *struct {
		Annotations map[string]string `json:"annotations,omitempty"`
		Linux       *struct {
			CgroupsPath string `json:"cgroupsPath,omitempty"`
		} `json:"linux,omitempty"`
		Hooks json.RawMessage `json:"hooks,omitempty"` // decoded for LoadForStart only
	} `json:"config"`
}

func (d *stateDir) loadBrief(hooks bool) (*containerState, error) {
	var b briefState
	if err := d.decode(&b, func() bool { return b.ID != "" && b.Config != nil }); err != nil {
		return nil, err
	}
	s := b.containerState
	s.Config = &specs.Spec{Annotations: b.Config.Annotations}
	if b.Config.Linux != nil {
		s.Config.Linux = &specs.Linux{CgroupsPath: b.Config.Linux.CgroupsPath}
	}
	if hooks && len(b.Config.Hooks) > 0 && string(b.Config.Hooks) != "null" {
		s.Config.Hooks = new(specs.Hooks)
		if err := json.Unmarshal(b.Config.Hooks, s.Config.Hooks); err != nil {
			return nil, damagedState(filepath.Join(d.path, stateFile), err.Error())
		}
	}
	return &s, nil
}
