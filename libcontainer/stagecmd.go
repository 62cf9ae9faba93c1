package libcontainer

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// stageCmd starts `runc init` as os/exec would, with the few parts of
// exec.Cmd that init's start uses, through syscall.StartProcess.
//
// os.StartProcess checks on its first use whether pidfds work, in a
// runtime that has not started a process yet (every `create`, `run` and
// `exec`): pidfd_open, waitid and pidfd_send_signal on itself, then a
// throw-away child cloned with CLONE_PIDFD and waited for. init's start
// needs no pidfd: its C stage is waited for by pid, once, by the thread
// that started it.
type stageCmd struct {
	Path string
	// Exe, when set, is the file executed (Path is then only its name in
	// messages): it is run as /proc/self/fd/N with N a number that the
	// child's descriptor shuffle cannot reach (see exePath).
	Exe                   *os.File
	Args, Env             []string
	Dir                   string
	Stdin, Stdout, Stderr *os.File
	ExtraFiles            []*os.File
	Process               *stageProcess
}

type stageProcess struct {
	Pid    int
	waited bool
}

func (c *stageCmd) Start() error {
	all := append([]*os.File{c.Stdin, c.Stdout, c.Stderr}, c.ExtraFiles...)
	files := make([]uintptr, len(all))
	for i, f := range all {
		files[i] = f.Fd()
	}
	path := c.Path
	if c.Exe != nil {
		fd, err := exeFd(c.Exe, files)
		if err != nil {
			return &os.PathError{Op: "fork/exec", Path: c.Path, Err: err}
		}
		defer unix.Close(fd)
		path = "/proc/self/fd/" + strconv.Itoa(fd)
	}
	pid, _, err := syscall.StartProcess(path, c.Args, &syscall.ProcAttr{Dir: c.Dir, Env: c.Env, Files: files})
	runtime.KeepAlive(all)
	runtime.KeepAlive(c.Exe)
	if err != nil {
		return &os.PathError{Op: "fork/exec", Path: c.Path, Err: err}
	}
	c.Process = &stageProcess{Pid: pid}
	return nil
}

// exeFd returns a close-on-exec copy of exe numbered where the child of
// syscall.StartProcess leaves it alone until execve resolves
// /proc/self/fd/N. With n files to pass, the child first moves its error
// pipe, and each file that a lower slot would overwrite, to the numbers
// above both n and the highest of the files' numbers (m): at most n+1 of
// them, from max(n, m)+1 up. Then it puts the files on 0..n-1. A handle
// in either range may be replaced by a file before the exec: the
// runtime's number for the binary, say 3, is init's socket in the child,
// or the error pipe lands on it, and execve of a socket or a pipe fails
// with EACCES ("fork/exec /proc/self/fd/3: permission denied", seen in
// CI when another goroutine had just freed low numbers).
func exeFd(exe *os.File, files []uintptr) (int, error) {
	top := len(files)
	for _, f := range files {
		top = max(top, int(f))
	}
	fd, err := unix.FcntlInt(exe.Fd(), unix.F_DUPFD_CLOEXEC, top+len(files)+3)
	runtime.KeepAlive(exe)
	return fd, err
}

// Kill sends SIGKILL, unless the process has been waited for (its pid
// may be another's by then).
func (p *stageProcess) Kill() error {
	if p.waited {
		return os.ErrProcessDone
	}
	return unix.Kill(p.Pid, unix.SIGKILL)
}

// Wait waits for the process; a status other than 0 is an error worded
// as exec.ExitError's ("exit status 1", "signal: killed").
func (c *stageCmd) Wait() error {
	p := c.Process
	if p == nil {
		return errors.New("exec: not started")
	}
	if p.waited {
		return errors.New("exec: Wait was already called")
	}
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(p.Pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("wait4", err)
		}
		break
	}
	p.waited = true
	if ws.Exited() && ws.ExitStatus() == 0 {
		return nil
	}
	return stageExit(ws)
}

// stageExit is a wait status other than success, as os.ProcessState
// words it.
type stageExit unix.WaitStatus

func (e stageExit) Error() string {
	ws := unix.WaitStatus(e)
	var s string
	switch {
	case ws.Exited():
		s = "exit status " + strconv.Itoa(ws.ExitStatus())
	case ws.Signaled():
		s = "signal: " + ws.Signal().String()
	default:
		s = "wait status " + strconv.Itoa(int(ws))
	}
	if ws.CoreDump() {
		s += " (core dumped)"
	}
	return s
}
