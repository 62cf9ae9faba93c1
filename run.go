package main

import (
	"context"

	"github.com/ocirun/runc/libcontainer"
	"github.com/urfave/cli/v3"
)

var runCommand = &cli.Command{
	Name:      "run",
	Usage:     "create and run a container",
	ArgsUsage: "<container-id>",
	Description: `The run command creates an instance of a container for a bundle and starts it.
In the foreground it waits for the container's process and exits with its
status; with --detach it returns once the process runs.`,
	Flags: append(createFlags(),
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "detach from the container's process"},
		&cli.BoolFlag{Name: "keep", Usage: "do not delete the container after it exits"},
		&cli.BoolFlag{Name: "no-subreaper", Usage: "disable the use of the subreaper used to reap reparented processes"},
	),
	Action: func(ctx context.Context, cmd *cli.Command) error {
		opts, co, err := createOptions(cmd)
		if err != nil {
			return err
		}
		co.NoSubreaper = cmd.Bool("no-subreaper")
		status, err := libcontainer.Run(opts, co, cmd.Bool("detach"), cmd.Bool("keep"))
		if err != nil {
			return err
		}
		if status != 0 {
			return &exitError{code: status}
		}
		return nil
	},
}
