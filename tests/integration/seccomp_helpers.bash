#!/bin/bash
# Helpers of the seccomp tests: `load seccomp_helpers` after `load helpers`.
#
# sysprobe (tests/cmd/sysprobe) makes one system call with the arguments
# given and prints "ret N", "errno N", "SIGSYS ..." or "main alive"; it is
# built once per file (static, so it runs in the busybox rootfs) and copied
# into each bundle as /bin/sysprobe. seccompagent (tests/cmd/seccompagent)
# is a seccomp agent, built once per file too.

# build_sysprobe: in setup_file.
build_sysprobe() {
	command -v gcc >/dev/null || return 0
	SYSPROBE=$BATS_FILE_TMPDIR/sysprobe
	gcc -static -O2 -pthread -o "$SYSPROBE" "$REPO_ROOT/tests/cmd/sysprobe/sysprobe.c" || SYSPROBE=
	export SYSPROBE
}

# requires_sysprobe: in a test; copies sysprobe into the bundle.
requires_sysprobe() {
	[ -n "${SYSPROBE:-}" ] && [ -x "$SYSPROBE" ] || skip "needs gcc and a static libc to build tests/cmd/sysprobe"
	cp "$SYSPROBE" "$BUNDLE/rootfs/bin/sysprobe"
}

# build_seccompagent: in setup_file.
build_seccompagent() {
	local go
	go=$(command -v go || echo /usr/local/go/bin/go)
	[ -x "$go" ] || return 0
	SECCOMPAGENT=$BATS_FILE_TMPDIR/seccompagent
	(cd "$REPO_ROOT" && CGO_ENABLED=0 "$go" build -o "$SECCOMPAGENT" ./tests/cmd/seccompagent) || SECCOMPAGENT=
	export SECCOMPAGENT
}

# start_seccompagent: starts the agent on $TESTDIR/agent.sock; it records
# what it gets in $AGENT_RECORD. Sets AGENT_SOCKET.
start_seccompagent() {
	[ -n "${SECCOMPAGENT:-}" ] && [ -x "$SECCOMPAGENT" ] || skip "needs Go to build tests/cmd/seccompagent"
	AGENT_SOCKET=$TESTDIR/agent.sock
	AGENT_RECORD=$TESTDIR/agent.record
	"$SECCOMPAGENT" -socket "$AGENT_SOCKET" -record "$AGENT_RECORD" \
		</dev/null >"$TESTDIR/agent.log" 2>&1 3>&- &
	track_pid $!
	wait_for_file "$AGENT_SOCKET"
}

# The architectures a profile for this machine lists (as Docker's do).
seccomp_arches() {
	case $(uname -m) in
	x86_64) echo '["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]' ;;
	aarch64) echo '["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]' ;;
	*) echo '[]' ;;
	esac
}

# seccomp_profile DEFAULT_ACTION RULES_JSON [EXTRA_JQ]: linux.seccomp with
# this machine's architectures and the given rules; EXTRA_JQ is appended
# to the jq filter (e.g. '| .linux.seccomp.flags = [...]').
seccomp_profile() {
	update_config '.linux.seccomp = {
		"defaultAction": "'"$1"'",
		"architectures": '"$(seccomp_arches)"',
		"syscalls": '"$2"'
	} '"${3:-}"
}

# kernel_log_mark: writes a unique line to the kernel log (skips the test
# when that is not possible) and sets KLOG_MARK to it; kernel_log_after
# prints what the kernel logged after it.
kernel_log_mark() {
	KLOG_MARK="ocirun-test-mark-$$-$RANDOM$RANDOM"
	{ echo "$KLOG_MARK" >/dev/kmsg; } 2>/dev/null || skip "cannot write to /dev/kmsg"
	dmesg 2>/dev/null | grep -q "$KLOG_MARK" || skip "cannot read the kernel log"
}

kernel_log_after() {
	dmesg 2>/dev/null | sed -n "/$KLOG_MARK/,\$p"
}

# What a shell, init (after its filter is loaded) and sysprobe need.
NEEDED_SYSCALLS='"read", "write", "openat", "open", "close", "fstat", "newfstatat", "lseek", "mmap", "mprotect",
	"munmap", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "ioctl", "access", "faccessat", "execve",
	"exit", "exit_group", "wait4", "clone", "fork", "vfork", "fcntl", "dup2", "dup3", "getpid", "getppid",
	"getuid", "geteuid", "getgid", "getegid", "uname", "arch_prctl", "set_tid_address", "set_robust_list",
	"rseq", "prlimit64", "getrandom", "futex", "readlink", "readlinkat", "stat", "lstat", "statx", "getcwd",
	"chdir", "fchdir", "umask", "setresuid", "setresgid", "setgroups", "capget", "capset", "prctl",
	"sigaltstack", "gettid", "tgkill", "nanosleep", "clock_nanosleep", "sched_yield", "madvise",
	"getdents64", "poll", "ppoll", "pipe", "pipe2", "sendmsg", "epoll_pwait", "epoll_wait", "epoll_ctl",
	"epoll_create1", "personality", "setsid", "statfs", "fstatfs"'
