package libcontainer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The sd_notify proxy: when the runtime is started with NOTIFY_SOCKET (a
// systemd Type=notify unit), the container gets a socket of its own,
// bind-mounted from the state directory, and what the container sends on it
// is relayed to the host's socket.
const (
	notifyDir         = "notify"
	notifySockName    = "notify.sock"
	notifyDirInCtr    = "/run/notify"
	notifySocketInCtr = notifyDirInCtr + "/" + notifySockName
)

// setupNotifyMount makes the state directory's notify directory and adds
// its bind mount and NOTIFY_SOCKET to the spec.
func setupNotifyMount(spec *specs.Spec, stateDir string) error {
	dir := filepath.Join(stateDir, notifyDir)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("notify socket directory: %w", err)
	}
	spec.Mounts = append(spec.Mounts, specs.Mount{
		Destination: notifyDirInCtr,
		Source:      dir,
		Type:        "bind",
		Options:     []string{"bind", "nosuid", "noexec", "nodev", "ro"},
	})
	spec.Process.Env = append(spec.Process.Env, "NOTIFY_SOCKET="+notifySocketInCtr)
	return nil
}

var errNoNotify = errors.New("the container was created without NOTIFY_SOCKET")

// StartNotify is start for a runtime started with NOTIFY_SOCKET=host: it
// relays the container's messages until READY=1 (with the init's pid as
// MAINPID) or until the init exits. The container's lock is released
// while it waits.
func (c *Container) StartNotify(host string) error {
	if host == "" {
		return c.start()
	}
	np, err := c.listenNotify(host)
	if errors.Is(err, errNoNotify) {
		return c.start()
	}
	if err != nil {
		return err
	}
	defer np.Close()
	if err := c.start(); err != nil {
		return err
	}
	pid := c.state.InitPid
	c.Close()
	return np.Relay(pid, pid, true)
}

// notifyProxy relays sd_notify messages from a container to the host.
type notifyProxy struct {
	fd   int    // our datagram socket, bound in the state directory
	host string // the host's NOTIFY_SOCKET
}

// listenNotify binds the container's notify socket; host is the socket to
// relay to. It fails if the container was not created with one.
func (c *Container) listenNotify(host string) (*notifyProxy, error) {
	dir := filepath.Join(c.dir.path, notifyDir)
	d, err := os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errNoNotify
		}
		return nil, fmt.Errorf("notify socket directory: %w", err)
	}
	defer d.Close()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	// Through the directory's descriptor: the state path may be longer
	// than a socket address can hold.
	p := "/proc/self/fd/" + strconv.Itoa(int(d.Fd())) + "/" + notifySockName
	unix.Unlink(p)
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: p}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind notify socket: %w", err)
	}
	// Any user of the container may notify.
	if err := unix.Fchmodat(int(d.Fd()), notifySockName, 0o777, 0); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("chmod notify socket: %w", err)
	}
	return &notifyProxy{fd: fd, host: host}, nil
}

// Close stops listening.
func (p *notifyProxy) Close() {
	if p != nil && p.fd >= 0 {
		unix.Close(p.fd)
		p.fd = -1
	}
}

// Relay forwards the container's messages until the process pid has exited
// or, with untilReady, until READY=1 has been forwarded. A message with
// READY=1 also tells the host that mainPid is the service's main process.
func (p *notifyProxy) Relay(pid, mainPid int, untilReady bool) error {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil // already gone
	}
	defer unix.Close(pidfd)
	out, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(out)
	host := &unix.SockaddrUnix{Name: p.host}
	buf := make([]byte, 64*1024)
	fds := []unix.PollFd{{Fd: int32(p.fd), Events: unix.POLLIN}, {Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		fds[0].Revents, fds[1].Revents = 0, 0
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return err
		}
		if fds[0].Revents&unix.POLLIN != 0 {
			n, _, err := unix.Recvfrom(p.fd, buf, 0)
			if err == nil && n > 0 {
				msg, ready := relayMessage(buf[:n], mainPid)
				if len(msg) > 0 {
					if err := unix.Sendto(out, msg, 0, host); err != nil {
						return fmt.Errorf("notify %s: %w", p.host, err)
					}
				}
				if ready && untilReady {
					return nil
				}
			}
			continue // drain what was sent before an exit
		}
		if fds[1].Revents != 0 {
			return nil
		}
	}
}

// relayMessage is what goes to the host for one datagram from the
// container: its lines except MAINPID (a pid of the container's namespace
// means nothing on the host), plus our MAINPID when READY=1 is among them.
func relayMessage(in []byte, mainPid int) ([]byte, bool) {
	var out bytes.Buffer
	ready := false
	for _, line := range bytes.Split(in, []byte{'\n'}) {
		if len(line) == 0 || bytes.HasPrefix(line, []byte("MAINPID=")) {
			continue
		}
		if bytes.Equal(line, []byte("READY=1")) {
			ready = true
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	if ready && mainPid > 0 {
		out.WriteString("MAINPID=" + strconv.Itoa(mainPid) + "\n")
	}
	return out.Bytes(), ready
}

// mountNotifySocket gives the container a notify socket of its own when
// the runtime has one (a create stage).
func (cr *creation) mountNotifySocket() error {
	if cr.co.NotifySocket != "" {
		if err := setupNotifyMount(cr.spec, cr.c.dir.path); err != nil {
			return err
		}
	}
	return nil
}
