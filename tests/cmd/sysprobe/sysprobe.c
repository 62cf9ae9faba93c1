/*
 * sysprobe: makes one system call, with the arguments given, and says what
 * came of it. The seccomp tests build it statically into the container:
 * busybox has no way to call an arbitrary system call.
 *
 *   sysprobe [-t] [-T] [-n] CALL [ARG...]
 *
 * CALL is a name from the table below or a number; each ARG a number
 * (decimal, or 0x hex). Prints "ret N" or "errno N".
 *   -t  catch SIGSYS (SCMP_ACT_TRAP) and print "SIGSYS syscall=N errno=N"
 *   -T  make the call on a second thread; the first one then prints
 *       "main alive" (so a thread-only kill can be told from a process kill)
 *   -n  only print the number of CALL
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
	const char *name;
	long nr;
} calls[] = {
	{"getppid", SYS_getppid},
	{"getpid", SYS_getpid},
	{"getpgid", SYS_getpgid},
	{"getpriority", SYS_getpriority},
	{"sched_yield", SYS_sched_yield},
	{"umask", SYS_umask},
	{"mkdirat", SYS_mkdirat},
	{"personality", SYS_personality},
#ifdef SYS_pidfd_open
	{"pidfd_open", SYS_pidfd_open},
#endif
#ifdef SYS_mkdir
	{"mkdir", SYS_mkdir},
#endif
};

static long nr;
static long args[6];

/* printf without stdio's buffer: the process may be killed right after. */
static void say(const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (write(1, buf, n) < 0)
		_exit(3);
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	say("SIGSYS syscall=%d errno=%d\n", si->si_syscall, si->si_errno);
	_exit(0);
}

static void *call(void *unused)
{
	(void)unused;
	long r = syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
	if (r == -1)
		say("errno %d\n", errno);
	else
		say("ret %ld\n", r);
	return NULL;
}

int main(int argc, char **argv)
{
	int trap = 0, thread = 0, number = 0, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-t"))
			trap = 1;
		else if (!strcmp(argv[i], "-T"))
			thread = 1;
		else if (!strcmp(argv[i], "-n"))
			number = 1;
		else
			goto usage;
	}
	if (i >= argc || argc - i > 7)
		goto usage;
	nr = -1;
	for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++)
		if (!strcmp(argv[i], calls[c].name))
			nr = calls[c].nr;
	if (nr == -1) {
		char *end;
		nr = strtol(argv[i], &end, 0);
		if (*end || end == argv[i])
			goto usage;
	}
	if (number) {
		say("%ld\n", nr);
		return 0;
	}
	for (int a = 0; ++i < argc; a++)
		args[a] = strtoul(argv[i], NULL, 0);
	if (trap) {
		struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
		sigaction(SIGSYS, &sa, NULL);
	}
	if (!thread) {
		call(NULL);
		return 0;
	}
	pthread_t t;
	if (pthread_create(&t, NULL, call, NULL))
		return 2;
	usleep(300 * 1000);
	say("main alive\n");
	return 0;
usage:
	fprintf(stderr, "usage: sysprobe [-t] [-T] [-n] CALL [ARG...]\n");
	return 2;
}
