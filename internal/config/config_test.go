package config

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/internal/secret"
)

// envConfig exercises ParseEnv and Variables with every kind of field the
// binaries use.
type envConfig struct {
	Address string        `env:"TEST_ADDRESS" envDefault:"localhost:7233" desc:"an address"`
	Key     secret.Secret `env:"TEST_KEY,required,notEmpty" desc:"a key"`
	Cloud   secret.Secret `env:"TEST_CLOUD_KEY" desc:"an optional key"`
	Timeout time.Duration `env:"TEST_TIMEOUT" envDefault:"30s" desc:"a timeout"`
	Count   int           `env:"TEST_COUNT" envDefault:"20" desc:"a count"`
	Flag    bool          `env:"TEST_FLAG" desc:"a flag"`
	// Poll's default lives elsewhere: the caller sets it before Load.
	Poll time.Duration `env:"TEST_POLL" desc:"a poll interval"`
}

func (envConfig) Problems() []string { return nil }

func TestParseEnvErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{name: "missing required", env: map[string]string{}, want: []string{"TEST_KEY is required"}},
		{name: "empty required", env: map[string]string{"TEST_KEY": ""}, want: []string{"TEST_KEY must not be empty"}},
		{name: "bad duration", env: map[string]string{"TEST_KEY": "k", "TEST_TIMEOUT": "abc"}, want: []string{`TEST_TIMEOUT: invalid duration "abc"`}},
		{name: "bad int", env: map[string]string{"TEST_KEY": "k", "TEST_COUNT": "many"}, want: []string{`TEST_COUNT: invalid integer "many"`}},
		{name: "bad bool", env: map[string]string{"TEST_KEY": "k", "TEST_FLAG": "perhaps"}, want: []string{`TEST_FLAG: invalid boolean "perhaps"`}},
		{name: "all at once", env: map[string]string{"TEST_TIMEOUT": "abc", "TEST_COUNT": "x"}, want: []string{"TEST_KEY is required", `TEST_TIMEOUT: invalid duration "abc"`, `TEST_COUNT: invalid integer "x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg envConfig
			err := ParseEnv(&cfg, tt.env)
			var cfgErr *Error
			if !errors.As(err, &cfgErr) {
				t.Fatalf("error %v, want *Error", err)
			}
			if !reflect.DeepEqual(cfgErr.Problems, tt.want) || err.Error() != strings.Join(tt.want, "; ") {
				t.Errorf("problems %q, want %q", cfgErr.Problems, tt.want)
			}
		})
	}
}

// A default kept outside the tags: set before Load, kept when the variable
// is unset or empty, shown by Variables.
func TestDefaultsSetBeforeLoad(t *testing.T) {
	for _, env := range []map[string]string{{"TEST_KEY": "k"}, {"TEST_KEY": "k", "TEST_POLL": ""}} {
		cfg := envConfig{Poll: 10 * time.Second}
		if err := Load(&cfg, env); err != nil || cfg.Poll != 10*time.Second {
			t.Errorf("%v: poll %v, %v", env, cfg.Poll, err)
		}
	}
	cfg := envConfig{Poll: 10 * time.Second}
	if err := Load(&cfg, map[string]string{"TEST_KEY": "k", "TEST_POLL": "1m"}); err != nil || cfg.Poll != time.Minute {
		t.Errorf("set: poll %v, %v", cfg.Poll, err)
	}
	vars, err := Variables(&envConfig{Poll: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vars {
		if v.Name == "TEST_POLL" && (!v.HasDefault || v.Default != "10s") {
			t.Errorf("TEST_POLL: %+v", v)
		}
	}
}

func TestVariables(t *testing.T) {
	cfg := envConfig{Key: "sekret", Cloud: "cloudkey", Timeout: time.Minute, Address: "a:1"}
	vars, err := Variables(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]Variable{}
	for _, v := range vars {
		names = append(names, v.Name)
		byName[v.Name] = v
		if v.Description == "" || strings.Contains(v.Value+v.Default, "sekret") || strings.Contains(v.Value+v.Default, "cloudkey") {
			t.Errorf("variable %+v", v)
		}
	}
	want := []string{"TEST_ADDRESS", "TEST_KEY", "TEST_CLOUD_KEY", "TEST_TIMEOUT", "TEST_COUNT", "TEST_FLAG", "TEST_POLL"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	if v := byName["TEST_KEY"]; v.Value != "[redacted]" || !v.Required {
		t.Errorf("TEST_KEY %+v", v)
	}
	if v := byName["TEST_CLOUD_KEY"]; v.HasDefault {
		t.Errorf("a secret's value became a default: %+v", v)
	}
	if v := byName["TEST_TIMEOUT"]; v.Value != "1m" || v.Default != "30s" {
		t.Errorf("TEST_TIMEOUT %+v", v)
	}
	if v := byName["TEST_ADDRESS"]; v.Value != "a:1" || v.Default != "localhost:7233" {
		t.Errorf("TEST_ADDRESS %+v", v)
	}

	var buf bytes.Buffer
	if err := WriteVariables(&buf, vars); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"  TEST_KEY (required)\n        a key\n",
		"  TEST_TIMEOUT (default \"30s\")\n        a timeout\n",
		"  TEST_FLAG (optional)\n        a flag\n",
		"  TEST_ADDRESS (default \"localhost:7233\")\n        an address\n",
	} {
		if !strings.Contains(buf.String(), line) {
			t.Errorf("help lacks %q:\n%s", line, buf.String())
		}
	}
}

func TestErrorAdd(t *testing.T) {
	var none *Error
	if err := none.Add().Err(); err != nil {
		t.Errorf("no problems gave %v", err)
	}
	e := none.Add(`A_TIMEOUT: invalid duration "x"`)
	e = e.Add("A_TIMEOUT must be positive (got 0s)", "B_LEVEL: invalid", "C_KEY is required")
	want := []string{`A_TIMEOUT: invalid duration "x"`, "B_LEVEL: invalid", "C_KEY is required"}
	if !reflect.DeepEqual(e.Problems, want) || e.Err().Error() != strings.Join(want, "; ") {
		t.Errorf("problems %q", e.Problems)
	}
}
