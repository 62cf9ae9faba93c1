// Package wire is the contract between the runtime (package libcontainer)
// and the Go side of `runc init` (package initproc): the init config the
// runtime sends, the sync messages both send over the init socket, the
// environment variables that name init's descriptors, and the framing of
// the messages that carry a descriptor. Both sides import it; it imports
// no other package of this module.
//
// After the C stage, on the init socket (JSON lines, one message each):
//
//	runtime                                init
//	InitConfig                          ->
//	                                       mounts (asking for sources:)
//	                                    <- SyncMountSource "N"
//	SyncMountSource + fd (SCM_RIGHTS)   ->
//	                                    <- SyncReady (mounts done)
//	cgroup resources, runtime hooks
//	SyncContinue                        ->
//	                                       pivot_root, process settings
//	                                    <- SyncSeccompFd + fd (NOTIFY rules)
//	                                    <- SyncCreated (all done)
//	state saved
//	SyncContinue                        ->
//	                                       close of the socket; the exec fifo
//
// Any time, instead: init <- SyncError with the reason, and exits. A
// process joining a running container (exec) gets an InitConfig with
// Exec set, sends no SyncReady nor SyncCreated, and the socket's end of
// file (close-on-exec) tells the runtime its execve succeeded.
package wire
