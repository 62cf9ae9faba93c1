#!/usr/bin/env python3
"""subreaper.py COMMAND [ARG...]

Runs COMMAND as a child subreaper (prctl PR_SET_CHILD_SUBREAPER) that reaps
every orphan the moment it exits, as containerd's shim and conmon do for the
containers they start.  Exits with COMMAND's exit status once COMMAND and
all orphans left behind are gone."""
import ctypes
import os
import sys

PR_SET_CHILD_SUBREAPER = 36

if len(sys.argv) < 2:
    sys.stderr.write(__doc__)
    sys.exit(2)
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("prctl(PR_SET_CHILD_SUBREAPER): " + os.strerror(ctypes.get_errno()))
child = os.fork()
if child == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
code = 1
while True:
    try:
        pid, status = os.waitpid(-1, 0)
    except ChildProcessError:
        break
    except InterruptedError:
        continue
    if pid == child:
        code = os.waitstatus_to_exitcode(status)
        if code < 0:
            code = 128 - code
sys.exit(code)
