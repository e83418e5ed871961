package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// CALLBACK_URL may carry credentials (user:password@, ?token=): the
// settings every order records in its history hold none of them, nor
// does any problem printed about it.
func TestCallbackURLCredentialsStayOutOfTheSettings(t *testing.T) {
	secrets := []string{"itsm-user", "itsm-pass", "tok-123"}
	callbackURL := "https://itsm-user:itsm-pass@itsm.example.com/l2?token=tok-123"
	cfg, err := loadConfig(map[string]string{"CC_API_KEY": testKey, "CALLBACK_URL": callbackURL, "CALLBACK_SECRET": "s"})
	if err != nil {
		t.Fatal(err)
	}
	if problems := cfg.Problems(); len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	recorded, err := json.Marshal(cfg.Workflow())
	if err != nil {
		t.Fatal(err)
	}
	printed := fmt.Sprintf("%v %+v", cfg, cfg)
	for _, secret := range secrets {
		if strings.Contains(string(recorded), secret) {
			t.Errorf("the workflow's settings hold %q: %s", secret, recorded)
		}
		if strings.Contains(printed, secret) {
			t.Errorf("the printed configuration holds %q", secret)
		}
	}
	if !strings.Contains(string(recorded), "itsm.example.com") {
		t.Errorf("the settings do not name the default callback's host: %s", recorded)
	}

	_, err = loadConfig(map[string]string{"CC_API_KEY": testKey, "CALLBACK_URL": "ftp://itsm-user:itsm-pass@itsm.example.com/?token=tok-123", "CALLBACK_SECRET": "s"})
	problems := fmt.Sprint(err)
	if !strings.Contains(problems, "CALLBACK_URL") {
		t.Fatalf("no problem with an ftp CALLBACK_URL: %q", problems)
	}
	for _, secret := range secrets {
		if strings.Contains(problems, secret) {
			t.Errorf("the problem printed holds %q: %s", secret, problems)
		}
	}
}
