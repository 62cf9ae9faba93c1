package main

import (
	"context"

	"github.com/ocirun/runc/libcontainer"
	"github.com/urfave/cli/v3"
)

var restoreCommand = &cli.Command{
	Name:      "restore",
	Usage:     "restore a container from a previous checkpoint",
	ArgsUsage: "<container-id>",
	Description: `The restore command creates the container <container-id> from a bundle with
the processes that "runc checkpoint" saved. In the foreground it waits for
the restored process and exits with its status; with --detach it returns
once the process runs.`,
	Flags: append([]cli.Flag{
		&cli.StringFlag{Name: "console-socket", Usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"},
	}, append(criuFlags("path to criu image files for restoring"),
		&cli.StringFlag{Name: "bundle", Aliases: []string{"b"}, Usage: "path to the root of the bundle directory"},
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "detach from the container's process"},
		&cli.StringFlag{Name: "pid-file", Usage: "specify the file to write the process id to"},
		&cli.BoolFlag{Name: "no-subreaper", Usage: "disable the use of the subreaper used to reap reparented processes"},
		&cli.BoolFlag{Name: "no-pivot", Usage: "do not use pivot root to jail process inside rootfs. This should be used whenever the rootfs is on top of a ramdisk"},
		&cli.StringFlag{Name: "lsm-profile", Usage: "Specify an LSM profile to be used during restore in the form of TYPE:NAME."},
		&cli.StringFlag{Name: "lsm-mount-context", Usage: "Specify an LSM mount context to be used during restore."},
	)...),
	Action: func(ctx context.Context, cmd *cli.Command) error {
		o, err := criuOptions(cmd)
		if err != nil {
			return err
		}
		o.LSMProfile = cmd.String("lsm-profile")
		o.LSMMountContext = cmd.String("lsm-mount-context")
		opts, co, err := createOptions(cmd)
		if err != nil {
			return err
		}
		status, err := libcontainer.RestoreAndWait(opts, co, o, cmd.Bool("detach"), cmd.Bool("no-subreaper"))
		if err != nil {
			return err
		}
		if status != 0 {
			return &exitError{code: status}
		}
		return nil
	},
}
