// Package nsenter holds the C stage of `runc init`. Importing it (for its side
// effect) from the main package makes every start of the binary run nsexec()
// before the Go runtime; nsexec returns at once unless _OCIRUN_INITPIPE is set.
package nsenter

/*
#cgo CFLAGS: -Wall -O2
extern void nsexec(void);
void __attribute__((constructor)) ocirun_nsenter_init(void) { nsexec(); }
*/
import "C"
