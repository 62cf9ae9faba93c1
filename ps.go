package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"
)

var psCommand = &cli.Command{
	Name:      "ps",
	Usage:     "ps displays the processes running inside a container",
	ArgsUsage: "<container-id> [ps options]",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "select one of: table or json"},
	},
	StopOnNthArg: intPtr(1),
	Action: func(ctx context.Context, cmd *cli.Command) error {
		if err := checkArgs(cmd, 1, false); err != nil {
			return err
		}
		c, err := loadContainer(cmd, false)
		if err != nil {
			return err
		}
		defer c.Close()
		pids, err := c.Processes()
		if err != nil {
			return err
		}
		switch cmd.String("format") {
		case "json":
			if pids == nil {
				pids = []int{}
			}
			return json.NewEncoder(os.Stdout).Encode(pids)
		case "table":
		default:
			return errors.New("invalid format option") // runc's text
		}
		psArgs := cmd.Args().Tail()
		if len(psArgs) > 0 && psArgs[0] == "--" {
			psArgs = psArgs[1:]
		}
		if len(psArgs) == 0 {
			psArgs = []string{"-ef"}
		}
		out, err := exec.Command("ps", psArgs...).Output()
		if err != nil {
			// ps's own complaint (a bad option, ...) is the useful part,
			// as in runc's message.
			var ee *exec.ExitError
			if errors.As(err, &ee) && len(bytes.TrimSpace(ee.Stderr)) > 0 {
				return fmt.Errorf("ps %s: %w: %s", strings.Join(psArgs, " "), err, bytes.TrimSpace(ee.Stderr))
			}
			return fmt.Errorf("ps %s: %w", strings.Join(psArgs, " "), err)
		}
		return printPsLines(out, pids)
	},
}

func intPtr(i int) *int { return &i }

// printPsLines prints ps's header and the lines of the given pids.
func printPsLines(out []byte, pids []int) error {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	col := -1
	for i, f := range strings.Fields(lines[0]) {
		if f == "PID" {
			col = i
			break
		}
	}
	if col < 0 {
		return fmt.Errorf("couldn't find PID field in ps output")
	}
	want := make(map[int]bool, len(pids))
	for _, p := range pids {
		want[p] = true
	}
	fmt.Println(lines[0])
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if col >= len(f) {
			continue
		}
		if p, err := strconv.Atoi(f[col]); err == nil && want[p] {
			fmt.Println(l)
		}
	}
	return nil
}
