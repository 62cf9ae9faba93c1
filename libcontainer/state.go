package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ocirun/runc/libcontainer/internal/fsx"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const (
	stateFile = "state.json"
	fifoName  = "exec.fifo"
)

// Errors that the command layer reports as runc does.
var (
	ErrNotExist = errors.New("container does not exist")
	errExist    = errors.New("container with given ID already exists")
)

// containerState is what a container's state directory records: the facts of its
// creation that cannot be derived later.
type containerState struct {
	ID          string            `json:"id"`
	InitPid     int               `json:"init_process_pid"`
	InitStart   uint64            `json:"init_process_start"`
	Created     time.Time         `json:"created"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Owner       string            `json:"owner"`
	CgroupPaths map[string]string `json:"cgroup_paths,omitempty"`
	Systemd     bool              `json:"systemd_cgroup,omitempty"`
	Rootless    bool              `json:"rootless,omitempty"`
	Config      *specs.Spec       `json:"config"`
}

// idChars tells whether id is made of the characters runc allows, as
// runc's ^[\w+\-.]+$ has it: ASCII letters, digits and _ + - . (a loop:
// compiling the expression cost every start of the binary, init's too,
// 40 us).
func idChars(id string) bool {
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '_', c == '+', c == '-', c == '.':
		default:
			return false
		}
	}
	return id != ""
}

// ValidateID checks a container id against runc's rules.
func ValidateID(id string) error {
	if id == "" {
		return errors.New("container id cannot be empty")
	}
	if id == "." || id == ".." || !idChars(id) || len(id) > 1024 {
		return fmt.Errorf("invalid container id format: %s", id)
	}
	return nil
}

// stateDir is a locked container directory under the runtime's root.
type stateDir struct {
	path string
	lock *os.File
}

// openStateDir locks an existing container's directory (shared or exclusive).
func openStateDir(root, id string, exclusive bool) (*stateDir, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	p := filepath.Join(root, id)
	f, err := fsx.OpenDir(p)
	if err != nil {
		if os.IsNotExist(err) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP) {
			return nil, ErrNotExist
		}
		return nil, fmt.Errorf("open container state %s: %w", p, err)
	}
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	if err := flockRetry(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock container state %s: %w", p, err)
	}
	return &stateDir{path: p, lock: f}, nil
}

// newStateDir creates and locks the directory of a new container; it fails
// if the id is taken.
func newStateDir(root, id string) (*stateDir, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(root, 0o711); err != nil {
		return nil, fmt.Errorf("create state root %s: %w", root, err)
	}
	p := filepath.Join(root, id)
	if err := os.Mkdir(p, 0o711); err != nil {
		if os.IsExist(err) {
			return nil, errExist
		}
		return nil, fmt.Errorf("create container state %s: %w", p, err)
	}
	f, err := fsx.OpenDir(p)
	if err == nil {
		err = flockRetry(int(f.Fd()), unix.LOCK_EX)
	}
	if err != nil {
		os.Remove(p)
		return nil, fmt.Errorf("lock container state %s: %w", p, err)
	}
	return &stateDir{path: p, lock: f}, nil
}

func flockRetry(fd, how int) error {
	for {
		err := unix.Flock(fd, how)
		if err != unix.EINTR {
			return err
		}
	}
}

func (d *stateDir) close() {
	if d.lock != nil {
		d.lock.Close()
		d.lock = nil
	}
}

// remove deletes the directory; the lock stays held until close.
func (d *stateDir) remove() error {
	return os.RemoveAll(d.path)
}

func (d *stateDir) load() (*containerState, error) {
	var s containerState
	if err := d.decode(&s, func() bool { return s.ID != "" && s.Config != nil }); err != nil {
		return nil, err
	}
	return &s, nil
}

// decode reads the state file into v; whole says whether what was read is a
// container's state: what is left of a damaged file is never read as
// "stopped".
func (d *stateDir) decode(v any, whole func() bool) error {
	p := filepath.Join(d.path, stateFile)
	data, err := fsx.ReadFile(p)
	if err != nil {
		if os.IsNotExist(err) {
			return ErrNotExist
		}
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return damagedState(p, err.Error())
	}
	if !whole() {
		return damagedState(p, "not a container's state")
	}
	return nil
}

// save writes the state file atomically: a temporary file, fsync-free (the
// state lives on tmpfs), then rename over the old one.
func (d *stateDir) save(s *containerState) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(d.path, stateFile), data, 0o600)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// writePidFile writes pid to path atomically, as runc does (no newline).
func writePidFile(path string, pid int) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	return writeFileAtomic(abs, []byte(fmt.Sprintf("%d", pid)), 0o644)
}
