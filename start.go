package main

import (
	"github.com/ocirun/runc/libcontainer"
	"github.com/urfave/cli/v3"
)

var startCommand = &cli.Command{
	Name:        "start",
	Usage:       "executes the user defined process in a created container",
	ArgsUsage:   "<container-id>",
	Description: `The start command executes the user defined process in a created container.`,
	Action:      onContainer((*libcontainer.Container).Start),
}
