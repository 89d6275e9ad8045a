package sqlengine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/sqlengine"
)

// TestTimeMacros runs Panther's p_occurs_* macros over the four rows of setup, whose event
// times are 2024-03-01 10:00:00, 10:20:30.123456, 10:59:59 and 11:00:00.
func TestTimeMacros(t *testing.T) {
	eng, _ := sandbox(t, sqlengine.Options{})
	tests := []struct{ where, want string }{
		{"p_occurs_since('1 d')", "0"},
		{"p_occurs_since(100000000)", "4"},
		{"p_occurs_since('5000 weeks')", "4"},
		{"p_occurs_between('2024-03-01T10:00:00Z', '2024-03-01T10:59:59Z')", "3"},
		{"p_occurs_between('2024-03-01 10:30', '2024-03-02')", "2"},
		{"p_occurs_around('2024-03-01T10:30:00Z', '30 m')", "4"},
		{"p_occurs_around('2024-03-01T10:30:00Z', 600)", "1"},
		{"p_occurs_after('2024-03-01T10:59:59Z')", "1"},
		{"P_OCCURS_BEFORE ( '2024-03-01T10:20:30Z' )", "1"},
		{"p_occurs_after('2024-03-01T10:00:00Z', r) AND p_occurs_before('2024-03-01T11:00:00Z', r, p_event_time)", "2"},
		{"p_occurs_after('2024-03-01T10:00:00Z', 'r', 't')", "3"},
		{"s <> 'p_occurs_since(1)' AND p_occurs_since(100000000)", "2"},
	}
	for _, tt := range tests {
		q := "SELECT count(*) FROM panther_logs.custom_rich r WHERE " + tt.where
		_, rows, err := untrusted(eng, q, "")
		if err != nil {
			t.Errorf("%s: %v", tt.where, err)
			continue
		}
		if got := fmt.Sprint(rows[0][0]); got != tt.want {
			t.Errorf("%s: %s rows, want %s", tt.where, got, tt.want)
		}
	}
	// The command line expands them too.
	plain, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: eng.LakeDir(), Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if got := count(t, plain, "SELECT count(*) FROM panther_logs.custom_rich WHERE p_occurs_since(100000000)"); got != "4" {
		t.Errorf("trusted: %s", got)
	}
	for _, tt := range []struct{ where, msg string }{
		{"p_occurs_since('soon')", "is not an offset"},
		{"p_occurs_since(s)", "the offset must be a constant"},
		{"p_occurs_between('2024-03-01')", "takes 2 time argument(s)"},
		{"p_occurs_after('yesterday')", `"yesterday" is not a time`},
		{"p_occurs_after('2024-03-01', 1 + 1)", "must be names"},
	} {
		_, _, err := untrusted(eng, "SELECT count(*) FROM panther_logs.custom_rich WHERE "+tt.where, "")
		var re *sqlengine.RefusedError
		if !errors.As(err, &re) || !strings.Contains(re.Reason, tt.msg) {
			t.Errorf("%s: %v, want %q", tt.where, err, tt.msg)
		}
	}
}
