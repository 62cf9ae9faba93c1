package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"

	"github.com/ocirun/runc/libcontainer"
	"github.com/urfave/cli/v3"
)

// createFlags are shared by create and run.
func createFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "bundle", Aliases: []string{"b"}, Usage: "path to the root of the bundle directory, defaults to the current directory"},
		&cli.StringFlag{Name: "console-socket", Usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"},
		&cli.StringFlag{Name: "pid-file", Usage: "specify the file to write the process id to"},
		&cli.StringFlag{Name: "pidfd-socket", Usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the init process"},
		&cli.BoolFlag{Name: "no-pivot", Usage: "do not use pivot root to jail process inside rootfs. This should be used whenever the rootfs is on top of a ramdisk"},
		&cli.BoolFlag{Name: "no-new-keyring", Usage: "do not create a new session keyring for the container. This will cause the container to inherit the calling processes session key"},
		&cli.IntFlag{Name: "preserve-fds", Usage: "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"},
	}
}

var createCommand = &cli.Command{
	Name:      "create",
	Usage:     "create a container",
	ArgsUsage: "<container-id>",
	Description: `The create command creates an instance of a container for a bundle. The bundle
is a directory with a specification file named "config.json" and a root
filesystem. The container's process does not run until "runc start".`,
	Flags: createFlags(),
	Action: func(ctx context.Context, cmd *cli.Command) error {
		opts, co, err := createOptions(cmd)
		if err != nil {
			return err
		}
		c, err := libcontainer.Create(opts, co)
		if err != nil {
			return err
		}
		c.Close()
		return nil
	},
}

// createOptions turns the flags and the bundle into libcontainer's inputs.
func createOptions(cmd *cli.Command) (libcontainer.Options, *libcontainer.CreateOpts, error) {
	if err := checkArgs(cmd, 1, true); err != nil {
		return libcontainer.Options{}, nil, err
	}
	opts, err := globalOptions(cmd)
	if err != nil {
		return opts, nil, err
	}
	id, err := containerID(cmd)
	if err != nil {
		return opts, nil, err
	}
	bundle := cmd.String("bundle")
	if bundle == "" {
		if bundle, err = os.Getwd(); err != nil {
			return opts, nil, err
		}
	}
	if bundle, err = filepath.Abs(bundle); err != nil {
		return opts, nil, err
	}
	spec, err := libcontainer.LoadSpec(bundle)
	if err != nil {
		return opts, nil, err
	}
	co := &libcontainer.CreateOpts{
		ID:            id,
		Bundle:        bundle,
		Spec:          spec,
		PidFile:       cmd.String("pid-file"),
		ConsoleSocket: cmd.String("console-socket"),
		PidfdSocket:   cmd.String("pidfd-socket"),
		NoPivot:       cmd.Bool("no-pivot"),
		NoNewKeyring:  cmd.Bool("no-new-keyring"),
		PreserveFDs:   int(cmd.Int("preserve-fds")),
	}
	if co.PreserveFDs < 0 {
		co.PreserveFDs = 0
	}
	co.ListenFDs = listenFDs()
	co.NotifySocket = os.Getenv("NOTIFY_SOCKET")
	return opts, co, nil
}

// listenFDs is the number of sockets systemd's socket activation handed
// us (fds 3 on), if LISTEN_PID names this process: they go on to the
// container.
func listenFDs() int {
	if os.Getenv("LISTEN_PID") != strconv.Itoa(os.Getpid()) {
		return 0
	}
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}
