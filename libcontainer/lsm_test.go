package libcontainer

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidateLSM(t *testing.T) {
	if err := validateLSM(&specs.Spec{Process: &specs.Process{}, Linux: &specs.Linux{}}); err != nil {
		t.Errorf("nothing asked: %v", err)
	}
	if !apparmorEnabled() {
		if err := validateLSM(&specs.Spec{Process: &specs.Process{ApparmorProfile: "p"}}); err == nil {
			t.Error("an apparmor profile was accepted without AppArmor")
		}
	}
	if !selinuxEnabled() {
		if err := validateLSM(&specs.Spec{Process: &specs.Process{SelinuxLabel: "l"}}); err == nil {
			t.Error("a process label was accepted without SELinux")
		}
		if err := validateLSM(&specs.Spec{Process: &specs.Process{}, Linux: &specs.Linux{MountLabel: "l"}}); err == nil {
			t.Error("a mount label was accepted without SELinux")
		}
	}
}
