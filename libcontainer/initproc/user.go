package initproc

import (
	"fmt"

	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	"github.com/ocirun/runc/libcontainer/internal/timing"
	"github.com/ocirun/runc/libcontainer/userns"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// setupUser drops to the configured user and capability sets.
func setupUser(proc *specs.Process) error {
	defer timing.Phase("init:user")()
	logrus.Debugf("init: switching to user %d:%d (additional gids %v) and the capability sets", proc.User.UID, proc.User.GID, proc.User.AdditionalGids)
	caps, err := newCapSets(proc.Capabilities)
	if err != nil {
		return err
	}
	if err := caps.dropBounding(); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set keepcaps: %w", err)
	}
	u := proc.User
	d, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	nonDumpable := d == 0
	// Checked by the parent already; an id above it would reach the
	// set*id calls below as -1, "unchanged", and leave us root.
	if err := ocispec.ValidateUserIDs(u); err != nil {
		return err
	}
	groups := make([]int, len(u.AdditionalGids))
	for i, g := range u.AdditionalGids {
		groups[i] = int(g)
	}
	// A user namespace whose gid map was written without privilege has
	// setgroups(2) denied: the groups stay as they are, and asking for
	// additional ones is an error.
	if !userns.SetgroupsDenied() {
		if err := threadSetgroups(groups); err != nil {
			return fmt.Errorf("setgroups %v: %w", groups, err)
		}
	} else if len(groups) > 0 {
		return fmt.Errorf("cannot set additionalGids %v: setgroups is denied in this user namespace (a gid map written without privilege; map more gids with newgidmap to allow it)", groups)
	}
	if err := threadSetresid(unix.SYS_SETRESGID, u.GID); err != nil {
		return fmt.Errorf("setgid %d: %w", u.GID, err)
	}
	if err := threadSetresid(unix.SYS_SETRESUID, u.UID); err != nil {
		return fmt.Errorf("setuid %d: %w", u.UID, err)
	}
	// A change of credentials sets "dumpable" to fs.suid_dumpable, which
	// a host may have set to 1: an exec setup stays non-dumpable until
	// its execve (CVE-2016-9962).
	if nonDumpable {
		if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
			return fmt.Errorf("set non-dumpable: %w", err)
		}
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("clear keepcaps: %w", err)
	}
	return caps.apply()
}
