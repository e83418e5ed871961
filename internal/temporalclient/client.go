// Package temporalclient holds the Temporal connection settings shared by
// the worker and the starter, and dials Temporal with them: a local dev
// server, a self-hosted cluster with mutual TLS, or Temporal Cloud with an
// API key.
package temporalclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/cc-l2/provisioner/internal/config"
)

// Config is how to reach Temporal. Embed it (without envPrefix) in a binary's
// configuration.
type Config struct {
	Address   string `env:"TEMPORAL_ADDRESS" envDefault:"localhost:7233" desc:"Temporal frontend host:port"`
	Namespace string `env:"TEMPORAL_NAMESPACE" envDefault:"default" desc:"Temporal namespace"`
	// The default is workflows.DefaultTaskQueue (a test keeps them equal;
	// a struct tag cannot refer to the constant).
	TaskQueue string        `env:"TEMPORAL_TASK_QUEUE" envDefault:"l2-provisioning" desc:"task queue the worker polls and the starter starts orders on"`
	APIKey    config.Secret `env:"TEMPORAL_API_KEY" desc:"Temporal Cloud API key; turns TLS on (never printed)"`
	TLSCert   string        `env:"TEMPORAL_TLS_CERT" desc:"client certificate file (PEM) for mutual TLS; needs TEMPORAL_TLS_KEY"`
	TLSKey    string        `env:"TEMPORAL_TLS_KEY" desc:"client private key file (PEM) for mutual TLS; needs TEMPORAL_TLS_CERT"`
	TLSCA     string        `env:"TEMPORAL_TLS_CA" desc:"CA bundle file (PEM) to verify the server with instead of the system roots"`
}

// Problems lists what is wrong with c, each naming its variable; nil when c
// is usable. Files are not read here (Dial reports unreadable ones).
func (c Config) Problems() []string {
	var problems []string
	if c.Address == "" {
		problems = append(problems, "TEMPORAL_ADDRESS must not be empty")
	}
	if c.Namespace == "" {
		problems = append(problems, "TEMPORAL_NAMESPACE must not be empty")
	}
	if c.TaskQueue == "" {
		problems = append(problems, "TEMPORAL_TASK_QUEUE must not be empty")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		problems = append(problems, "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be given together")
	}
	return problems
}

// usesTLS reports whether the connection is encrypted: Temporal Cloud (API
// key) and mutual TLS always are; a CA alone means server-side TLS.
func (c Config) usesTLS() bool {
	return c.APIKey.IsSet() || c.TLSCert != "" || c.TLSCA != ""
}

// TLSConfig builds the TLS settings, or nil for a plaintext connection (a
// local dev server).
func (c Config) TLSConfig() (*tls.Config, error) {
	if !c.usesTLS() {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLSCert != "" || c.TLSKey != "" {
		if c.TLSCert == "" || c.TLSKey == "" {
			return nil, errors.New("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be given together")
		}
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("loading TEMPORAL_TLS_CERT %s and TEMPORAL_TLS_KEY %s: %w", c.TLSCert, c.TLSKey, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if c.TLSCA != "" {
		pem, err := os.ReadFile(c.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("reading TEMPORAL_TLS_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TEMPORAL_TLS_CA %s holds no PEM certificate", c.TLSCA)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// ClientOptions builds the SDK options for c.
func (c Config) ClientOptions(logger log.Logger) (client.Options, error) {
	if problems := c.Problems(); len(problems) > 0 {
		return client.Options{}, &config.Error{Problems: problems}
	}
	tlsConfig, err := c.TLSConfig()
	if err != nil {
		return client.Options{}, err
	}
	opts := client.Options{
		HostPort:  c.Address,
		Namespace: c.Namespace,
		Logger:    logger,
		ConnectionOptions: client.ConnectionOptions{
			TLS: tlsConfig,
		},
	}
	if c.APIKey.IsSet() {
		opts.Credentials = client.NewAPIKeyStaticCredentials(c.APIKey.Reveal())
	}
	return opts, nil
}

// DialOption adjusts the client options Dial uses.
type DialOption func(*client.Options)

// WithMetrics has the SDK report its metrics to h.
func WithMetrics(h client.MetricsHandler) DialOption {
	return func(o *client.Options) { o.MetricsHandler = h }
}

// Dial connects to Temporal and checks the connection. logger receives the
// SDK's own log lines (see logging.Temporal).
func Dial(ctx context.Context, cfg Config, logger log.Logger, options ...DialOption) (client.Client, error) {
	opts, err := cfg.ClientOptions(logger)
	if err != nil {
		return nil, fmt.Errorf("temporal client: %w", err)
	}
	for _, o := range options {
		o(&opts)
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal at %s (namespace %s): %w", cfg.Address, cfg.Namespace, err)
	}
	return c, nil
}
