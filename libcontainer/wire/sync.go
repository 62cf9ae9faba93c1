package wire

import "errors"

// Environment of `runc init`, set by the runtime. Each names a descriptor
// number, or (EnvLogLevel) the runtime's logrus level.
const (
	// EnvInitPipe: init's end of the init socket.
	EnvInitPipe = "_OCIRUN_INITPIPE"
	// EnvLogPipe: the log pipe. `runc init`, both its C stage and its Go
	// side, writes its log lines there, one JSON object per line
	// ({"level":"debug","msg":"..."} plus any fields: logrus's JSON
	// format). The runtime reads them and logs each again through its own
	// logger, so they reach --log, in --log-format, with the runtime's own
	// lines. A line of up to PIPE_BUF bytes is written at once, so the
	// lines of the C stage and of init never mix.
	EnvLogPipe = "_OCIRUN_LOGPIPE"
	// EnvLogLevel: the runtime's logrus level (5 is debug); init logs
	// nothing below it.
	EnvLogLevel = "_OCIRUN_LOGLEVEL"
)

// SyncMsg is a message between the parent and the Go side of init.
type SyncMsg struct {
	Type    string `json:"type"`
	Message string `json:"message,omitempty"`
}

// The kinds of SyncMsg.
const (
	SyncReady    = "ready"    // init: mounts done, parent may apply resources
	SyncContinue = "continue" // parent: carry on
	SyncError    = "error"
	// SyncCreated: init has done everything; the parent saves the state
	// and answers SyncContinue, after which init disarms its death signal.
	SyncCreated = "created"
	// SyncMountSource: init asks for the source of a bind mount (Message
	// is its index in the spec's mounts); the runtime answers with the
	// same type and the detached mount, or the error as Message (see
	// RequestMountSource).
	SyncMountSource = "mount-source"
	// SyncSeccompFd: init sends the listener of its seccomp filter along
	// (SCM_RIGHTS).
	SyncSeccompFd = "seccomp-fd"
)

// ErrParentGone: the parent closed the socket instead of answering.
var ErrParentGone = errors.New("parent gone")
