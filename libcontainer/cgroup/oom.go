package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/cgroups"
)

// OOMKilled tells whether the memory cgroup saw an OOM kill.
func OOMKilled(m cgroups.Manager) bool {
	if m == nil {
		return false
	}
	if p := m.Path("memory"); p != "" && !IsUnified() {
		data, err := os.ReadFile(filepath.Join(p, "memory.oom_control"))
		return err == nil && fieldValue(string(data), "oom_kill") > 0
	}
	if p := m.Path(""); p != "" {
		data, err := os.ReadFile(filepath.Join(p, "memory.events"))
		return err == nil && fieldValue(string(data), "oom_kill") > 0
	}
	return false
}

func fieldValue(data, key string) int {
	for _, line := range strings.Split(data, "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok && k == key {
			var n int
			fmt.Sscan(v, &n)
			return n
		}
	}
	return 0
}
