// pidfdrecv is the receiving end of --pidfd-socket for the integration
// tests, a small static helper:
//
//	pidfdrecv PATH SIGNAL [READY]
//
// It listens on the unix socket PATH, accepts one connection, receives one
// file descriptor (SCM_RIGHTS) with its message, and prints "MSG PID" (the
// pid read from the descriptor's fdinfo). Then, once the file READY exists
// (if given: the process says it runs), it sends SIGNAL (a number)
// through the pidfd with pidfd_send_signal(2), waits for the process to
// exit by polling the pidfd, and prints "exited". It gives up after 20s.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) != 3 && len(os.Args) != 4 {
		die(errors.New("usage: pidfdrecv PATH SIGNAL [READY]"))
	}
	sig, err := strconv.Atoi(os.Args[2])
	if err != nil {
		die(err)
	}
	time.AfterFunc(20*time.Second, func() { die(errors.New("timed out")) })
	msg, fd, err := receive(os.Args[1])
	if err != nil {
		die(err)
	}
	pid, err := fdinfoPid(fd)
	if err != nil {
		die(err)
	}
	fmt.Printf("%s %d\n", msg, pid)
	if len(os.Args) == 4 {
		for {
			if _, err := os.Stat(os.Args[3]); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := unix.PidfdSendSignal(fd, unix.Signal(sig), nil, 0); err != nil {
		die(fmt.Errorf("pidfd_send_signal: %w", err))
	}
	// A pidfd becomes readable when its process has exited.
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			die(fmt.Errorf("poll pidfd: %w", err))
		}
		if n == 1 {
			break
		}
	}
	fmt.Println("exited")
}

func receive(path string) (string, int, error) {
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return "", -1, err
	}
	defer l.Close()
	conn, err := l.AcceptUnix()
	if err != nil {
		return "", -1, err
	}
	defer conn.Close()
	buf := make([]byte, 256)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return "", -1, err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return "", -1, err
	}
	var fds []int
	for _, m := range msgs {
		r, err := unix.ParseUnixRights(&m)
		if err == nil {
			fds = append(fds, r...)
		}
	}
	if len(fds) != 1 {
		return "", -1, fmt.Errorf("got %d file descriptors, want 1", len(fds))
	}
	return string(buf[:n]), fds[0], nil
}

func fdinfoPid(fd int) (int, error) {
	f, err := os.Open("/proc/self/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "Pid:"); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, errors.New("not a pidfd: no Pid in fdinfo")
}

func die(err error) {
	fmt.Fprintln(os.Stderr, "pidfdrecv:", err)
	os.Exit(1)
}
