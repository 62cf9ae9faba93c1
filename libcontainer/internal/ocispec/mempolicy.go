package ocispec

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// MpolModes are the mode numbers of <linux/mempolicy.h>.
var MpolModes = map[specs.MemoryPolicyModeType]int{
	specs.MpolDefault:            0,
	specs.MpolPreferred:          1,
	specs.MpolBind:               2,
	specs.MpolInterleave:         3,
	specs.MpolLocal:              4,
	specs.MpolPreferredMany:      5,
	specs.MpolWeightedInterleave: 6,
}

// MpolFlags are the mode flags, or'ed into the mode.
var MpolFlags = map[specs.MemoryPolicyFlagType]int{
	specs.MpolFNumaBalancing: 1 << 13,
	specs.MpolFRelativeNodes: 1 << 14,
	specs.MpolFStaticNodes:   1 << 15,
}

// MaxNumaNode is the highest node number accepted in linux.memoryPolicy.nodes.
const MaxNumaNode = 4095

// ParseNodeList reads a node list such as "0-3,7".
func ParseNodeList(list string) ([]int, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var nodes []int
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a {
			return nil, fmt.Errorf("linux.memoryPolicy: invalid nodes %q", list)
		}
		if b > MaxNumaNode {
			return nil, fmt.Errorf("linux.memoryPolicy: node %d in %q is above the highest node number %d", b, list, MaxNumaNode)
		}
		for n := a; n <= b; n++ {
			nodes = append(nodes, n)
		}
	}
	return nodes, nil
}
