package libcontainer

// linux.netDevices: host network interfaces moved into the container's
// network namespace by the runtime (the parent), once init's namespaces
// exist and before the user's process can start. The kernel returns
// physical devices to the host when that namespace goes away and destroys
// virtual ones (veth, ...); the runtime does not move anything back.

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/ocirun/runc/libcontainer/internal/ocispec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// validNetDevName is the kernel's dev_valid_name(): 1 to 15 bytes, not
// "." or "..", without '/', ':' or white space.
func validNetDevName(name string) bool {
	if name == "" || len(name) >= unix.IFNAMSIZ || name == "." || name == ".." {
		return false
	}
	for _, r := range name {
		if r == '/' || r == ':' || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// netDevTarget is the name a device gets in the container.
func netDevTarget(host string, d specs.LinuxNetDevice) string {
	if d.Name != "" {
		return d.Name
	}
	return host
}

// sortedNetDevices lists the host names in a stable order, so that errors
// and moves do not depend on map iteration.
func sortedNetDevices(spec *specs.Spec) []string {
	names := make([]string, 0, len(spec.Linux.NetDevices))
	for n := range spec.Linux.NetDevices {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// validateNetDevices checks linux.netDevices on its own (no system access).
func validateNetDevices(spec *specs.Spec) error {
	if spec.Linux == nil || len(spec.Linux.NetDevices) == 0 {
		return nil
	}
	if !ocispec.HasNamespace(spec, specs.NetworkNamespace) {
		return errors.New("unable to move network devices without a private NET namespace")
	}
	targets := map[string]string{}
	for _, host := range sortedNetDevices(spec) {
		if !validNetDevName(host) {
			return fmt.Errorf("invalid network device name %q", host)
		}
		d := spec.Linux.NetDevices[host]
		if d.Name != "" && !validNetDevName(d.Name) {
			return fmt.Errorf("invalid network device name %q (the new name of %s)", d.Name, host)
		}
		t := netDevTarget(host, d)
		if strings.Contains(t, "%") {
			continue // a template: the kernel picks a free name
		}
		if other, ok := targets[t]; ok {
			return fmt.Errorf("network devices %s and %s would both be named %s in the container", other, host, t)
		}
		targets[t] = host
	}
	return nil
}

// checkNetDevices checks, before anything is made, that every device can
// be moved: it exists on the host, and its name is free in the target
// namespace (a new one has only lo).
func checkNetDevices(spec *specs.Spec, rootless bool) error {
	if spec.Linux == nil || len(spec.Linux.NetDevices) == 0 {
		return nil
	}
	if rootless || os.Geteuid() != 0 {
		return errors.New("network devices are not supported for rootless containers")
	}
	var inside *netlink.Handle
	nsPath := ""
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace {
			nsPath = ns.Path
		}
	}
	if nsPath != "" {
		h, err := netns.GetFromPath(nsPath)
		if err != nil {
			return fmt.Errorf("network namespace %s: %w", nsPath, err)
		}
		defer h.Close()
		self, err := netns.Get()
		if err == nil {
			if h.Equal(self) {
				self.Close()
				return fmt.Errorf("unable to move network devices without a private NET namespace (%s is the runtime's own)", nsPath)
			}
			self.Close()
		}
		if inside, err = netlink.NewHandleAt(h); err != nil {
			return fmt.Errorf("network namespace %s: %w", nsPath, err)
		}
		defer inside.Close()
	}
	for _, host := range sortedNetDevices(spec) {
		if _, err := netlink.LinkByName(host); err != nil {
			return fmt.Errorf("network device %s: not found on the host: %w", host, err)
		}
		t := netDevTarget(host, spec.Linux.NetDevices[host])
		if strings.Contains(t, "%") {
			continue
		}
		exists := t == "lo"
		if inside != nil {
			_, err := inside.LinkByName(t)
			exists = err == nil
		}
		if exists {
			return fmt.Errorf("network device %s: a device named %s already exists in the container's network namespace", host, t)
		}
	}
	return nil
}

// moveNetDevices moves the devices into the network namespace of pid.
func moveNetDevices(spec *specs.Spec, pid int) error {
	if spec.Linux == nil || len(spec.Linux.NetDevices) == 0 {
		return nil
	}
	nsPath := "/proc/" + strconv.Itoa(pid) + "/ns/net"
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return fmt.Errorf("open the container's network namespace: %w", err)
	}
	defer ns.Close()
	inside, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("netlink in the container's network namespace: %w", err)
	}
	defer inside.Close()
	for _, host := range sortedNetDevices(spec) {
		if err := moveNetDevice(host, spec.Linux.NetDevices[host], ns, inside); err != nil {
			return fmt.Errorf("move network device %s: %w", host, err)
		}
	}
	return nil
}

func moveNetDevice(host string, d specs.LinuxNetDevice, ns netns.NsHandle, inside *netlink.Handle) error {
	link, err := netlink.LinkByName(host)
	if err != nil {
		return err
	}
	// Read before the move: the addresses do not follow the device.
	addrs, err := netlink.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("list addresses: %w", err)
	}
	target := netDevTarget(host, d)
	// Move and rename in one request: the kernel then checks the new
	// name (or fills in a %d template) in the target namespace only, and
	// the device never carries a name that could clash on either side.
	req := nl.NewNetlinkRequest(unix.RTM_SETLINK, unix.NLM_F_ACK)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(link.Attrs().Index)
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.IFLA_NET_NS_FD, nl.Uint32Attr(uint32(ns))))
	if target != host {
		req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(target)))
	}
	if _, err := req.Execute(unix.NETLINK_ROUTE, 0); err != nil {
		return fmt.Errorf("move into the container's network namespace as %s: %w", target, err)
	}
	var moved netlink.Link
	if strings.Contains(target, "%") {
		moved, err = inside.LinkByIndex(link.Attrs().Index)
	} else {
		moved, err = inside.LinkByName(target)
	}
	if err != nil {
		return fmt.Errorf("find it in the container's network namespace: %w", err)
	}
	// Only what the user configured for good: permanent addresses of
	// global scope. Link-local and temporary ones belong to the host.
	for _, a := range addrs {
		if a.Flags&unix.IFA_F_PERMANENT == 0 || a.Scope != unix.RT_SCOPE_UNIVERSE {
			continue
		}
		na := &netlink.Addr{IPNet: a.IPNet, Peer: a.Peer, Broadcast: a.Broadcast}
		if err := inside.AddrAdd(moved, na); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("add address %s: %w", a.IPNet, err)
		}
	}
	if err := inside.LinkSetUp(moved); err != nil {
		return fmt.Errorf("set %s up: %w", moved.Attrs().Name, err)
	}
	return nil
}
