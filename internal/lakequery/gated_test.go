package lakequery_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/lakequery"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

type callerKey struct{}

// TestQueriesKeepTheCallersContext: a query runs in the background but with its caller's
// context values, which a gated system table's Allow decides on (the principal, for
// panther_system.audit).
func TestQueriesKeepTheCallersContext(t *testing.T) {
	f := newFixture(t, lakequery.Options{})
	err := f.eng.AddSystemTable(context.Background(), sqlengine.SystemTable{
		Name: "gated", Columns: []sqlengine.Column{{Name: "v", Type: "BIGINT"}}, AppendOnly: true,
		Rows: func(ctx context.Context, since string, emit func([]any) error) (string, error) {
			if since == "" {
				return "1", emit([]any{int64(7)})
			}
			return since, nil
		},
		Allow: func(ctx context.Context) error {
			if ctx.Value(callerKey{}) != "admin" {
				return errors.New("reading panther_system.gated needs an admin")
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	run := func(ctx context.Context) *lakequery.Query {
		id, err := f.svc.Execute(ctx, lakequery.ExecuteRequest{SQL: "SELECT v FROM panther_system.gated", IssuedBy: alice})
		if err != nil {
			t.Fatal(err)
		}
		q, err := f.svc.Wait(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), callerKey{}, "admin"))
	q := run(ctx)
	// The caller's cancellation (its request ending) does not stop a query it started.
	cancel()
	if q.Status != lakequery.StatusSucceeded || q.Stats.RowCount != 1 {
		t.Fatalf("with the caller's value: %s %q", q.Status, q.Message)
	}
	ended, cancelEarly := context.WithCancel(context.WithValue(context.Background(), callerKey{}, "admin"))
	id, err := f.svc.Execute(ended, lakequery.ExecuteRequest{SQL: "SELECT v FROM panther_system.gated", IssuedBy: alice})
	cancelEarly()
	if err != nil {
		t.Fatal(err)
	}
	if q, err := f.svc.Wait(context.Background(), id); err != nil || q.Status != lakequery.StatusSucceeded {
		t.Fatalf("after the caller's context ended: %v %+v", err, q)
	}
	q = run(context.Background())
	if q.Status != lakequery.StatusFailed || !strings.Contains(q.Message, "needs an admin") {
		t.Errorf("without it: %s %q", q.Status, q.Message)
	}
}
