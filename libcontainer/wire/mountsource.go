package wire

// Bind-mount sources opened by the runtime, on init's request.
//
// Mounts are made in the order of config.json, and a bind mount's source
// may lie inside the container's rootfs or inside a mount made earlier in
// the list: it must be looked up in the container's mount namespace, when
// its turn comes. In a user namespace the container's root may be unable
// to read the source at all (a 0700 host directory), and an id-mapped
// mount needs privilege over the source's filesystem that only the
// runtime has. So for these, init asks the runtime:
//
//	init                                  runtime
//	{"type":"mount-source","message":"3"} ->
//	                                      in a thread that joins init's mount
//	                                      namespace: open_tree(CLONE) of the
//	                                      source of mounts[3], given the
//	                                      mapping if it is an id-mapped one
//	<- {"type":"mount-source"} + the fd (SCM_RIGHTS), or the error as message
//
// and moves the detached tree into place (move_mount(2)). One descriptor
// is in flight at a time, so any number of such mounts works under a low
// RLIMIT_NOFILE.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// RequestMountSource (in init) asks the runtime for the source of
// spec.Mounts[index], as a detached mount.
func RequestMountSource(sock *os.File, index int) (*os.File, error) {
	req, err := json.Marshal(SyncMsg{Type: SyncMountSource, Message: strconv.Itoa(index)})
	if err != nil {
		return nil, err
	}
	if _, err := sock.Write(append(req, '\n')); err != nil {
		return nil, fmt.Errorf("ask the runtime for a mount source: %w", err)
	}
	rc, err := sock.SyscallConn()
	if err != nil {
		return nil, err
	}
	var data []byte
	var got *os.File
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	for !bytes.HasSuffix(data, []byte("\n")) {
		var n, oobn int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
			return rerr != unix.EAGAIN
		})
		if err == nil {
			err = rerr
		}
		if err != nil {
			return nil, fmt.Errorf("receive a mount source: %w", err)
		}
		if n == 0 && oobn == 0 {
			return nil, ErrParentGone
		}
		data = append(data, buf[:n]...)
		if oobn > 0 {
			if msgs, perr := unix.ParseSocketControlMessage(oob[:oobn]); perr == nil {
				for i := range msgs {
					fds, _ := unix.ParseUnixRights(&msgs[i])
					for _, fd := range fds {
						if got == nil {
							got = os.NewFile(uintptr(fd), "mount-source")
						} else {
							unix.Close(fd)
						}
					}
				}
			}
		}
	}
	var reply SyncMsg
	if err := json.Unmarshal(data, &reply); err != nil || reply.Type != SyncMountSource {
		if got != nil {
			got.Close()
		}
		return nil, fmt.Errorf("unexpected answer from the runtime: %q", data)
	}
	if reply.Message != "" {
		if got != nil {
			got.Close()
		}
		return nil, errors.New(reply.Message)
	}
	if got == nil {
		return nil, errors.New("the runtime sent no mount source")
	}
	return got, nil
}

// AnswerMountSource (in the runtime) sends init the answer to its request: the detached
// mount, or why there is none.
func AnswerMountSource(sock *os.File, f *os.File, err error) error {
	reply := SyncMsg{Type: SyncMountSource}
	if err != nil {
		reply.Message = err.Error()
	}
	data, merr := json.Marshal(reply)
	if merr != nil {
		return merr
	}
	data = append(data, '\n')
	var oob []byte
	if f != nil {
		oob = unix.UnixRights(int(f.Fd()))
	}
	rc, rerr := sock.SyscallConn()
	if rerr != nil {
		return rerr
	}
	var serr error
	if werr := rc.Write(func(fd uintptr) bool {
		serr = unix.Sendmsg(int(fd), data, oob, nil, 0)
		return serr != unix.EAGAIN
	}); werr != nil {
		return werr
	}
	if serr != nil {
		return fmt.Errorf("send a mount source to init: %w", serr)
	}
	return nil
}
