// Package e2e holds the end-to-end tests: the real worker and starter
// binaries against a real Temporal dev server and the API simulator.
//
// Run with `go test ./e2e`; `go test ./e2e -args -record` also re-records
// the replay histories in workflows/testdata/histories.
package e2e
