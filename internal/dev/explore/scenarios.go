package explore

import (
	"time"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/internal/dev/chaos"
	"github.com/cc-l2/provisioner/workflows"
)

// The world every run starts from: the simulator's default fixture plus
// two ports of the ordering company and three connections on them that
// the action orders act on.
const (
	company    = chaos.OrderingCompany // acme
	portA      = "6e0000000000000000000001"
	portB      = "6e0000000000000000000002"
	connSelf   = "6e1000000000000000000001" // ACTIVE, portA to portB
	connB2B    = "6e1000000000000000000002" // ACTIVE, portA to globex
	connAsked  = "6e1000000000000000000003" // PENDING, portA to globex
	connRefuse = "6e1000000000000000000004" // ACTIVE, portA to umbrella, which refuses every change
	nameSelf   = "EXP-SELF"
	metroHKG   = "5d1000000000000000000001"
	dcfHKG     = "5f10000000000000000000a1"
	partner    = "globex"  // approves by itself, after the simulator's AutoApproveDelay
	silentPeer = "initech" // never answers
)

// fixture is the world as of at (the connection asked for just now).
func fixture(at time.Time) *ccapisim.Fixture {
	fx := ccapisim.DefaultFixture()
	for i, id := range []string{portA, portB} {
		fx.Ports = append(fx.Ports, ccapisim.Port{
			ID: id, Company: company, Name: []string{"EXP-A", "EXP-B"}[i], Status: "ACTIVE", SpeedMbps: 10_000, Utilised: 400 - 400*i,
			MetroID: metroHKG, DCFID: dcfHKG, SupportedServices: []string{"L2"}, VLANRanges: []ccapisim.VLANRange{{Start: 100, End: 4000}},
		})
	}
	before := at.Add(-24 * time.Hour)
	fx.Connections = append(fx.Connections,
		ccapisim.Connection{ID: connSelf, Name: nameSelf, Company: company, SrcPortID: portA, DestPortID: portB, DestCompany: company,
			SpeedMbps: 100, Status: ccapisim.StatusActive, CreatedAt: before},
		ccapisim.Connection{ID: connB2B, Name: "EXP-B2B-ACTIVE", Company: company, SrcPortID: portA, DestCompany: partner,
			SpeedMbps: 100, Status: ccapisim.StatusActive, CreatedAt: before},
		ccapisim.Connection{ID: connRefuse, Name: "EXP-B2B-REFUSING", Company: company, SrcPortID: portA, DestCompany: "umbrella",
			SpeedMbps: 100, Status: ccapisim.StatusActive, CreatedAt: before},
		// Asked for just now: the partner decides after AutoApproveDelay.
		ccapisim.Connection{ID: connAsked, Name: "EXP-ASKED", Company: company, SrcPortID: portA, DestCompany: partner,
			SpeedMbps: 100, Status: ccapisim.StatusPending, CreatedAt: at},
	)
	return fx
}

// simOptions is the simulator's pace: provisioning takes 30 s, a partner
// decides in 2 minutes.
func simOptions() ccapisim.Options {
	return ccapisim.Options{ActivationDelay: 30 * time.Second, AutoApproveDelay: 2 * time.Minute}
}

// scenario is one order's story in a world.
type scenario struct {
	Type  string // the workflow type explored, as reported
	Name  string
	Order workflows.Order
	// RateLimited: the worker caps API calls (CC_API_MAX_RPS), so every
	// read is an activity of its own, and a boundary.
	RateLimited bool
	// Faults are the simulator's faults for the run.
	Faults ccapisim.Faults
	// DecideIn, when set, is how soon partners decide (else 2 minutes).
	DecideIn time.Duration
	// NoRestart leaves the scenario out of the worker-restart class: its
	// retries take minutes of real time.
	NoRestart bool
}

// Workflow types, as reported.
const (
	TypeCreateP2P    = "create-p2p"
	TypeCreateB2B    = "create-b2b"
	TypeDecommission = "decommission"
	TypeModify       = "modify"
	TypeAdopt        = "adopt"
	TypeNameLock     = "name-lock"
	TypeCallbacks    = "callbacks"
)

func p2p(id string) workflows.Order {
	return workflows.Order{OrderID: id, Company: company, Name: id, PortID: portA, DestPortID: portB, SpeedMbps: 50}
}

func b2b(id, dest string) workflows.Order {
	return workflows.Order{OrderID: id, Company: company, Name: id, PortID: portA, DestCompany: dest, DestMetro: "HKG", SpeedMbps: 50}
}

// orderScenarios are the scenarios of the order workflows; short keeps
// one per type.
func orderScenarios(short bool) []scenario {
	silent := b2b("EXP-B2B-SILENT", silentPeer)
	silent.ActivationTimeout = workflows.Duration(10 * time.Minute)
	all := []scenario{
		{Type: TypeCreateP2P, Name: "activates", Order: p2p("EXP-P2P")},
		{Type: TypeCreateP2P, Name: "activates, reads rate-limited", Order: p2p("EXP-P2P-RL"), RateLimited: true},
		{Type: TypeCreateP2P, Name: "PUT answer lost after the commit", Order: p2p("EXP-P2P-LOST"),
			Faults: ccapisim.Faults{CommitThenDrop: 1, DropMode: ccapisim.DropWith502}},
		{Type: TypeCreateB2B, Name: "partner accepts, reads rate-limited", Order: b2b("EXP-B2B", partner), RateLimited: true},
		{Type: TypeCreateB2B, Name: "partner never answers (10-minute deadline)", Order: silent},
		{Type: TypeDecommission, Name: "deletes an ACTIVE connection", Order: workflows.Order{
			OrderID: "EXP-DECOM", Action: workflows.ActionDecommission, Company: company, ConnectionID: connSelf, Name: nameSelf}},
		{Type: TypeModify, Name: "change request the partner approves", Order: workflows.Order{
			OrderID: "EXP-MODIFY-B2B", Action: workflows.ActionModify, Company: company, ConnectionID: connB2B, SpeedMbps: 200}},
		// Every answer to a change request is lost after the commit, and the
		// partner refuses within a second, before the activity's retry reads.
		{Type: TypeModify, Name: "change request answer lost, the partner refuses before the retry", Order: workflows.Order{
			OrderID: "EXP-MODIFY-REFUSED", Action: workflows.ActionModify, Company: company, ConnectionID: connRefuse, SpeedMbps: 200},
			DecideIn: time.Second, NoRestart: true,
			Faults: ccapisim.Faults{Endpoints: map[string]ccapisim.Faults{ccapisim.EndpointRequestChange: {CommitThenErrorRate: 1}}}},
		{Type: TypeModify, Name: "update of a self-connection", Order: workflows.Order{
			OrderID: "EXP-MODIFY-SELF", Action: workflows.ActionModify, Company: company, ConnectionID: connSelf, SpeedMbps: 200}},
		{Type: TypeAdopt, Name: "follows a pending request to ACTIVE", Order: workflows.Order{
			OrderID: "EXP-ADOPT", Action: workflows.ActionAdopt, Company: company, ConnectionID: connAsked}},
	}
	if !short {
		return all
	}
	var one []scenario
	seen := map[string]bool{}
	for _, s := range all {
		if !seen[s.Type] || s.RateLimited && s.Type == TypeCreateP2P {
			one = append(one, s)
			seen[s.Type] = true
		}
	}
	return one
}

// config is the worker's settings for a scenario's runs.
func config(s scenario, can bool) workflows.Config {
	cfg := workflows.DefaultConfig()
	cfg.PutSettleWindow = 2 * time.Minute
	cfg.APITimeout = 5 * time.Second
	cfg.ActivationTimeoutB2B = 24 * time.Hour
	cfg.APIRateLimited = s.RateLimited
	if can {
		cfg.PollsPerRun = 1
	}
	return cfg
}
