package auth

import (
	"context"
	"fmt"
	"strings"
)

// FindUsers returns the users whose id or e-mail is one of keys, in one query (the assignees
// of a page of alerts), by key as given; a key of no user has no entry.
func (s *Service) FindUsers(ctx context.Context, keys []string) (map[string]User, error) {
	out := map[string]User{}
	if len(keys) == 0 {
		return out, nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(keys)), ",")
	args := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		args = append(args, k)
	}
	for _, k := range keys {
		args = append(args, emailKey(k))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM auth_users WHERE id IN (`+ph+`) OR email_key IN (`+ph+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: users: %w", err)
	}
	defer rows.Close()
	var users []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("auth: users: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth: users: %w", err)
	}
	// An id wins over an e-mail, as in FindUser.
	for _, k := range keys {
		for _, u := range users {
			if u.ID == k {
				out[k] = u
			}
		}
		if _, ok := out[k]; ok {
			continue
		}
		for _, u := range users {
			if emailKey(u.Email) == emailKey(k) {
				out[k] = u
			}
		}
	}
	return out, nil
}

// GetTokens returns the tokens (revoked ones included) whose id is one of ids, in one query,
// by id; an id of no token has no entry.
func (s *Service) GetTokens(ctx context.Context, ids []string) (map[string]Token, error) {
	out := map[string]Token{}
	if len(ids) == 0 {
		return out, nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM auth_tokens WHERE id IN (`+ph+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: tokens: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("auth: tokens: %w", err)
		}
		out[t.ID] = t
	}
	return out, rows.Err()
}
