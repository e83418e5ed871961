package activities_test

import (
	"testing"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

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
