package notify_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
)

func TestSecretNeverPrints(t *testing.T) {
	type cfg struct {
		Key notify.Secret            `json:"key"`
		Map map[string]notify.Secret `json:"map"`
	}
	s := notify.Secret("hunter2-s3cr3t")
	c := cfg{Key: s, Map: map[string]notify.Secret{"h": s}}
	var outs []string
	for _, verb := range []string{"%s", "%v", "%+v", "%#v", "%q", "%x", "%X", "%10s"} {
		outs = append(outs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, c), fmt.Sprintf(verb, &c))
	}
	j, _ := json.Marshal(c)
	outs = append(outs, string(j))
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("cfg", "key", s, "cfg", c)
	outs = append(outs, logs.String())
	for _, out := range outs {
		if strings.Contains(out, "hunter2") {
			t.Errorf("secret printed: %s", out)
		}
	}
	if string(s) != "hunter2-s3cr3t" {
		t.Error("conversion to string lost the value")
	}
	var back cfg
	if err := json.Unmarshal([]byte(`{"key":"v","map":{"h":"w"}}`), &back); err != nil || string(back.Key) != "v" || string(back.Map["h"]) != "w" {
		t.Errorf("unmarshal: %+v %v", back, err)
	}
}

func TestScrubber(t *testing.T) {
	s := notify.NewScrubber("abc", "", "abcdef", "abc", "xyz")
	for in, want := range map[string]string{
		"token abcdef here": "token <secret> here",
		"abc and xyz":       "<secret> and <secret>",
		"nothing secret":    "nothing secret",
		"abcabcdefabc":      "<secret><secret><secret>",
		"":                  "",
	} {
		if got := s.Scrub(in); got != want {
			t.Errorf("Scrub(%q) = %q, want %q", in, got, want)
		}
	}
	var nilScrubber *notify.Scrubber
	if nilScrubber.Scrub("abc") != "abc" || notify.NewScrubber().Scrub("abc") != "abc" {
		t.Error("empty scrubber changed text")
	}
	cause := io.ErrUnexpectedEOF
	err := s.Error(fmt.Errorf("sending abcdef: %w", cause))
	if err.Error() != "sending <secret>: unexpected EOF" || !errors.Is(err, cause) {
		t.Errorf("Error = %v (is cause: %v)", err, errors.Is(err, cause))
	}
	if s.Error(nil) != nil {
		t.Error("Error(nil) is not nil")
	}
}

func BenchmarkScrub(b *testing.B) {
	s := notify.NewScrubber("0123456789abcdef0123456789abcdef", "Basic dXNlcjpwYXNz", "https://hooks.slack.com/services/T/B/XXXX")
	text := strings.Repeat("status 500 Internal Server Error: upstream failed ", 20)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		_ = s.Scrub(text)
	}
}

func FuzzScrub(f *testing.F) {
	f.Add("secret-token", "the secret-token leaked")
	f.Add("aa", "aaaaa")
	f.Add("ab", "aab")
	f.Fuzz(func(t *testing.T, secret, text string) {
		if len(secret) < 2 {
			return
		}
		got := notify.NewScrubber(secret).Scrub(text)
		// A secret can only survive if the mask itself helps spell it.
		if strings.Contains(got, secret) && !strings.ContainsAny(secret, "<>") && !strings.Contains("<secret>", secret) {
			t.Fatalf("Scrub(%q) with secret %q = %q", text, secret, got)
		}
	})
}
