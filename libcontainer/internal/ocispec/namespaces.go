// Package ocispec holds what the runtime (which checks a config) and init
// (which applies it) both need to know of the OCI spec's values: which
// namespaces a spec asks for, the valid range of ids, and the tables and
// parsers of scheduling, CPU affinity and memory policy.
package ocispec

import specs "github.com/opencontainers/runtime-spec/specs-go"

// HasNamespace tells whether the spec lists a namespace of type t (new or
// joined by path).
func HasNamespace(spec *specs.Spec, t specs.LinuxNamespaceType) bool {
	if spec.Linux == nil {
		return false
	}
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type == t {
			return true
		}
	}
	return false
}

// HasNewNamespace tells whether the spec asks for a new namespace of type
// t (listed without a path).
func HasNewNamespace(spec *specs.Spec, t specs.LinuxNamespaceType) bool {
	if spec.Linux == nil {
		return false
	}
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type == t && ns.Path == "" {
			return true
		}
	}
	return false
}
