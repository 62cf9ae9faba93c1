package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/ocirun/runc/libcontainer"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v3"
)

var listCommand = &cli.Command{
	Name:      "list",
	Usage:     "lists containers started by runc with the given root",
	ArgsUsage: " ",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "select one of: table or json"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "display only container IDs"},
	},
	Action: func(ctx context.Context, cmd *cli.Command) error {
		if err := checkArgs(cmd, 0, true); err != nil {
			return err
		}
		opts, err := globalOptions(cmd)
		if err != nil {
			return err
		}
		format := cmd.String("format")
		if format != "table" && format != "json" {
			return fmt.Errorf("invalid format option %q", format)
		}
		ids, err := libcontainer.List(opts.Root)
		if err != nil {
			return err
		}
		if ids == nil && cmd.IsSet("root") {
			// As runc: only the default root may be missing (nothing
			// was created yet); a --root given that does not exist is
			// an error.
			if _, err := os.ReadDir(opts.Root); err != nil {
				return err
			}
		}
		var entries []libcontainer.OCIState
		for _, id := range ids {
			c, err := libcontainer.LoadBrief(opts, id)
			if errors.Is(err, libcontainer.ErrDamagedState) {
				// Shown, not hidden: it may still run and hold resources.
				logrus.Warnf("container %s: %v", id, err)
				entries = append(entries, libcontainer.OCIState{ID: id, Status: "unknown"})
				continue
			}
			if err != nil {
				// Gone meanwhile, or left by a create that was killed.
				continue
			}
			s := c.OCIState()
			c.Close()
			entries = append(entries, *s)
		}
		if cmd.Bool("quiet") {
			for _, e := range entries {
				fmt.Println(e.ID)
			}
			return nil
		}
		if format == "json" {
			return json.NewEncoder(os.Stdout).Encode(entries)
		}
		w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
		fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
		for _, e := range entries {
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", e.ID, e.Pid, e.Status, e.Bundle,
				e.Created.Format(time.RFC3339Nano), e.Owner)
		}
		return w.Flush()
	},
}
