package libcontainer

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseNodeList(t *testing.T) {
	for in, want := range map[string][]int{"": nil, " ": nil, "0": {0}, "0-2,5": {0, 1, 2, 5}, "4095": {4095}} {
		got, err := parseNodeList(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseNodeList(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"x", "-1", "2-1", "0,", "4096", "0-5000", "1-"} {
		if _, err := parseNodeList(in); err == nil {
			t.Errorf("parseNodeList(%q) accepted", in)
		}
	}
}

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
