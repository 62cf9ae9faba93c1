package libcontainer

import (
	"testing"

	"github.com/ocirun/runc/libcontainer/userns"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The bootstrap carries the setgroups record exactly when the plan of the
// id maps asks for it (userns.PlanMaps decides; its tests say when).
func TestPlanUsernsSetgroupsRecord(t *testing.T) {
	own := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	orig := planIDMaps
	t.Cleanup(func() { planIDMaps = orig })
	for _, tc := range []struct {
		name string
		deny bool
		want int
	}{{"unprivileged", true, 1}, {"privileged", false, 0}} {
		planIDMaps = func(*specs.Spec) (*userns.MapPlan, error) {
			return &userns.MapPlan{DenySetgroups: tc.deny}, nil
		}
		s := &specs.Spec{Linux: &specs.Linux{
			Namespaces:  []specs.LinuxNamespace{{Type: specs.UserNamespace}},
			UIDMappings: own, GIDMappings: own,
		}}
		b, err := namespaceBootstrap(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.planUserns(s); err != nil {
			t.Fatal(err)
		}
		recs := bootFind(decodeBootstrap(t, b), recSetgroups)
		if len(recs) != tc.want || (tc.want == 1 && string(recs[0]) != "deny") {
			t.Errorf("%s: setgroups records %q, want %d \"deny\"", tc.name, recs, tc.want)
		}
	}
	// No new user namespace: nothing to plan.
	b := &bootstrap{}
	if err := b.planUserns(&specs.Spec{Linux: &specs.Linux{}}); err != nil || b.ids != nil || len(b.buf) != 0 {
		t.Errorf("without a user namespace: ids %+v, %d bytes, %v", b.ids, len(b.buf), err)
	}
}
