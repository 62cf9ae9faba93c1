package libcontainer

// Changing the resources of a live container (`runc update`): the request is
// merged into the spec's linux.resources, applied through the cgroup
// manager, and recorded in the state so that later commands see it.

import (
	"errors"
	"fmt"
	"os"

	"github.com/ocirun/runc/libcontainer/cgroup"
	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
)

// ErrNotRunning is what runc says when a verb needs a live container.
var ErrNotRunning = errors.New("container not running")

// resctrlInfo is where the kernel describes the Intel RDT features it has.
var resctrlInfo = "/sys/fs/resctrl/info"

// CheckIntelRdtUpdate refuses Intel RDT schemata (update --l3-cache-schema,
// --mem-bw-schema) with runc's messages on a host without the feature; on a
// host with it they are refused too, as linux.intelRdt is not supported yet.
func CheckIntelRdtUpdate(l3CacheSchema, memBwSchema string) error {
	if l3CacheSchema != "" && !pathExists(resctrlInfo+"/L3") && !pathExists(resctrlInfo+"/L3CODE") {
		return errors.New("Intel RDT/CAT: l3 cache schema is not enabled")
	}
	if memBwSchema != "" && !pathExists(resctrlInfo+"/MB") {
		return errors.New("Intel RDT/MBA: memory bandwidth schema is not enabled")
	}
	if l3CacheSchema != "" || memBwSchema != "" {
		return errors.New("updating Intel RDT schemata is not supported yet")
	}
	return nil
}

func pathExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Update changes the container's resources to r merged into the current
// ones: what r leaves unset keeps its value. The container must have been
// loaded with the exclusive lock. On failure the previous values are put
// back and the state is left as it was. As with runc, device rules cannot
// be changed (they are ignored), nor can a stopped container.
func (c *Container) Update(r *specs.LinuxResources) error {
	if r == nil {
		r = &specs.LinuxResources{}
	}
	if c.Status() == Stopped {
		return ErrNotRunning
	}
	if m := r.Memory; m != nil && (m.Kernel != nil || m.KernelTCP != nil) {
		logrus.Warn("kernel memory settings are ignored and will be removed")
	}
	spec := c.state.Config
	if spec == nil {
		return errors.New("container state has no configuration")
	}
	var old *specs.LinuxResources
	if spec.Linux != nil {
		old = spec.Linux.Resources
	}
	merged, err := cgroup.MergeResources(old, r)
	if err != nil {
		return err
	}
	newRes, err := cgroup.UpdateResources(merged)
	if err != nil {
		return err
	}
	oldRes, err := cgroup.UpdateResources(old)
	if err != nil {
		// The recorded resources no longer convert (the host changed):
		// nothing to roll back to but the kernel defaults.
		logrus.Debugf("recorded resources of %s: %v", c.state.ID, err)
		oldRes = &cgroups.Resources{SkipDevices: true}
	}
	// As runc, the device rules are written again with the rest (cgroup
	// v1): the library computes the least it has to change (nothing, if
	// the cgroup still has them), so no device is denied or allowed for a
	// moment, and rules changed behind the runtime's back are put back.
	// On cgroup v2 the device program attached at creation stays.
	if !cgroup.IsUnified() {
		mergedSpec := *spec
		if spec.Linux != nil {
			linux := *spec.Linux
			linux.Resources = merged
			mergedSpec.Linux = &linux
		}
		if newRes.Devices, err = cgroup.DeviceRules(&mergedSpec); err != nil {
			return err
		}
		newRes.SkipDevices = false
	}
	m, err := c.cgroupManager()
	if err != nil {
		return err
	}
	if cgroup.IsIdle(oldRes) && newRes.CPUIdle != nil && !cgroup.IsIdle(newRes) {
		// Leave SCHED_IDLE first: the shares below are refused until then.
		if err := m.Set(&cgroups.Resources{CPUIdle: newRes.CPUIdle, SkipDevices: true}); err != nil {
			return err
		}
	}
	if err := m.Set(newRes); err != nil {
		c.rollbackResources(m, oldRes, newRes)
		return err
	}

	// Record the new resources: a copy of the spec, so that a failed save
	// leaves the loaded state as it was.
	newSpec := *spec
	var linux specs.Linux
	if spec.Linux != nil {
		linux = *spec.Linux
	}
	linux.Resources = merged
	newSpec.Linux = &linux
	newState := *c.state
	newState.Config = &newSpec
	if err := c.dir.save(&newState); err != nil {
		c.rollbackResources(m, oldRes, newRes)
		return fmt.Errorf("save state: %w", err)
	}
	c.state = &newState
	return nil
}

// rollbackResources puts back what a failed update may have half written.
func (c *Container) rollbackResources(m cgroups.Manager, oldRes, newRes *cgroups.Resources) {
	if err := m.Set(cgroup.RollbackTarget(oldRes, newRes)); err != nil {
		logrus.Warnf("putting back the previous resources of %s failed: %v; the cgroup may not match the recorded state", c.state.ID, err)
	}
}
