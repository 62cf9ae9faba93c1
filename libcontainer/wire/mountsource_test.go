package wire

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func socketpair(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, b := os.NewFile(uintptr(fds[0]), "runtime"), os.NewFile(uintptr(fds[1]), "init")
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// answer plays the runtime: it reads one request and answers it.
func answer(t *testing.T, sock *os.File, f *os.File, aerr error) <-chan SyncMsg {
	got := make(chan SyncMsg, 1)
	go func() {
		line, err := bufio.NewReader(sock).ReadBytes('\n')
		var m SyncMsg
		if err == nil {
			err = json.Unmarshal(line, &m)
		}
		if err != nil {
			t.Errorf("read request: %v", err)
		}
		got <- m
		if err := AnswerMountSource(sock, f, aerr); err != nil {
			t.Errorf("answer: %v", err)
		}
	}()
	return got
}

func TestMountSourceRoundTrip(t *testing.T) {
	runtime, initEnd := socketpair(t)
	src, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	req := answer(t, runtime, src, nil)
	f, err := RequestMountSource(initEnd, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if m := <-req; m.Type != SyncMountSource || m.Message != "3" {
		t.Errorf("request %+v", m)
	}
	var a, b unix.Stat_t
	if unix.Fstat(int(src.Fd()), &a) != nil || unix.Fstat(int(f.Fd()), &b) != nil || a.Ino != b.Ino || a.Dev != b.Dev {
		t.Error("the descriptor received is not the one sent")
	}
}

func TestMountSourceError(t *testing.T) {
	runtime, initEnd := socketpair(t)
	answer(t, runtime, nil, errors.New("no such source"))
	if f, err := RequestMountSource(initEnd, 0); err == nil || err.Error() != "no such source" {
		t.Errorf("got %v, %v; want the runtime's error", f, err)
	}
}

func TestMountSourceParentGone(t *testing.T) {
	runtime, initEnd := socketpair(t)
	go func() {
		bufio.NewReader(runtime).ReadBytes('\n')
		runtime.Close()
	}()
	if _, err := RequestMountSource(initEnd, 0); err != ErrParentGone {
		t.Errorf("got %v, want ErrParentGone", err)
	}
}
