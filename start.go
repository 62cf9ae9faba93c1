package main

import (
	"os"

	"github.com/ocirun/runc/libcontainer"
	"github.com/urfave/cli/v3"
)

var startCommand = &cli.Command{
	Name:        "start",
	Usage:       "executes the user defined process in a created container",
	ArgsUsage:   "<container-id>",
	Description: `The start command executes the user defined process in a created container.`,
	Action: onContainer(func(c *libcontainer.Container) error {
		// Under systemd's Type=notify: wait for the container's READY=1.
		return c.StartNotify(os.Getenv("NOTIFY_SOCKET"))
	}),
}
