// Package secret holds the one type for every credential the project
// handles: a leaf that the environment configuration (internal/config), the
// API client, the activities and the signatures all import, so that none of
// them imports another for it.
package secret

import (
	"fmt"
	"io"
	"log/slog"
)

// Secret is a credential read from the environment (TEMPORAL_API_KEY,
// CC_API_KEY, STARTER_WEBHOOK_TOKEN), and the API client's key: one type
// for every secret the project holds.
//
// Whatever prints it — fmt with any verb (%v, %+v, %#v, %s, %q), encoding/json,
// text encoders, slog, zap — sees "[redacted]"; only Reveal returns the value.
// It is a string type rather than a struct so that caarlos0/env and any code
// reflecting over env tags treat it as a plain variable.
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret itself, for the one place that must send it.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether a value was given.
func (s Secret) IsSet() bool { return s != "" }

func (Secret) String() string   { return redacted }
func (Secret) GoString() string { return redacted }

// Format makes every fmt verb print "[redacted]".
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (Secret) LogValue() slog.Value         { return slog.StringValue(redacted) }
