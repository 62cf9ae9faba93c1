package main

import (
	"encoding/json"
	"errors"
	"os"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/ocirun/runc/libcontainer"
)

var eventsCommand = &cli.Command{
	Name:  "events",
	Usage: "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
	ArgsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container.`,
	Description: `The events command displays information about the container. By default the
information is displayed once every 5 seconds, and OOM events as they happen,
until the container stops.`,
	Flags: []cli.Flag{
		&cli.DurationFlag{Name: "interval", Value: 5 * time.Second, Usage: "set the stats collection interval"},
		&cli.BoolFlag{Name: "stats", Usage: "display the container's stats then exit"},
	},
	Action: withContainer(false, func(cmd *cli.Command, c *libcontainer.Container) error {
		interval := cmd.Duration("interval")
		if interval <= 0 {
			return errors.New("duration interval must be greater than 0")
		}
		enc := json.NewEncoder(os.Stdout)
		emit := func(e *libcontainer.Event) error { return enc.Encode(e) }
		if cmd.Bool("stats") {
			s, err := c.Stats()
			if err != nil {
				return err
			}
			return emit(&libcontainer.Event{Type: "stats", ID: c.ID(), Data: s})
		}
		return c.Events(interval, emit)
	}),
}
