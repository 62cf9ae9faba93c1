package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/urfave/cli/v3"
)

var stateCommand = &cli.Command{
	Name:        "state",
	Usage:       "output the state of a container",
	ArgsUsage:   "<container-id>",
	Description: `The state command outputs current state information for the instance of a container.`,
	Action: func(ctx context.Context, cmd *cli.Command) error {
		if err := checkArgs(cmd, 1, true); err != nil {
			return err
		}
		c, err := loadContainer(cmd, false)
		if err != nil {
			return err
		}
		defer c.Close()
		data, err := json.MarshalIndent(c.OCIState(), "", "  ")
		if err != nil {
			return err
		}
		os.Stdout.Write(append(data, '\n'))
		return nil
	},
}
