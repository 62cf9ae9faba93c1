package main

import (
	"os"
	"path/filepath"

	"github.com/ocirun/runc/libcontainer"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v3"
)

// criuFlags are the flags checkpoint and restore share.
func criuFlags(imageUsage string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "image-path", Usage: imageUsage},
		&cli.StringFlag{Name: "work-path", Usage: "path for saving work files and logs"},
		&cli.BoolFlag{Name: "tcp-established", Usage: "allow open tcp connections"},
		&cli.BoolFlag{Name: "ext-unix-sk", Usage: "allow external unix sockets"},
		&cli.BoolFlag{Name: "shell-job", Usage: "allow shell jobs"},
		&cli.BoolFlag{Name: "file-locks", Usage: "handle file locks, for safety"},
		&cli.StringFlag{Name: "manage-cgroups-mode", Usage: "cgroups mode: soft|full|strict|ignore (default: soft)"},
		&cli.StringSliceFlag{Name: "empty-ns", Usage: "create a namespace, but don't restore its properties"},
		&cli.BoolFlag{Name: "auto-dedup", Usage: "enable auto deduplication of memory images"},
		&cli.BoolFlag{Name: "lazy-pages", Usage: "use userfaultfd to lazily restore memory pages"},
	}
}

var checkpointCommand = &cli.Command{
	Name:      "checkpoint",
	Usage:     "checkpoint a running container",
	ArgsUsage: "<container-id>",
	Description: `The checkpoint command saves the state of the container instance with CRIU,
to be restored later with "runc restore". Unless --leave-running (or
--pre-dump) is given, the container is stopped and removed once its images
are written.`,
	Flags: append(criuFlags("path for saving criu image files"),
		&cli.StringFlag{Name: "parent-path", Usage: "path for previous criu image files in pre-dump"},
		&cli.BoolFlag{Name: "leave-running", Usage: "leave the process running after checkpointing"},
		&cli.BoolFlag{Name: "tcp-skip-in-flight", Usage: "skip in-flight tcp connections"},
		&cli.BoolFlag{Name: "link-remap", Usage: "allow one to link unlinked files back when possible"},
		&cli.IntFlag{Name: "status-fd", Value: -1, Usage: "criu writes \\0 to this FD once lazy-pages is ready"},
		&cli.StringFlag{Name: "page-server", Usage: "ADDRESS:PORT of the page server"},
		&cli.BoolFlag{Name: "pre-dump", Usage: "dump container's memory information only, leave the container running after this"},
	),
	Action: withContainer(true, func(cmd *cli.Command, c *libcontainer.Container) error {
		o, err := criuOptions(cmd)
		if err != nil {
			return err
		}
		o.ParentPath = cmd.String("parent-path")
		o.LeaveRunning = cmd.Bool("leave-running")
		o.TCPSkipInFlight = cmd.Bool("tcp-skip-in-flight")
		o.LinkRemap = cmd.Bool("link-remap")
		o.StatusFd = int(cmd.Int("status-fd"))
		o.PageServer = cmd.String("page-server")
		o.PreDump = cmd.Bool("pre-dump")
		if err := c.Checkpoint(o); err != nil {
			return err
		}
		if !o.LeaveRunning && !o.PreDump {
			// CRIU killed the processes: the container goes, as with runc.
			if err := c.Destroy(true); err != nil {
				logrus.Warn(err)
			}
		}
		return nil
	}),
}

// criuOptions reads the flags common to checkpoint and restore.
func criuOptions(cmd *cli.Command) (*libcontainer.CriuOpts, error) {
	o := &libcontainer.CriuOpts{
		Binary:         cmd.String("criu"),
		ImagePath:      cmd.String("image-path"),
		WorkPath:       cmd.String("work-path"),
		TCPEstablished: cmd.Bool("tcp-established"),
		ExtUnixSk:      cmd.Bool("ext-unix-sk"),
		ShellJob:       cmd.Bool("shell-job"),
		FileLocks:      cmd.Bool("file-locks"),
		AutoDedup:      cmd.Bool("auto-dedup"),
		LazyPages:      cmd.Bool("lazy-pages"),
		StatusFd:       -1,
	}
	var err error
	if o.ManageCgroupsMode, err = libcontainer.ParseManageCgroupsMode(cmd.String("manage-cgroups-mode")); err != nil {
		return nil, err
	}
	if o.EmptyNs, err = libcontainer.ParseEmptyNs(cmd.StringSlice("empty-ns")); err != nil {
		return nil, err
	}
	if o.ImagePath == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		o.ImagePath = filepath.Join(wd, "checkpoint")
	}
	if o.ImagePath, err = filepath.Abs(o.ImagePath); err != nil {
		return nil, err
	}
	if o.WorkPath != "" {
		if o.WorkPath, err = filepath.Abs(o.WorkPath); err != nil {
			return nil, err
		}
	}
	return o, nil
}
