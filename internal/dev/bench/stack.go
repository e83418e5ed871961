package bench

import (
	"context"
	"fmt"
	"path/filepath"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/dev/stack"
	"github.com/cc-l2/provisioner/internal/logging"
)

// StackBatches are the project's batches on the production stack.
type StackBatches struct {
	// Version is the stack's Temporal server version.
	Version string
	// PortToPort and B2B hold the batch with one worker, then with two.
	PortToPort, B2B [2]Batch
}

// stackBatches starts the stack and runs the port-to-port and
// business-to-business batches on it, with one worker and with two, each
// on a task queue and with order ids of its own; the same simulator
// answers.
func (r *run) stackBatches(ctx context.Context) (*StackBatches, error) {
	fmt.Fprintf(r.progress, "bench: starting the production stack (PostgreSQL-backed Temporal server)\n")
	s, err := stack.Start(ctx, stack.Options{Dir: filepath.Join(r.cfg.Dir, "stack"), Namespace: namespace, Progress: r.progress})
	defer s.Stop()
	if err != nil {
		return nil, fmt.Errorf("the stack: %w", err)
	}
	c, err := client.DialContext(ctx, client.Options{
		HostPort: s.HostPort(), Namespace: namespace, Logger: logging.Temporal(zap.NewNop()),
	})
	if err != nil {
		return nil, fmt.Errorf("dialing the stack: %w", err)
	}
	defer c.Close()
	on := *r
	on.temporal, on.hostPort = c, s.HostPort()
	on.serverPID, on.serverPIDErr = s.Server.Pid(), nil

	out := &StackBatches{Version: s.Version}
	for _, b := range []struct {
		name string
		kind orderKind
		into *[2]Batch
	}{
		{"port-to-port", portToPort, &out.PortToPort},
		{"business-to-business", b2bAccepted, &out.B2B},
	} {
		for i, workers := range []int{1, 2} {
			kind := b.kind
			kind.prefix = fmt.Sprintf("STACK%d-%s", workers, kind.prefix)
			queue := fmt.Sprintf("bench-stack-%s-%d", kind.prefix, workers)
			name := fmt.Sprintf("%s, %d worker", b.name, workers)
			if workers > 1 {
				name += "s"
			}
			if b.into[i], err = on.projectBatch(ctx, name, queue, kind, r.cfg.Orders, batchOptions{workers: workers}); err != nil {
				return nil, fmt.Errorf("on the stack: %w", err)
			}
		}
	}
	return out, nil
}
