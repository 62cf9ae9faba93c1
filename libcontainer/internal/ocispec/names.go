package ocispec

import "sort"

// SortedNames lists the keys of a table keyed by a spec's string values
// (namespace types, seccomp actions, memory policy modes, ...), sorted:
// what `runc features` reports as known.
func SortedNames[K ~string, V any](m map[K]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}
