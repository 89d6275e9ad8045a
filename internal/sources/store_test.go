package sources

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/secretbox"
	"github.com/pantherlabs/panther/internal/state"
)

func init() {
	// Kinds of this package's tests; the real ones register in their own packages.
	Register(Kind{Name: "http", Validate: func(s json.RawMessage) (json.RawMessage, error) {
		var v struct {
			Auth string `json:"auth"`
		}
		if err := json.Unmarshal(s, &v); err != nil {
			return nil, err
		}
		if v.Auth != "" && v.Auth != AuthBearer && v.Auth != AuthHMAC {
			return nil, fmt.Errorf("auth: %q is not bearer or hmac", v.Auth)
		}
		return s, nil
	}})
	Register(Kind{Name: "dir", Validate: func(s json.RawMessage) (json.RawMessage, error) {
		var v struct {
			Path string `json:"path"`
		}
		if err := json.Unmarshal(s, &v); err != nil {
			return nil, err
		}
		if v.Path == "" {
			return nil, errors.New("path: required")
		}
		return json.RawMessage(fmt.Sprintf(`{"path": %q}`, filepath.Clean(v.Path))), nil
	}})
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { c.t = c.t.Add(time.Second); return c.t }

func openTestStore(t *testing.T) (*Store, *clock) {
	t.Helper()
	dir := t.TempDir()
	db, err := state.Open(state.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	box, err := secretbox.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	n := 0
	st, err := OpenStore(context.Background(), db, box, StoreOptions{
		Now:   clk.now,
		NewID: func() string { n++; return fmt.Sprintf("00000000-0000-0000-0000-%012d", n) },
		LogType: func(name string) (string, error) {
			for _, known := range []string{"AWS.CloudTrail", "Syslog.RFC5424"} {
				if strings.EqualFold(known, name) {
					return known, nil
				}
			}
			return "", fmt.Errorf("unknown log type %q", name)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, clk
}

func TestStoreLifecycle(t *testing.T) {
	ctx := context.Background()
	st, _ := openTestStore(t)
	v0, err := st.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, creds, err := st.Add(ctx, Config{Label: " edge ", Type: "http", Enabled: true,
		LogTypes: []string{"aws.cloudtrail", "AWS.CloudTrail"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Label != "edge" || c.ID == "" || string(c.Settings) != "{}" || fmt.Sprint(c.LogTypes) != "[AWS.CloudTrail]" {
		t.Fatalf("added %+v", c)
	}
	if !strings.HasPrefix(creds.Token, "pth_") || len(creds.Token) < 40 {
		t.Fatalf("token %q", creds.Token)
	}
	if v1, _ := st.Version(ctx); v1 == v0 {
		t.Fatal("Add did not change the version")
	}
	// The token is stored hashed only.
	var stored string
	if err := st.DB().QueryRow(`SELECT credential FROM sources WHERE id = ?`, c.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, creds.Token) || !strings.HasPrefix(stored, "sha256:") {
		t.Fatalf("credential stored as %q", stored)
	}
	ver, err := st.Verifier(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !ver.Bearer(creds.Token) || ver.Bearer(creds.Token+"x") || ver.Bearer("") || ver.Auth() != AuthBearer {
		t.Fatal("bearer verification is wrong")
	}

	// Get by id and by label (any case).
	for _, key := range []string{c.ID, "EDGE"} {
		got, err := st.Get(ctx, key)
		if err != nil || got.ID != c.ID || !got.Enabled || !got.CreatedAt.Equal(c.CreatedAt) {
			t.Fatalf("Get(%q) = %+v, %v", key, got, err)
		}
	}
	if _, err := st.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(nope) err = %v", err)
	}

	// Duplicate label, bad type, bad settings, bad log type: one error per field.
	_, _, err = st.Add(ctx, Config{Label: "Edge", Type: "http"})
	if err == nil || !strings.Contains(err.Error(), `label: a source labelled "Edge" already exists`) {
		t.Fatalf("duplicate label err = %v", err)
	}
	_, _, err = st.Add(ctx, Config{Label: "", Type: "ftp", LogTypes: []string{"Nope"}})
	var verr *ValidationError
	if !errors.As(err, &verr) || len(verr.Errs) != 3 {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"label: required", `type: unknown source type "ftp" (known: `, `log types: unknown log type "Nope"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	_, _, err = st.Add(ctx, Config{Label: "d", Type: "dir", Settings: json.RawMessage(`{}`)})
	if err == nil || err.Error() != "settings: path: required" {
		t.Fatalf("dir err = %v", err)
	}
	_, _, err = st.Add(ctx, Config{Label: "d", Type: "dir", Settings: json.RawMessage(`[1]`)})
	if err == nil || err.Error() != "settings: must be a JSON object" {
		t.Fatalf("dir err = %v", err)
	}

	// The kind normalizes settings.
	d, creds2, err := st.Add(ctx, Config{Label: "drop", Type: "dir", Settings: json.RawMessage(`{"path":"/var/log/x/../y/"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if string(d.Settings) != `{"path":"/var/log/y"}` || creds2.Token != "" || d.Enabled {
		t.Fatalf("dir source %+v %+v", d, creds2)
	}
	if _, err := st.Verifier(ctx, d.ID); err == nil {
		t.Fatal("a dir source has a verifier")
	}

	list, err := st.List(ctx)
	if err != nil || len(list) != 2 || list[0].Label != "drop" || list[1].Label != "edge" {
		t.Fatalf("List = %+v, %v", list, err)
	}

	// Enable / disable / update / remove each bump the version.
	before, _ := st.Version(ctx)
	if err := st.SetEnabled(ctx, d.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Get(ctx, d.ID); !got.Enabled {
		t.Fatal("not enabled")
	}
	if err := st.SetEnabled(ctx, "missing", true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("enable missing: %v", err)
	}
	d.Label = "drop2"
	d.Settings = json.RawMessage(`{"path":"/tmp/in"}`)
	if _, err := st.Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Get(ctx, "drop2"); string(got.Settings) != `{"path":"/tmp/in"}` {
		t.Fatalf("updated = %+v", got)
	}
	if err := st.Remove(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.Remove(ctx, d.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second remove: %v", err)
	}
	if after, _ := st.Version(ctx); after != before+3 {
		t.Fatalf("version %d -> %d, want +3", before, after)
	}
}

func TestStoreHMACCredential(t *testing.T) {
	ctx := context.Background()
	st, _ := openTestStore(t)
	c, creds, err := st.Add(ctx, Config{Label: "signed", Type: "http", Settings: json.RawMessage(`{"auth":"hmac"}`)})
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := st.DB().QueryRow(`SELECT credential FROM sources WHERE id = ?`, c.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !secretbox.IsSealed(stored) || strings.Contains(stored, creds.Token) {
		t.Fatalf("credential stored as %q", stored)
	}
	v, err := st.Verifier(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Auth() != AuthHMAC || string(v.HMACKey()) != creds.Token || v.Bearer(creds.Token) {
		t.Fatal("hmac verifier is wrong")
	}
	// Rotation replaces the key.
	n, err := st.RotateCredential(ctx, c.ID)
	if err != nil || n.Token == creds.Token {
		t.Fatalf("rotate = %v, %v", n, err)
	}
	v, _ = st.Verifier(ctx, c.ID)
	if string(v.HMACKey()) != n.Token {
		t.Fatal("rotation did not take")
	}
	// The auth mode cannot change under the stored credential.
	c.Settings = json.RawMessage(`{"auth":"bearer"}`)
	if _, err := st.Update(ctx, c); err == nil || !strings.Contains(err.Error(), "cannot change the auth mode") {
		t.Fatalf("update auth: %v", err)
	}
}

func TestStoreStatus(t *testing.T) {
	ctx := context.Background()
	st, _ := openTestStore(t)
	c, _, err := st.Add(ctx, Config{Label: "edge", Type: "http", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	empty, err := st.Status(ctx, c.ID)
	if err != nil || empty.Events != 0 || len(empty.LogTypes) != 0 {
		t.Fatalf("empty status %+v, %v", empty, err)
	}
	before, _ := st.Version(ctx)
	t1 := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)
	t0 := t1.Add(-time.Hour)
	err = inTx(st.DB(), func(tx *sql.Tx) error {
		return st.AddCounts(ctx, tx, []Counts{
			{SourceID: c.ID, LogType: "AWS.CloudTrail", Events: 10, Bytes: 1000, LastEventAt: t1},
			{SourceID: c.ID, LogType: "", Quarantined: 2, Bytes: 50, LastEventAt: t0},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddCounts(ctx, st.DB(), []Counts{{SourceID: c.ID, LogType: "AWS.CloudTrail", Events: 5, Bytes: 500, LastEventAt: t0}}); err != nil {
		t.Fatal(err)
	}
	// A rolled-back checkpoint counts nothing.
	_ = inTx(st.DB(), func(tx *sql.Tx) error {
		if err := st.AddCounts(ctx, tx, []Counts{{SourceID: c.ID, LogType: "AWS.CloudTrail", Events: 99}}); err != nil {
			return err
		}
		return errors.New("abort")
	})
	if err := st.SetError(ctx, c.ID, errors.New("listen tcp: address in use")); err != nil {
		t.Fatal(err)
	}
	s, err := st.Status(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Events != 15 || s.Bytes != 1550 || s.Quarantined != 2 || !s.LastEventAt.Equal(t1) ||
		s.LastError != "listen tcp: address in use" || s.LastErrorAt.IsZero() || len(s.LogTypes) != 2 {
		t.Fatalf("status %+v", s)
	}
	if lt := s.LogTypes[1]; lt.LogType != "AWS.CloudTrail" || lt.Events != 15 || lt.Bytes != 1500 || !lt.LastEventAt.Equal(t1) {
		t.Fatalf("log type status %+v", lt)
	}
	if err := st.SetError(ctx, c.ID, nil); err != nil {
		t.Fatal(err)
	}
	if s, _ := st.Status(ctx, c.ID); s.LastError != "" || s.Events != 15 {
		t.Fatalf("cleared status %+v", s)
	}
	if after, _ := st.Version(ctx); after != before {
		t.Fatal("status changes bumped the config version")
	}
	// Removing the source removes its status.
	if err := st.Remove(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if s, _ := st.Status(ctx, c.ID); s.Events != 0 || len(s.LogTypes) != 0 {
		t.Fatalf("status after remove %+v", s)
	}
}

func TestRegistry(t *testing.T) {
	Register(Kind{Name: "test-kind", Validate: func(s json.RawMessage) (json.RawMessage, error) { return s, nil }})
	defer unregister("test-kind")
	if _, ok := Lookup("test-kind"); !ok {
		t.Fatal("not registered")
	}
	if names := Kinds(); !strings.Contains(strings.Join(names, ","), "test-kind") {
		t.Fatalf("Kinds = %v", names)
	}
	for name, k := range map[string]Kind{
		"duplicate":   {Name: "test-kind", Validate: func(s json.RawMessage) (json.RawMessage, error) { return s, nil }},
		"no name":     {Validate: func(s json.RawMessage) (json.RawMessage, error) { return s, nil }},
		"no validate": {Name: "other"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Register did not panic", name)
				}
			}()
			Register(k)
		}()
	}
}

func TestVerifierTokenHash(t *testing.T) {
	// The stored hash is the SHA-256 of the token text, so the documented format holds.
	ctx := context.Background()
	st, _ := openTestStore(t)
	c, creds, err := st.Add(ctx, Config{Label: "x", Type: "http"})
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	_ = st.DB().QueryRow(`SELECT credential FROM sources WHERE id = ?`, c.ID).Scan(&stored)
	if want := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(creds.Token))); stored != want {
		t.Fatalf("stored %q, want %q", stored, want)
	}
}

func inTx(db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
