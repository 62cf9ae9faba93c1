package wire

import specs "github.com/opencontainers/runtime-spec/specs-go"

// InitConfig is what the parent sends to the Go side of init.
type InitConfig struct {
	ID           string                  `json:"id"`
	Exec         bool                    `json:"exec,omitempty"`
	Spec         *specs.Spec             `json:"spec"`
	Rootfs       string                  `json:"rootfs"`
	Bundle       string                  `json:"bundle"`
	NoPivot      bool                    `json:"no_pivot,omitempty"`
	NoNewKeyring bool                    `json:"no_new_keyring,omitempty"`
	PreserveFDs  int                     `json:"preserve_fds,omitempty"`
	FifoFd       int                     `json:"fifo_fd"`
	ConsoleFd    int                     `json:"console_fd,omitempty"`
	CgroupMounts map[int][]CgroupMountOp `json:"cgroup_mounts,omitempty"`
	// HostDevices: the container is in a user namespace, where device
	// nodes are bind-mounted from the host (mknod is refused) and mounts
	// inherited from the host have locked flags.
	HostDevices bool `json:"host_devices,omitempty"`
	// RuntimeSources: init asks the runtime for the sources of id-mapped
	// mounts, and in a user namespace of every bind mount (RequestMountSource).
	RuntimeSources bool `json:"runtime_sources,omitempty"`
	// HookState is what createContainer and startContainer hooks, run by
	// init, get on stdin (with init's pid as the host sees it).
	HookState *specs.State `json:"hook_state,omitempty"`
}

// CgroupMountOp is one step of mounting the cgroup filesystem inside a
// container, as the runtime plans it (it knows the host's cgroup paths)
// for a mount of type "cgroup" or "cgroup2", and init carries it out.
// Dest is a path inside the container's root.
//
//   - "tmpfs":      mount -t tmpfs -o Data tmpfs Dest, with Flags.
//   - "bind":       recursive bind mount of Source (a host path) on Dest.
//     Flags holds only the per-mount flags from the options (MS_RDONLY,
//     MS_NOSUID, MS_RELATIME...), without MS_BIND/MS_REC; when non-zero
//     they have to be applied by a remount (MS_REMOUNT|MS_BIND|Flags),
//     since mount(2) ignores them when creating a bind mount.
//   - "cgroup":     mount -t cgroup -o Data cgroup Dest with Flags; Source
//     and Data are the controllers of the hierarchy ("cpu,cpuacct",
//     "name=systemd").
//   - "cgroup2":    mount -t cgroup2 Source Dest with Flags and Data; if
//     that fails with EPERM or EBUSY and Fallback is set, a "bind" of
//     Fallback instead.
//   - "symlink":    symlink(Source, Dest); Source is a relative target.
//   - "remount-ro": mount("", Dest, "", Flags, "") -- Flags already holds
//     MS_REMOUNT|MS_BIND|MS_RDONLY and the flags to keep.
type CgroupMountOp struct {
	Kind   string  // "tmpfs", "bind", "cgroup", "cgroup2", "symlink", "remount-ro"
	Source string  // host path for bind; controllers data for cgroup; link target for symlink
	Dest   string  // path relative to the container root, e.g. "/sys/fs/cgroup/memory"
	Flags  uintptr // mount flags (MS_NOSUID etc.) to use
	Data   string
	// Fallback is the host directory to bind for "cgroup2" when the
	// kernel refuses the mount.
	Fallback string `json:",omitempty"`
}
