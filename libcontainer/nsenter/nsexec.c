/*
 * The C stage of `runc init`.
 *
 * It runs as an ELF constructor, before the Go runtime has started any thread,
 * because unshare(CLONE_NEWUSER) and setns() into a mount or user namespace are
 * refused to multi-threaded processes.  It only acts when the parent left the
 * init socket's number in _OCIRUN_INITPIPE; every other invocation of the
 * binary returns at once.
 *
 * Protocol on the init socket (native byte order):
 *   parent -> stage: u32 total length, then records of {u32 type, u32 len, bytes}
 *   stage -> parent: {u32 type, i32 value} messages, or {u32 ERROR, u32 len, text}
 *
 * Steps: join the namespaces given by path (user first), unshare the user
 * namespace (denying setgroups if asked to) and wait until the parent has
 * written the id maps, unshare the other new
 * namespaces, then clone the process that becomes the container's init (it is
 * the first process of a new pid or time namespace) with CLONE_PARENT, so that
 * the runtime's own process is its parent and can wait for it.  The stage
 * reports the child's pid and exits; the child returns to Go.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/* Record types sent by the parent.  Keep in sync with bootstrap.go. */
enum {
	REC_CLONE_FLAGS = 1,	/* u32 */
	REC_NS_PATH = 2,	/* "<ns>:<path>", e.g. "net:/var/run/netns/x" */
	REC_UID_MAP = 3,	/* uid_map content; parent writes it */
	REC_GID_MAP = 4,
	REC_TIMENS_OFFSETS = 5,	/* timens_offsets content */
	REC_OOM_SCORE_ADJ = 6,	/* oom_score_adj value, written before userns */
	REC_SETGROUPS = 7,	/* "deny": written to setgroups before the maps */
};

/* Messages sent to the parent.  Keep in sync with bootstrap.go. */
enum {
	MSG_USERMAP_REQ = 100,
	MSG_USERMAP_ACK = 101,
	MSG_CHILD_PID = 102,
	MSG_ERROR = 103,
};

static int syncfd = -1;

static void bail(const char *fmt, ...)
{
	char buf[512];
	int saved = errno, n;
	va_list ap;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 64, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof(buf) - 64)
		n = sizeof(buf) - 64;
	if (saved)
		n += snprintf(buf + n, sizeof(buf) - n, ": %s", strerror(saved));
	if (syncfd >= 0) {
		uint32_t hdr[2] = { MSG_ERROR, (uint32_t)n };
		if (write(syncfd, hdr, sizeof(hdr)) == sizeof(hdr))
			(void)!write(syncfd, buf, n);
	} else {
		(void)!write(2, buf, n);
	}
	_exit(1);
}

static void read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			bail("nsenter: read from init socket");
		}
		p += n;
		len -= n;
	}
}

static void send_msg(uint32_t type, int32_t value)
{
	struct {
		uint32_t type;
		int32_t value;
	} m = { type, value };
	if (write(syncfd, &m, sizeof(m)) != sizeof(m))
		bail("nsenter: write to init socket");
}

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		bail("nsenter: open %s", path);
	if (write(fd, data, len) != (ssize_t)len)
		bail("nsenter: write %s", path);
	close(fd);
}

struct nsname {
	const char *name;
	int flag;
};

static const struct nsname nsnames[] = {
	{ "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME }, { NULL, 0 },
};

struct bootstrap {
	uint32_t cloneflags;
	char *nspaths[16];
	int nsflags[16];
	int nns;
	int has_uidmap, has_gidmap;
	char *timens;
	uint32_t timens_len;
	char *oom;
	uint32_t oom_len;
	char *setgroups;
	uint32_t setgroups_len;
};

static void parse_bootstrap(struct bootstrap *b)
{
	uint32_t total, off = 0;
	char *data;

	memset(b, 0, sizeof(*b));
	read_full(syncfd, &total, sizeof(total));
	if (total > 1 << 20) {
		errno = 0;
		bail("nsenter: bootstrap message too large (%u bytes)", total);
	}
	data = malloc(total + 1);
	if (!data)
		bail("nsenter: malloc");
	read_full(syncfd, data, total);
	while (off + 8 <= total) {
		uint32_t type, len;
		char *p;

		memcpy(&type, data + off, 4);
		memcpy(&len, data + off + 4, 4);
		off += 8;
		if (len > total - off) {
			errno = 0;
			bail("nsenter: truncated bootstrap record %u", type);
		}
		p = data + off;
		off += len;
		switch (type) {
		case REC_CLONE_FLAGS:
			if (len == 4)
				memcpy(&b->cloneflags, p, 4);
			break;
		case REC_NS_PATH: {
			char *colon, *rec = strndup(p, len);
			const struct nsname *ns;
			if (!rec)
				bail("nsenter: strndup");
			colon = strchr(rec, ':');
			if (!colon || b->nns >= 16) {
				errno = 0;
				bail("nsenter: bad namespace path record %s", rec);
			}
			*colon = '\0';
			for (ns = nsnames; ns->name; ns++)
				if (!strcmp(ns->name, rec))
					break;
			if (!ns->name) {
				errno = 0;
				bail("nsenter: unknown namespace type %s", rec);
			}
			b->nsflags[b->nns] = ns->flag;
			b->nspaths[b->nns++] = colon + 1;
			break;
		}
		case REC_UID_MAP:
			b->has_uidmap = 1;
			break;
		case REC_GID_MAP:
			b->has_gidmap = 1;
			break;
		case REC_TIMENS_OFFSETS:
			b->timens = p;
			b->timens_len = len;
			break;
		case REC_OOM_SCORE_ADJ:
			b->oom = p;
			b->oom_len = len;
			break;
		case REC_SETGROUPS:
			b->setgroups = p;
			b->setgroups_len = len;
			break;
		default:
			break;
		}
	}
}

/*
 * Join the namespaces given by path.  The user namespace comes first so that
 * the others are joined with the capabilities it grants; the mount namespace
 * comes last because joining it changes how later paths resolve.  All files
 * are opened before the first setns() for the same reason.
 */
static void join_namespaces(struct bootstrap *b)
{
	int fds[16], i, pass;

	for (i = 0; i < b->nns; i++) {
		fds[i] = open(b->nspaths[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			bail("nsenter: open namespace %s", b->nspaths[i]);
	}
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < b->nns; i++) {
			int f = b->nsflags[i];
			int want = pass == 0 ? f == CLONE_NEWUSER : pass == 2 ? f == CLONE_NEWNS
									: (f != CLONE_NEWUSER && f != CLONE_NEWNS);
			if (!want)
				continue;
			if (setns(fds[i], f) < 0)
				bail("nsenter: setns %s", b->nspaths[i]);
			close(fds[i]);
		}
	}
}

/*
 * A pidfd of the runtime, our parent: the container's init checks it once
 * its own death signal is armed, in case the runtime died just before.
 */
static int parent_pidfd(void)
{
#ifdef SYS_pidfd_open
	return syscall(SYS_pidfd_open, getppid(), 0);
#else
	return -1;
#endif
}

void nsexec(void)
{
	const char *env = getenv("_OCIRUN_INITPIPE");
	struct bootstrap b;
	uint32_t unshare_flags;
	int runtime_pidfd, nondumpable = 0;
	pid_t child;

	if (!env || !*env)
		return;
	syncfd = atoi(env);
	if (syncfd < 3)
		bail("nsenter: bad _OCIRUN_INITPIPE %s", env);

	/* Die with the parent while we are still setting up. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		bail("nsenter: set parent death signal");

	runtime_pidfd = parent_pidfd();

	parse_bootstrap(&b);

	/*
	 * Joining namespaces that a container's processes live in (every exec,
	 * and a create that shares a namespace with another container): from
	 * now on, until the user's program is executed, nothing in there may
	 * ptrace us, read our memory or reach our descriptors through /proc
	 * (CVE-2016-9962). A change of credentials never makes a process
	 * dumpable again, and the execve of the user's program does.
	 */
	if (b.nns > 0) {
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			bail("nsenter: set non-dumpable");
		nondumpable = 1;
	}

	/* Before a user namespace takes away the right to lower it. */
	if (b.oom_len > 0) {
		write_file("/proc/self/oom_score_adj", b.oom, b.oom_len);
	}

	join_namespaces(&b);

	if (b.cloneflags & CLONE_NEWUSER) {
		uint32_t ack[2];

		if (unshare(CLONE_NEWUSER) < 0)
			bail("nsenter: unshare user namespace");
		/*
		 * An unprivileged gid map can only be written once setgroups(2)
		 * is denied; it has to be done before the map, and we hold every
		 * capability in the new namespace to do it.
		 */
		if (b.setgroups_len > 0)
			write_file("/proc/self/setgroups", b.setgroups, b.setgroups_len);
		/* The parent writes our maps (it has the privilege we gave up). */
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
			bail("nsenter: set dumpable");
		send_msg(MSG_USERMAP_REQ, getpid());
		read_full(syncfd, ack, sizeof(ack));
		if (ack[0] != MSG_USERMAP_ACK) {
			errno = 0;
			bail("nsenter: unexpected reply %u to the id map request", ack[0]);
		}
		if (nondumpable && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			bail("nsenter: set non-dumpable");
		if (b.has_uidmap && setresuid(0, 0, 0) < 0)
			bail("nsenter: setresuid to the namespace's root");
		if (b.has_gidmap && setresgid(0, 0, 0) < 0)
			bail("nsenter: setresgid to the namespace's root");
	}

	unshare_flags = b.cloneflags & ~CLONE_NEWUSER;
	if (unshare_flags && unshare(unshare_flags) < 0)
		bail("nsenter: unshare namespaces 0x%x", unshare_flags);

	if (b.timens_len > 0)
		write_file("/proc/self/timens_offsets", b.timens, b.timens_len);

	/*
	 * A new or joined pid or time namespace only applies to children, so the
	 * init is a child of ours; CLONE_PARENT makes it the runtime's child.
	 */
	child = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	if (child < 0)
		bail("nsenter: clone init");
	if (child > 0) {
		send_msg(MSG_CHILD_PID, child);
		_exit(0);
	}

	/*
	 * The container's init (or the exec'd process); a clone does not
	 * inherit the death signal. Its parent is the runtime itself
	 * (CLONE_PARENT): if the runtime dies before it has recorded us, we
	 * die too. The Go side disarms it once the state is saved (create)
	 * or just before the user's program is executed (exec).
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		bail("nsenter: set parent death signal");
	if (runtime_pidfd >= 0) {
		struct pollfd pfd = { .fd = runtime_pidfd, .events = POLLIN };
		/* Readable: the runtime exited before the signal was armed. */
		if (poll(&pfd, 1, 0) > 0)
			_exit(1);
		close(runtime_pidfd);
	}
	if (setsid() < 0)
		bail("nsenter: setsid");
	/* Back to Go: runtime start-up, then the `init` command. */
}
