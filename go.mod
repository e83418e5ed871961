module github.com/cc-l2/provisioner

go 1.26.8

require (
	github.com/caarlos0/env/v11 v11.4.2 // indirect
	go.temporal.io/sdk v1.51.0 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	go.uber.org/zap v1.28.0 // indirect
)
