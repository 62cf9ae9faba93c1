package initproc

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// linux.memoryPolicy: the NUMA memory policy of the container's process
// (and of every process exec'd into it), set with set_mempolicy(2) by init
// on the thread that execs; the kernel keeps it across execve and passes
// it on to children.

// applyMemoryPolicy sets the policy of the calling thread (the one that
// will execve). It must come before seccomp, which may deny the call.
func applyMemoryPolicy(p *specs.LinuxMemoryPolicy) error {
	if p == nil {
		return nil
	}
	mode := ocispec.MpolModes[p.Mode]
	for _, f := range p.Flags {
		mode |= ocispec.MpolFlags[f]
	}
	nodes, err := ocispec.ParseNodeList(p.Nodes)
	if err != nil {
		return err
	}
	var mask *uint64
	var maxNode uintptr
	if len(nodes) > 0 {
		words := make([]uint64, ocispec.MaxNumaNode/64+1)
		for _, n := range nodes {
			words[n/64] |= 1 << (n % 64)
		}
		mask = &words[0]
		// The kernel reads maxnode-1 bits.
		maxNode = uintptr(len(words)*64 + 1)
	}
	if _, _, errno := unix.Syscall(unix.SYS_SET_MEMPOLICY, uintptr(mode), uintptr(unsafe.Pointer(mask)), maxNode); errno != 0 {
		desc := string(p.Mode)
		if len(p.Flags) > 0 {
			fs := make([]string, len(p.Flags))
			for i, f := range p.Flags {
				fs[i] = string(f)
			}
			desc += "|" + strings.Join(fs, "|")
		}
		if p.Nodes != "" {
			desc += " nodes " + p.Nodes
		}
		return fmt.Errorf("set_mempolicy %s: %w", desc, errno)
	}
	return nil
}
