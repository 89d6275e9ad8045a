// Package settings keeps Panther's general settings (the instance's display name, contact
// e-mail and console URL) in the state database.
package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// General are the general settings.
type General struct {
	DisplayName string `json:"displayName"`
	Email       string `json:"email"`
	// ConsoleURL is the console's base URL, for links in alerts; empty means unknown.
	ConsoleURL string `json:"consoleUrl"`
}

// Store reads and writes the settings.
type Store struct{ db *sql.DB }

// Open opens the store, creating its table.
func Open(ctx context.Context, db *sql.DB) (*Store, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS general_settings (k TEXT PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	return &Store{db: db}, nil
}

// Get returns the settings.
func (s *Store) Get(ctx context.Context) (General, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT k, v FROM general_settings`)
	if err != nil {
		return General{}, fmt.Errorf("settings: %w", err)
	}
	defer rows.Close()
	var g General
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return General{}, fmt.Errorf("settings: %w", err)
		}
		switch k {
		case "display_name":
			g.DisplayName = v
		case "email":
			g.Email = v
		case "console_url":
			g.ConsoleURL = v
		}
	}
	return g, rows.Err()
}

// Update is a change of some settings: nil fields are kept.
type Update struct {
	DisplayName, Email, ConsoleURL *string
}

// ErrInvalid is returned (wrapped) for a setting with a bad value.
var ErrInvalid = errors.New("invalid setting")

// Apply validates and saves a change, returning the new settings.
func (s *Store) Apply(ctx context.Context, u Update) (General, error) {
	if u.Email != nil && *u.Email != "" && !strings.Contains(*u.Email, "@") {
		return General{}, fmt.Errorf("%w: email: %q is not an e-mail address", ErrInvalid, *u.Email)
	}
	if u.ConsoleURL != nil && *u.ConsoleURL != "" {
		p, err := url.Parse(*u.ConsoleURL)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return General{}, fmt.Errorf("%w: consoleUrl: %q is not an http(s) URL", ErrInvalid, *u.ConsoleURL)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return General{}, fmt.Errorf("settings: %w", err)
	}
	defer tx.Rollback()
	for k, v := range map[string]*string{"display_name": u.DisplayName, "email": u.Email, "console_url": u.ConsoleURL} {
		if v == nil {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO general_settings (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v=excluded.v`, k, strings.TrimSpace(*v)); err != nil {
			return General{}, fmt.Errorf("settings: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return General{}, fmt.Errorf("settings: %w", err)
	}
	return s.Get(ctx)
}
