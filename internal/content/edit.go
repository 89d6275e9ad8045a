package content

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/pantherlabs/panther/internal/analysis"
)

// IsDetection reports whether a type is a detection (rule, scheduled rule, correlation rule,
// policy).
func IsDetection(t analysis.AnalysisType) bool {
	switch t {
	case analysis.TypeRule, analysis.TypeScheduledRule, analysis.TypeCorrelationRule, analysis.TypePolicy:
		return true
	}
	return false
}

// IsQuery reports whether a type is a saved or scheduled query.
func IsQuery(t analysis.AnalysisType) bool {
	return t == analysis.TypeSavedQuery || t == analysis.TypeScheduledQuery
}

// DeleteDetections deletes the detections with the given IDs (IDs of other items, or of
// nothing, are skipped). With includeQueries it also deletes the queries that the deleted
// scheduled rules use and no remaining rule uses. It returns what it deleted (or would, with
// dryRun).
func (s *Store) DeleteDetections(ctx context.Context, ids []string, includeQueries, dryRun bool, actor string) (deleted, queries []string, err error) {
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	gone := map[string]bool{}
	for _, id := range ids {
		if it, ok := snap.Item(id); ok && IsDetection(it.Type) && !gone[id] {
			gone[id] = true
			deleted = append(deleted, id)
		}
	}
	if includeQueries {
		used := map[string]bool{}   // queries the remaining rules use
		wanted := map[string]bool{} // queries the deleted rules use
		for _, d := range snap.Collection.Detections {
			for _, q := range d.ScheduledQueries {
				if gone[d.ID] {
					wanted[q] = true
				} else {
					used[q] = true
				}
			}
		}
		for q := range wanted {
			if it, ok := snap.Item(q); ok && IsQuery(it.Type) && !used[q] {
				queries = append(queries, q)
			}
		}
		sort.Strings(queries)
	}
	sort.Strings(deleted)
	if len(deleted)+len(queries) == 0 {
		return deleted, queries, nil
	}
	_, err = s.Apply(ctx, Change{Delete: append(slices.Clone(deleted), queries...), DryRun: dryRun}, actor)
	return deleted, queries, err
}

// DeleteQueries deletes saved and scheduled queries by name (unknown names are skipped). With
// includeDetections it also deletes the scheduled rules that use them.
func (s *Store) DeleteQueries(ctx context.Context, names []string, includeDetections, dryRun bool, actor string) (deleted, detections []string, err error) {
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	gone := map[string]bool{}
	for _, n := range names {
		if it, ok := snap.Item(n); ok && IsQuery(it.Type) && !gone[n] {
			gone[n] = true
			deleted = append(deleted, n)
		}
	}
	if includeDetections {
		for _, d := range snap.Collection.Detections {
			for _, q := range d.ScheduledQueries {
				if gone[q] {
					detections = append(detections, d.ID)
					break
				}
			}
		}
	}
	sort.Strings(deleted)
	sort.Strings(detections)
	if len(deleted)+len(detections) == 0 {
		return deleted, detections, nil
	}
	_, err = s.Apply(ctx, Change{Delete: append(slices.Clone(deleted), detections...), DryRun: dryRun}, actor)
	return deleted, detections, err
}

// Delete deletes items of the given types by ID; an ID of another type, or of nothing, is
// ErrNotFound.
func (s *Store) Delete(ctx context.Context, ids []string, types []analysis.AnalysisType, dryRun bool, actor string) error {
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		it, ok := snap.Item(id)
		if !ok || !slices.Contains(types, it.Type) {
			return fmt.Errorf("%s: %w", id, ErrNotFound)
		}
	}
	_, err = s.Apply(ctx, Change{Delete: ids, DryRun: dryRun}, actor)
	return err
}

// SetEnabled enables or disables items (detections, data models, scheduled queries). Every ID
// must exist.
func (s *Store) SetEnabled(ctx context.Context, ids []string, enabled bool, actor string) (*Result, error) {
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	var puts []*Item
	for _, id := range ids {
		it, ok := snap.Item(id)
		if !ok {
			return nil, fmt.Errorf("%s: %w", id, ErrNotFound)
		}
		switch it.Type {
		case analysis.TypeGlobal, analysis.TypePack, analysis.TypeSavedQuery:
			return nil, fmt.Errorf("%s is a %s, which has no Enabled flag", id, it.Type)
		}
		n, err := WithEnabled(it, enabled)
		if err != nil {
			return nil, err
		}
		puts = append(puts, n)
	}
	return s.Apply(ctx, Change{Put: puts}, actor)
}

// Put creates or replaces one item. expect is the version the caller read: 0 to create (the
// ID must be free), -1 to replace whatever is stored.
func (s *Store) Put(ctx context.Context, it *Item, expect int, actor string) (*Item, *Snapshot, error) {
	ch := Change{Put: []*Item{it}}
	if expect >= 0 {
		ch.Expect = map[string]int{it.ID: expect}
	}
	res, err := s.Apply(ctx, ch, actor)
	if err != nil {
		return nil, nil, err
	}
	return res.Items[0], res.Snapshot, nil
}
