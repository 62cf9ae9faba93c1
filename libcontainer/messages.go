package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Errors are worded as runc's, which operators, tools and tests know:
//
//	runc create failed: unable to start container process: error during container init: <cause>
//
// The command adds "runc create failed: " (main.go); startError wraps a
// failure of the steps from the start of `runc init` to the end of its
// set-up; initError is a failure that init itself reported.

// initError is an error of the set-up of the container's init: reported
// by init (its C stage or its Go side), or by a step the runtime does
// for it meanwhile (cgroup resources, prestart and createRuntime hooks,
// the seccomp agent), as runc's sync loop words them.
type initError struct{ err error }

func (e *initError) Error() string { return "error during container init: " + e.err.Error() }
func (e *initError) Unwrap() error { return e.err }

// startError marks err as a failure to start the container's process.
func startError(err error) error {
	if err == nil || strings.HasPrefix(err.Error(), "unable to start container process: ") {
		return err
	}
	return fmt.Errorf("unable to start container process: %w", err)
}

// configError is a problem of config.json (or process.json); the cause
// keeps the JSON path of the field at fault (process.user.uid).
type configError struct{ err error }

func (e *configError) Error() string { return "invalid configuration: " + e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

func invalidConfig(err error) error {
	var ce *configError
	if err == nil || errors.As(err, &ce) {
		return err
	}
	return &configError{err}
}

// jsonError names the line and column where decoding data failed.
func jsonError(data []byte, err error) error {
	var off int64
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	default:
		return fmt.Errorf("invalid JSON: %w", err)
	}
	// Offset counts the bytes read up to and including the bad one.
	line, col := 1, 1
	for i := int64(0); i < off-1 && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("invalid JSON at line %d, column %d: %w", line, col, err)
}
