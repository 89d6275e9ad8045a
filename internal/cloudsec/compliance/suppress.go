package compliance

import (
	"context"
	"fmt"
	"strings"

	"github.com/pantherlabs/panther/internal/cloudsec/resources"
)

// Suppression is a pattern added to a policy through the API or the CLI (the patterns of the
// policy's own Suppressions are not stored here).
type Suppression struct {
	PolicyID string `json:"policyId"`
	Pattern  string `json:"pattern"`
	AddedBy  string `json:"addedBy,omitempty"`
}

func (s *Service) loadSuppressions(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT policy_id, pattern FROM compliance_suppressions ORDER BY policy_id, pattern`)
	if err != nil {
		return fmt.Errorf("compliance: %w", err)
	}
	defer rows.Close()
	extra := map[string][]Glob{}
	for rows.Next() {
		var id, pat string
		if err := rows.Scan(&id, &pat); err != nil {
			return fmt.Errorf("compliance: %w", err)
		}
		if g, err := ParseGlob(pat); err == nil {
			extra[id] = append(extra[id], g)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("compliance: %w", err)
	}
	s.extra = extra
	return nil
}

// Suppressions lists the patterns added to policies (all policies when policyID is empty).
func (s *Service) Suppressions(ctx context.Context, policyID string) ([]Suppression, error) {
	q := `SELECT policy_id, pattern, added_by FROM compliance_suppressions`
	var args []any
	if policyID != "" {
		q += ` WHERE policy_id = ?`
		args = append(args, policyID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY policy_id, pattern`, args...)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	defer rows.Close()
	var out []Suppression
	for rows.Next() {
		var sp Suppression
		if err := rows.Scan(&sp.PolicyID, &sp.Pattern, &sp.AddedBy); err != nil {
			return nil, fmt.Errorf("compliance: %w", err)
		}
		out = append(out, sp)
	}
	return out, rows.Err()
}

// AddSuppressions appends resource id patterns to policies (Panther's suppressPolicies) and
// marks the matching statuses suppressed; it returns the number of statuses that became
// suppressed. Unknown policies are an error, as are empty patterns.
func (s *Service) AddSuppressions(ctx context.Context, policyIDs, patterns []string, actor string) (int, error) {
	return s.changeSuppressions(ctx, policyIDs, patterns, actor, true)
}

// RemoveSuppressions removes patterns added with AddSuppressions and recomputes the
// suppression of the policies' statuses. A pair that becomes active while failing does not
// alert: it did not become FAIL.
func (s *Service) RemoveSuppressions(ctx context.Context, policyIDs, patterns []string) (int, error) {
	return s.changeSuppressions(ctx, policyIDs, patterns, "", false)
}

func (s *Service) changeSuppressions(ctx context.Context, policyIDs, patterns []string, actor string, add bool) (int, error) {
	if len(policyIDs) == 0 || len(patterns) == 0 {
		return 0, fmt.Errorf("compliance: suppressions need at least one policy and one pattern")
	}
	for _, p := range patterns {
		if _, err := ParseGlob(p); err != nil {
			return 0, fmt.Errorf("compliance: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var unknown []string
	for _, id := range policyIDs {
		if s.policies[id] == nil {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		return 0, fmt.Errorf("compliance: unknown or disabled policy %s", strings.Join(unknown, ", "))
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	defer tx.Rollback()
	now := s.now().UnixNano()
	for _, id := range policyIDs {
		for _, pat := range patterns {
			if add {
				_, err = tx.ExecContext(ctx, `INSERT INTO compliance_suppressions (policy_id, pattern, added_by, added_at) VALUES (?, ?, ?, ?)
					ON CONFLICT DO NOTHING`, id, pat, actor, now)
			} else {
				_, err = tx.ExecContext(ctx, `DELETE FROM compliance_suppressions WHERE policy_id = ? AND pattern = ?`, id, pat)
			}
			if err != nil {
				return 0, fmt.Errorf("compliance: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	if err := s.loadSuppressions(ctx); err != nil {
		return 0, err
	}
	changed := 0
	for _, id := range policyIDs {
		n, err := s.resuppress(ctx, id)
		if err != nil {
			return changed, err
		}
		changed += n
	}
	return changed, nil
}

// resuppress recomputes the suppressed flag of a policy's statuses and records the changes.
func (s *Service) resuppress(ctx context.Context, policyID string) (int, error) {
	p := s.policies[policyID]
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+rowColumns+` FROM compliance_status WHERE policy_id = ?`, policyID)
	if err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	var changed []*Row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("compliance: %w", err)
		}
		if sup := s.suppressed(p, r.ResourceID); sup != r.Suppressed {
			r.Suppressed = sup
			changed = append(changed, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	now := s.now().UTC()
	for _, r := range changed {
		r.UpdatedAt = now
		if _, err := tx.ExecContext(ctx, `UPDATE compliance_status SET suppressed = ?, updated_at = ? WHERE policy_id = ? AND resource_id = ?`,
			boolInt(r.Suppressed), now.UnixNano(), r.PolicyID, r.ResourceID); err != nil {
			return 0, fmt.Errorf("compliance: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	recs := make([]resources.ComplianceRecord, 0, len(changed))
	for _, r := range changed {
		recs = append(recs, recordOf(r, resources.Modified, r.Status))
	}
	return len(changed), s.writeHistory(ctx, recs)
}
