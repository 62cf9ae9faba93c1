package libcontainer

import (
	"fmt"
	"os"
	"strings"

	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// linux.memoryPolicy: the NUMA memory policy of the container's process
// (and of every process exec'd into it), set with set_mempolicy(2) by init
// on the thread that execs; the kernel keeps it across execve and passes
// it on to children.

// validateMemoryPolicy checks linux.memoryPolicy before anything is made.
func validateMemoryPolicy(p *specs.LinuxMemoryPolicy) error {
	if p == nil {
		return nil
	}
	if p.Mode == "" {
		return fmt.Errorf("linux.memoryPolicy: mode must be specified")
	}
	if _, ok := ocispec.MpolModes[p.Mode]; !ok {
		return fmt.Errorf("linux.memoryPolicy: invalid mode %q", p.Mode)
	}
	seen := map[specs.MemoryPolicyFlagType]bool{}
	for _, f := range p.Flags {
		if _, ok := ocispec.MpolFlags[f]; !ok {
			return fmt.Errorf("linux.memoryPolicy: invalid flag %q", f)
		}
		seen[f] = true
	}
	if seen[specs.MpolFStaticNodes] && seen[specs.MpolFRelativeNodes] {
		return fmt.Errorf("linux.memoryPolicy: flags %s and %s exclude each other", specs.MpolFStaticNodes, specs.MpolFRelativeNodes)
	}
	nodes, err := ocispec.ParseNodeList(p.Nodes)
	if err != nil {
		return err
	}
	switch p.Mode {
	case specs.MpolDefault, specs.MpolLocal:
		if len(nodes) > 0 {
			return fmt.Errorf("linux.memoryPolicy: mode %s takes no nodes (got %q)", p.Mode, p.Nodes)
		}
	case specs.MpolBind, specs.MpolInterleave, specs.MpolWeightedInterleave, specs.MpolPreferredMany:
		if len(nodes) == 0 {
			return fmt.Errorf("linux.memoryPolicy: mode %s needs nodes", p.Mode)
		}
	}
	// A node the host can never have is refused here, with its name,
	// rather than as EINVAL from init.
	if possible, err := os.ReadFile("/sys/devices/system/node/possible"); err == nil {
		have, err := ocispec.ParseNodeList(strings.TrimSpace(string(possible)))
		if err == nil && len(have) > 0 {
			ok := map[int]bool{}
			for _, n := range have {
				ok[n] = true
			}
			for _, n := range nodes {
				if !ok[n] {
					return fmt.Errorf("linux.memoryPolicy: node %d does not exist on this host (possible nodes: %s)", n, strings.TrimSpace(string(possible)))
				}
			}
		}
	}
	return nil
}
