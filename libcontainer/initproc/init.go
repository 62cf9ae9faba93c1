package initproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"

	"github.com/ocirun/runc/libcontainer/wire"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

func init() {
	// The init's credentials and capabilities are per thread: keep the
	// whole of `init` on the main thread, the one that will execve.
	if len(os.Args) > 1 && os.Args[1] == "init" {
		runtime.LockOSThread()
	}
}

// closeLog closes init's log pipe (see logpipe.go).
var closeLog = func() {}

// initConfig is the init config with init's end of the init socket.
type initConfig struct {
	wire.InitConfig
	sock *os.File
}

// errReported: the error has gone to the runtime another way.
var errReported = errors.New("reported")

// Init is the Go side of `runc init`, in the container's namespaces after
// the C stage. It never returns: it execs the user's process or exits.
func Init() {
	fd, err := strconv.Atoi(os.Getenv(wire.EnvInitPipe))
	if err != nil {
		fmt.Fprintln(os.Stderr, "runc init: must be started by the runtime")
		os.Exit(1)
	}
	closeLog = initLogging()
	os.Clearenv()
	// A non-blocking socket makes the Go runtime set up its poller now,
	// before a low RLIMIT_NOFILE could leave it no descriptor to do so.
	unix.SetNonblock(fd, true)
	// init's own descriptors (this socket, and the exec fifo and console
	// socket below) never reach a process it starts: the createContainer
	// hooks run long before prepareProcess marks every other one.
	unix.CloseOnExec(fd)
	sock := os.NewFile(uintptr(fd), "init-sock")
	dec := json.NewDecoder(sock)
	enc := json.NewEncoder(sock)
	if err := containerInit(sock, dec, enc); err != nil {
		if err == wire.ErrParentGone || err == errReported {
			// The parent gave up (and says why): nothing to add.
			os.Exit(1)
		}
		if enc.Encode(wire.SyncMsg{Type: wire.SyncError, Message: err.Error()}) != nil {
			// The parent has gone (or was told we are done): stderr is all we have.
			fmt.Fprintf(os.Stderr, "runc init: %v\n", err)
		}
		os.Exit(1)
	}
	panic("unreachable")
}

// containerInit reads the init config and sets up what it asks for: a
// new container, or a process joining a running one.
func containerInit(sock *os.File, dec *json.Decoder, enc *json.Encoder) error {
	cfg, err := readConfig(sock, dec)
	if err != nil {
		return err
	}
	for _, fd := range []int{cfg.FifoFd, cfg.ConsoleFd} {
		if fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
	logrus.Debugf("init: config received (exec: %v), pid %d", cfg.Exec, os.Getpid())
	if cfg.Exec {
		return execInit(cfg)
	}
	return createInit(cfg, enc, dec)
}

// readConfig reads the runtime's init config from the init socket.
func readConfig(sock *os.File, dec *json.Decoder) (*initConfig, error) {
	var in wire.InitConfigIn
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("read init config: %w", err)
	}
	wcfg, err := in.Config()
	if err != nil {
		return nil, fmt.Errorf("read init config: %w", err)
	}
	return &initConfig{InitConfig: wcfg, sock: sock}, nil
}
