// Package temporalclient holds the Temporal connection settings shared by
// the worker and the starter, and dials Temporal with them: a local dev
// server, a self-hosted cluster with mutual TLS, or Temporal Cloud with an
// API key. The connection is configured the way Temporal's own tools
// configure it (go.temporal.io/sdk/contrib/envconfig, which the Temporal CLI
// shares): a profile of Temporal's client configuration file
// (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE), Temporal's TEMPORAL_* variables
// over it, and what the binary was told (the starter's flags) over those.
package temporalclient

import (
	"context"
	"fmt"
	"sort"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	"go.temporal.io/sdk/log"

	"github.com/cc-l2/provisioner/internal/config"
	"github.com/cc-l2/provisioner/internal/secret"
)

// Defaults when neither the environment nor a profile says.
const (
	DefaultAddress   = "localhost:7233"
	DefaultNamespace = "default"
)

// Config is how to reach Temporal. Embed it (without envPrefix) in a binary's
// configuration. Temporal's own variables that have no field here
// (TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_SERVER_NAME,
// TEMPORAL_GRPC_META_*, ...) are read from the environment by envconfig.
type Config struct {
	Address   string `env:"TEMPORAL_ADDRESS" desc:"Temporal frontend host:port (Temporal's own variable); default the profile's, else localhost:7233"`
	Namespace string `env:"TEMPORAL_NAMESPACE" desc:"Temporal namespace (Temporal's own variable); default the profile's, else default"`
	// The default is workflows.DefaultTaskQueue (a test keeps them equal;
	// a struct tag cannot refer to the constant).
	TaskQueue  string        `env:"TEMPORAL_TASK_QUEUE" envDefault:"l2-provisioning" desc:"task queue the worker polls and the starter starts orders on"`
	ConfigFile string        `env:"TEMPORAL_CONFIG_FILE" desc:"Temporal's client configuration file (TOML with [profile.NAME] tables, as the Temporal CLI reads it); default temporalio/temporal.toml in the user's configuration directory, when it exists"`
	Profile    string        `env:"TEMPORAL_PROFILE" desc:"the profile of that file to use; default \"default\""`
	APIKey     secret.Secret `env:"TEMPORAL_API_KEY" desc:"Temporal Cloud API key (Temporal's own variable); turns TLS on (never printed)"`
	TLSCert    string        `env:"TEMPORAL_TLS_CERT" desc:"client certificate file (PEM) for mutual TLS; needs TEMPORAL_TLS_KEY (the Temporal CLI's older name of TEMPORAL_TLS_CLIENT_CERT_PATH, which works too)"`
	TLSKey     string        `env:"TEMPORAL_TLS_KEY" desc:"client private key file (PEM) for mutual TLS; needs TEMPORAL_TLS_CERT (older name of TEMPORAL_TLS_CLIENT_KEY_PATH)"`
	TLSCA      string        `env:"TEMPORAL_TLS_CA" desc:"CA bundle file (PEM) to verify the server with instead of the system roots (older name of TEMPORAL_TLS_SERVER_CA_CERT_PATH)"`
}

// Problems lists what is wrong with c, each naming its variable; nil when c
// is usable. Files are not read here (Dial reports unreadable ones).
func (c Config) Problems() []string {
	var problems []string
	if c.TaskQueue == "" {
		problems = append(problems, "TEMPORAL_TASK_QUEUE must not be empty")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		problems = append(problems, "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be given together")
	}
	return problems
}

// environLookup is envconfig's view of a binary's environment: the map it
// was given, never the process's own (so that tests need not touch it).
type environLookup map[string]string

func (e environLookup) Environ() []string {
	out := make([]string, 0, len(e))
	for k, v := range e {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func (e environLookup) LookupEnv(key string) (string, bool) {
	v, ok := e[key]
	return v, ok
}

// Profile is the connection profile for c in environ: the configuration
// file's profile, Temporal's variables over it, c's own settings over
// those, and the defaults for what none gives.
func (c Config) profile(environ map[string]string) (envconfig.ClientConfigProfile, error) {
	prof, err := envconfig.LoadClientConfigProfile(envconfig.LoadClientConfigProfileOptions{
		ConfigFilePath:    c.ConfigFile,
		ConfigFileProfile: c.Profile,
		EnvLookup:         environLookup(environ),
	})
	if err != nil {
		return prof, fmt.Errorf("Temporal client configuration (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE): %w", err)
	}
	if c.Address != "" {
		prof.Address = c.Address
	}
	if c.Namespace != "" {
		prof.Namespace = c.Namespace
	}
	if c.APIKey.IsSet() {
		prof.APIKey = c.APIKey.Reveal()
	}
	if c.TLSCert != "" || c.TLSKey != "" || c.TLSCA != "" {
		if prof.TLS == nil {
			prof.TLS = &envconfig.ClientConfigTLS{}
		}
		prof.TLS.Disabled = false
		if c.TLSCert != "" {
			prof.TLS.ClientCertPath, prof.TLS.ClientCertData = c.TLSCert, nil
		}
		if c.TLSKey != "" {
			prof.TLS.ClientKeyPath, prof.TLS.ClientKeyData = c.TLSKey, nil
		}
		if c.TLSCA != "" {
			prof.TLS.ServerCACertPath, prof.TLS.ServerCACertData = c.TLSCA, nil
		}
	}
	if prof.Address == "" {
		prof.Address = DefaultAddress
	}
	if prof.Namespace == "" {
		prof.Namespace = DefaultNamespace
	}
	return prof, nil
}

// Resolve is c with the address and namespace it connects to, wherever
// they come from (a profile, Temporal's variables, c itself, the
// defaults): for the log and for calls that name the namespace.
func (c Config) Resolve(environ map[string]string) (Config, error) {
	prof, err := c.profile(environ)
	if err != nil {
		return c, err
	}
	c.Address, c.Namespace = prof.Address, prof.Namespace
	return c, nil
}

// ClientOptions builds the SDK options for c in environ (a binary's
// environment, as a map).
func (c Config) ClientOptions(environ map[string]string, logger log.Logger) (client.Options, error) {
	if problems := c.Problems(); len(problems) > 0 {
		return client.Options{}, &config.Error{Problems: problems}
	}
	prof, err := c.profile(environ)
	if err != nil {
		return client.Options{}, err
	}
	opts, err := prof.ToClientOptions(envconfig.ToClientOptionsRequest{})
	if err != nil {
		// Never a plain-text connection in place of the TLS asked for.
		return client.Options{}, fmt.Errorf("Temporal client configuration: %w", err)
	}
	opts.Logger = logger
	return opts, nil
}

// DialOption adjusts the client options Dial uses.
type DialOption func(*client.Options)

// WithMetrics has the SDK report its metrics to h.
func WithMetrics(h client.MetricsHandler) DialOption {
	return func(o *client.Options) { o.MetricsHandler = h }
}

// Dial connects to Temporal and checks the connection. environ is the
// binary's environment, for Temporal's own variables; logger receives the
// SDK's own log lines (see logging.Temporal).
func Dial(ctx context.Context, cfg Config, environ map[string]string, logger log.Logger, options ...DialOption) (client.Client, error) {
	opts, err := cfg.ClientOptions(environ, logger)
	if err != nil {
		return nil, fmt.Errorf("temporal client: %w", err)
	}
	for _, o := range options {
		o(&opts)
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal at %s (namespace %s): %w", opts.HostPort, opts.Namespace, err)
	}
	return c, nil
}
