// Command starter submits Layer 2 provisioning orders to Temporal and
// follows them: from files on the command line, or over HTTP from
// ticketing systems (starter serve). Results go to standard output, logs
// and errors to standard error. See `starter -h`.
//
// Commands are wired with cobra, the library the Temporal CLI uses, which
// also writes the shell completion scripts (`starter completion bash`).
// Reading and checking orders is internal/intake's job.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/caarlos0/env/v11"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/config"
	"github.com/cc-l2/provisioner/internal/logging"
	"github.com/cc-l2/provisioner/internal/temporalclient"
	"github.com/cc-l2/provisioner/internal/version"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // an order was invalid, failed or was cancelled; or Temporal failed
	exitUsage   = 2 // bad command line or configuration
)

func main() {
	os.Exit(runWithSignals())
}

// runWithSignals is main without os.Exit, so the deferred stop runs.
func runWithSignals() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
}

// app is one invocation: its environment and standard streams, and the
// Temporal connection flags every command takes.
type app struct {
	environ map[string]string
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	conn    connectionFlags
}

// connectionFlags are the Temporal CLI's own connection flags, over
// Temporal's variables and configuration file as the CLI layers them.
type connectionFlags struct {
	address, namespace, profile, configFile string
}

// add declares the flags on every command.
func (f *connectionFlags) add(flags *pflag.FlagSet) {
	flags.StringVar(&f.address, "address", "", "Temporal frontend host:port (over TEMPORAL_ADDRESS and the profile)")
	flags.StringVar(&f.namespace, "namespace", "", "Temporal namespace (over TEMPORAL_NAMESPACE and the profile)")
	flags.StringVar(&f.profile, "profile", "", "profile of Temporal's client configuration file (over TEMPORAL_PROFILE)")
	flags.StringVar(&f.configFile, "config-file", "", "Temporal's client configuration file (over TEMPORAL_CONFIG_FILE)")
}

// apply puts the flags given over the configuration read from the
// environment.
func (f connectionFlags) apply(cfg *Config) {
	for _, o := range []struct{ flag, setting *string }{
		{&f.address, &cfg.Address}, {&f.namespace, &cfg.Namespace}, {&f.profile, &cfg.Profile}, {&f.configFile, &cfg.ConfigFile},
	} {
		if *o.flag != "" {
			*o.setting = *o.flag
		}
	}
}

// exitCode ends a command with a code; whatever it had to say is written.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

// run is the whole starter; it returns the exit code.
func run(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{environ: env.ToMap(environ), stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(longFlagsWithOneDash(root, args))
	err := root.ExecuteContext(ctx)
	var code exitCode
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	}
	fmt.Fprintf(stderr, "starter: %v\n", err)
	return exitFailure
}

const usageAbout = `Starts and follows Layer 2 provisioning orders on Temporal.`

const usageConnection = `Every command reaches Temporal as the Temporal CLI does: a profile of
Temporal's client configuration file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE),
Temporal's TEMPORAL_* variables over it (TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH,
TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH,
TEMPORAL_TLS_SERVER_NAME, TEMPORAL_GRPC_META_* and those below), and these
flags over both:
  --address HOST:PORT   --namespace NAME   --profile NAME   --config-file PATH`

const usageExit = `Exit status: 0 on success; 1 when an order was invalid, failed or was
cancelled, or Temporal failed; 2 on a usage or configuration error.`

// rootCommand is `starter` with every command.
func (a *app) rootCommand() *cobra.Command {
	// In the order the help lists them (cobra would sort them).
	commands := []*cobra.Command{a.submitCommand(), a.statusCommand(), a.cancelCommand(), a.refreshCommand(), a.historyCommand(), a.listCommand(), a.serveCommand(), a.completionCommand(), a.versionCommand()}
	root := &cobra.Command{
		Use:           "starter",
		Short:         usageAbout,
		Args:          cobra.ArbitraryArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				_ = a.writeUsage(a.stderr, commands)
				return exitCode(exitUsage)
			}
			return a.unknownCommand(args[0])
		},
	}
	// --version as well as the version command, as the Temporal CLI does.
	root.Version = version.String("starter")
	root.SetVersionTemplate("{{.Version}}\n")
	a.conn.add(root.PersistentFlags())
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(commands...)
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [COMMAND]",
		Short: "show help for the starter or one command",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return a.writeUsage(a.stdout, commands)
			}
			target, rest, err := root.Find(args)
			if err != nil || target == root || len(rest) > 0 {
				return a.unknownCommand(args[0])
			}
			return a.writeCommandUsage(a.stdout, target)
		},
	})
	root.SetHelpFunc(func(cmd *cobra.Command, _ []string) {
		if cmd == root {
			_ = a.writeUsage(a.stdout, commands)
			return
		}
		_ = a.writeCommandUsage(a.stdout, cmd)
	})
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return a.usageError(cmd, flagErrorText(err))
	})
	return root
}

// completionCommand writes a shell's completion script.
func (a *app) completionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "print the shell completion script for bash, zsh or fish",
		Long: `Prints the completion script for a shell. For example:

  source <(starter completion bash)
  starter completion zsh > "${fpath[1]}/_starter"
  starter completion fish > ~/.config/fish/completions/starter.fish`,
		ValidArgs: []string{"bash", "zsh", "fish"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return a.usageError(cmd, "give one shell: bash, zsh or fish")
			}
			root := cmd.Root()
			var err error
			switch args[0] {
			case "bash":
				err = root.GenBashCompletionV2(a.stdout, true)
			case "zsh":
				err = root.GenZshCompletion(a.stdout)
			case "fish":
				err = root.GenFishCompletion(a.stdout, true)
			default:
				return a.usageError(cmd, fmt.Sprintf("unknown shell %q: want bash, zsh or fish", args[0]))
			}
			return err
		},
	}
}

// versionCommand prints which build this is.
func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the starter's version, the revision it was built from and its Go release",
		Long:  "Prints the module version, the VCS revision and time the binary was built from, and the Go release.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(a.stdout, version.String("starter"))
			return err
		},
	}
}

// orderIDArg takes a command's single ORDER_ID argument.
func (a *app) orderIDArg(c *cobra.Command, positional []string) (string, error) {
	switch {
	case len(positional) == 0:
		return "", a.usageError(c, "ORDER_ID is required")
	case len(positional) > 1:
		return "", a.usageError(c, fmt.Sprintf("unexpected argument %q", positional[1]))
	}
	return positional[0], nil
}

// setup reads the configuration (plus extra checks) and builds the logger.
func (a *app) setup(extra func(Config) []string) (Config, *zap.Logger, error) {
	cfg, err := loadConfig(a.environ)
	a.conn.apply(&cfg)
	if err == nil && extra != nil {
		var problems *config.Error
		err = problems.Add(extra(cfg)...).Err()
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "starter: invalid configuration: %v\n", err)
		return Config{}, nil, exitCode(exitUsage)
	}
	logger, err := logging.NewTo(a.stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil { // loadConfig checked both; kept for safety
		fmt.Fprintf(a.stderr, "starter: invalid configuration: %v\n", err)
		return Config{}, nil, exitCode(exitUsage)
	}
	return cfg, logger, nil
}

// dial connects to Temporal, reporting failure on stderr.
func (a *app) dial(ctx context.Context, cfg Config, logger *zap.Logger) (client.Client, error) {
	c, err := temporalclient.Dial(ctx, cfg.Config, a.environ, logging.Temporal(logger))
	if err != nil {
		fmt.Fprintf(a.stderr, "starter: %v\n", err)
		return nil, exitCode(exitFailure)
	}
	return c, nil
}

// orderCommand runs the steps status, cancel and history share: take the
// one ORDER_ID, read the configuration, connect to Temporal, then hand over
// to do.
func (a *app) orderCommand(cmd *cobra.Command, args []string, do func(ctx context.Context, temporal client.Client, orderID string) int) error {
	orderID, err := a.orderIDArg(cmd, args)
	if err != nil {
		return err
	}
	return a.withTemporal(cmd, func(ctx context.Context, temporal client.Client) int { return do(ctx, temporal, orderID) })
}

// withTemporal reads the configuration, connects to Temporal, and hands
// over to do, whose result is the exit code.
func (a *app) withTemporal(cmd *cobra.Command, do func(ctx context.Context, temporal client.Client) int) error {
	cfg, logger, err := a.setup(nil)
	if err != nil {
		return err
	}
	defer func() { _ = logger.Sync() }()
	temporal, err := a.dial(cmd.Context(), cfg, logger)
	if err != nil {
		return err
	}
	defer temporal.Close()
	return exitCode(do(cmd.Context(), temporal))
}
