package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/ocirun/runc/libcontainer"
	"github.com/urfave/cli/v3"
)

var featuresCommand = &cli.Command{
	Name:      "features",
	Usage:     "show the enabled features",
	ArgsUsage: "",
	Description: `Show the enabled features.
The result is parsable as a JSON.
See https://github.com/opencontainers/runtime-spec/blob/main/features.md for the type definition.`,
	Action: func(ctx context.Context, cmd *cli.Command) error {
		if err := checkArgs(cmd, 0, true); err != nil {
			return err
		}
		f := libcontainer.Features()
		// runc's own annotations: what a client may ask of this binary
		// besides the spec's fields.
		f.Annotations["org.opencontainers.runc.version"] = version
		if gitCommit != "" {
			f.Annotations["org.opencontainers.runc.commit"] = gitCommit
		}
		f.Annotations["org.opencontainers.runc.checkpoint.enabled"] = "true"
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "    ")
		return enc.Encode(f)
	},
}
