package ingestmetrics

import (
	"context"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/state"
)

func TestSeries(t *testing.T) {
	ctx := context.Background()
	db, err := state.Open(state.Path(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(min int, sec int) time.Time {
		return t0.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second)
	}
	if err := s.Add(ctx, db, []Point{
		{Minute: at(0, 5), SourceID: "a", LogType: "AWS.CloudTrail", Events: 10, Bytes: 1000},
		{Minute: at(0, 50), SourceID: "a", LogType: "AWS.CloudTrail", Events: 5, Bytes: 500}, // same minute: adds up
		{Minute: at(1, 0), SourceID: "a", LogType: "", Quarantined: 2, Bytes: 20},
		{Minute: at(3, 0), SourceID: "b", LogType: "Syslog.RFC5424", Events: 7, Bytes: 70},
		{Minute: at(9, 0), SourceID: "b", LogType: "Syslog.RFC5424", Events: 100}, // after the range
	}); err != nil {
		t.Fatal(err)
	}
	total, err := s.Series(ctx, Query{From: t0, To: at(4, 0), Step: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(total) != 1 || len(total[0].Values) != 2 {
		t.Fatalf("total = %+v", total)
	}
	if v := total[0].Values; v[0].Events != 15 || v[0].Quarantined != 2 || v[0].Bytes != 1520 || v[1].Events != 7 || !v[1].Time.Equal(at(2, 0)) {
		t.Fatalf("total values = %+v", v)
	}
	bySource, err := s.Series(ctx, Query{From: t0, To: at(4, 0), Step: time.Minute, GroupBy: BySource})
	if err != nil {
		t.Fatal(err)
	}
	if len(bySource) != 2 || bySource[0].Key != "a" || bySource[1].Key != "b" || len(bySource[0].Values) != 4 ||
		bySource[0].Values[1].Quarantined != 2 || bySource[1].Values[3].Events != 7 || bySource[1].Values[0].Events != 0 {
		t.Fatalf("by source = %+v", bySource)
	}
	byType, err := s.Series(ctx, Query{From: t0, To: at(4, 0), GroupBy: ByLogType, LogTypes: []string{"AWS.CloudTrail"}})
	if err != nil || len(byType) != 1 || byType[0].Key != "AWS.CloudTrail" || byType[0].Values[0].Events != 15 {
		t.Fatalf("by type = %+v, %v", byType, err)
	}
	for _, q := range []Query{{From: at(4, 0), To: t0}, {From: t0, To: at(4, 0), Step: 90 * time.Second}, {From: t0, To: at(4, 0), GroupBy: "x"}} {
		if _, err := s.Series(ctx, q); err == nil {
			t.Errorf("%+v: no error", q)
		}
	}
	n, err := s.Prune(ctx, at(3, 0))
	if err != nil || n != 2 {
		t.Fatalf("prune = %d, %v", n, err)
	}
}
