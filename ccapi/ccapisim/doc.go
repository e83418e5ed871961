// Package ccapisim is an in-memory simulator of the Console Connect REST API
// (the Layer 2 subset: ports, metro capabilities, DCF search and the
// /api/v2 connections endpoints).
//
// It is deliberately an independent implementation of the wire format: it
// does not import the ccapi client package, so a misunderstanding of the API
// in one of them shows up as a test failure instead of cancelling out.
//
// Connection lifecycles are computed lazily from stored timestamps and the
// configured clock on every request; the server runs no background
// goroutines. Faults (5xx, 429, latency, rate limiting and "commit then drop"
// on creation) are decided by a seeded random source so fault runs are
// reproducible.
package ccapisim
