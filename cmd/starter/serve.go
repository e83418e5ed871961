package main

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
)

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "accept orders over HTTP from ticketing systems",
		Long: `Serves HTTP on STARTER_LISTEN_ADDR until SIGINT or SIGTERM. Every request but
GET /healthz needs one of, as configured: "Authorization: Bearer
$STARTER_WEBHOOK_TOKEN"; HTTP Basic with $STARTER_WEBHOOK_BASIC_USER and
$STARTER_WEBHOOK_BASIC_PASSWORD; or a signature with $STARTER_WEBHOOK_SECRET:
"X-Signature-Timestamp: <Unix seconds>" and "X-Signature-256: sha256=<hex
HMAC-SHA256 of timestamp.METHOD.path.body>", good for 5 minutes. POST /orders
and POST /orders/{mapping} also take the body's signature alone, as GitHub
("X-Hub-Signature-256: sha256=<hex>") and Jira Cloud ("X-Hub-Signature:
sha256=<hex>") send it.

  POST /orders            one order or an array of orders as JSON, or CSV with a
                          header row (Content-Type: text/csv), at most 1 MiB:
                          202 {"orders":[{"orderId","workflowId","runId","outcome"}]}
                          400 {"error":"invalid orders","problems":[{"order","orderId","field","message"}]}
                          when any order is invalid (then nothing is started; "order" counts from 0)
  POST /orders/{mapping}  a ticketing system's own webhook body, made into orders by
                          STARTER_MAPPINGS/{mapping}.jq, then as POST /orders;
                          400 {"error","mapping","problems":[{"output","message"}]}
                          when the mapping fails (nothing is started); 200 when it
                          makes no order of this event
  GET  /orders            200 the orders as "starter list -o json" prints them;
                          ?stage=STAGE and ?limit=N as list's flags
  GET  /orders/{orderId}  200 the order's status; 404 when there is no such order
  POST /orders/{orderId}/cancel
                          optional body {"reason":"..."}: 202 cancel requested
                          (before the PUT nothing is ordered; after, the
                          connection is withdrawn); 404 no such order;
                          409 {"error","stage"} the order has already ended
  POST /orders/{orderId}/refresh
                          202 a waiting order reads its connection's status now;
                          404 and 409 as for cancel
  GET  /healthz           200 {"status":"ok"}, no credentials needed

Every answer carries X-Request-Id; an error is {"error":"<a fixed sentence>",
"requestId":"..."}, and its cause is in the log under that id.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return a.usageError(cmd, fmt.Sprintf("unexpected argument %q", args[0]))
			}
			return exitCode(a.serve(cmd.Context()))
		},
	}
}

// serve is `starter serve`.
func (a *app) serve(ctx context.Context) int {
	cfg, logger, err := a.setup(Config.serveProblems)
	if err != nil {
		return exitUsage
	}
	defer func() { _ = logger.Sync() }()
	// A mapping that does not compile stops serve before anything else.
	var mappings []*mapping
	if cfg.Mappings != "" {
		if mappings, err = loadMappings(cfg.Mappings); err != nil {
			fmt.Fprintf(a.stderr, "starter: %v\n", err)
			return exitUsage
		}
	}
	temporal, err := a.dial(ctx, cfg, logger)
	if err != nil {
		return exitFailure
	}
	defer temporal.Close()

	auth := webhookAuth{Token: cfg.WebhookToken, Secret: cfg.WebhookSecret, BasicUser: cfg.WebhookBasicUser, BasicPassword: cfg.WebhookBasicPassword}

	listener, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		fmt.Fprintf(a.stderr, "starter: STARTER_LISTEN_ADDR: %v\n", err)
		return exitFailure
	}
	server := &http.Server{
		Handler:           newWebhook(temporal, cfg.TaskQueue, auth, mappings, logger),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          zap.NewStdLog(logger.Named("http")),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	// The address goes to stdout: with port 0 it is the only way to learn it.
	fmt.Fprintf(a.stdout, "listening on %s\n", listener.Addr())
	names := make([]string, len(mappings))
	for i, m := range mappings {
		names[i] = m.path()
	}
	logger.Info("serving orders", zap.String("addr", listener.Addr().String()), zap.String("taskQueue", cfg.TaskQueue), zap.Strings("mappings", names))

	select {
	case err := <-served:
		fmt.Fprintf(a.stderr, "starter: serving: %v\n", err)
		return exitFailure
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintf(a.stderr, "starter: shutting down: %v\n", err)
		return exitFailure
	}
	logger.Info("stopped serving")
	return exitOK
}
