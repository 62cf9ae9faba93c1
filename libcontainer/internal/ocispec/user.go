package ocispec

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// MaxID is the largest uid or gid a process may be given. Above it the
// kernel's id types turn negative, and (uid_t)-1 = 4294967295 even means
// "leave unchanged" to setresuid(2): a container asking for it would keep
// running as root.
const MaxID = 1<<31 - 1

var errIDRange = fmt.Errorf("uids and gids must be in range 0-%d", MaxID)

// ValidateUserIDs refuses a uid or gid above MaxID.
func ValidateUserIDs(u specs.User) error {
	if u.UID > MaxID || u.GID > MaxID {
		return errIDRange
	}
	for _, g := range u.AdditionalGids {
		if g > MaxID {
			return errIDRange
		}
	}
	return nil
}
