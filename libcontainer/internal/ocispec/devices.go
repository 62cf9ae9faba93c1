package ocispec

// Device is a character device every container gets.
type Device struct {
	Path         string
	Major, Minor uint32
}

// DefaultDevices are the nodes of a fresh /dev (as runc makes them):
// init creates them, checkpoint/restore names them as external mounts.
var DefaultDevices = []Device{
	{"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
	{"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
}
