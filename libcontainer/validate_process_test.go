package libcontainer

import (
	"strings"
	"testing"

	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidateProcess(t *testing.T) {
	ok := func() *specs.Process {
		return &specs.Process{Args: []string{"true"}, Env: []string{"A=1", "B="},
			User:         specs.User{UID: ocispec.MaxID, GID: 0, AdditionalGids: []uint32{ocispec.MaxID}},
			Capabilities: &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL"}}}
	}
	if err := validateProcess(ok()); err != nil {
		t.Fatalf("valid process refused: %v", err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*specs.Process)
		want string
	}{
		{"uid -1", func(p *specs.Process) { p.User.UID = 4294967295 }, "uids and gids must be in range 0-2147483647"},
		{"uid 2^31", func(p *specs.Process) { p.User.UID = ocispec.MaxID + 1 }, "uids and gids"},
		{"gid -1", func(p *specs.Process) { p.User.GID = 4294967295 }, "uids and gids"},
		{"additional gid", func(p *specs.Process) { p.User.AdditionalGids = []uint32{1, 4294967295} }, "uids and gids"},
		{"env without =", func(p *specs.Process) { p.Env = append(p.Env, "NOEQ") }, `invalid environment variable: "NOEQ"`},
		{"env empty name", func(p *specs.Process) { p.Env = append(p.Env, "=x") }, "invalid environment variable"},
		{"unknown cap", func(p *specs.Process) { p.Capabilities.Ambient = []string{"CAP_FOO"} }, `unknown capability "CAP_FOO"`},
		{"lower-case cap", func(p *specs.Process) { p.Capabilities.Effective = []string{"cap_kill"} }, "unknown capability"},
	} {
		p := ok()
		tc.mod(p)
		err := validateProcess(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}
