package workflows

import (
	"strings"
	"testing"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

const (
	hkgMetro  = "5d1000000000000000000001"
	apacRegn  = "5c1000000000000000000001"
	hkgDCF    = "5f10000000000000000000a1"
	srcPortID = "601000000000000000000001"
	dstPortID = "601000000000000000000002"
)

func goodPorts() activities.PortsResult {
	return activities.PortsResult{
		Source:    activities.PortInfo{Found: true, ID: srcPortID, Name: "ACME-HKG-01", Status: "ACTIVE", MetroID: hkgMetro, SupportsL2: true, RemainingMbps: 800},
		Dest:      &activities.PortInfo{Found: true, ID: dstPortID, Name: "ACME-SIN-01", Status: "ACTIVE", MetroID: "5d1000000000000000000002", SupportsL2: true, RemainingMbps: 10000},
		PortCount: 6,
	}
}

func goodB2BLookups() preorder {
	p := goodPorts()
	p.Dest = nil
	return preorder{
		Ports: p,
		Metro: &activities.MetroInfo{Found: true, ID: hkgMetro, Code: "HKG", RegionID: apacRegn, Layer2: true},
		DCF:   &activities.DCFInfo{Found: true, ID: hkgDCF, Name: "hkg39", MetroID: hkgMetro, Ready: true},
	}
}

func TestPrecheck(t *testing.T) {
	tests := []struct {
		name   string
		order  Order
		modify func(*preorder)
		want   []string // substrings, one per expected problem; nil = no problems
	}{
		{"p2p ok", validP2P(), func(*preorder) {}, nil},
		{"b2b ok", validB2B(), func(*preorder) {}, nil},
		{"source missing", validP2P(), func(l *preorder) { l.Ports.Source = activities.PortInfo{ID: srcPortID} },
			[]string{"portId: source port " + srcPortID + " not found in company acme"}},
		{"source disabled", validP2P(), func(l *preorder) { l.Ports.Source.Status = "DISABLED" }, []string{"is DISABLED, not ACTIVE"}},
		{"source without L2", validP2P(), func(l *preorder) {
			l.Ports.Source.SupportsL2 = false
			l.Ports.Source.Services = []string{"L3"}
		}, []string{"does not support Layer 2 (supports L3)"}},
		{"not enough capacity", validP2P(), func(l *preorder) { l.Ports.Source.RemainingMbps = 10 },
			[]string{"speed: 100 Mbps exceeds the 10 Mbps remaining"}},
		{"live connection with the same name", validP2P(), func(l *preorder) {
			l.Ports.SameName = []activities.ExistingConnection{{ID: "c1", Status: ccapi.StatusActive}}
		}, []string{`name: a connection named "CHG0040012" already exists`}},
		{"failed connection with the same name is fine", validP2P(), func(l *preorder) {
			l.Ports.SameName = []activities.ExistingConnection{{ID: "c1", Status: ccapi.StatusDeleted}}
		}, nil},
		{"dest missing", validP2P(), func(l *preorder) { l.Ports.Dest = &activities.PortInfo{ID: dstPortID} },
			[]string{"destPortId: destination port " + dstPortID + " not found"}},
		{"dest not active", validP2P(), func(l *preorder) { l.Ports.Dest.Status = "DISABLED" }, []string{"destPortId: destination port"}},
		{"metro unknown", validB2B(), func(l *preorder) {
			l.Metro = &activities.MetroInfo{Known: []string{"SIN", "SYD"}}
			l.DCF = nil
		}, []string{`destMetro: metro "HKG" not found among company globex's metros (it has: SIN, SYD)`}},
		{"metro without layer 2", validB2B(), func(l *preorder) { l.Metro.Layer2 = false }, []string{"does not support Layer 2 for company globex"}},
		{"no ready dcf", validB2B(), func(l *preorder) { l.DCF = &activities.DCFInfo{} }, []string{"no ready data-center facility in metro HKG"}},
		{"given dcf unknown", func() Order { o := validB2B(); o.DestDCF = "nope"; return o }(),
			func(l *preorder) { l.DCF = &activities.DCFInfo{ID: "nope"} }, []string{"destDcf: data-center facility nope not found"}},
		{"dcf in another metro", validB2B(), func(l *preorder) { l.DCF.MetroID = "elsewhere" }, []string{"is not in metro HKG"}},
		{"dcf not ready", validB2B(), func(l *preorder) { l.DCF.Ready = false }, []string{"is not ready"}},
		{"several problems at once", validP2P(), func(l *preorder) {
			l.Ports.Source.Status = "DISABLED"
			l.Ports.Source.RemainingMbps = 0
			l.Ports.Dest.Found = false
		}, []string{"not ACTIVE", "exceeds", "destination port"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := preorder{Ports: goodPorts()}
			if tt.order.Kind() == BusinessToBusiness {
				l = goodB2BLookups()
			}
			tt.modify(&l)
			got := precheck(tt.order.WithDefaults(), l)
			if len(got) != len(tt.want) {
				t.Fatalf("precheck() = %q, want %d problems like %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}
