package activities_test

import (
	"testing"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

func legacyRef() activities.ConnectionRef {
	return activities.ConnectionRef{OrderID: "CHG1", Company: "acme", ConnectionID: legacyConn}
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
