// Package activities holds the Temporal activities of Layer 2 provisioning:
// thin calls to the Console Connect API that return compact results.
package activities

import (
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/cc-l2/provisioner/ccapi"
)

// Activities carries what the activities need. The API key stays inside
// the client; nothing here ever puts it in an input or result.
type Activities struct {
	API *ccapi.Client
	// Temporal starts and reads the connection-name locks.
	Temporal TemporalClient
	// SettleWindow is how long after a PUT whose outcome is unknown the
	// legacy SubmitLayer2 waits before it may order again (the workflow
	// has its own copy for PlaceLayer2Order).
	SettleWindow time.Duration
	// Callbacks calls ticketing systems back with an order's milestones.
	Callbacks Callbacks
}

// DefaultSettleWindow is how long, by default, a PUT whose outcome is
// unknown may still take effect and show in the port's connection list.
// The API documents neither bound; this is the cautious reading (README,
// "Assumptions about the API").
const DefaultSettleWindow = 10 * time.Minute

// settleWindow is SettleWindow, or the default when unset.
func (a *Activities) settleWindow() time.Duration {
	if a.SettleWindow > 0 {
		return a.SettleWindow
	}
	return DefaultSettleWindow
}

// Register registers every activity method of a.
func Register(r worker.ActivityRegistry, a *Activities) {
	r.RegisterActivity(a)
}
