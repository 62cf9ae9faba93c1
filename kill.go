package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"
	"golang.org/x/sys/unix"
)

var killCommand = &cli.Command{
	Name:      "kill",
	Usage:     "kill sends the specified signal (default: SIGTERM) to the container's init process",
	ArgsUsage: "<container-id> [signal]",
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "send the specified signal to all processes inside the container"},
	},
	Action: func(ctx context.Context, cmd *cli.Command) error {
		if err := checkArgs(cmd, 1, false); err != nil {
			return err
		}
		if err := checkMaxArgs(cmd, 2); err != nil {
			return err
		}
		raw := cmd.Args().Get(1)
		if raw == "" {
			raw = "SIGTERM"
		}
		sig, err := parseSignal(raw)
		if err != nil {
			return err
		}
		c, err := loadContainer(cmd, false)
		if err != nil {
			return err
		}
		defer c.Close()
		return c.Signal(sig, cmd.Bool("all"))
	},
}

// parseSignal accepts a number, or a name with or without "SIG" in any case.
func parseSignal(raw string) (unix.Signal, error) {
	if n, err := strconv.Atoi(raw); err == nil {
		// Any number, as runc: one the kernel does not know is refused by
		// the kill itself ("unable to signal init: invalid argument").
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(raw)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q", raw)
}
