package main

import (
	"encoding/json"
	"os"

	"github.com/ocirun/runc/libcontainer"
	"github.com/urfave/cli/v3"
)

var stateCommand = &cli.Command{
	Name:        "state",
	Usage:       "output the state of a container",
	ArgsUsage:   "<container-id>",
	Description: `The state command outputs current state information for the instance of a container.`,
	Action: withContainer(false, func(cmd *cli.Command, c *libcontainer.Container) error {
		data, err := json.MarshalIndent(c.OCIState(), "", "  ")
		if err != nil {
			return err
		}
		os.Stdout.Write(append(data, '\n'))
		return nil
	}),
}
