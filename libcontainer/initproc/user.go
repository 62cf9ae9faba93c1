package initproc

import (
	"bytes"

	"github.com/ocirun/runc/libcontainer/internal/fsx"
)

// setgroupsDenied tells whether setgroups(2) is refused in our user
// namespace.
func setgroupsDenied() bool {
	data, err := fsx.ReadFile("/proc/self/setgroups")
	return err == nil && string(bytes.TrimSpace(data)) == "deny"
}
