package libcontainer

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// The binary handed to stageCmd as Exe runs even when its descriptor
// number in the runtime is a slot that the child fills with a passed file
// (here a socket): a path naming the runtime's number would exec the
// socket there and fail with EACCES.
func TestStageCmdExeSurvivesFdShuffle(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	sock := os.NewFile(uintptr(fds[0]), "sock")
	defer sock.Close()
	defer unix.Close(fds[1])
	exe, err := os.OpenFile("/bin/true", unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	slot := int(exe.Fd())
	if slot < 3 {
		t.Fatalf("exe opened as fd %d", slot)
	}
	// The child's fds 3..slot+1 are all the socket: the runtime's number
	// for the binary is one of them, and so are the first numbers above.
	var extra []*os.File
	for i := 3; i <= slot+1; i++ {
		extra = append(extra, sock)
	}
	for round := 0; round < 2; round++ {
		c := &stageCmd{Path: "/bin/true", Exe: exe, Args: []string{"true"}, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, ExtraFiles: extra}
		if err := c.Start(); err != nil {
			t.Fatalf("start with the binary at fd %d and %d passed files: %v", slot, 3+len(extra), err)
		}
		if err := c.Wait(); err != nil {
			t.Fatalf("wait: %v", err)
		}
		extra = append(extra, sock) // and once more with the exe's own next slot taken
	}
}

// The same when the binary's copy would sit just above the highest file
// passed: the child moves its error pipe there first (when the pipe's
// number is below it), and would exec the pipe.
func TestStageCmdExeSurvivesErrorPipeMove(t *testing.T) {
	exe, err := os.OpenFile("/bin/true", unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	const high = 80
	hfd, err := unix.FcntlInt(uintptr(fds[0]), unix.F_DUPFD_CLOEXEC, high)
	if err != nil {
		t.Fatal(err)
	}
	sock := os.NewFile(uintptr(hfd), "sock")
	defer sock.Close()
	extra := []*os.File{sock, sock, sock, sock, sock, sock, sock, sock}
	n := 3 + len(extra)
	// Every number up to the socket's taken, but two below 2n+2 (where
	// a copy placed only above the slots and the first moves could go):
	// the child's error pipe gets those, and is moved above the socket.
	var fillers []int
	defer func() {
		for _, f := range fillers {
			unix.Close(f)
		}
	}()
	for {
		f, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		if f > hfd {
			unix.Close(f)
			break
		}
		fillers = append(fillers, f)
	}
	if len(fillers) < 2 || fillers[1] >= 2*n+2 {
		t.Fatalf("could not leave two free numbers below %d (fillers start %v)", 2*n+2, fillers[:min(2, len(fillers))])
	}
	unix.Close(fillers[0])
	unix.Close(fillers[1])
	fillers = fillers[2:]
	c := &stageCmd{Path: "/bin/true", Exe: exe, Args: []string{"true"}, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, ExtraFiles: extra}
	if err := c.Start(); err != nil {
		t.Fatalf("start with the socket at fd %d and the binary at fd %d: %v", hfd, exe.Fd(), err)
	}
	if err := c.Wait(); err != nil {
		t.Fatalf("wait: %v", err)
	}
}
