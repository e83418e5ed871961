// Package activities holds the Temporal activities of Layer 2 provisioning:
// thin calls to the Console Connect API that return compact results.
package activities

import (
	"go.temporal.io/sdk/worker"

	"github.com/cc-l2/provisioner/ccapi"
)

// Activities carries what every activity needs: the API client. The API key
// stays inside the client; nothing here ever puts it in an input or result.
type Activities struct {
	API *ccapi.Client
}

// Register registers every activity method of a.
func Register(r worker.ActivityRegistry, a *Activities) {
	r.RegisterActivity(a)
}
