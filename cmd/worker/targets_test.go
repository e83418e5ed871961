package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The worker refuses to start on a targets file it cannot use, naming the
// target and the field, never a value; a good one records names only.
func TestCallbackTargets(t *testing.T) {
	dir := t.TempDir()
	file := func(text string) string {
		path := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".yaml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	const good = "jira:\n  url: https://x.atlassian.net/rest/api/3/issue/{{path .Ticket}}/comment\n  auth: basic\n  username_env: JIRA_EMAIL\n  password_env: JIRA_API_TOKEN\n"
	tests := []struct {
		name, file, wantErr string
		env                 map[string]string
	}{
		{"loads", good, "", map[string]string{"JIRA_EMAIL": "a@b.c", "JIRA_API_TOKEN": "tok-secret-9"}},
		{"unset variable", good, `target "jira": password_env: environment variable JIRA_API_TOKEN is unset or empty`, map[string]string{"JIRA_EMAIL": "a@b.c"}},
		{"does not parse", "jira: [", "not a valid targets file", nil},
		{"template does not compile", "jira:\n  url: https://x/{{path\n  auth: bearer\n  token_env: T\n", `target "jira": url:`, map[string]string{"T": "tok-secret-9"}},
		{"unknown milestone", "jira:\n  url: https://x/\n  auth: bearer\n  token_env: T\n  milestones: [done]\n", `target "jira": milestones: unknown milestone "done"`, map[string]string{"T": "tok-secret-9"}},
		{"hmac without CALLBACK_SECRET", "hook:\n  url: https://x/\n", `target "hook": auth: hmac`, nil},
		{"no file", "", "CALLBACK_TARGETS: open", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"CC_API_KEY": testKey, "CALLBACK_TARGETS": file(tt.file)}
			if tt.file == "" {
				env["CALLBACK_TARGETS"] = filepath.Join(dir, "missing.yaml")
			}
			for k, v := range tt.env {
				env[k] = v
			}
			cfg, err := loadConfig(env)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := cfg.Workflow().CallbackTargets; !reflect.DeepEqual(got, []string{"jira"}) {
					t.Errorf("recorded targets %v", got)
				}
				if _, ok := cfg.Callbacks().Targets.Get("jira"); !ok {
					t.Errorf("the activities have no target jira")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("loadConfig: %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "tok-secret-9") {
				t.Errorf("the error shows a secret: %v", err)
			}
		})
	}
}
