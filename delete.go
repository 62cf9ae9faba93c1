package main

import (
	"context"
	"errors"

	"github.com/ocirun/runc/libcontainer"
	"github.com/urfave/cli/v3"
)

var deleteCommand = &cli.Command{
	Name:      "delete",
	Usage:     "delete any resources held by the container often used with detached container",
	ArgsUsage: "<container-id>",
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "Forcibly deletes the container if it is still running (uses SIGKILL)"},
	},
	Action: func(ctx context.Context, cmd *cli.Command) error {
		if err := checkArgs(cmd, 1, true); err != nil {
			return err
		}
		force := cmd.Bool("force")
		c, err := loadContainer(cmd, true)
		if err != nil {
			if errors.Is(err, libcontainer.ErrNotExist) || errors.Is(err, libcontainer.ErrDamagedState) {
				// The leftovers of a create that was killed, or (forced)
				// a container whose state file is damaged.
				opts, oerr := globalOptions(cmd)
				if oerr != nil {
					return oerr
				}
				err = libcontainer.RemoveLeftovers(opts, cmd.Args().First(), force)
				if err == nil || (force && errors.Is(err, libcontainer.ErrNotExist)) {
					return nil
				}
			}
			return err
		}
		defer c.Close()
		return c.Destroy(force)
	},
}
