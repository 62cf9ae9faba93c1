#!/usr/bin/env python3
"""Console-socket receiver for the integration tests.

usage: recvtty.py [--count N] SOCKET OUTFILE

Listens on the unix stream socket SOCKET.  A runtime started with
`--console-socket SOCKET` connects and sends the master end of the
container's pseudo-terminal as an SCM_RIGHTS control message; the message
data is the terminal's name.  Everything read from the master is appended to
OUTFILE until the terminal is closed (all slave fds gone: read gives EIO).

Once the socket accepts connections, SOCKET.ready is created, so a test can
wait for it instead of sleeping.  After the first fd arrives, its name is
written to SOCKET.name.  With --count N (default 1) the receiver handles N
connections, each copied by its own thread, then exits.
"""

import array
import os
import socket
import sys
import threading


def recv_fd(conn):
    """Receive one message carrying file descriptors; return (name, fds)."""
    fds = array.array("i")
    cmsg_space = socket.CMSG_SPACE(16 * fds.itemsize)
    data, ancdata, _flags, _addr = conn.recvmsg(4096, cmsg_space)
    for level, ctype, cdata in ancdata:
        if level == socket.SOL_SOCKET and ctype == socket.SCM_RIGHTS:
            usable = len(cdata) - (len(cdata) % fds.itemsize)
            fds.frombytes(cdata[:usable])
    return data.decode(errors="replace"), list(fds)


def copy_out(fd, path, lock):
    """Copy from the pty master fd to path until the slave side closes."""
    with open(path, "ab", buffering=0) as out:
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: no slave left
                break
            if not chunk:
                break
            with lock:
                out.write(chunk)
    os.close(fd)


def main(argv):
    count = 1
    args = argv[1:]
    if len(args) >= 2 and args[0] == "--count":
        count = int(args[1])
        args = args[2:]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    sock_path, out_path = args

    try:
        os.unlink(sock_path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(8)
    open(out_path, "ab").close()
    with open(sock_path + ".ready", "w") as f:
        f.write(str(os.getpid()))

    lock = threading.Lock()
    threads = []
    for i in range(count):
        conn, _ = srv.accept()
        with conn:
            name, fds = recv_fd(conn)
        if not fds:
            sys.stderr.write("recvtty: no file descriptor received\n")
            return 1
        for extra in fds[1:]:
            os.close(extra)
        if i == 0:
            with open(sock_path + ".name", "w") as f:
                f.write(name)
        t = threading.Thread(target=copy_out, args=(fds[0], out_path, lock))
        t.start()
        threads.append(t)
    srv.close()
    for t in threads:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
