package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2")
	wrapper := struct {
		Key  Secret
		Name string
	}{Key: s, Name: "x"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, v := range []any{s, wrapper, &wrapper} {
			if out := fmt.Sprintf(format, v); strings.Contains(out, "hunter2") {
				t.Errorf("%s of %T printed the secret: %s", format, v, out)
			}
		}
	}
	if s.String() != "[redacted]" {
		t.Errorf("String() = %q", s.String())
	}
	j, err := json.Marshal(wrapper)
	if err != nil || string(j) != `{"Key":"[redacted]","Name":"x"}` {
		t.Errorf("JSON %s, %v", j, err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "key", s)
	if strings.Contains(buf.String(), "hunter2") {
		t.Errorf("slog printed the secret: %s", buf.String())
	}
	if s.Reveal() != "hunter2" || !s.IsSet() || Secret("").IsSet() {
		t.Error("Reveal or IsSet is wrong")
	}
}
