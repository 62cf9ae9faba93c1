// Command seccompagent is a small seccomp agent for the integration tests:
// it listens on a unix socket for the runtime's message (the container
// process state as JSON, with the seccomp listener as SCM_RIGHTS), records
// what it received, and answers the notifications of each listener.
//
//	seccompagent -socket PATH -record FILE
//
// Each message received is written to FILE as one line of JSON; each
// notification as a line "notify pid=N syscall=NAME [path=P]" (the path for
// the calls that take one). How to answer is read from the listener
// metadata of the profile: words "NAME:ACTION" separated by spaces, with
// ACTION one of
//
//	continue   let the call run (also the answer for calls not named)
//	fake       report success (0) without running it
//	errno=N    fail it with error N
//
// e.g. "mkdirat:errno=28 mkdir:fake".
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The kernel's struct seccomp_notif and struct seccomp_notif_resp.
type notif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

type notifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// pathArg is the index of the path argument of the calls that take one.
var pathArg = map[string]int{"mkdir": 0, "mkdirat": 1, "chmod": 0, "fchmodat": 1, "open": 0, "openat": 1, "execve": 0}

var (
	recordMu sync.Mutex
	record   *os.File
)

func note(format string, args ...any) {
	recordMu.Lock()
	defer recordMu.Unlock()
	fmt.Fprintf(record, format+"\n", args...)
}

func main() {
	socket := flag.String("socket", "", "path of the unix socket to listen on")
	recordPath := flag.String("record", "", "file to record messages and notifications in")
	flag.Parse()
	if *socket == "" || *recordPath == "" {
		log.Fatal("usage: seccompagent -socket PATH -record FILE")
	}
	var err error
	if record, err = os.OpenFile(*recordPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err != nil {
		log.Fatal(err)
	}
	os.Remove(*socket)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: *socket, Net: "unix"})
	if err != nil {
		log.Fatal(err)
	}
	for {
		conn, err := l.AcceptUnix()
		if err != nil {
			log.Fatal(err)
		}
		go handle(conn)
	}
}

// handle reads one message of the runtime and serves its listener.
func handle(conn *net.UnixConn) {
	defer conn.Close()
	buf := make([]byte, 1<<20)
	oob := make([]byte, unix.CmsgSpace(4*8))
	var data []byte
	var fds []int
	for {
		n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		if err != nil {
			log.Printf("read: %v", err)
			return
		}
		data = append(data, buf[:n]...)
		if oobn > 0 {
			msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
			if err == nil {
				for i := range msgs {
					if f, err := unix.ParseUnixRights(&msgs[i]); err == nil {
						fds = append(fds, f...)
					}
				}
			}
		}
		if n == 0 || json.Valid(data) {
			break
		}
	}
	var st specs.ContainerProcessState
	if err := json.Unmarshal(data, &st); err != nil {
		note("bad message %q: %v", data, err)
		return
	}
	var line bytes.Buffer
	json.Compact(&line, data)
	note("%s", line.String())
	listener := -1
	for i, name := range st.Fds {
		if name == specs.SeccompFdName && i < len(fds) {
			listener = fds[i]
		}
	}
	if listener < 0 || len(fds) != len(st.Fds) {
		note("error: %d descriptors for fds %v", len(fds), st.Fds)
		return
	}
	serve(listener, parseRules(st.Metadata))
}

type answer struct {
	fake  bool
	errno int32
	cont  bool
}

func parseRules(meta string) map[string]answer {
	rules := map[string]answer{}
	for _, w := range strings.Fields(meta) {
		name, act, _ := strings.Cut(w, ":")
		switch {
		case act == "fake":
			rules[name] = answer{fake: true}
		case strings.HasPrefix(act, "errno="):
			n, _ := strconv.Atoi(strings.TrimPrefix(act, "errno="))
			rules[name] = answer{errno: int32(n)}
		default:
			rules[name] = answer{cont: true}
		}
	}
	return rules
}

// serve answers the notifications of one listener until no process uses
// its filter any more.
func serve(fd int, rules map[string]answer) {
	defer unix.Close(fd)
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			note("poll: %v", err)
			return
		}
		if pfd[0].Revents&unix.POLLIN == 0 {
			return // POLLHUP: the filter's processes are gone
		}
		var req notif
		if err := ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(&req)); err != nil {
			if err == unix.ENOENT || err == unix.EINTR {
				continue // the caller went away meanwhile
			}
			note("recv: %v", err)
			return
		}
		name, ok := syscallNames[req.Nr]
		if !ok {
			name = strconv.Itoa(int(req.Nr))
		}
		msg := fmt.Sprintf("notify pid=%d syscall=%s", req.Pid, name)
		if i, ok := pathArg[name]; ok {
			if p, err := readString(req.Pid, req.Args[i]); err == nil {
				msg += " path=" + p
			}
		}
		// The memory read is only the caller's if the notification is
		// still pending (the pid could have been reused).
		if ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_ID_VALID, unsafe.Pointer(&req.ID)) != nil {
			continue
		}
		note("%s", msg)
		resp := notifResp{ID: req.ID}
		a, ok := rules[name]
		switch {
		case !ok || a.cont:
			resp.Flags = unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE
		case a.fake:
		default:
			resp.Error = -a.errno
		}
		if err := ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&resp)); err != nil && err != unix.ENOENT {
			note("send: %v", err)
		}
	}
}

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
	if errno != 0 {
		return errno
	}
	return nil
}

// readString reads a NUL-terminated string from another process's memory.
func readString(pid uint32, addr uint64) (string, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(int(pid)) + "/mem")
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, err := f.ReadAt(buf, int64(addr))
	if n == 0 {
		return "", err
	}
	if i := bytes.IndexByte(buf[:n], 0); i >= 0 {
		return string(buf[:i]), nil
	}
	return string(buf[:n]), nil
}
