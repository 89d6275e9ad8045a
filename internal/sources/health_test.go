package sources

import (
	"errors"
	"testing"
	"time"
)

func TestHealth(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var got []error
	h := NewHealth(ReporterFunc(func(err error) { got = append(got, err) }), func() time.Time { return now })
	h.OK() // healthy: nothing reported
	boom := errors.New("boom")
	if !h.Fail(boom) || h.Fail(boom) {
		t.Fatal("Fail: want true for the first problem of a spell only")
	}
	now = now.Add(HealthyAfter - time.Second)
	h.OK() // too soon to clear
	now = now.Add(time.Second)
	h.OK()
	h.OK()
	if len(got) != 3 || got[0] != boom || got[1] != boom || got[2] != nil {
		t.Fatalf("reported %v, want boom, boom, nil", got)
	}
	if !h.Fail(boom) {
		t.Fatal("Fail after recovery: want true")
	}
}
