// ctrtool is a small static helper for the integration tests: what busybox
// cannot do inside a container (sd_notify, accepting on an inherited
// socket) and the host side of it.
//
//	ctrtool notify MSG...          send MSGs as one datagram to $NOTIFY_SOCKET
//	ctrtool notify-listen PATH N   receive N datagrams on PATH, print each on
//	                               a line (newlines shown as ';'); exit 1 on a
//	                               10s silence
//	ctrtool accept FD MSG          accept one connection on FD, write MSG to it
//	                               and print what the peer sent
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		die("usage: ctrtool notify|notify-listen|accept ...")
	}
	var err error
	switch os.Args[1] {
	case "notify":
		err = notify(os.Args[2:])
	case "notify-listen":
		if len(os.Args) != 4 {
			die("usage: ctrtool notify-listen PATH N")
		}
		err = listen(os.Args[2], os.Args[3])
	case "accept":
		if len(os.Args) != 4 {
			die("usage: ctrtool accept FD MSG")
		}
		err = accept(os.Args[2], os.Args[3])
	default:
		die("unknown command " + os.Args[1])
	}
	if err != nil {
		die(err.Error())
	}
}

func die(msg string) {
	fmt.Fprintln(os.Stderr, "ctrtool:", msg)
	os.Exit(1)
}

func notify(msgs []string) error {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return fmt.Errorf("NOTIFY_SOCKET is not set")
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(strings.Join(msgs, "\n") + "\n"))
	return err
}

func listen(path, count string) error {
	n, err := strconv.Atoi(count)
	if err != nil {
		return err
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	// Ready: the test waits for this line before it starts the runtime.
	fmt.Println("listening")
	buf := make([]byte, 65536)
	for i := 0; i < n; i++ {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		m, err := conn.Read(buf)
		if err != nil {
			return err
		}
		fmt.Println(strings.ReplaceAll(strings.TrimRight(string(buf[:m]), "\n"), "\n", ";"))
	}
	return nil
}

func accept(fdArg, msg string) error {
	fd, err := strconv.Atoi(fdArg)
	if err != nil {
		return err
	}
	l, err := net.FileListener(os.NewFile(uintptr(fd), "listener"))
	if err != nil {
		return fmt.Errorf("fd %d is not a listening socket: %w", fd, err)
	}
	c, err := l.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := io.WriteString(c, msg+"\n"); err != nil {
		return err
	}
	got, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	fmt.Print(string(got))
	return nil
}
