package temporalclient

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/internal/config"
	"github.com/cc-l2/provisioner/workflows"
)

func TestConfigDefaults(t *testing.T) {
	var cfg Config
	if err := config.ParseEnv(&cfg, map[string]string{}); err != nil {
		t.Fatalf("%v", err)
	}
	// Address and namespace default through Temporal's own configuration
	// (a profile may give them), so the environment leaves them empty.
	if got, want := cfg, (Config{TaskQueue: workflows.DefaultTaskQueue}); got != want {
		t.Fatalf("cfg = %v, want %v", got, want)
	}
	if len(cfg.Problems()) != 0 {
		t.Fatalf("cfg.Problems() = %v, want it empty", cfg.Problems())
	}
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
			if err := config.ParseEnv(&cfg, tt.env); err != nil {
				t.Fatalf("%v", err)
			}
			if got, want := cfg.Problems(), tt.want; !reflect.DeepEqual(got, want) {
				t.Fatalf("cfg.Problems() = %v, want %v", got, want)
			}
		})
	}
}

// writeCertPair writes a self-signed certificate and its key as PEM files.
func writeCertPair(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("%v", err)
	}
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
	if err != nil {
		t.Fatalf("%v", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatalf("%v", err)
	}
	certFile = filepath.Join(dir, "cert.pem")
	keyFile = filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatalf("%v", err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatalf("%v", err)
	}
	return certFile, keyFile
}

func TestClientOptions(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeCertPair(t, dir)
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatalf("%v", err)
	}

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
		{name: "missing cert file", cfg: Config{Address: "h:7233", Namespace: "n", TaskQueue: "q", TLSCert: filepath.Join(dir, "nope.pem"), TLSKey: keyFile}, wantErr: "failed loading client cert/key path"},
		{name: "CA not PEM", cfg: Config{Address: "h:7233", Namespace: "n", TaskQueue: "q", TLSCA: notPEM}, wantErr: "failed adding server CA to CA pool"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := tt.cfg.ClientOptions(map[string]string{"TEMPORAL_CONFIG_FILE": filepath.Join(dir, "none.toml")}, nil)
			if tt.wantErr != "" {
				if err := err; err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing tt.wantErr", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v", err)
			}
			if got, want := opts.HostPort, tt.cfg.Address; got != want {
				t.Fatalf("opts.HostPort = %v, want %v", got, want)
			}
			if got, want := opts.Namespace, tt.cfg.Namespace; got != want {
				t.Fatalf("opts.Namespace = %v, want %v", got, want)
			}
			if got, want := opts.ConnectionOptions.TLS != nil, tt.wantTLS; got != want {
				t.Fatalf("opts.ConnectionOptions.TLS != nil = %v, want %v", got, want)
			}
			if got, want := opts.Credentials != nil, tt.wantCreds; got != want {
				t.Fatalf("opts.Credentials != nil = %v, want %v", got, want)
			}
			if tt.wantTLS {
				if n := len(opts.ConnectionOptions.TLS.Certificates); n != tt.wantCerts {
					t.Fatalf("len(opts.ConnectionOptions.TLS.Certificates) = %d, want tt.wantCerts", n)
				}
				if got, want := opts.ConnectionOptions.TLS.RootCAs != nil, tt.wantRootCAs; got != want {
					t.Fatalf("opts.ConnectionOptions.TLS.RootCAs != nil = %v, want %v", got, want)
				}
			}
		})
	}
}

func TestDialFailsFastOnUnreachableServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	// Port 1 on loopback: nothing listens there.
	_, err := Dial(ctx, Config{Address: "127.0.0.1:1", Namespace: "default", TaskQueue: "q", APIKey: "sekret"}, nil, nil)
	if err == nil {
		t.Fatal("want an error from err")
	}
	if s, sub := err.Error(), "127.0.0.1:1"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	if s, sub := err.Error(), "sekret"; strings.Contains(s, sub) {
		t.Fatalf("%q contains %q", s, sub)
	}
}

// The connection is configured as Temporal's own tools configure it
// (go.temporal.io/sdk/contrib/envconfig): a profile of TEMPORAL_CONFIG_FILE,
// Temporal's TEMPORAL_* variables over it, and the binary's own settings
// (flags) over those.
func TestClientOptionsTheTemporalWay(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeCertPair(t, dir)
	file := filepath.Join(dir, "temporal.toml")
	if err := os.WriteFile(file, []byte(`
[profile.default]
address = "file-default:7233"

[profile.prod]
address = "prod.acct.tmprl.cloud:7233"
namespace = "prod.acct"
api_key = "prod-key"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		cfg           Config
		environ       map[string]string
		wantHost      string
		wantNamespace string
		wantTLS       bool
		wantCerts     int
		wantCreds     bool
		wantErr       string
	}{
		{name: "nothing: the defaults", environ: map[string]string{"TEMPORAL_CONFIG_FILE": filepath.Join(dir, "none.toml")},
			wantHost: "localhost:7233", wantNamespace: "default"},
		{name: "the file's default profile", environ: map[string]string{"TEMPORAL_CONFIG_FILE": file},
			wantHost: "file-default:7233", wantNamespace: "default"},
		{name: "a profile by TEMPORAL_PROFILE", environ: map[string]string{"TEMPORAL_CONFIG_FILE": file, "TEMPORAL_PROFILE": "prod"},
			wantHost: "prod.acct.tmprl.cloud:7233", wantNamespace: "prod.acct", wantTLS: true, wantCreds: true},
		{name: "a profile by setting (a flag)", cfg: Config{ConfigFile: file, Profile: "prod"},
			wantHost: "prod.acct.tmprl.cloud:7233", wantNamespace: "prod.acct", wantTLS: true, wantCreds: true},
		{name: "an unknown profile", cfg: Config{ConfigFile: file, Profile: "nope"}, wantErr: "nope"},
		{name: "Temporal's variables over the profile", environ: map[string]string{"TEMPORAL_CONFIG_FILE": file, "TEMPORAL_PROFILE": "prod", "TEMPORAL_NAMESPACE": "other"},
			wantHost: "prod.acct.tmprl.cloud:7233", wantNamespace: "other", wantTLS: true, wantCreds: true},
		{name: "settings (flags) over everything", cfg: Config{Address: "flag:7233", Namespace: "flagns"},
			environ:  map[string]string{"TEMPORAL_CONFIG_FILE": file, "TEMPORAL_PROFILE": "prod", "TEMPORAL_ADDRESS": "env:7233"},
			wantHost: "flag:7233", wantNamespace: "flagns", wantTLS: true, wantCreds: true},
		{name: "the Temporal CLI's TLS variables", environ: map[string]string{"TEMPORAL_CONFIG_FILE": file,
			"TEMPORAL_TLS_CLIENT_CERT_PATH": certFile, "TEMPORAL_TLS_CLIENT_KEY_PATH": keyFile},
			wantHost: "file-default:7233", wantNamespace: "default", wantTLS: true, wantCerts: 1},
		{name: "TEMPORAL_TLS=true alone", environ: map[string]string{"TEMPORAL_CONFIG_FILE": file, "TEMPORAL_TLS": "true"},
			wantHost: "file-default:7233", wantNamespace: "default", wantTLS: true},
		{name: "a TLS file that is not there fails, never falls back to plain text", environ: map[string]string{"TEMPORAL_CONFIG_FILE": file,
			"TEMPORAL_TLS_CLIENT_CERT_PATH": filepath.Join(dir, "nope.pem"), "TEMPORAL_TLS_CLIENT_KEY_PATH": keyFile}, wantErr: "nope.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cfg.TaskQueue == "" {
				tt.cfg.TaskQueue = "q"
			}
			opts, err := tt.cfg.ClientOptions(tt.environ, nil)
			if tt.wantErr != "" && tt.wantHost == "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if opts.HostPort != tt.wantHost || opts.Namespace != tt.wantNamespace {
				t.Errorf("HostPort, Namespace = %q, %q; want %q, %q", opts.HostPort, opts.Namespace, tt.wantHost, tt.wantNamespace)
			}
			if got := opts.ConnectionOptions.TLS != nil; got != tt.wantTLS {
				t.Errorf("TLS = %v, want %v", got, tt.wantTLS)
			}
			if tt.wantTLS && len(opts.ConnectionOptions.TLS.Certificates) != tt.wantCerts {
				t.Errorf("%d client certificates, want %d", len(opts.ConnectionOptions.TLS.Certificates), tt.wantCerts)
			}
			if got := opts.Credentials != nil; got != tt.wantCreds {
				t.Errorf("credentials = %v, want %v", got, tt.wantCreds)
			}
		})
	}
}
