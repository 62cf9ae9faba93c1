// Package nsenter holds the C stage of `runc init`. Importing it (for its side
// effect) from the main package makes every start of the binary run nsexec()
// before the Go runtime; nsexec returns at once unless _OCIRUN_INITPIPE is set.
package nsenter

/*
#cgo CFLAGS: -Wall -O2
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
extern void nsexec(void);

// Which of the descriptors 3..1026 were open when the process started,
// before Go or any package initialiser opened its own files.
static unsigned char startup_fds[1024];
static void record_fds(void) {
	// One poll() answers for all of them: a closed fd reports POLLNVAL.
	struct pollfd *p = calloc(1024, sizeof(*p));
	if (!p)
		return;
	for (int i = 0; i < 1024; i++)
		p[i].fd = i + 3;
	if (poll(p, 1024, 0) >= 0) {
		for (int i = 0; i < 1024; i++)
			startup_fds[i] = !(p[i].revents & POLLNVAL);
	} else {
		// More fds than RLIMIT_NOFILE allows in one poll: ask one by one.
		for (int i = 0; i < 1024; i++)
			startup_fds[i] = fcntl(i + 3, F_GETFD) >= 0;
	}
	free(p);
}
static int startup_fd_open(int fd) {
	return fd >= 3 && fd < 1027 && startup_fds[fd - 3];
}
void __attribute__((constructor)) ocirun_nsenter_init(void) { nsexec(); record_fds(); }
*/
import "C"

// OpenAtStartup tells whether fd was open when the process began, before
// any Go code ran: only those may be handed to a container as preserved fds.
func OpenAtStartup(fd int) bool {
	return C.startup_fd_open(C.int(fd)) != 0
}
