package main

import (
	"context"
	"os"

	"github.com/ocirun/runc/libcontainer"
	"github.com/urfave/cli/v3"
)

var startCommand = &cli.Command{
	Name:        "start",
	Usage:       "executes the user defined process in a created container",
	ArgsUsage:   "<container-id>",
	Description: `The start command executes the user defined process in a created container.`,
	Action: func(ctx context.Context, cmd *cli.Command) error {
		if err := checkArgs(cmd, 1, true); err != nil {
			return err
		}
		opts, err := globalOptions(cmd)
		if err != nil {
			return err
		}
		id, err := containerID(cmd)
		if err != nil {
			return err
		}
		// Of the config, start reads only the hooks and what the status
		// needs (see LoadForStart).
		c, err := libcontainer.LoadForStart(opts, id)
		if err != nil {
			return err
		}
		defer c.Close()
		// Under systemd's Type=notify: wait for the container's READY=1.
		return c.StartNotify(os.Getenv("NOTIFY_SOCKET"))
	},
}
