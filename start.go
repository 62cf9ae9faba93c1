package main

import (
	"context"

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
		c, err := loadContainer(cmd, true)
		if err != nil {
			return err
		}
		defer c.Close()
		return c.Start()
	},
}
