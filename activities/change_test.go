package activities_test

import (
	"testing"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

func legacyRef() activities.ConnectionRef {
	return activities.ConnectionRef{OrderID: "CHG1", Company: "acme", ConnectionID: legacyConn}
}

func TestReadConnection(t *testing.T) {
	at := newActTest(t)
	f, err := run[activities.ConnectionFacts](t, at, at.acts.ReadConnection, legacyRef())
	if err != nil {
		t.Fatal(err)
	}
	want := activities.ConnectionFacts{Found: true, ID: legacyConn, Name: "LEGACY-HKG-SIN", Status: ccapi.StatusActive, SpeedMbps: 200,
		SrcPortID: acmeHKG, DestPortID: acmeSIN, SrcCompany: "acme", DestCompany: "acme"}
	if f != want {
		t.Errorf("facts %+v\nwant  %+v", f, want)
	}
	unknown := activities.ConnectionRef{OrderID: "CHG1", Company: "acme", ConnectionID: "6a1000000000000000000999"}
	if f, err := run[activities.ConnectionFacts](t, at, at.acts.ReadConnection, unknown); err != nil || f.Found {
		t.Errorf("unknown connection: %+v, %v", f, err)
	}
}

// Every changing activity reads first and sends nothing when its change
// is already there: called twice, each changes the connection once.
func TestChangingActivitiesChangeOnce(t *testing.T) {
	at := newActTest(t)
	speed := activities.SpeedChange{ConnectionRef: legacyRef(), SpeedMbps: 300}
	for range 2 {
		f, err := run[activities.ConnectionFacts](t, at, at.acts.UpdateSpeed, speed)
		if err != nil || f.SpeedMbps != 300 {
			t.Fatalf("UpdateSpeed: %+v, %v", f, err)
		}
	}
	if n := at.sim.ChangeCalls(legacyConn, ccapisim.EndpointUpdateConnection); n != 1 {
		t.Errorf("%d updates took effect, want 1", n)
	}
	for range 2 {
		d, err := run[activities.Decommissioned](t, at, at.acts.DecommissionConnection, legacyRef())
		if err != nil {
			t.Fatalf("DecommissionConnection: %v", err)
		}
		_ = d
	}
	if n := at.sim.ChangeCalls(legacyConn, ccapisim.EndpointDeleteConnection); n != 1 {
		t.Errorf("%d DELETEs took effect, want 1", n)
	}
	d, err := run[activities.Decommissioned](t, at, at.acts.DecommissionConnection, legacyRef())
	if err != nil || !d.AlreadyGone {
		t.Errorf("a deleted connection: %+v, %v; want already gone", d, err)
	}
}
