package main

import (
	"github.com/ocirun/runc/libcontainer"
	"github.com/urfave/cli/v3"
)

var pauseCommand = &cli.Command{
	Name:      "pause",
	Usage:     "pause suspends all processes inside the container",
	ArgsUsage: "<container-id>",
	Description: `The pause command suspends all processes in the instance of the container
(with the cgroup freezer). Use runc list to see that it is paused.`,
	Action: onContainer((*libcontainer.Container).Pause),
}

var resumeCommand = &cli.Command{
	Name:        "resume",
	Usage:       "resumes all processes that have been previously paused",
	ArgsUsage:   "<container-id>",
	Description: `The resume command resumes all processes in the instance of the container.`,
	Action:      onContainer((*libcontainer.Container).Resume),
}
