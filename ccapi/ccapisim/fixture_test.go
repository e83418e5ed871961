package ccapisim

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultFixtureContents(t *testing.T) {
	fx := DefaultFixture()
	if err := fx.Validate(); err != nil {
		t.Fatalf("embedded fixture invalid: %v", err)
	}
	counts := map[string][2]int{
		"companies":   {len(fx.Companies), 4},
		"metros":      {len(fx.Metros), 4},
		"dcfs":        {len(fx.DCFs), 6},
		"ports":       {len(fx.Ports), 9},
		"connections": {len(fx.Connections), 1},
	}
	for kind, c := range counts {
		if c[0] != c[1] {
			t.Errorf("%d %s, want %d", c[0], kind, c[1])
		}
	}
	companies := map[string]Company{}
	for _, c := range fx.Companies {
		companies[c.Username] = c
	}
	if !companies["globex"].AutoApprove || !companies["umbrella"].AutoReject || companies["initech"].AutoApprove {
		t.Errorf("auto approve/reject flags wrong: %+v", companies)
	}
	ports := map[string]Port{}
	for _, p := range fx.Ports {
		ports[p.ID] = p
	}
	if p := ports[portHKG]; p.Name != "ACME-HKG-01" || p.SpeedMbps != 1000 || p.Utilised != 200 {
		t.Errorf("ACME-HKG-01 = %+v", p)
	}
	if !ports[portFaulty].FailProvisioning || ports[portDisable].Status != "DISABLED" {
		t.Errorf("faulty/disabled ports wrong")
	}
	if c := fx.Connections[0]; c.ID != legacyConn || c.SpeedMbps != 200 || c.Status != StatusActive || c.CreatedAt.IsZero() {
		t.Errorf("legacy connection = %+v", c)
	}
}

func TestDefaultFixtureReturnsIndependentCopies(t *testing.T) {
	a, b := DefaultFixture(), DefaultFixture()
	a.Ports[0].Name = "changed"
	a.Companies[0].MetroIDs[0] = "changed"
	a.DCFs = nil
	if b.Ports[0].Name != "ACME-HKG-01" || b.Companies[0].MetroIDs[0] != metroHKG || len(b.DCFs) != 6 {
		t.Fatal("DefaultFixture copies share state")
	}
	if c := DefaultFixture(); c.Ports[0].Name != "ACME-HKG-01" {
		t.Fatal("mutating a copy changed the embedded fixture")
	}
}

func TestNewCopiesTheFixture(t *testing.T) {
	fx := DefaultFixture()
	sim := New(fx, Options{APIKey: testKey})
	fx.Ports[0].Status = "DISABLED"
	fx.Companies[0].MetroIDs = nil
	sim.mu.Lock()
	defer sim.mu.Unlock()
	if sim.ports[portHKG].Status != StatusActive || len(sim.companies["acme"].MetroIDs) != 3 {
		t.Fatal("server state changed when the caller's fixture did")
	}
}

func TestLoadFixture(t *testing.T) {
	valid, err := json.Marshal(DefaultFixture())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content string
		wantErr string
	}{
		{"valid", string(valid), ""},
		{"not json", "{", "decode fixture"},
		{"unknown field", `{"companies":[],"colour":"blue"}`, "unknown field"},
		{"port of unknown company", `{"metros":[{"id":"m1"}],"dcfs":[{"id":"d1","metroId":"m1"}],
			"ports":[{"id":"p1","company":"nobody","metroId":"m1","dcfId":"d1","speed":10}]}`, `unknown company "nobody"`},
		{"duplicate ids", `{"metros":[{"id":"m1"},{"id":"m1"}]}`, "duplicate id m1"},
		{"over utilised", `{"companies":[{"id":"c1","username":"a"}],"metros":[{"id":"m1"}],"dcfs":[{"id":"d1","metroId":"m1"}],
			"ports":[{"id":"p1","company":"a","metroId":"m1","dcfId":"d1","speed":10,"utilised":11}]}`, "utilised"},
		{"connection on unknown port", `{"connections":[{"id":"x","srcPortId":"nope","speed":1,"status":"ACTIVE"}]}`, "unknown source port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "fixture.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			fx, err := LoadFixture(path)
			if tt.wantErr == "" {
				if err != nil || len(fx.Ports) != 9 {
					t.Fatalf("LoadFixture = %v, %v", fx, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
	if _, err := LoadFixture(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file error = %v, want a wrapped not-exist error", err)
	}
}
