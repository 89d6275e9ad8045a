package compliance

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Severities in decreasing order.
var Severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"}

func severityRank(s string) int {
	for i, x := range Severities {
		if x == s {
			return len(Severities) - i
		}
	}
	return 0
}

// Counts counts statuses.
type Counts struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Error int `json:"error"`
}

func (c *Counts) add(s Status, n int) {
	switch s {
	case Pass:
		c.Pass += n
	case Fail:
		c.Fail += n
	case Error:
		c.Error += n
	}
}

// Total is the sum of the counts.
func (c Counts) Total() int { return c.Pass + c.Fail + c.Error }

// PolicyStat is the aggregate of one policy over its active (not suppressed) pairs.
type PolicyStat struct {
	PolicyID string `json:"policyId"`
	Severity string `json:"severity"`
	// Status aggregates the pairs: ERROR beats FAIL beats PASS.
	Status Status `json:"status"`
	Counts
	Suppressed int `json:"suppressed"`
}

// ResourceStat is the aggregate of one resource over the active pairs of its policies.
type ResourceStat struct {
	ResourceID   string `json:"resourceId"`
	ResourceType string `json:"resourceType"`
	Status       Status `json:"status"`
	Counts
	// Failing counts the failing policies by severity.
	Failing map[string]int `json:"failingBySeverity,omitempty"`
}

// Summary is the organization's compliance overview (Panther's getOrganizationStats).
type Summary struct {
	// Policies counts the policies by severity and aggregate status; Resources counts the
	// resources by aggregate status, and by type.
	Policies        map[string]Counts `json:"appliedPolicies"`
	Resources       Counts            `json:"scannedResources"`
	ResourcesByType map[string]Counts `json:"scannedResourcesByType"`
	// Active and Suppressed count the (policy, resource) pairs by severity and status.
	Active     map[string]Counts `json:"active"`
	Suppressed map[string]Counts `json:"suppressed"`
	// TopFailingPolicies are the policies with failing resources, most severe first, then
	// the most failing; TopFailingResources the resources failing the most severe policies.
	TopFailingPolicies  []PolicyStat   `json:"topFailingPolicies"`
	TopFailingResources []ResourceStat `json:"topFailingResources"`
}

// PolicyStats aggregates every policy with statuses, by policy id.
func (s *Service) PolicyStats(ctx context.Context) ([]PolicyStat, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT policy_id, severity, status, suppressed, COUNT(*) FROM compliance_status
		GROUP BY policy_id, severity, status, suppressed ORDER BY policy_id`)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	defer rows.Close()
	var out []PolicyStat
	for rows.Next() {
		var id, sev string
		var st Status
		var sup, n int
		if err := rows.Scan(&id, &sev, &st, &sup, &n); err != nil {
			return nil, fmt.Errorf("compliance: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].PolicyID != id {
			out = append(out, PolicyStat{PolicyID: id, Severity: sev})
		}
		p := &out[len(out)-1]
		if sup != 0 {
			p.Suppressed += n
			continue
		}
		p.add(st, n)
		p.Status = Worst(p.Status, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	for i := range out {
		if out[i].Status == "" {
			out[i].Status = Pass // every pair suppressed
		}
	}
	return out, nil
}

// ResourceStats aggregates the given resources (every resource with statuses when ids is
// empty), by resource id.
func (s *Service) ResourceStats(ctx context.Context, ids []string) ([]ResourceStat, error) {
	q := `SELECT resource_id, resource_type, severity, status, COUNT(*) FROM compliance_status WHERE suppressed = 0`
	var args []any
	if len(ids) > 0 {
		q += ` AND resource_id IN (` + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	rows, err := s.db.QueryContext(ctx, q+` GROUP BY resource_id, resource_type, severity, status ORDER BY resource_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	defer rows.Close()
	var out []ResourceStat
	for rows.Next() {
		var id, typ, sev string
		var st Status
		var n int
		if err := rows.Scan(&id, &typ, &sev, &st, &n); err != nil {
			return nil, fmt.Errorf("compliance: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].ResourceID != id {
			out = append(out, ResourceStat{ResourceID: id, ResourceType: typ})
		}
		r := &out[len(out)-1]
		r.add(st, n)
		r.Status = Worst(r.Status, st)
		if st == Fail {
			if r.Failing == nil {
				r.Failing = map[string]int{}
			}
			r.Failing[sev] += n
		}
	}
	return out, rows.Err()
}

// Summary returns the overview, with the top failing policies and resources (top of each;
// default 10).
func (s *Service) Summary(ctx context.Context, top int) (*Summary, error) {
	if top <= 0 {
		top = 10
	}
	sum := &Summary{Policies: map[string]Counts{}, ResourcesByType: map[string]Counts{}, Active: map[string]Counts{}, Suppressed: map[string]Counts{}}
	rows, err := s.db.QueryContext(ctx, `SELECT severity, status, suppressed, COUNT(*) FROM compliance_status GROUP BY severity, status, suppressed`)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	for rows.Next() {
		var sev string
		var st Status
		var sup, n int
		if err := rows.Scan(&sev, &st, &sup, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("compliance: %w", err)
		}
		m := sum.Active
		if sup != 0 {
			m = sum.Suppressed
		}
		c := m[sev]
		c.add(st, n)
		m[sev] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	pols, err := s.PolicyStats(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range pols {
		c := sum.Policies[p.Severity]
		c.add(p.Status, 1)
		sum.Policies[p.Severity] = c
		if p.Fail > 0 {
			sum.TopFailingPolicies = append(sum.TopFailingPolicies, p)
		}
	}
	sort.SliceStable(sum.TopFailingPolicies, func(i, j int) bool {
		a, b := sum.TopFailingPolicies[i], sum.TopFailingPolicies[j]
		if ra, rb := severityRank(a.Severity), severityRank(b.Severity); ra != rb {
			return ra > rb
		}
		return a.Fail > b.Fail
	})
	sum.TopFailingPolicies = sum.TopFailingPolicies[:min(top, len(sum.TopFailingPolicies))]
	res, err := s.ResourceStats(ctx, nil)
	if err != nil {
		return nil, err
	}
	for _, r := range res {
		sum.Resources.add(r.Status, 1)
		c := sum.ResourcesByType[r.ResourceType]
		c.add(r.Status, 1)
		sum.ResourcesByType[r.ResourceType] = c
		if r.Fail > 0 {
			sum.TopFailingResources = append(sum.TopFailingResources, r)
		}
	}
	sort.SliceStable(sum.TopFailingResources, func(i, j int) bool {
		a, b := sum.TopFailingResources[i], sum.TopFailingResources[j]
		for _, sev := range Severities {
			if a.Failing[sev] != b.Failing[sev] {
				return a.Failing[sev] > b.Failing[sev]
			}
		}
		return false
	})
	sum.TopFailingResources = sum.TopFailingResources[:min(top, len(sum.TopFailingResources))]
	return sum, nil
}
