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
 * Steps: join the namespaces given by path (those a joined user namespace
 * owns after it), unshare the user namespace (denying setgroups if asked to)
 * and wait until the parent has written the id maps, unshare a new time
 * namespace and write its offsets, become root in the user namespace,
 * unshare the other new namespaces, then clone the process that becomes the
 * container's init (it is the first process of a new pid or time namespace)
 * with CLONE_PARENT, so that the runtime's own process is its parent and can
 * wait for it.  The stage
 * reports the child's pid and exits; the child returns to Go.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
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

/*
 * Logging: JSON lines ({"level":"debug","msg":"nsexec-0[PID]: ..."}) on the
 * log pipe named by _OCIRUN_LOGPIPE; the runtime logs them again with its
 * own logger (see logpipe.go).  Levels are logrus's: 5 is debug.
 */
static int logfd = -1, loglevel = 4;
static const char *stage = "nsexec";

static void write_log(int level, const char *fmt, ...)
{
	static const char *names[] = { "panic", "fatal", "error", "warning", "info", "debug", "trace" };
	char msg[1024], line[2200];
	int n, i, o;
	va_list ap;

	if (logfd < 0 || level > loglevel || level < 0 || level > 6)
		return;
	n = snprintf(msg, sizeof(msg), "%s[%d]: ", stage, getpid());
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	o = snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":\"", names[level]);
	for (i = 0; msg[i] && o < (int)sizeof(line) - 16; i++) {
		unsigned char c = msg[i];
		if (c == '"' || c == '\\')
			o += sprintf(line + o, "\\%c", c);
		else if (c < 0x20)
			o += sprintf(line + o, "\\u%04x", c);
		else
			line[o++] = c;
	}
	o += sprintf(line + o, "\"}\n");
	(void)!write(logfd, line, o);
}
#define LOG_DEBUG(...) write_log(5, __VA_ARGS__)

/* The CPU affinity this stage runs with (and passes on to init), as a list. */
static void log_affinity(void)
{
	cpu_set_t set;
	char buf[256];
	int i, first = -1, n = 0;

	if (logfd < 0 || loglevel < 5 || sched_getaffinity(0, sizeof(set), &set) < 0)
		return;
	buf[0] = '\0';
	for (i = 0; i <= CPU_SETSIZE && n < (int)sizeof(buf) - 24; i++) {
		int on = i < CPU_SETSIZE && CPU_ISSET(i, &set);
		if (on && first < 0)
			first = i;
		if (!on && first >= 0) {
			n += snprintf(buf + n, sizeof(buf) - n, first == i - 1 ? "%s%d" : "%s%d-%d", n ? "," : "", first, i - 1);
			first = -1;
		}
	}
	LOG_DEBUG("cpu affinity: %s", buf);
}

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
	write_log(5, "failed: %.*s", n, buf);
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

#ifndef NS_GET_USERNS
#define NS_GET_USERNS _IO(0xb7, 0x1)
#endif
#ifndef NS_GET_PARENT
#define NS_GET_PARENT _IO(0xb7, 0x2)
#endif

/* Whether the namespace behind fd is owned by the user namespace userfd or
 * by one of its descendants: it can only be joined once userfd is. */
static int owned_by(int fd, int userfd)
{
	struct stat want, st;
	int cur, found = 0;

	if (fstat(userfd, &want) < 0)
		return 0;
	cur = ioctl(fd, NS_GET_USERNS);
	while (cur >= 0) {
		int parent;

		if (fstat(cur, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino) {
			found = 1;
			break;
		}
		parent = ioctl(cur, NS_GET_PARENT);
		close(cur);
		cur = parent;
	}
	if (cur >= 0)
		close(cur);
	return found;
}

/*
 * Join the namespaces given by path; returns whether a user namespace was.
 * All files are opened before the first setns(), as joining a mount
 * namespace changes how later paths resolve.  A namespace owned by the
 * joined user namespace (or a descendant) needs the capabilities that
 * joining it grants, so it comes after it; any other one needs ours, so it
 * comes before.  In each group the mount namespace comes last.
 */
static int join_namespaces(struct bootstrap *b)
{
	int fds[16], after[16], i, pass, userfd = -1;

	for (i = 0; i < b->nns; i++) {
		fds[i] = open(b->nspaths[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			bail("nsenter: open namespace %s", b->nspaths[i]);
		if (b->nsflags[i] == CLONE_NEWUSER)
			userfd = fds[i];
	}
	for (i = 0; i < b->nns; i++)
		after[i] = userfd >= 0 && b->nsflags[i] != CLONE_NEWUSER && owned_by(fds[i], userfd);
	/* Passes: others not owned, their mount; user; owned, their mount. */
	for (pass = 0; pass < 5; pass++) {
		for (i = 0; i < b->nns; i++) {
			int f = b->nsflags[i], want;

			if (pass == 2)
				want = f == CLONE_NEWUSER;
			else
				want = f != CLONE_NEWUSER && after[i] == (pass > 2) &&
				       (f == CLONE_NEWNS) == (pass == 1 || pass == 4);
			if (!want)
				continue;
			LOG_DEBUG("join namespace %s", b->nspaths[i]);
			if (setns(fds[i], f) < 0) {
				if (f == CLONE_NEWUSER && errno == EPERM)
					bail("nsenter: setns %s (a user namespace can only be joined by its owner or by root)",
					     b->nspaths[i]);
				bail("nsenter: setns %s", b->nspaths[i]);
			}
			close(fds[i]);
		}
	}
	return userfd >= 0;
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
	int joined_user;
	int runtime_pidfd, nondumpable = 0;
	pid_t child;

	if (!env || !*env)
		return;
	syncfd = atoi(env);
	if ((env = getenv("_OCIRUN_LOGPIPE")) && atoi(env) >= 3)
		logfd = atoi(env);
	if ((env = getenv("_OCIRUN_LOGLEVEL")))
		loglevel = atoi(env);
	if (syncfd < 3)
		bail("nsenter: bad _OCIRUN_INITPIPE %d", syncfd);
	LOG_DEBUG("=> nsexec container setup");
	stage = "nsexec-0";

	/* Die with the parent while we are still setting up. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		bail("nsenter: set parent death signal");

	runtime_pidfd = parent_pidfd();

	parse_bootstrap(&b);
	LOG_DEBUG("bootstrap: clone flags 0x%x, %d namespace(s) to join", b.cloneflags, b.nns);
	log_affinity();

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

	joined_user = join_namespaces(&b);

	if (b.cloneflags & CLONE_NEWUSER) {
		uint32_t ack[2];

		LOG_DEBUG("unshare user namespace");
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
		LOG_DEBUG("ask the runtime to write the id maps");
		send_msg(MSG_USERMAP_REQ, getpid());
		read_full(syncfd, ack, sizeof(ack));
		if (ack[0] != MSG_USERMAP_ACK) {
			errno = 0;
			bail("nsenter: unexpected reply %u to the id map request", ack[0]);
		}
	}

	/*
	 * A new time namespace takes its offsets before our ids change: a
	 * change of euid makes us non-dumpable, and our /proc files then
	 * belong to the host's root, which a joined or new user namespace
	 * cannot reach.
	 */
	unshare_flags = b.cloneflags & ~CLONE_NEWUSER;
	if (unshare_flags & CLONE_NEWTIME) {
		if (unshare(CLONE_NEWTIME) < 0)
			bail("nsenter: unshare time namespace");
		unshare_flags &= ~CLONE_NEWTIME;
		if (b.timens_len > 0) {
			/*
			 * In a joined user namespace, a non-dumpable process's
			 * /proc files belong to the host's root, out of reach:
			 * dumpable for this one write, non-dumpable again below.
			 */
			if (nondumpable && joined_user && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
				bail("nsenter: set dumpable");
			write_file("/proc/self/timens_offsets", b.timens, b.timens_len);
		}
	}

	/*
	 * Non-dumpable again after the id map request (which needed us
	 * dumpable) and the time offsets (written through our own /proc).
	 */
	if (nondumpable && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		bail("nsenter: set non-dumpable");

	if (b.cloneflags & CLONE_NEWUSER) {
		if (b.has_uidmap && setresuid(0, 0, 0) < 0)
			bail("nsenter: setresuid to the namespace's root");
		if (b.has_gidmap && setresgid(0, 0, 0) < 0)
			bail("nsenter: setresgid to the namespace's root");
	} else if (joined_user) {
		/* Our host ids mean nothing there: become its root. */
		if (setresgid(0, 0, 0) < 0)
			bail("nsenter: setresgid to the root of the joined user namespace (gid 0 must be mapped)");
		if (setgroups(0, NULL) < 0 && errno != EPERM)
			bail("nsenter: setgroups in the joined user namespace");
		if (setresuid(0, 0, 0) < 0)
			bail("nsenter: setresuid to the root of the joined user namespace (uid 0 must be mapped)");
	}

	if (unshare_flags)
		LOG_DEBUG("unshare namespaces 0x%x", unshare_flags);
	if (unshare_flags && unshare(unshare_flags) < 0)
		bail("nsenter: unshare namespaces 0x%x", unshare_flags);

	/*
	 * A new or joined pid or time namespace only applies to children, so the
	 * init is a child of ours; CLONE_PARENT makes it the runtime's child.
	 */
	child = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	if (child < 0)
		bail("nsenter: clone init");
	if (child > 0) {
		LOG_DEBUG("init is pid %d; report it and exit", child);
		send_msg(MSG_CHILD_PID, child);
		_exit(0);
	}
	stage = "nsexec-1";
	LOG_DEBUG("~> init: back to Go");

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
