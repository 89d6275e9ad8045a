package event

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\r\x00nul\x1f", "été ✓ 写真", "bad \xff utf8", "\u2028"} {
		got := AppendString([]byte("prefix:"), s)
		if !strings.HasPrefix(string(got), "prefix:") {
			t.Fatalf("AppendString(%q) = %s: the prefix is gone", s, got)
		}
		var back string
		if err := json.Unmarshal(got[len("prefix:"):], &back); err != nil {
			t.Fatalf("AppendString(%q) = %s: not valid JSON: %v", s, got, err)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); back != want {
			t.Errorf("AppendString(%q) decodes to %q, want %q", s, back, want)
		}
	}
}
