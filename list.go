package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
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
			return errors.New("invalid format option") // runc's text
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
		entries := loadEntries(opts, ids)
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

// loadEntries reads the state of each container, in the order of ids, on
// as many goroutines as there are CPUs: each one is a few file reads and
// a JSON decode, independent of the others, and with many containers that
// is all the time `list` takes. A container whose state is damaged is
// listed as "unknown" with a warning, warnings in the order of ids; one
// that went away meanwhile (or cannot be read) is left out.
func loadEntries(opts libcontainer.Options, ids []string) []libcontainer.OCIState {
	type entry struct {
		state   *libcontainer.OCIState
		damaged error
	}
	out := make([]entry, len(ids))
	load := func(i int) {
		c, err := libcontainer.LoadBrief(opts, ids[i])
		if errors.Is(err, libcontainer.ErrDamagedState) {
			out[i].damaged = err
			return
		}
		if err != nil {
			return
		}
		out[i].state = c.OCIState()
		c.Close()
	}
	workers := min(runtime.GOMAXPROCS(0), (len(ids)+31)/32)
	if workers <= 1 {
		for i := range ids {
			load(i)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1) - 1); i < len(ids); i = int(next.Add(1) - 1) {
					load(i)
				}
			}()
		}
		wg.Wait()
	}
	var entries []libcontainer.OCIState
	for i, e := range out {
		switch {
		case e.damaged != nil:
			logrus.Warnf("container %s: %v", ids[i], e.damaged)
			entries = append(entries, libcontainer.OCIState{ID: ids[i], Status: "unknown"})
		case e.state != nil:
			entries = append(entries, *e.state)
		}
	}
	return entries
}
