package chaos

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/workflows"
)

// The checker's own tests: crafted ledgers and outcomes, each hiding one
// kind of violation that an earlier checker let through (it matched
// connections to orders by port and name, never checked an "active", never
// compared a connection with its order, and never looked at the actions),
// and clean ones, which must pass.

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func p2pOrder(id string) plannedOrder {
	return plannedOrder{Kind: kindPortToPort, Twin: -1, Order: workflows.Order{OrderID: id, Company: companyOrdering, Name: id,
		PortID: chaosPortID(0), DestPortID: chaosPortID(sourcePorts), SpeedMbps: 3}}
}

func b2bOrder(id string) plannedOrder {
	return plannedOrder{Kind: kindB2BAccepted, Twin: -1, Order: workflows.Order{OrderID: id, Company: companyOrdering, Name: id,
		PortID: chaosPortID(1), DestCompany: "globex", DestMetro: "HKG", SpeedMbps: 2}}
}

// twinOf is a same-name order for orders[i]'s name and port.
func twinOf(orders []plannedOrder, i int, id string) plannedOrder {
	p := p2pOrder(id)
	p.Kind, p.Twin, p.Order.Name, p.Order.PortID = kindSameName, i, orders[i].Order.Name, orders[i].Order.PortID
	return p
}

// made is the connection p's order made, exactly as ordered.
func made(p plannedOrder, id, status string) ccapisim.LedgerEntry {
	o := p.Order
	e := ccapisim.LedgerEntry{ID: id, Company: o.Company, Name: o.Name, SrcPortID: o.PortID, DestPortID: o.DestPortID,
		DestCompany: o.Company, SpeedMbps: o.SpeedMbps, Status: status, CreatedAt: t0, OrderID: o.OrderID}
	if o.DestCompany != "" {
		e.DestCompany = o.DestCompany
	}
	if status == ccapisim.StatusDeleted || status == ccapisim.StatusCancelled {
		at := t0.Add(time.Minute)
		e.WithdrawnAt = &at
	}
	return e
}

func with(e ccapisim.LedgerEntry, change func(*ccapisim.LedgerEntry)) ccapisim.LedgerEntry {
	change(&e)
	return e
}

// Outcomes.
func activeOutcome(id string) outcome {
	return outcome{Ended: true, Label: string(workflows.StageActive), Active: true, ConnectionID: id}
}

func nothingOrdered(label string) outcome {
	return outcome{Ended: true, Label: label, Message: "nothing was ordered", NothingOrdered: true}
}

func withdrawnOutcome(id string) outcome {
	return outcome{Ended: true, Label: string(workflows.StageCancelled), Message: "cancelled: withdrawn", Withdrawn: true, ConnectionID: id}
}

func stageOutcome(stage workflows.Stage, id string) outcome {
	return outcome{Ended: true, Label: string(stage), ConnectionID: id}
}

// Actions on the fixture's connections.
var (
	legacyP2P = ccapisim.Connection{ID: fixtureConnID(1), Name: "CHAOS-OLD-0001", Company: companyOrdering,
		SrcPortID: chaosPortID(2), DestPortID: chaosPortID(sourcePorts), DestCompany: companyOrdering, SpeedMbps: 4,
		Status: ccapisim.StatusActive, CreatedAt: t0.Add(-time.Hour)}
	legacyB2B = ccapisim.Connection{ID: fixtureConnID(2), Name: "CHAOS-OLD-0002", Company: companyOrdering,
		SrcPortID: chaosPortID(3), DestCompany: "globex", SpeedMbps: 4, Status: ccapisim.StatusActive, CreatedAt: t0.Add(-time.Hour)}
)

func actionOrder(id, action string, target ccapisim.Connection, speed int) plannedOrder {
	kind := map[string]string{workflows.ActionDecommission: kindDecommission, workflows.ActionModify: kindModify,
		workflows.ActionAdopt: kindAdopt}[action]
	return plannedOrder{Kind: kind, Twin: -1, Target: &target, Order: workflows.Order{OrderID: id, Action: action,
		Company: companyOrdering, ConnectionID: target.ID, Name: target.Name, SpeedMbps: speed}}
}

// now is target as the ledger shows it after the run.
func now(target ccapisim.Connection, status string, speed int) ccapisim.LedgerEntry {
	return ccapisim.LedgerEntry{ID: target.ID, Company: target.Company, Name: target.Name, SrcPortID: target.SrcPortID,
		DestPortID: target.DestPortID, DestCompany: target.DestCompany, SpeedMbps: speed, Status: status, CreatedAt: target.CreatedAt}
}

func change(conn, order string, kind ccapisim.ChangeKind, endpoint string, speed int) ccapisim.LedgerChange {
	return ccapisim.LedgerChange{ConnectionID: conn, Kind: kind, Source: ccapisim.SourceAPI, Endpoint: endpoint,
		By: companyOrdering, OrderID: order, SpeedMbps: speed, At: t0}
}

func deleted(conn, order string) ccapisim.LedgerChange {
	return change(conn, order, ccapisim.ChangeKindDeleted, ccapisim.EndpointDeleteConnection, 0)
}

func updated(conn, order string, speed int) ccapisim.LedgerChange {
	return change(conn, order, ccapisim.ChangeKindUpdated, ccapisim.EndpointUpdateConnection, speed)
}

type checkCase struct {
	name     string
	orders   []plannedOrder
	outcomes []outcome
	ledger   ccapisim.Ledger
	// What the checker must count.
	duplicates, orphans, untruthful int
}

func (c checkCase) run(t *testing.T) {
	t.Helper()
	if c.ledger.Connections == nil {
		c.ledger.Connections = []ccapisim.LedgerEntry{}
	}
	rep := reconcile(c.orders, c.outcomes, c.ledger)
	got := fmt.Sprintf("duplicates=%d orphans=%d untruthful=%d", rep.Duplicates, rep.Orphans, rep.Untruthful)
	want := fmt.Sprintf("duplicates=%d orphans=%d untruthful=%d", c.duplicates, c.orphans, c.untruthful)
	if got != want {
		t.Errorf("%s, want %s; problems:\n  %s", got, want, strings.Join(rep.Problems, "\n  "))
	}
}

func TestCheckerCatches(t *testing.T) {
	a, b := p2pOrder("CX-A"), b2bOrder("CX-B")
	twins := []plannedOrder{p2pOrder("CX-T1")}
	twins = append(twins, twinOf(twins, 0, "CX-T2"))
	decom := actionOrder("CX-D", workflows.ActionDecommission, legacyP2P, 0)
	modify := actionOrder("CX-M", workflows.ActionModify, legacyP2P, 5)
	modifyB2B := actionOrder("CX-MB", workflows.ActionModify, legacyB2B, 6)
	adopt := actionOrder("CX-AD", workflows.ActionAdopt, legacyP2P, 0)
	failed := func(kind string) outcome { return outcome{Ended: true, Label: "failed: " + kind} }

	tests := []checkCase{
		// (b) an order's "active" is checked against the ledger.
		{name: "b: active, but its connection is DELETED", orders: []plannedOrder{a}, outcomes: []outcome{activeOutcome("c1")},
			ledger: ccapisim.Ledger{Connections: []ccapisim.LedgerEntry{made(a, "c1", ccapisim.StatusDeleted)}}, untruthful: 1},
		{name: "b: active, but its request is CANCELLED", orders: []plannedOrder{b}, outcomes: []outcome{activeOutcome("c1")},
			ledger: ccapisim.Ledger{Connections: []ccapisim.LedgerEntry{made(b, "c1", ccapisim.StatusCancelled)}}, untruthful: 1},
		{name: "b: active, but no such connection", orders: []plannedOrder{a}, outcomes: []outcome{activeOutcome("c9")},
			untruthful: 1},

		// (c) connections are the order's that made them, not a twin's.
		{name: "c: nothing ordered, while its twin names the connection it made", orders: twins,
			outcomes: []outcome{nothingOrdered("failed: PrecheckFailed"), activeOutcome("c1")},
			ledger:   ccapisim.Ledger{Connections: []ccapisim.LedgerEntry{made(twins[0], "c1", ccapisim.StatusActive)}}, orphans: 1, untruthful: 2},
		{name: "c: withdrawn, while its twin names the connection it made", orders: twins,
			outcomes: []outcome{withdrawnOutcome(""), activeOutcome("c1")},
			ledger:   ccapisim.Ledger{Connections: []ccapisim.LedgerEntry{made(twins[0], "c1", ccapisim.StatusActive)}}, orphans: 1, untruthful: 2},
		{name: "c: a connection made by no order", orders: []plannedOrder{a}, outcomes: []outcome{activeOutcome("c1")},
			ledger: ccapisim.Ledger{Connections: []ccapisim.LedgerEntry{with(made(a, "c1", ccapisim.StatusActive),
				func(e *ccapisim.LedgerEntry) { e.OrderID = "" })}}, orphans: 1, untruthful: 1},

		// (d) the actions' claims are checked against the ledger's changes.
		{name: "d: decommissioned, while ACTIVE", orders: []plannedOrder{decom},
			outcomes: []outcome{stageOutcome(workflows.StageDecommissioned, legacyP2P.ID)},
			ledger:   ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyP2P, ccapisim.StatusActive, 4)}}, untruthful: 1},
		{name: "d: modified, with the speed unchanged", orders: []plannedOrder{modify},
			outcomes: []outcome{stageOutcome(workflows.StageModified, legacyP2P.ID)},
			ledger:   ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyP2P, ccapisim.StatusActive, 4)}}, untruthful: 1},
		{name: "d: modified by two updates", orders: []plannedOrder{modify},
			outcomes: []outcome{stageOutcome(workflows.StageModified, legacyP2P.ID)},
			ledger: ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyP2P, ccapisim.StatusActive, 5)},
				Changes: []ccapisim.LedgerChange{updated(legacyP2P.ID, "CX-M", 5), updated(legacyP2P.ID, "CX-M", 5)}}, duplicates: 1},
		{name: "d: modified, with a change request left pending", orders: []plannedOrder{modifyB2B},
			outcomes: []outcome{failed(workflows.ErrTypeActivationTimeout)},
			ledger: ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyB2B, ccapisim.StatusActive, 4)},
				Changes: []ccapisim.LedgerChange{change(legacyB2B.ID, "CX-MB", ccapisim.ChangeKindRequested, ccapisim.EndpointRequestChange, 6)}},
			orphans: 1},
		{name: "d: nothing was deleted, yet its DELETE took effect", orders: []plannedOrder{decom},
			outcomes: []outcome{nothingOrdered("failed: PrecheckFailed")},
			ledger: ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyP2P, ccapisim.StatusDeleted, 4)},
				Changes: []ccapisim.LedgerChange{deleted(legacyP2P.ID, "CX-D")}}, untruthful: 1},
		{name: "d: adopted, while DELETED", orders: []plannedOrder{adopt},
			outcomes: []outcome{activeOutcome(legacyP2P.ID)},
			ledger:   ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyP2P, ccapisim.StatusDeleted, 4)}}, untruthful: 1},
		{name: "d: adopted, and changed", orders: []plannedOrder{adopt},
			outcomes: []outcome{activeOutcome(legacyP2P.ID)},
			ledger: ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyP2P, ccapisim.StatusActive, 9)},
				Changes: []ccapisim.LedgerChange{updated(legacyP2P.ID, "CX-AD", 9)}}, untruthful: 1},
		{name: "d: a DELETE made by no order", orders: []plannedOrder{adopt},
			outcomes: []outcome{failed(workflows.ErrTypeConnectionFailed)},
			ledger: ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyP2P, ccapisim.StatusDeleted, 4)},
				Changes: []ccapisim.LedgerChange{deleted(legacyP2P.ID, "")}}, orphans: 1},

		// (e) an ACTIVE connection is what was ordered.
		{name: "e: active at another speed", orders: []plannedOrder{a}, outcomes: []outcome{activeOutcome("c1")},
			ledger: ccapisim.Ledger{Connections: []ccapisim.LedgerEntry{with(made(a, "c1", ccapisim.StatusActive),
				func(e *ccapisim.LedgerEntry) { e.SpeedMbps = 5 })}}, untruthful: 1},
		{name: "e: active to another port", orders: []plannedOrder{a}, outcomes: []outcome{activeOutcome("c1")},
			ledger: ccapisim.Ledger{Connections: []ccapisim.LedgerEntry{with(made(a, "c1", ccapisim.StatusActive),
				func(e *ccapisim.LedgerEntry) { e.DestPortID = chaosPortID(sourcePorts + 1) })}}, untruthful: 1},
		{name: "e: active as port-to-port, ordered business-to-business", orders: []plannedOrder{b}, outcomes: []outcome{activeOutcome("c1")},
			ledger: ccapisim.Ledger{Connections: []ccapisim.LedgerEntry{with(made(b, "c1", ccapisim.StatusActive),
				func(e *ccapisim.LedgerEntry) { e.DestPortID, e.DestCompany = chaosPortID(sourcePorts), companyOrdering })}}, untruthful: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// Truthful outcomes pass: the checker must not cry wolf.
func TestCheckerPassesTheTruth(t *testing.T) {
	a, b := p2pOrder("CX-A"), b2bOrder("CX-B")
	twins := []plannedOrder{p2pOrder("CX-T1")}
	twins = append(twins, twinOf(twins, 0, "CX-T2"))
	tests := []checkCase{
		{name: "active, as ordered", orders: []plannedOrder{a, b}, outcomes: []outcome{activeOutcome("c1"), activeOutcome("c2")},
			ledger: ccapisim.Ledger{Connections: []ccapisim.LedgerEntry{made(a, "c1", ccapisim.StatusActive), made(b, "c2", ccapisim.StatusActive)}}},
		{name: "withdrawn", orders: []plannedOrder{a, b}, outcomes: []outcome{withdrawnOutcome("c1"), withdrawnOutcome("c2")},
			ledger: ccapisim.Ledger{Connections: []ccapisim.LedgerEntry{made(a, "c1", ccapisim.StatusDeleted), made(b, "c2", ccapisim.StatusCancelled)},
				Changes: []ccapisim.LedgerChange{deleted("c1", "CX-A"), change("c2", "CX-B", ccapisim.ChangeKindCancelled, ccapisim.EndpointDeleteConnection, 0)}}},
		{name: "rejected", orders: []plannedOrder{b}, outcomes: []outcome{{Ended: true, Label: "failed: ConnectionFailed", ConnectionID: "c2"}},
			ledger: ccapisim.Ledger{Connections: []ccapisim.LedgerEntry{made(b, "c2", ccapisim.StatusDenied)}}},
		{name: "nothing ordered", orders: []plannedOrder{a}, outcomes: []outcome{nothingOrdered("failed: PrecheckFailed")}},
		{name: "twins: one ordered, the other nothing", orders: twins,
			outcomes: []outcome{activeOutcome("c1"), nothingOrdered("failed: PrecheckFailed")},
			ledger:   ccapisim.Ledger{Connections: []ccapisim.LedgerEntry{made(twins[0], "c1", ccapisim.StatusActive)}}},
		{name: "decommissioned", orders: []plannedOrder{actionOrder("CX-D", workflows.ActionDecommission, legacyP2P, 0)},
			outcomes: []outcome{stageOutcome(workflows.StageDecommissioned, legacyP2P.ID)},
			ledger: ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyP2P, ccapisim.StatusDeleted, 4)},
				Changes: []ccapisim.LedgerChange{deleted(legacyP2P.ID, "CX-D")}}},
		{name: "modified by one update", orders: []plannedOrder{actionOrder("CX-M", workflows.ActionModify, legacyP2P, 5)},
			outcomes: []outcome{stageOutcome(workflows.StageModified, legacyP2P.ID)},
			ledger: ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyP2P, ccapisim.StatusActive, 5)},
				Changes: []ccapisim.LedgerChange{updated(legacyP2P.ID, "CX-M", 5)}}},
		{name: "modified by a change request the other party approved", orders: []plannedOrder{actionOrder("CX-MB", workflows.ActionModify, legacyB2B, 6)},
			outcomes: []outcome{stageOutcome(workflows.StageModified, legacyB2B.ID)},
			ledger: ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyB2B, ccapisim.StatusActive, 6)},
				Changes: []ccapisim.LedgerChange{change(legacyB2B.ID, "CX-MB", ccapisim.ChangeKindRequested, ccapisim.EndpointRequestChange, 6),
					{ConnectionID: legacyB2B.ID, Kind: ccapisim.ChangeKindApproved, Source: ccapisim.SourcePartner, By: "globex", SpeedMbps: 6, At: t0}}}},
		{name: "a change request withdrawn at a cancel", orders: []plannedOrder{actionOrder("CX-MB", workflows.ActionModify, legacyB2B, 6)},
			outcomes: []outcome{withdrawnOutcome(legacyB2B.ID)},
			ledger: ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyB2B, ccapisim.StatusActive, 4)},
				Changes: []ccapisim.LedgerChange{change(legacyB2B.ID, "CX-MB", ccapisim.ChangeKindRequested, ccapisim.EndpointRequestChange, 6),
					change(legacyB2B.ID, "CX-MB", ccapisim.ChangeKindWithdrawn, ccapisim.EndpointCancelChange, 6)}}},
		{name: "adopted", orders: []plannedOrder{actionOrder("CX-AD", workflows.ActionAdopt, legacyP2P, 0)},
			outcomes: []outcome{activeOutcome(legacyP2P.ID)},
			ledger:   ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyP2P, ccapisim.StatusActive, 4)}}},
		{name: "a misnamed decommission changes nothing", orders: []plannedOrder{actionOrder("CX-D", workflows.ActionDecommission, legacyP2P, 0)},
			outcomes: []outcome{nothingOrdered("failed: PrecheckFailed")},
			ledger:   ccapisim.Ledger{Existing: []ccapisim.LedgerEntry{now(legacyP2P, ccapisim.StatusActive, 4)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}
