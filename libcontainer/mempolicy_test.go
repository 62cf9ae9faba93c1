package libcontainer

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidateMemoryPolicy(t *testing.T) {
	ok := []specs.LinuxMemoryPolicy{
		{Mode: specs.MpolDefault},
		{Mode: specs.MpolLocal},
		{Mode: specs.MpolPreferred},
		{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}},
	}
	for _, p := range ok {
		if err := validateMemoryPolicy(&p); err != nil {
			t.Errorf("%+v refused: %v", p, err)
		}
	}
	bad := []specs.LinuxMemoryPolicy{
		{},
		{Nodes: "0"},
		{Mode: "MPOL_X", Nodes: "0"},
		{Mode: specs.MpolBind},
		{Mode: specs.MpolInterleave},
		{Mode: specs.MpolDefault, Nodes: "0"},
		{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{"MPOL_F_X"}},
		{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes, specs.MpolFRelativeNodes}},
	}
	for _, p := range bad {
		if err := validateMemoryPolicy(&p); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if validateMemoryPolicy(nil) != nil {
		t.Error("no policy refused")
	}
}
