package cgroup

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/opencontainers/cgroups"
	"github.com/sirupsen/logrus"
)

// LogManager says at debug level which cgroup manager a container
// uses and where its cgroups are.
func LogManager(m cgroups.Manager, systemd bool) {
	if !logrus.IsLevelEnabled(logrus.DebugLevel) {
		return
	}
	kind := "cgroupfs"
	if systemd {
		kind = "systemd"
	}
	if cgroups.IsCgroup2UnifiedMode() {
		kind += " (cgroup v2)"
	} else {
		kind += " (cgroup v1)"
	}
	paths := m.GetPaths()
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(paths)) {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		if k == "" {
			b.WriteString(paths[k])
		} else {
			fmt.Fprintf(&b, "%s=%s", k, paths[k])
		}
	}
	logrus.Debugf("cgroup manager: %s, paths: %s", kind, b.String())
}
