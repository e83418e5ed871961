package workflows

import (
	"testing"

	"github.com/cc-l2/provisioner/ccapi"
)

func TestLayer2Request(t *testing.T) {
	p2p := layer2Request(validP2P().WithDefaults(), preorder{Ports: goodPorts()})
	want := ccapi.CreateLayer2Request{Name: "CHG0040012", PortID: srcPortID, DestPortID: dstPortID, DestCompany: "acme",
		DestMetroID: "5d1000000000000000000002", Duration: 1, DurationUnit: "m", PaymentType: "invoice",
		ClassOfService: "SILVER", SpeedMbps: 100, Type: "LAYER2", Evergreen: true}
	if p2p != want {
		t.Errorf("port-to-port body\n got %+v\nwant %+v", p2p, want)
	}
	b2b := layer2Request(validB2B().WithDefaults(), goodB2BLookups())
	want = ccapi.CreateLayer2Request{Name: "CHG0040013", PortID: srcPortID, DestCompany: "globex", DestDCF: hkgDCF,
		DestMetroID: hkgMetro, DestRegionID: apacRegn, Duration: 1, DurationUnit: "m", PaymentType: "invoice",
		ClassOfService: "SILVER", SpeedMbps: 100, Type: "LAYER2", Evergreen: true}
	if b2b != want {
		t.Errorf("business-to-business body\n got %+v\nwant %+v", b2b, want)
	}
}
