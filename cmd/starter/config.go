package main

import (
	"strings"

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

	WebhookToken         secret.Secret `env:"STARTER_WEBHOOK_TOKEN" desc:"bearer token ticketing systems send to serve (never printed)"`
	WebhookSecret        secret.Secret `env:"STARTER_WEBHOOK_SECRET" desc:"secret of the X-Signature-256 HMAC that signed requests to serve carry (never printed); serve needs this or the token"`
	WebhookBasicUser     string        `env:"STARTER_WEBHOOK_BASIC_USER" desc:"user of the HTTP Basic credentials serve accepts (with STARTER_WEBHOOK_BASIC_PASSWORD)"`
	WebhookBasicPassword secret.Secret `env:"STARTER_WEBHOOK_BASIC_PASSWORD" desc:"password of the HTTP Basic credentials serve accepts (never printed)"`
	ListenAddr           string        `env:"STARTER_LISTEN_ADDR" envDefault:"127.0.0.1:8090" desc:"host:port serve listens on"`
	Mappings             string        `env:"STARTER_MAPPINGS" desc:"directory of jq programs: each NAME.jq turns a ticketing system's own webhook body into orders at POST /orders/NAME"`

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
	basic := c.WebhookBasicUser != "" || c.WebhookBasicPassword.IsSet()
	if !c.WebhookToken.IsSet() && !c.WebhookSecret.IsSet() && !basic {
		problems = append(problems, "serve needs STARTER_WEBHOOK_TOKEN, STARTER_WEBHOOK_SECRET or STARTER_WEBHOOK_BASIC_USER and _PASSWORD (or several)")
	}
	if basic && (c.WebhookBasicUser == "" || !c.WebhookBasicPassword.IsSet()) {
		problems = append(problems, "STARTER_WEBHOOK_BASIC_USER and STARTER_WEBHOOK_BASIC_PASSWORD go together: set both or neither")
	}
	if strings.Contains(c.WebhookBasicUser, ":") {
		problems = append(problems, "STARTER_WEBHOOK_BASIC_USER must not contain ':' (HTTP Basic cannot carry it)")
	}
	if c.ListenAddr == "" {
		problems = append(problems, "STARTER_LISTEN_ADDR must not be empty")
	}
	return problems
}
