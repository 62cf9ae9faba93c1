// Package timing times the stages of the runtime and of init for the
// --debug log.
package timing

import (
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
)

// Phase starts timing one stage of the runtime or of init; the function
// it returns logs the stage's duration as a debug line, such as
//
//	level=debug msg="stage done" phase=mounts took=1.234ms
//
// so a slow start-up can be read off a --debug log. Without --debug it
// costs one level check. Use: `defer timing.Phase("name")()`, or call the
// returned function where the stage ends.
func Phase(name string) func() {
	if !logrus.IsLevelEnabled(logrus.DebugLevel) {
		return func() {}
	}
	start := time.Now()
	return func() {
		took := time.Since(start)
		logrus.WithFields(logrus.Fields{
			"phase": name,
			"took":  fmt.Sprintf("%.3fms", float64(took.Microseconds())/1000),
		}).Debug("stage done")
	}
}
