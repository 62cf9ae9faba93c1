// Command runc runs OCI containers, as a drop-in replacement for runc.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ocirun/runc/libcontainer"
	"github.com/ocirun/runc/libcontainer/initproc"
	_ "github.com/ocirun/runc/libcontainer/nsenter"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	seccomp "github.com/seccomp/libseccomp-golang"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v3"
)

// Set by the Makefile.
var (
	version   = "0.1.0"
	gitCommit = ""
)

const usage = `Open Container Initiative runtime

runc runs containers packaged as OCI bundles: a directory holding a
config.json and a root filesystem. It is a drop-in replacement for runc.

To start a new instance of a container:

    # runc run [ -b bundle ] <container-id>

The bundle defaults to the current directory.`

func versionText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "runc version %s\n", version)
	if gitCommit != "" {
		fmt.Fprintf(&b, "commit: %s\n", gitCommit)
	} else {
		fmt.Fprintf(&b, "commit: unknown\n")
	}
	fmt.Fprintf(&b, "spec: %s\n", specs.Version)
	fmt.Fprintf(&b, "go: %s\n", runtime.Version())
	major, minor, micro := seccomp.GetLibraryVersion()
	fmt.Fprintf(&b, "libseccomp: %d.%d.%d", major, minor, micro)
	return b.String()
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "init" {
		initproc.Init()
		return
	}
	cli.VersionPrinter = func(cmd *cli.Command) { fmt.Println(versionText()) }
	app := &cli.Command{
		Name:                  "runc",
		Usage:                 usage,
		Version:               version,
		HideHelpCommand:       false,
		EnableShellCompletion: false,
		// As runc: "--env A=1,2" is one value, not two (set per command).
		DisableSliceFlagSeparator: true,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "debug", Usage: "enable debug logging"},
			&cli.StringFlag{Name: "log", Usage: "set the log file to write runc logs to (default is '/dev/stderr')"},
			&cli.StringFlag{Name: "log-format", Value: "text", Usage: "set the log format ('text' (default), or 'json')"},
			&cli.StringFlag{Name: "root", Value: defaultRoot(), Usage: "root directory for storage of container state (this should be located in tmpfs)"},
			&cli.StringFlag{Name: "criu", Value: "criu", Usage: "path to the criu binary used for checkpoint and restore"},
			&cli.BoolFlag{Name: "systemd-cgroup", Usage: "enable systemd cgroup support, expects cgroupsPath to be of form \"slice:prefix:name\" for e.g. \"system.slice:runc:434234\""},
			&cli.StringFlag{Name: "rootless", Value: "auto", Usage: "ignore cgroup permission errors ('true', 'false', or 'auto')"},
		},
		Before: setupLogging,
		Commands: []*cli.Command{
			checkpointCommand, createCommand, deleteCommand, execCommand, killCommand, listCommand, pauseCommand,
			psCommand, restoreCommand, resumeCommand, runCommand, specCommand, startCommand, stateCommand,
			updateCommand, eventsCommand, featuresCommand,
		},
		OnUsageError:   usageError,
		ExitErrHandler: func(ctx context.Context, cmd *cli.Command, err error) {},
		CommandNotFound: func(ctx context.Context, cmd *cli.Command, name string) {
			// As runc (urfave/cli v1), newline and status 3 included.
			fatal(&codedError{fmt.Errorf("No help topic for '%s'\n", name), 3})
		},
	}
	for _, c := range app.Commands {
		c.OnUsageError = app.OnUsageError
		c.DisableSliceFlagSeparator = true
		wordFailures(c)
	}
	if err := app.Run(context.Background(), os.Args); err != nil {
		fatal(err)
	}
}

// defaultRoot is runc's: $XDG_RUNTIME_DIR/runc for a non-root user (and
// root in a user namespace, unless $USER is root), else /run/runc.
func defaultRoot() string {
	if libcontainer.HonorXDGRuntimeDir() {
		return filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "runc")
	}
	return "/run/runc"
}

func setupLogging(ctx context.Context, cmd *cli.Command) (context.Context, error) {
	if cmd.Bool("debug") {
		logrus.SetLevel(logrus.DebugLevel)
	}
	if path := cmd.String("log"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_SYNC, 0o644)
		if err != nil {
			return ctx, err // as runc: "open FILE: <errno>"
		}
		logrus.SetOutput(f)
	}
	switch f := cmd.String("log-format"); f {
	case "text":
		logrus.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true})
	case "json":
		logrus.SetFormatter(new(logrus.JSONFormatter))
	default:
		return ctx, fmt.Errorf("invalid log-format: %s", f)
	}
	return ctx, nil
}

// exitError carries a process exit status through urfave/cli.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// codedError is an error that makes the runtime exit with code.
type codedError struct {
	err  error
	code int
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// usageErr is a wrong use of the command line (checkArgs): said as is.
type usageErr struct{ error }

// failurePrefix is how runc words the failure of a command, and the exit
// status it gives it: "runc create failed: <cause>", "exec failed:
// <cause>" with 255 (the process's own status is passed on as is).
var failurePrefix = map[string]struct {
	prefix string
	code   int
}{
	"create": {"runc create failed", 1},
	"run":    {"runc run failed", 1},
	"exec":   {"exec failed", 255},
}

// wordFailures makes cmd's failures read as runc's: the one place where
// the prefix is added.
func wordFailures(cmd *cli.Command) {
	f, ok := failurePrefix[cmd.Name]
	if !ok || cmd.Action == nil {
		return
	}
	action := cmd.Action
	cmd.Action = func(ctx context.Context, c *cli.Command) error {
		err := action(ctx, c)
		var ee *exitError
		var ue usageErr
		if err == nil || errors.As(err, &ee) || errors.As(err, &ue) {
			return err
		}
		return &codedError{fmt.Errorf("%s: %w", f.prefix, err), f.code}
	}
}

// fatal reports err as one line and exits non-zero.
func fatal(err error) {
	var ee *exitError
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	code := 1
	var ce *codedError
	if errors.As(err, &ce) {
		code = ce.code
	}
	logrus.Error(err)
	if out := logrus.StandardLogger().Out; out != os.Stderr {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// usageError prints runc's (urfave/cli v1's) "Incorrect Usage" text and
// the help of the command to stdout; the error itself is then logged.
func usageError(ctx context.Context, cmd *cli.Command, err error, isSub bool) error {
	if cmd.Root() == cmd {
		fmt.Fprintf(cmd.Root().Writer, "Incorrect Usage. %s\n\n", err)
		_ = cli.ShowRootCommandHelp(cmd)
	} else {
		fmt.Fprintf(cmd.Root().Writer, "Incorrect Usage: %s\n\n", err)
		_ = cli.ShowCommandHelp(ctx, cmd.Root(), cmd.Name)
	}
	return err
}

// globalOptions reads the global flags every command needs.
func globalOptions(cmd *cli.Command) (libcontainer.Options, error) {
	root, err := filepath.Abs(cmd.String("root"))
	if err != nil {
		return libcontainer.Options{}, err
	}
	opts := libcontainer.Options{Root: root, Systemd: cmd.Bool("systemd-cgroup")}
	opts.Rootless, err = libcontainer.ParseRootless(cmd.String("rootless"))
	return opts, err
}

// containerID returns the first argument, which every container command needs.
func containerID(cmd *cli.Command) (string, error) {
	id := cmd.Args().First()
	if id == "" {
		return "", errors.New("container id cannot be empty")
	}
	return id, libcontainer.ValidateID(id)
}

// checkArgs checks the number of positional arguments, as runc does.
// Like runc, it prints "Incorrect Usage." and the command's help first,
// and names the binary as it was called in the error.
func checkArgs(cmd *cli.Command, n int, exact bool) error {
	got := cmd.Args().Len()
	var err error
	if exact && got != n {
		err = fmt.Errorf("%s: %q requires exactly %d argument(s)", os.Args[0], cmd.Name, n)
	}
	if !exact && got < n {
		err = fmt.Errorf("%s: %q requires a minimum of %d argument(s)", os.Args[0], cmd.Name, n)
	}
	if err != nil {
		return incorrectUsage(cmd, err)
	}
	return nil
}

// checkMaxArgs is checkArgs for an upper bound.
func checkMaxArgs(cmd *cli.Command, n int) error {
	if cmd.Args().Len() <= n {
		return nil
	}
	return incorrectUsage(cmd, fmt.Errorf("%s: %q requires a maximum of %d argument(s)", os.Args[0], cmd.Name, n))
}

// incorrectUsage prints "Incorrect Usage." and the command's help, and
// returns err as a usage error.
func incorrectUsage(cmd *cli.Command, err error) error {
	fmt.Fprint(cmd.Root().Writer, "Incorrect Usage.\n\n")
	_ = cli.ShowCommandHelp(context.Background(), cmd.Root(), cmd.Name)
	return usageErr{err}
}

// onContainer is the action of a command that takes exactly a container id
// and calls one method of it under an exclusive lock.
func onContainer(verb func(*libcontainer.Container) error) cli.ActionFunc {
	return withContainer(true, func(_ *cli.Command, c *libcontainer.Container) error {
		return verb(c)
	})
}

// withContainer is the action of a command that takes exactly a container
// id: fn gets the container, locked (exclusively if asked) until it returns.
func withContainer(exclusive bool, fn func(*cli.Command, *libcontainer.Container) error) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if err := checkArgs(cmd, 1, true); err != nil {
			return err
		}
		c, err := loadContainer(cmd, exclusive)
		if err != nil {
			return err
		}
		defer c.Close()
		return fn(cmd, c)
	}
}

// loadContainer opens the container named by the first argument.
func loadContainer(cmd *cli.Command, exclusive bool) (*libcontainer.Container, error) {
	opts, err := globalOptions(cmd)
	if err != nil {
		return nil, err
	}
	id, err := containerID(cmd)
	if err != nil {
		return nil, err
	}
	return libcontainer.Load(opts, id, exclusive)
}
