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
