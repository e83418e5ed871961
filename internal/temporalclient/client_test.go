package temporalclient

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cc-l2/provisioner/workflows"
)

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2")
	wrapper := struct {
		Key  Secret
		Name string
	}{Key: s, Name: "x"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		require.NotContains(t, fmt.Sprintf(format, s), "hunter2", format)
		require.NotContains(t, fmt.Sprintf(format, wrapper), "hunter2", format)
		require.NotContains(t, fmt.Sprintf(format, &wrapper), "hunter2", format)
	}
	require.Equal(t, "[redacted]", s.String())
	j, err := json.Marshal(wrapper)
	require.NoError(t, err)
	require.JSONEq(t, `{"Key":"[redacted]","Name":"x"}`, string(j))

	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "key", s)
	require.NotContains(t, buf.String(), "hunter2")

	require.Equal(t, "hunter2", s.Reveal())
	require.True(t, s.IsSet())
	require.False(t, Secret("").IsSet())
}

func TestConfigDefaults(t *testing.T) {
	var cfg Config
	require.NoError(t, ParseEnv(&cfg, map[string]string{}))
	require.Equal(t, Config{Address: "localhost:7233", Namespace: "default", TaskQueue: workflows.DefaultTaskQueue}, cfg)
	require.Empty(t, cfg.Problems())
}

func TestConfigProblems(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{name: "cert without key", env: map[string]string{"TEMPORAL_TLS_CERT": "c.pem"}, want: []string{"TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be given together"}},
		{name: "key without cert", env: map[string]string{"TEMPORAL_TLS_KEY": "k.pem"}, want: []string{"TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be given together"}},
		{name: "both", env: map[string]string{"TEMPORAL_TLS_CERT": "c.pem", "TEMPORAL_TLS_KEY": "k.pem"}},
		{name: "api key alone", env: map[string]string{"TEMPORAL_API_KEY": "k"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg Config
			require.NoError(t, ParseEnv(&cfg, tt.env))
			require.Equal(t, tt.want, cfg.Problems())
		})
	}
}

// writeCertPair writes a self-signed certificate and its key as PEM files.
func writeCertPair(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile = filepath.Join(dir, "cert.pem")
	keyFile = filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile
}

func TestClientOptions(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeCertPair(t, dir)
	notPEM := filepath.Join(dir, "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello"), 0o600))

	tests := []struct {
		name        string
		cfg         Config
		wantTLS     bool
		wantCerts   int
		wantRootCAs bool
		wantCreds   bool
		wantErr     string
	}{
		{name: "plaintext dev server", cfg: Config{Address: "localhost:7233", Namespace: "default", TaskQueue: "q"}},
		{name: "cloud api key", cfg: Config{Address: "ns.acct.tmprl.cloud:7233", Namespace: "ns.acct", TaskQueue: "q", APIKey: "key"}, wantTLS: true, wantCreds: true},
		{name: "mutual TLS", cfg: Config{Address: "h:7233", Namespace: "n", TaskQueue: "q", TLSCert: certFile, TLSKey: keyFile}, wantTLS: true, wantCerts: 1},
		{name: "CA only", cfg: Config{Address: "h:7233", Namespace: "n", TaskQueue: "q", TLSCA: certFile}, wantTLS: true, wantRootCAs: true},
		{name: "mutual TLS with CA", cfg: Config{Address: "h:7233", Namespace: "n", TaskQueue: "q", TLSCert: certFile, TLSKey: keyFile, TLSCA: certFile}, wantTLS: true, wantCerts: 1, wantRootCAs: true},
		{name: "cert without key", cfg: Config{Address: "h:7233", Namespace: "n", TaskQueue: "q", TLSCert: certFile}, wantErr: "must be given together"},
		{name: "missing cert file", cfg: Config{Address: "h:7233", Namespace: "n", TaskQueue: "q", TLSCert: filepath.Join(dir, "nope.pem"), TLSKey: keyFile}, wantErr: "loading TEMPORAL_TLS_CERT"},
		{name: "CA not PEM", cfg: Config{Address: "h:7233", Namespace: "n", TaskQueue: "q", TLSCA: notPEM}, wantErr: "holds no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := tt.cfg.ClientOptions(nil)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.cfg.Address, opts.HostPort)
			require.Equal(t, tt.cfg.Namespace, opts.Namespace)
			require.Equal(t, tt.wantTLS, opts.ConnectionOptions.TLS != nil)
			require.Equal(t, tt.wantCreds, opts.Credentials != nil)
			if tt.wantTLS {
				require.Len(t, opts.ConnectionOptions.TLS.Certificates, tt.wantCerts)
				require.Equal(t, tt.wantRootCAs, opts.ConnectionOptions.TLS.RootCAs != nil)
			}
		})
	}
}

func TestDialFailsFastOnUnreachableServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	// Port 1 on loopback: nothing listens there.
	_, err := Dial(ctx, Config{Address: "127.0.0.1:1", Namespace: "default", TaskQueue: "q", APIKey: "sekret"}, nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "127.0.0.1:1")
	require.NotContains(t, err.Error(), "sekret")
}

// envConfig exercises ParseEnv and Variables with every kind of field the
// binaries use.
type envConfig struct {
	Config
	Key     Secret        `env:"TEST_KEY,required,notEmpty" desc:"a key"`
	Timeout time.Duration `env:"TEST_TIMEOUT" envDefault:"30s" desc:"a timeout"`
	Count   int           `env:"TEST_COUNT" envDefault:"20" desc:"a count"`
	Flag    bool          `env:"TEST_FLAG" desc:"a flag"`
}

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
			require.Error(t, err)
			var cfgErr *ConfigError
			require.ErrorAs(t, err, &cfgErr)
			require.Equal(t, tt.want, cfgErr.Problems)
			require.Equal(t, strings.Join(tt.want, "; "), err.Error())
		})
	}
}

func TestVariables(t *testing.T) {
	cfg := envConfig{Key: "sekret", Timeout: time.Minute, Config: Config{APIKey: "cloudkey", Address: "a:1"}}
	vars, err := Variables(&cfg)
	require.NoError(t, err)
	var names []string
	byName := map[string]Variable{}
	for _, v := range vars {
		names = append(names, v.Name)
		byName[v.Name] = v
		require.NotEmpty(t, v.Description, v.Name)
		require.NotContains(t, v.Value, "sekret")
		require.NotContains(t, v.Value, "cloudkey")
	}
	require.Equal(t, []string{
		"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TASK_QUEUE", "TEMPORAL_API_KEY",
		"TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_TLS_CA",
		"TEST_KEY", "TEST_TIMEOUT", "TEST_COUNT", "TEST_FLAG",
	}, names)
	require.Equal(t, "[redacted]", byName["TEST_KEY"].Value)
	require.True(t, byName["TEST_KEY"].Required)
	require.Equal(t, "", byName["TEMPORAL_TLS_CA"].Value)
	require.Equal(t, "1m0s", byName["TEST_TIMEOUT"].Value)
	require.Equal(t, "30s", byName["TEST_TIMEOUT"].Default)
	require.Equal(t, "a:1", byName["TEMPORAL_ADDRESS"].Value)

	var buf bytes.Buffer
	require.NoError(t, WriteVariables(&buf, vars))
	out := buf.String()
	require.Contains(t, out, "  TEST_KEY (required)\n        a key\n")
	require.Contains(t, out, "  TEST_TIMEOUT (default \"30s\")\n        a timeout\n")
	require.Contains(t, out, "  TEST_FLAG (optional)\n        a flag\n")
	require.Contains(t, out, "  TEMPORAL_ADDRESS (default \"localhost:7233\")\n        Temporal frontend host:port\n")
}

func TestConfigErrorAdd(t *testing.T) {
	var none *ConfigError
	require.NoError(t, none.Add().Err())
	e := none.Add(`A_TIMEOUT: invalid duration "x"`)
	e = e.Add("A_TIMEOUT must be positive (got 0s)", "B_LEVEL: invalid", "C_KEY is required")
	require.Equal(t, []string{`A_TIMEOUT: invalid duration "x"`, "B_LEVEL: invalid", "C_KEY is required"}, e.Problems)
	require.EqualError(t, e.Err(), `A_TIMEOUT: invalid duration "x"; B_LEVEL: invalid; C_KEY is required`)
}
