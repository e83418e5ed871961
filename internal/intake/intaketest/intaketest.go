// Package intaketest builds order documents for the tests of the packages
// that read orders (intake itself, the starter's commands and webhook).
package intaketest

import (
	"fmt"
	"strings"
)

// Order returns a valid port-to-port order as JSON with extra fields
// merged in (raw JSON members, e.g. `"speed":0`): a field already there
// takes the new value in its place, a new one goes last.
func Order(id string, extra ...string) string {
	fields := map[string]string{
		"orderId": fmt.Sprintf("%q", id), "company": `"acme"`, "portId": `"p1"`, "destPortId": `"p2"`, "speed": "100",
	}
	keys := []string{"orderId", "company", "portId", "destPortId", "speed"}
	for _, e := range extra {
		k, v, _ := strings.Cut(e, ":")
		k = strings.Trim(k, `"`)
		if _, ok := fields[k]; !ok {
			keys = append(keys, k)
		}
		fields[k] = v
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%q:%s", k, fields[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}
