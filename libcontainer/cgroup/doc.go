// Package cgroup is the runtime's adapter over github.com/opencontainers/cgroups:
// it turns the spec's linux.resources and linux.cgroupsPath into the library's
// configuration, builds, rebuilds and destroys managers, lists and kills a
// container's processes by cgroup, merges and converts resources for updates,
// and plans the cgroup filesystem mounts inside a container.
package cgroup
