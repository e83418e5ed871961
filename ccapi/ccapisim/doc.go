// Package ccapisim is an in-memory simulator of the Console Connect REST API
// (the Layer 2 subset: ports, metro capabilities, DCF search, the /api/v2
// connections endpoints, and the change requests of
// /api/company/{company}/connections/{id}/change).
//
// It is deliberately an independent implementation of the wire format: it
// does not import the ccapi client package, so a misunderstanding of the API
// in one of them shows up as a test failure instead of cancelling out.
//
// What it models of a connection's life:
//
//   - Creation: a port-to-port connection goes CREATING -> ACTIVE (or
//     ERROR on a failProvisioning port); a business-to-business request
//     waits in PENDING until the destination company approves it
//     (ACCEPTED -> ACTIVE) or rejects it (DENIED). Companies with
//     autoApprove or autoReject decide by themselves after a delay.
//   - Deletion: DELETE withdraws a PENDING request (CANCELLED) or deletes
//     the connection (DELETED); the connection still reads as such, and a
//     second DELETE answers 404.
//   - Updates (POST /api/v2/company/{company}/connections/{id}), by the
//     source company: a self-connection takes any speed at once, a
//     connection to another company may only be slowed down, except while
//     it is a PENDING request.
//   - Change requests, on ACTIVE business-to-business connections: either
//     party asks for a speed (PUT .../change), the other approves it
//     (PUT .../change/approve, applied at once) or refuses it, or its
//     requester withdraws it (DELETE .../change). The connection shows the
//     latest one as "request"; automatic partners decide them as they
//     decide connection requests, and /_sim control routes let a test play
//     the other party, including accepting at a lower speed.
//   - Capacity: every connection takes its speed from its source port
//     while it uses it, and a pending change request reserves its higher
//     speed there as soon as it is made; what is given back on deletion,
//     denial, error, rejection or withdrawal is exactly what was taken.
//
// Connection lifecycles are computed lazily from stored timestamps and the
// configured clock on every request; the server runs no background
// goroutines (a late commit's timer aside). Faults (5xx, 429, latency, rate
// limiting, cuts, garbled bodies, late commits, key rotation bursts and
// "commit then drop" on creation) apply per endpoint name to every API
// endpoint, and are decided by a seeded random source so fault runs are
// reproducible.
//
// The consistency mode (Consistency, PUT /_sim/consistency) makes the API
// an adversary within what it may do, on the ports it is aimed at: list
// pages that shift between reads, port reads that lag behind PUTs and
// DELETEs up to a bound, stray 404s, DELETEs and changes that land after
// their error answer, partners deciding while an answer is lost, other
// companies' connections toward the company's ports, and answers without
// the fields the API does not promise. It is off by default.
// PendingEffects (GET /_sim/pending) says whether late work is still to
// land, so that a reconciliation can wait for the ledger to be final.
//
// The ledger (Server.Ledger, GET /_sim/ledger) lists the connections created
// through the API, the requests counted by endpoint, and every change that
// took effect on an existing connection, so a test can tell how many calls
// did something from how many were sent. Each is attributed to the order
// whose id its request carried in CorrelationHeader. Server.Pending (GET
// /_sim/pending) says what may still change the ledger by itself: a
// reconciliation reads it once nothing is pending.
package ccapisim
