package main

import (
	"github.com/cc-l2/provisioner/internal/config"
	"github.com/cc-l2/provisioner/internal/logging"
	"github.com/cc-l2/provisioner/internal/secret"
	"github.com/cc-l2/provisioner/internal/temporalclient"
	"github.com/cc-l2/provisioner/workflows"
)

// Config is everything the starter reads from its environment. The desc
// tags feed `starter -h`.
type Config struct {
	temporalclient.Config

	WebhookToken  secret.Secret `env:"STARTER_WEBHOOK_TOKEN" desc:"bearer token ticketing systems send to serve (never printed)"`
	WebhookSecret secret.Secret `env:"STARTER_WEBHOOK_SECRET" desc:"secret of the X-Signature-256 HMAC that signed requests to serve carry (never printed); serve needs this or the token"`
	ListenAddr    string        `env:"STARTER_LISTEN_ADDR" envDefault:"127.0.0.1:8090" desc:"host:port serve listens on"`

	// A command-line tool is quiet by default: results go to stdout, and
	// only warnings and errors to stderr.
	LogLevel  string `env:"LOG_LEVEL" envDefault:"warn" desc:"debug, info, warn or error"`
	LogFormat string `env:"LOG_FORMAT" envDefault:"console" desc:"json or console"`
}

// loadConfig reads the configuration from environ. Its error is a
// *config.Error naming every bad variable.
func loadConfig(environ map[string]string) (Config, error) {
	cfg := defaults()
	err := config.Load(&cfg, environ)
	return cfg, err
}

// defaults is the configuration before the environment is read: the task
// queue's default is the workflow package's.
func defaults() Config {
	return Config{Config: temporalclient.Config{TaskQueue: workflows.DefaultTaskQueue}}
}

// Problems checks what the tags cannot express.
func (c Config) Problems() []string {
	return append(c.Config.Problems(), logging.Problems(c.LogLevel, c.LogFormat)...)
}

// serveProblems is what serve needs beyond the common settings.
func (c Config) serveProblems() []string {
	var problems []string
	if !c.WebhookToken.IsSet() && !c.WebhookSecret.IsSet() {
		problems = append(problems, "serve needs STARTER_WEBHOOK_TOKEN or STARTER_WEBHOOK_SECRET (or both)")
	}
	if c.ListenAddr == "" {
		problems = append(problems, "STARTER_LISTEN_ADDR must not be empty")
	}
	return problems
}
