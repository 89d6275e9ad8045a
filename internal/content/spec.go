package content

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/pantherlabs/panther/internal/analysis"
)

// DetectionSpec is a detection as the API edits it, field by field: the keys of a
// panther-analysis spec. Zero values leave a key out.
type DetectionSpec struct {
	// Type is rule, scheduled_rule, correlation_rule or policy.
	Type    analysis.AnalysisType
	ID      string
	Enabled bool

	DisplayName, Description, Severity, Runbook, Reference string
	LogTypes, ResourceTypes, ScheduledQueries              []string
	Tags, OutputIDs, SummaryAttributes, Suppressions       []string
	Reports                                                map[string][]string
	// DedupPeriodMinutes and Threshold: 0 leaves the key out (the defaults 60 and 1 apply).
	DedupPeriodMinutes, Threshold int

	// Body is the Python source of a Python detection.
	Body string
	// Detection, InlineFilters, AlertContext, DynamicSeverities and GroupBy are YAML text.
	Detection, InlineFilters, AlertContext, DynamicSeverities, GroupBy string
	AlertTitle                                                         string
	BaseDetection                                                      string
	Tests                                                              []TestSpec
}

// TestSpec is a unit test.
type TestSpec struct {
	Name           string
	ExpectedResult bool
	// Data is the event (rules) or resource (policies) as JSON.
	Data  string
	Mocks []MockSpec
}

// MockSpec replaces a name of the detection's module during a test.
type MockSpec struct {
	ObjectName, ReturnValue string
}

// detectionKeys are the keys DetectionSpec writes; keys of a stored spec that are not among
// them survive an update made through the API.
var detectionKeys = map[string]bool{
	"AnalysisType": true, "Filename": true, "RuleID": true, "PolicyID": true, "DisplayName": true,
	"Enabled": true, "LogTypes": true, "ResourceTypes": true, "ScheduledQueries": true,
	"Severity": true, "DedupPeriodMinutes": true, "Threshold": true, "Description": true,
	"Runbook": true, "Reference": true, "Reports": true, "Tags": true, "OutputIds": true,
	"SummaryAttributes": true, "Suppressions": true, "BaseDetection": true, "Detection": true,
	"InlineFilters": true, "AlertTitle": true, "AlertContext": true, "DynamicSeverities": true,
	"GroupBy": true, "Tests": true,
}

// Item builds the stored item of a detection. previous, when set, is the stored item it
// replaces: keys this spec does not cover are kept from it.
func (d *DetectionSpec) Item(previous *Item) (*Item, error) {
	if d.ID == "" {
		return nil, fmt.Errorf("the ID is empty")
	}
	switch d.Type {
	case analysis.TypeRule, analysis.TypeScheduledRule, analysis.TypeCorrelationRule, analysis.TypePolicy:
	default:
		return nil, fmt.Errorf("%q is not a detection type (expected rule, scheduled_rule, correlation_rule or policy)", d.Type)
	}
	m := newMap()
	m.str("AnalysisType", string(d.Type))
	name := safeName(d.ID)
	python := d.Body != "" && d.Detection == "" && d.BaseDetection == "" && d.Type != analysis.TypeCorrelationRule
	if python {
		m.str("Filename", name+".py")
	}
	idKey := "RuleID"
	if d.Type == analysis.TypePolicy {
		idKey = "PolicyID"
	}
	m.str(idKey, d.ID)
	m.optStr("DisplayName", d.DisplayName)
	m.boolean("Enabled", d.Enabled)
	m.list("LogTypes", d.LogTypes)
	m.list("ResourceTypes", d.ResourceTypes)
	m.list("ScheduledQueries", d.ScheduledQueries)
	m.optStr("BaseDetection", d.BaseDetection)
	m.optStr("Severity", SpecSeverity(d.Severity))
	m.optInt("DedupPeriodMinutes", d.DedupPeriodMinutes)
	m.optInt("Threshold", d.Threshold)
	m.optStr("Description", d.Description)
	m.optStr("Runbook", d.Runbook)
	m.optStr("Reference", d.Reference)
	if len(d.Reports) > 0 {
		rep := newMap()
		for _, k := range sortedKeys(d.Reports) {
			rep.list(k, d.Reports[k])
		}
		m.set("Reports", rep.n)
	}
	m.list("Tags", d.Tags)
	m.list("OutputIds", d.OutputIDs)
	m.list("SummaryAttributes", d.SummaryAttributes)
	m.list("Suppressions", d.Suppressions)
	for _, kv := range []struct{ key, text string }{
		{"Detection", d.Detection}, {"InlineFilters", d.InlineFilters},
	} {
		if err := m.yamlText(kv.key, kv.text); err != nil {
			return nil, err
		}
	}
	m.optStr("AlertTitle", d.AlertTitle)
	for _, kv := range []struct{ key, text string }{
		{"AlertContext", d.AlertContext}, {"DynamicSeverities", d.DynamicSeverities}, {"GroupBy", d.GroupBy},
	} {
		if err := m.yamlText(kv.key, kv.text); err != nil {
			return nil, err
		}
	}
	if len(d.Tests) > 0 {
		tests := &yaml.Node{Kind: yaml.SequenceNode}
		dataKey := "Log"
		if d.Type == analysis.TypePolicy {
			dataKey = "Resource"
		}
		for i, t := range d.Tests {
			tm := newMap()
			tm.str("Name", t.Name)
			tm.boolean("ExpectedResult", t.ExpectedResult)
			if len(t.Mocks) > 0 {
				mocks := &yaml.Node{Kind: yaml.SequenceNode}
				for _, mk := range t.Mocks {
					mm := newMap()
					mm.str("objectName", mk.ObjectName)
					mm.str("returnValue", mk.ReturnValue)
					mocks.Content = append(mocks.Content, mm.n)
				}
				tm.set("Mocks", mocks)
			}
			data, err := parseYAML(t.Data)
			if err != nil {
				return nil, fmt.Errorf("test %d (%s): the %s is not valid JSON: %v", i, t.Name, strings.ToLower(dataKey), err)
			}
			if data == nil {
				data = &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
			}
			tm.set(dataKey, data)
			tests.Content = append(tests.Content, tm.n)
		}
		m.set("Tests", tests)
	}
	if previous != nil {
		if err := keepExtraKeys(m, previous.Spec, detectionKeys); err != nil {
			return nil, err
		}
	}
	spec, err := encode(m.n)
	if err != nil {
		return nil, err
	}
	it := &Item{Type: d.Type, ID: d.ID, SpecName: name + ".yml", Spec: spec}
	if previous != nil && previous.SpecName != "" {
		it.SpecName = previous.SpecName
	}
	if python {
		it.AttachName, it.Attach = name+".py", []byte(d.Body)
	}
	return it, nil
}

// GlobalSpec is a global helper module.
type GlobalSpec struct {
	ID, Description, Body string
	Tags                  []string
}

// Item builds the stored item.
func (g *GlobalSpec) Item(previous *Item) (*Item, error) {
	if g.ID == "" {
		return nil, fmt.Errorf("the ID is empty")
	}
	name := safeName(g.ID)
	m := newMap()
	m.str("AnalysisType", string(analysis.TypeGlobal))
	m.str("Filename", name+".py")
	m.str("GlobalID", g.ID)
	m.optStr("Description", g.Description)
	m.list("Tags", g.Tags)
	if previous != nil {
		if err := keepExtraKeys(m, previous.Spec, map[string]bool{"AnalysisType": true, "Filename": true, "GlobalID": true, "Description": true, "Tags": true}); err != nil {
			return nil, err
		}
	}
	spec, err := encode(m.n)
	if err != nil {
		return nil, err
	}
	return &Item{Type: analysis.TypeGlobal, ID: g.ID, SpecName: name + ".yml", Spec: spec, AttachName: name + ".py", Attach: []byte(g.Body)}, nil
}

// DataModelSpec is a data model.
type DataModelSpec struct {
	ID, DisplayName, Description string
	Enabled                      bool
	LogTypes                     []string
	Mappings                     []analysis.Mapping
	// Body is the Python source of the mapping methods; empty when there are none.
	Body string
}

// Item builds the stored item.
func (dm *DataModelSpec) Item(previous *Item) (*Item, error) {
	if dm.ID == "" {
		return nil, fmt.Errorf("the ID is empty")
	}
	name := safeName(dm.ID)
	m := newMap()
	m.str("AnalysisType", string(analysis.TypeDataModel))
	if dm.Body != "" {
		m.str("Filename", name+".py")
	}
	m.str("DataModelID", dm.ID)
	m.optStr("DisplayName", dm.DisplayName)
	m.optStr("Description", dm.Description)
	m.boolean("Enabled", dm.Enabled)
	m.list("LogTypes", dm.LogTypes)
	maps := &yaml.Node{Kind: yaml.SequenceNode}
	for _, mp := range dm.Mappings {
		mm := newMap()
		mm.str("Name", mp.Name)
		mm.optStr("Path", mp.Path)
		mm.optStr("Method", mp.Method)
		maps.Content = append(maps.Content, mm.n)
	}
	m.set("Mappings", maps)
	if previous != nil {
		if err := keepExtraKeys(m, previous.Spec, map[string]bool{"AnalysisType": true, "Filename": true, "DataModelID": true, "DisplayName": true, "Description": true, "Enabled": true, "LogTypes": true, "Mappings": true}); err != nil {
			return nil, err
		}
	}
	spec, err := encode(m.n)
	if err != nil {
		return nil, err
	}
	it := &Item{Type: analysis.TypeDataModel, ID: dm.ID, SpecName: name + ".yml", Spec: spec}
	if dm.Body != "" {
		it.AttachName, it.Attach = name+".py", []byte(dm.Body)
	}
	return it, nil
}

// QuerySpec is a saved query, or a scheduled one when Schedule is set.
type QuerySpec struct {
	Name, Description, SQL string
	Tags                   []string
	Schedule               *ScheduleSpec
}

// ScheduleSpec is when a scheduled query runs: a cron expression or a rate.
type ScheduleSpec struct {
	Cron                        string
	RateMinutes, TimeoutMinutes int
	Disabled                    bool
}

// Item builds the stored item.
func (q *QuerySpec) Item(previous *Item) (*Item, error) {
	if q.Name == "" {
		return nil, fmt.Errorf("the name is empty")
	}
	typ := analysis.TypeSavedQuery
	if q.Schedule != nil {
		typ = analysis.TypeScheduledQuery
	}
	m := newMap()
	m.str("AnalysisType", string(typ))
	m.str("QueryName", q.Name)
	if q.Schedule != nil {
		m.boolean("Enabled", !q.Schedule.Disabled)
	}
	m.optStr("Description", q.Description)
	m.str("Query", q.SQL)
	m.list("Tags", q.Tags)
	if s := q.Schedule; s != nil {
		sm := newMap()
		if s.Cron != "" {
			sm.str("CronExpression", s.Cron)
		} else {
			sm.optInt("RateMinutes", s.RateMinutes)
		}
		timeout := s.TimeoutMinutes
		if timeout == 0 {
			timeout = 5
		}
		sm.optInt("TimeoutMinutes", timeout)
		m.set("Schedule", sm.n)
	}
	if previous != nil {
		if err := keepExtraKeys(m, previous.Spec, map[string]bool{"AnalysisType": true, "QueryName": true, "Enabled": true, "Description": true, "Query": true, "Tags": true, "Schedule": true,
			"AthenaQuery": true, "SnowflakeQuery": true, "DatabricksQuery": true, "PantherFlowQuery": true}); err != nil {
			return nil, err
		}
	}
	spec, err := encode(m.n)
	if err != nil {
		return nil, err
	}
	return &Item{Type: typ, ID: q.Name, SpecName: safeName(q.Name) + ".yml", Spec: spec}, nil
}

// WithEnabled returns a copy of an item whose spec's Enabled key is set to enabled (added when
// missing); the rest of the text is kept as written.
func WithEnabled(it *Item, enabled bool) (*Item, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(it.Spec, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", it.SpecName, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: the spec is not a mapping", it.SpecName)
	}
	root := doc.Content[0]
	value := strconv.FormatBool(enabled)
	found := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "Enabled" {
			root.Content[i+1] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: value}
			found = true
		}
	}
	if !found {
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "Enabled"}, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: value})
	}
	spec, err := encode(root)
	if err != nil {
		return nil, err
	}
	out := *it
	out.Spec = spec
	return &out, nil
}

// ymap builds a YAML mapping in key order.
type ymap struct{ n *yaml.Node }

func newMap() ymap { return ymap{&yaml.Node{Kind: yaml.MappingNode}} }

func (m ymap) set(key string, v *yaml.Node) {
	m.n.Content = append(m.n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
}

func (m ymap) str(key, v string) {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
	if strings.Contains(v, "\n") {
		n.Style = yaml.LiteralStyle
	}
	m.set(key, n)
}

func (m ymap) optStr(key, v string) {
	if v != "" {
		m.str(key, v)
	}
}

func (m ymap) boolean(key string, v bool) {
	m.set(key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)})
}

func (m ymap) optInt(key string, v int) {
	if v != 0 {
		m.set(key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)})
	}
}

func (m ymap) list(key string, vs []string) {
	if len(vs) == 0 {
		return
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, v := range vs {
		seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
	}
	m.set(key, seq)
}

// yamlText embeds YAML text (a simple detection's Detection key, ...) under key.
func (m ymap) yamlText(key, text string) error {
	n, err := parseYAML(text)
	if err != nil {
		return fmt.Errorf("%s: %v", key, err)
	}
	if n != nil {
		m.set(key, n)
	}
	return nil
}

// parseYAML parses one YAML (or JSON) document; empty text is nil.
func parseYAML(text string) (*yaml.Node, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	n := doc.Content[0]
	clearStyle(n)
	return n, nil
}

// clearStyle drops the flow style JSON input has, so the spec reads as block YAML.
func clearStyle(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style &^= yaml.FlowStyle
	}
	for _, c := range n.Content {
		clearStyle(c)
	}
}

// keepExtraKeys appends to m the keys of the previous spec that managed does not cover.
func keepExtraKeys(m ymap, previous []byte, managed map[string]bool) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(previous, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i].Value; !managed[k] {
			m.set(k, root.Content[i+1])
		}
	}
	return nil
}

func encode(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("encoding the spec: %v", err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func sortedKeys(m map[string][]string) []string { return slices.Sorted(maps.Keys(m)) }

// KeyYAML returns the value of a top-level key of a spec as YAML text, as written (a simple
// detection's Detection key, InlineFilters, ...); "" when the key is absent.
func KeyYAML(spec []byte, key string) string {
	var doc yaml.Node
	if err := yaml.Unmarshal(spec, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return ""
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			b, err := encode(root.Content[i+1])
			if err != nil {
				return ""
			}
			return string(b)
		}
	}
	return ""
}

// SpecSeverity writes a severity the way specs spell it ("HIGH" -> "High"); other text is
// kept, for the loader to report.
func SpecSeverity(s string) string {
	switch strings.ToUpper(s) {
	case "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL":
		u := strings.ToUpper(s)
		return u[:1] + strings.ToLower(u[1:])
	}
	return s
}
