package graphql

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
	"github.com/pantherlabs/panther/internal/content"
)

// detectionType maps an analysis type to the schema's.
func detectionType(it *content.Item, d *analysis.Detection) model.DetectionType {
	switch it.Type {
	case analysis.TypeScheduledRule:
		return model.DetectionTypeScheduledRule
	case analysis.TypeCorrelationRule:
		return model.DetectionTypeCorrelationRule
	case analysis.TypePolicy:
		return model.DetectionTypePolicy
	}
	if d != nil && d.IsDerived() {
		return model.DetectionTypeDerivedRule
	}
	return model.DetectionTypeRule
}

// analysisType maps the schema's detection type to an analysis type.
func analysisType(t model.DetectionType) analysis.AnalysisType {
	switch t {
	case model.DetectionTypeScheduledRule:
		return analysis.TypeScheduledRule
	case model.DetectionTypeCorrelationRule:
		return analysis.TypeCorrelationRule
	case model.DetectionTypePolicy:
		return analysis.TypePolicy
	}
	return analysis.TypeRule
}

func severityModel(s string) model.Severity {
	if v := model.Severity(strings.ToUpper(s)); v.IsValid() {
		return v
	}
	return model.SeverityInfo
}

// detectionModel is a stored detection as the schema shows it; d is nil when the spec does
// not load (its problems say why).
func detectionModel(snap *content.Snapshot, it *content.Item) *model.Detection {
	d, _ := snap.Detection(it.ID)
	m := &model.Detection{
		ID: it.ID, Name: it.ID, Type: detectionType(it, d), Spec: string(it.Spec), Version: it.Version,
		CreatedAt: it.CreatedAt, UpdatedAt: optTime(it.UpdatedAt), CreatedByRef: it.CreatedBy, UpdatedByRef: it.UpdatedBy,
		LogTypes: []string{}, ResourceTypes: []string{}, ScheduledQueries: []string{}, Tags: []string{},
		OutputIds: []string{}, SummaryAttributes: []string{}, Suppressions: []string{}, Tests: []*model.DetectionTest{},
		Packs: packsOf(snap, it.ID), Problems: []string{}, Kind: model.DetectionKindPython, Severity: model.SeverityInfo,
		DedupPeriodMinutes: 60, Threshold: 1,
	}
	for _, p := range snap.Problems(it.ID) {
		p.File = it.SpecName
		m.Problems = append(m.Problems, p.Error())
	}
	if d == nil {
		return m
	}
	switch {
	case d.Type == analysis.TypeCorrelationRule:
		m.Kind = model.DetectionKindCorrelation
	case d.IsDerived():
		m.Kind = model.DetectionKindDerived
	case d.IsSimple():
		m.Kind = model.DetectionKindSimple
	}
	if d.DisplayName != "" {
		m.Name = d.DisplayName
		m.DisplayName = &d.DisplayName
	}
	m.Description, m.Runbook, m.Reference = optStr(d.Description), optStr(d.Runbook), optStr(d.Reference)
	m.Enabled, m.Severity = d.Enabled, severityModel(d.Severity)
	m.LogTypes, m.ResourceTypes, m.ScheduledQueries = nonNil(d.LogTypes), nonNil(d.ResourceTypes), nonNil(d.ScheduledQueries)
	m.Tags, m.OutputIds, m.SummaryAttributes, m.Suppressions = nonNil(d.Tags), nonNil(d.OutputIds), nonNil(d.SummaryAttributes), nonNil(d.Suppressions)
	if len(d.Reports) > 0 {
		m.Reports = d.Reports
	}
	m.DedupPeriodMinutes, m.Threshold = d.DedupPeriodMinutes, d.Threshold
	if d.PythonSource != "" {
		m.Body = &d.PythonSource
	}
	m.Detection = optStr(content.KeyYAML(it.Spec, "Detection"))
	m.InlineFilters = optStr(content.KeyYAML(it.Spec, "InlineFilters"))
	m.AlertContext = optStr(content.KeyYAML(it.Spec, "AlertContext"))
	m.DynamicSeverities = optStr(content.KeyYAML(it.Spec, "DynamicSeverities"))
	m.GroupBy = optStr(content.KeyYAML(it.Spec, "GroupBy"))
	m.AlertTitle, m.BaseDetection = optStr(d.AlertTitle), optStr(d.BaseDetection)
	for _, t := range d.Tests {
		m.Tests = append(m.Tests, testModel(t))
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func testModel(t analysis.Test) *model.DetectionTest {
	mt := &model.DetectionTest{Name: t.Name, ExpectedResult: t.ExpectedResult, Resource: string(t.DataJSON), Mocks: []*model.DetectionTestMock{}}
	if mt.Resource == "" {
		mt.Resource = "{}"
	}
	for _, mk := range t.Mocks {
		mt.Mocks = append(mt.Mocks, &model.DetectionTestMock{ObjectName: mk.ObjectName, ReturnValue: mockText(mk.ReturnValue)})
	}
	return mt
}

// mockText shows a mock's return value as text (a string as is, a bool as true/false).
func mockText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// packsOf lists the packs naming an ID.
func packsOf(snap *content.Snapshot, id string) []string {
	out := []string{}
	for _, p := range snap.Collection.Packs {
		if slices.Contains(p.IDs, id) {
			out = append(out, p.ID)
		}
	}
	return out
}

// detectionSpec turns a DetectionInput into the content's spec.
func detectionSpec(in *model.DetectionInput) (*content.DetectionSpec, error) {
	d := &content.DetectionSpec{
		Type: analysisType(in.Type), ID: in.ID, Enabled: in.Enabled == nil || *in.Enabled,
		DisplayName: deref(in.DisplayName), Description: deref(in.Description), Severity: string(in.Severity),
		Runbook: deref(in.Runbook), Reference: deref(in.Reference),
		LogTypes: in.LogTypes, ResourceTypes: in.ResourceTypes, ScheduledQueries: in.ScheduledQueries,
		Tags: in.Tags, OutputIDs: in.OutputIds, SummaryAttributes: in.SummaryAttributes, Suppressions: in.Suppressions,
		DedupPeriodMinutes: deref(in.DedupPeriodMinutes), Threshold: deref(in.Threshold),
		Body: deref(in.Body), Detection: deref(in.Detection), InlineFilters: deref(in.InlineFilters),
		AlertContext: deref(in.AlertContext), DynamicSeverities: deref(in.DynamicSeverities), GroupBy: deref(in.GroupBy),
		AlertTitle: deref(in.AlertTitle), BaseDetection: deref(in.BaseDetection),
	}
	if in.Type == model.DetectionTypeDerivedRule && d.BaseDetection == "" {
		return nil, invalid("a DERIVED_RULE needs baseDetection")
	}
	if in.Reports != nil {
		reports, err := reportsOf(in.Reports)
		if err != nil {
			return nil, err
		}
		d.Reports = reports
	}
	for _, t := range in.Tests {
		ts := content.TestSpec{Name: t.Name, ExpectedResult: t.ExpectedResult, Data: t.Resource}
		for _, mk := range t.Mocks {
			ts.Mocks = append(ts.Mocks, content.MockSpec{ObjectName: mk.ObjectName, ReturnValue: mk.ReturnValue})
		}
		d.Tests = append(d.Tests, ts)
	}
	return d, nil
}

// reportsOf reads a Reports JSON value: framework name -> list of references.
func reportsOf(v any) (map[string][]string, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("reports must be an object mapping a framework to a list of strings")
	}
	out := map[string][]string{}
	for k, list := range obj {
		items, ok := list.([]any)
		if !ok {
			return nil, invalid("reports.%s must be a list of strings", k)
		}
		for _, x := range items {
			s, ok := x.(string)
			if !ok {
				return nil, invalid("reports.%s must be a list of strings", k)
			}
			out[k] = append(out[k], s)
		}
	}
	return out, nil
}

func globalModel(snap *content.Snapshot, it *content.Item) *model.GlobalHelper {
	m := &model.GlobalHelper{ID: it.ID, Tags: []string{}, Body: string(it.Attach), CreatedAt: it.CreatedAt, UpdatedAt: optTime(it.UpdatedAt),
		Version: it.Version, CreatedByRef: it.CreatedBy, UpdatedByRef: it.UpdatedBy}
	if s, ok := snap.Collection.ByID(it.ID); ok {
		if g, ok := s.(*analysis.Global); ok {
			m.Description, m.Tags, m.Body = optStr(g.Description), nonNil(g.Tags), g.PythonSource
		}
	}
	return m
}

func dataModelModel(snap *content.Snapshot, it *content.Item) *model.DataModel {
	m := &model.DataModel{ID: it.ID, LogTypes: []string{}, Mappings: []*model.DataModelMapping{}, CreatedAt: it.CreatedAt,
		UpdatedAt: optTime(it.UpdatedAt), Version: it.Version, CreatedByRef: it.CreatedBy, UpdatedByRef: it.UpdatedBy}
	if s, ok := snap.Collection.ByID(it.ID); ok {
		if dm, ok := s.(*analysis.DataModel); ok {
			m.DisplayName, m.Enabled, m.LogTypes = optStr(dm.DisplayName), dm.Enabled, nonNil(dm.LogTypes)
			for _, mp := range dm.Mappings {
				m.Mappings = append(m.Mappings, &model.DataModelMapping{Name: mp.Name, Path: optStr(mp.Path), Method: optStr(mp.Method)})
			}
			m.Body = optStr(dm.PythonSource)
		}
	}
	if d, ok := descriptionOf(it); ok {
		m.Description = &d
	}
	return m
}

// descriptionOf reads a spec's Description (data models keep it only in Raw).
func descriptionOf(it *content.Item) (string, bool) {
	d := strings.TrimSpace(content.KeyYAML(it.Spec, "Description"))
	return d, d != ""
}

// queryNamespace derives saved query IDs (UUIDs, as Panther's API has them) from names.
var queryNamespace = uuid.MustParse("5f0b7a57-6f6e-4c2b-9a55-7061e7468e72")

// QueryID is the UUID of a saved query name.
func QueryID(name string) string { return uuid.NewSHA1(queryNamespace, []byte(name)).String() }

func savedQueryModel(snap *content.Snapshot, it *content.Item) *model.SavedQuery {
	m := &model.SavedQuery{ID: QueryID(it.ID), Name: it.ID, Tags: []string{}, CreatedAt: it.CreatedAt, UpdatedAt: optTime(it.UpdatedAt),
		CreatedByRef: it.CreatedBy, UpdatedByRef: it.UpdatedBy}
	if s, ok := snap.Collection.ByID(it.ID); ok {
		if q, ok := s.(*analysis.Query); ok {
			m.Description, m.SQL, m.Tags = optStr(q.Description), q.Query, nonNil(q.Tags)
			if q.Schedule != nil {
				m.Schedule = &model.SavedQuerySchedule{Cron: optStr(q.Schedule.CronExpression), Disabled: !q.Enabled}
				if q.Schedule.RateMinutes > 0 {
					m.Schedule.RateMinutes = ptr(q.Schedule.RateMinutes)
				}
				if q.Schedule.TimeoutMinutes > 0 {
					m.Schedule.TimeoutMinutes = ptr(q.Schedule.TimeoutMinutes)
				}
			}
		}
	}
	return m
}

// findQuery finds a saved query by name or by its UUID.
func findQuery(snap *content.Snapshot, key string) (*content.Item, bool) {
	if it, ok := snap.Item(key); ok && content.IsQuery(it.Type) {
		return it, true
	}
	for _, it := range snap.Items {
		if content.IsQuery(it.Type) && QueryID(it.ID) == key {
			return it, true
		}
	}
	return nil, false
}

func packModel(snap *content.Snapshot, it *content.Item) *model.Pack {
	m := &model.Pack{ID: it.ID, PackDefinition: []string{}, CreatedAt: it.CreatedAt, UpdatedAt: optTime(it.UpdatedAt)}
	if s, ok := snap.Collection.ByID(it.ID); ok {
		if p, ok := s.(*analysis.Pack); ok {
			m.DisplayName, m.Description, m.PackDefinition = optStr(p.DisplayName), optStr(p.Description), nonNil(p.IDs)
			m.Enabled = packEnabled(snap, p)
		}
	}
	return m
}

// packEnabled: every detection of the pack is enabled (and it has one).
func packEnabled(snap *content.Snapshot, p *analysis.Pack) bool {
	n := 0
	for _, id := range p.IDs {
		if d, ok := snap.Detection(id); ok {
			n++
			if !d.Enabled {
				return false
			}
		}
	}
	return n > 0
}

// itemsOf returns the snapshot's items of some types, sorted by ID.
func itemsOf(snap *content.Snapshot, keep func(*content.Item) bool) []*content.Item {
	var out []*content.Item
	for _, it := range snap.Items {
		if keep(it) {
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// page cuts a list at a cursor: the ID of the last item of the previous page.
func page[T any](list []T, id func(T) string, cursor *string, size int) ([]T, *model.CursorBasedPaginationPageInfo) {
	start := 0
	if c := deref(cursor); c != "" {
		start = len(list)
		for i, x := range list {
			if id(x) == c {
				start = i + 1
				break
			}
		}
	}
	end := min(start+size, len(list))
	info := &model.CursorBasedPaginationPageInfo{HasNextPage: end < len(list), HasPreviousPage: start > 0}
	out := list[start:end]
	if len(out) > 0 {
		info.StartCursor = ptr(id(out[0]))
		if info.HasNextPage {
			info.EndCursor = ptr(id(out[len(out)-1]))
		}
	}
	return out, info
}

// uploadStats is one category of an upload's answer.
func uploadStats(s content.Stats) *model.UploadStatistics {
	total := append(append(append([]string{}, s.New...), s.Modified...), s.Unchanged...)
	sort.Strings(total)
	return &model.UploadStatistics{
		New: len(s.New), NewIds: nonNil(s.New), Modified: len(s.Modified), ModifiedIds: nonNil(s.Modified),
		Deleted: len(s.Deleted), DeletedIds: nonNil(s.Deleted), Total: len(total), TotalIds: total,
	}
}

func uploadOutput(r *content.UploadResult) *model.UploadDetectionEntitiesOutput {
	if r == nil {
		r = &content.UploadResult{}
	}
	return &model.UploadDetectionEntitiesOutput{
		Rules: uploadStats(r.Rules), Policies: uploadStats(r.Policies), Queries: uploadStats(r.Queries),
		DataModels: uploadStats(r.DataModels), GlobalHelpers: uploadStats(r.GlobalHelpers), LookupTables: uploadStats(r.LookupTables),
		CorrelationRules: uploadStats(r.CorrelationRules), ScheduledPrompts: uploadStats(r.ScheduledPrompts), Packs: uploadStats(r.Packs),
	}
}

// describeIssues renders validation issues for an error message.
func describeIssues(issues []content.UploadIssue) string {
	parts := make([]string, len(issues))
	for i, is := range issues {
		if is.Path == "" {
			parts[i] = is.ErrorMessage
			continue
		}
		parts[i] = fmt.Sprintf("%s: %s", is.Path, is.ErrorMessage)
	}
	return strings.Join(parts, "; ")
}
