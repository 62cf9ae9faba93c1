package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ocirun/runc/libcontainer"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli/v3"
)

var execCommand = &cli.Command{
	Name:      "exec",
	Usage:     "execute new process inside the container",
	ArgsUsage: "<container-id> <command> [command options]  || -p process.json <container-id>",
	Description: `The exec command runs a new process in a created or running container. The
process joins the container's namespaces and cgroups and, unless told
otherwise, gets the settings of the container's own process.`,
	StopOnNthArg: intPtr(1),
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "console-socket", Usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"},
		&cli.StringFlag{Name: "cwd", Usage: "current working directory in the container"},
		&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set environment variables"},
		&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-TTY"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "UID (format: <uid>[:<gid>])"},
		&cli.IntSliceFlag{Name: "additional-gids", Aliases: []string{"g"}, Usage: "additional gids"},
		&cli.StringFlag{Name: "process", Aliases: []string{"p"}, Usage: "path to the process.json"},
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "detach from the container's process"},
		&cli.StringFlag{Name: "pid-file", Usage: "specify the file to write the process id to"},
		&cli.StringFlag{Name: "pidfd-socket", Usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the exec process"},
		&cli.StringFlag{Name: "process-label", Usage: "set the asm process label for the process commonly used with selinux"},
		&cli.StringFlag{Name: "apparmor", Usage: "set the apparmor profile for the process"},
		&cli.BoolFlag{Name: "no-new-privs", Usage: "set the no new privileges value for the process"},
		&cli.StringSliceFlag{Name: "cap", Aliases: []string{"c"}, Usage: "add a capability to the bounding set for the process"},
		&cli.IntFlag{Name: "preserve-fds", Usage: "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"},
		&cli.StringSliceFlag{Name: "cgroup", Usage: "run the process in an (existing) sub-cgroup(s)"},
		&cli.BoolFlag{Name: "ignore-paused", Usage: "allow exec in a paused container"},
	},
	Action: func(ctx context.Context, cmd *cli.Command) error {
		if err := checkArgs(cmd, 1, false); err != nil {
			return err
		}
		status, err := execAction(cmd)
		if err != nil {
			// Worded "exec failed: ..." with status 255 by wordFailures.
			return err
		}
		if status != 0 {
			return &exitError{code: status}
		}
		return nil
	},
}

// execAction runs exec's work; a failure of its own is an error, the
// process's status is returned.
func execAction(cmd *cli.Command) (int, error) {
	subCgroups, err := parseSubCgroups(cmd.StringSlice("cgroup"))
	if err != nil {
		return -1, err
	}
	c, err := loadContainer(cmd, false)
	if err != nil {
		return -1, err
	}
	defer c.Close()
	proc, err := execProcess(cmd, c.Config())
	if err != nil {
		return -1, err
	}
	return c.Exec(&libcontainer.ExecOpts{
		Process:       proc,
		Detach:        cmd.Bool("detach"),
		PidFile:       cmd.String("pid-file"),
		ConsoleSocket: cmd.String("console-socket"),
		PidfdSocket:   cmd.String("pidfd-socket"),
		PreserveFDs:   int(cmd.Int("preserve-fds")),
		IgnorePaused:  cmd.Bool("ignore-paused"),
		SubCgroups:    subCgroups,
	})
}

// parseSubCgroups reads --cgroup values: "path" for every controller, or
// "controller[,controller...]:path" (cgroup v1), as runc does.
func parseSubCgroups(values []string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, v := range values {
		ctrls, path, ok := strings.Cut(v, ":")
		if !ok {
			ctrls, path = "", v
		}
		if path == "" {
			return nil, fmt.Errorf("invalid --cgroup value %q: empty path", v)
		}
		for _, c := range strings.Split(ctrls, ",") {
			if ok && c == "" {
				return nil, fmt.Errorf("invalid --cgroup value %q: empty controller name", v)
			}
			if _, dup := out[c]; dup {
				if c == "" {
					return nil, fmt.Errorf("--cgroup: a path for all controllers given more than once (%q)", v)
				}
				return nil, fmt.Errorf("--cgroup: controller %s given more than once", c)
			}
			out[c] = path
		}
	}
	return out, nil
}

// execProcess builds the process to run: process.json as given, or the
// container's own process with the command line's changes.
func execProcess(cmd *cli.Command, spec *specs.Spec) (*specs.Process, error) {
	if path := cmd.String("process"); path != "" {
		return processFromFile(path)
	}
	args := cmd.Args().Tail()
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	// No command is refused by Exec, after the container's status (as
	// runc: a stopped container is reported as such first).
	p := containerProcess(spec)
	p.Args = args
	p.Terminal = cmd.Bool("tty")
	p.Env = append(append([]string(nil), p.Env...), cmd.StringSlice("env")...)
	if cwd := cmd.String("cwd"); cwd != "" {
		p.Cwd = cwd
	}
	if u := cmd.String("user"); u != "" {
		if err := setExecUser(&p, u); err != nil {
			return nil, err
		}
	}
	if err := addExecGids(&p, cmd.IntSlice("additional-gids")); err != nil {
		return nil, err
	}
	addExecCaps(&p, cmd.StringSlice("cap"))
	if cmd.Bool("no-new-privs") {
		p.NoNewPrivileges = true
	}
	if a := cmd.String("apparmor"); a != "" {
		p.ApparmorProfile = a
	}
	if l := cmd.String("process-label"); l != "" {
		p.SelinuxLabel = l
	}
	return &p, checkExecCwd(&p)
}

// processFromFile is `exec -p FILE`: the whole process from a JSON file.
func processFromFile(path string) (*specs.Process, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read process file: %w", err)
	}
	var p specs.Process
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("parse process file %s: %w", path, err)
	}
	if len(p.Args) == 0 {
		return nil, fmt.Errorf("process file %s: args must not be empty", path)
	}
	return &p, checkExecCwd(&p)
}

// containerProcess is a copy of the container's process (its capability
// sets copied too), which the exec flags then change.
func containerProcess(spec *specs.Spec) specs.Process {
	var p specs.Process
	if spec.Process != nil {
		p = *spec.Process
		if spec.Process.Capabilities != nil {
			caps := *spec.Process.Capabilities
			p.Capabilities = &caps
		}
	}
	return p
}

// setExecUser applies --user UID[:GID], parsed as runc parses it (its
// messages); anything outside 0-MaxInt32 is refused, never cut to 32 bits.
func setExecUser(p *specs.Process, u string) error {
	uidStr, gidStr, hasGid := strings.Cut(u, ":")
	if hasGid {
		gid, err := strconv.Atoi(gidStr)
		if err != nil {
			return fmt.Errorf("parsing %s as int for gid failed: %w", gidStr, err)
		}
		if err := checkID(gid); err != nil {
			return err
		}
		p.User.GID = uint32(gid)
	}
	uid, err := strconv.Atoi(uidStr)
	if err != nil {
		return fmt.Errorf("parsing %s as int for uid failed: %w", uidStr, err)
	}
	if err := checkID(uid); err != nil {
		return err
	}
	p.User.UID = uint32(uid)
	return nil
}

// checkID refuses an id outside 0-MaxInt32, which would otherwise be cut
// to 32 bits (4294967296 must not become id 0).
func checkID(id int) error {
	if id < 0 || id > math.MaxInt32 {
		return fmt.Errorf("uids and gids must be in range 0-%d", math.MaxInt32)
	}
	return nil
}

// addExecGids applies --additional-gids: added to the container's own
// additionalGids, as runc does.
func addExecGids(p *specs.Process, gids []int) error {
	if len(gids) == 0 {
		return nil
	}
	p.User.AdditionalGids = append([]uint32(nil), p.User.AdditionalGids...)
	for _, g := range gids {
		if g < 0 {
			return fmt.Errorf("additional-gids must be a positive number %d", g)
		}
		if err := checkID(g); err != nil {
			return err
		}
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(g))
	}
	return nil
}

// addExecCaps applies --cap. An ambient capability must be inheritable
// too, which --cap does not make it (runc since 1.1.2): it goes to the
// ambient set only where the process has inheritable or ambient ones
// already.
func addExecCaps(p *specs.Process, caps []string) {
	if len(caps) == 0 {
		return
	}
	if p.Capabilities == nil {
		p.Capabilities = &specs.LinuxCapabilities{}
	}
	ambient := len(p.Capabilities.Inheritable) > 0 || len(p.Capabilities.Ambient) > 0
	for _, c := range caps {
		c = strings.ToUpper(c)
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		p.Capabilities.Bounding = append(p.Capabilities.Bounding, c)
		p.Capabilities.Effective = append(p.Capabilities.Effective, c)
		p.Capabilities.Permitted = append(p.Capabilities.Permitted, c)
		if ambient {
			p.Capabilities.Ambient = append(p.Capabilities.Ambient, c)
		}
	}
}

// checkExecCwd refuses what runc refuses of an exec'd process's cwd (from
// process.json or --cwd): it is used as given, so it must be there and
// absolute (no default, no resolution against anything).
func checkExecCwd(p *specs.Process) error {
	if p.Cwd == "" {
		return errors.New("Cwd property must not be empty")
	}
	if !filepath.IsAbs(p.Cwd) {
		return errors.New("Cwd must be an absolute path")
	}
	return nil
}
