package main

import "golang.org/x/sys/unix"

// syscallNames names the calls the tests filter or look for.
var syscallNames = map[int32]string{
	unix.SYS_MKDIR: "mkdir", unix.SYS_MKDIRAT: "mkdirat", unix.SYS_GETPPID: "getppid",
	unix.SYS_GETPID: "getpid", unix.SYS_CHMOD: "chmod", unix.SYS_FCHMODAT: "fchmodat",
	unix.SYS_OPENAT: "openat", unix.SYS_OPEN: "open", unix.SYS_READ: "read", unix.SYS_WRITE: "write",
	unix.SYS_CLOSE: "close", unix.SYS_EXECVE: "execve", unix.SYS_FCNTL: "fcntl",
	unix.SYS_GETPGID: "getpgid", unix.SYS_UNAME: "uname", unix.SYS_PERSONALITY: "personality",
	unix.SYS_CAPSET: "capset", unix.SYS_SETRESUID: "setresuid", unix.SYS_SETRESGID: "setresgid",
	unix.SYS_SETGROUPS: "setgroups", unix.SYS_PRCTL: "prctl", unix.SYS_UMASK: "umask",
	unix.SYS_CHDIR: "chdir", unix.SYS_FUTEX: "futex", unix.SYS_MMAP: "mmap",
	unix.SYS_NEWFSTATAT: "newfstatat", unix.SYS_GETPRIORITY: "getpriority",
}
