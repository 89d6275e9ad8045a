package content

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/state"
)

const appSchema = `version: 0
schema: Custom.App
description: My app's logs
fields:
  - name: time
    type: timestamp
    timeFormat: rfc3339
    isEventTime: true
  - name: user
    type: string
    indicators: [username]
`

func TestCustomSchemaLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := state.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	schemasDir := filepath.Join(dir, "schemas")
	s, err := OpenSchemas(ctx, db, schemasDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, SchemaInput{Name: "App", Spec: appSchema}, "u"); err == nil || !strings.Contains(err.Error(), "Custom.") {
		t.Errorf("a name without Custom.: err = %v", err)
	}
	sc, err := s.Put(ctx, SchemaInput{Name: "Custom.App", Spec: appSchema}, "u")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Revision != 1 || sc.Description != "My app's logs" {
		t.Errorf("created %+v", sc)
	}
	reg := logtypes.NewRegistry()
	if err := reg.LoadCustom(schemasDir); err != nil || reg.Get("Custom.App") == nil {
		t.Fatalf("the parsing side does not see it: %v", err)
	}
	if _, err := s.Put(ctx, SchemaInput{Name: "Custom.App", Spec: appSchema}, "u"); !errors.Is(err, ErrExists) {
		t.Errorf("create twice: %v", err)
	}
	added := appSchema + "  - name: action\n    type: string\n"
	if _, err := s.Put(ctx, SchemaInput{Name: "Custom.App", Spec: added, Revision: 7}, "u"); !errors.Is(err, ErrConflict) {
		t.Errorf("stale revision: %v", err)
	}
	sc, err = s.Put(ctx, SchemaInput{Name: "Custom.App", Spec: added, Revision: 1}, "u2")
	if err != nil || sc.Revision != 2 || sc.UpdatedBy != "u2" {
		t.Fatalf("update = %+v, %v", sc, err)
	}
	retyped := strings.Replace(added, "name: action\n    type: string", "name: action\n    type: bigint", 1)
	if _, err := s.Put(ctx, SchemaInput{Name: "Custom.App", Spec: retyped, Revision: 2}, "u"); !errors.Is(err, ErrInvalidUpdate) || !strings.Contains(err.Error(), "action") {
		t.Errorf("type change: %v", err)
	}
	if _, err := s.Put(ctx, SchemaInput{Name: "Custom.App", Spec: appSchema[:strings.Index(appSchema, "  - name: user")], Revision: 2}, "u"); !errors.Is(err, ErrInvalidUpdate) {
		t.Errorf("removed field: %v", err)
	}
	if _, err := s.SetArchived(ctx, "Custom.App", true, "u"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(schemasDir, "custom_app.yml")); !os.IsNotExist(err) {
		t.Errorf("archived schema file still there: %v", err)
	}
	if sc, err := s.SetArchived(ctx, "Custom.App", false, "u"); err != nil || sc.Archived {
		t.Fatalf("restore = %+v, %v", sc, err)
	}
	// A reopened store adopts files written by hand.
	os.WriteFile(filepath.Join(schemasDir, "other.yml"), []byte(strings.Replace(appSchema, "Custom.App", "Custom.Other", 1)), 0o644)
	s, err = OpenSchemas(ctx, db, schemasDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 2 || list[1].Name != "Custom.Other" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if _, err := os.Stat(filepath.Join(schemasDir, "custom_other.yml")); err != nil {
		t.Errorf("adopted file not renamed: %v", err)
	}
}
