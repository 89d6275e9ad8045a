package analysis

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pantherlabs/panther/internal/simpledetect"
)

// AnalysisType is the value of a spec's AnalysisType key.
type AnalysisType string

// The analysis types PAT knows, plus scheduled_prompt.
const (
	TypeRule            AnalysisType = "rule"
	TypeScheduledRule   AnalysisType = "scheduled_rule"
	TypeCorrelationRule AnalysisType = "correlation_rule"
	TypePolicy          AnalysisType = "policy"
	TypeGlobal          AnalysisType = "global"
	TypeDataModel       AnalysisType = "datamodel"
	TypePack            AnalysisType = "pack"
	TypeSavedQuery      AnalysisType = "saved_query"
	TypeScheduledQuery  AnalysisType = "scheduled_query"
	TypeLookupTable     AnalysisType = "lookup_table"
	TypeScheduledPrompt AnalysisType = "scheduled_prompt"
)

// analysisTypes lists every accepted AnalysisType in the order messages
// mention them.
var analysisTypes = []AnalysisType{
	TypeRule, TypeScheduledRule, TypeCorrelationRule, TypePolicy, TypeGlobal, TypeDataModel,
	TypePack, TypeSavedQuery, TypeScheduledQuery, TypeLookupTable, TypeScheduledPrompt,
}

// idKey is the key holding the ID of each type.
var idKey = map[AnalysisType]string{
	TypeRule: "RuleID", TypeScheduledRule: "RuleID", TypeCorrelationRule: "RuleID",
	TypePolicy: "PolicyID", TypeGlobal: "GlobalID", TypeDataModel: "DataModelID",
	TypePack: "PackID", TypeSavedQuery: "QueryName", TypeScheduledQuery: "QueryName",
	TypeLookupTable: "LookupName", TypeScheduledPrompt: "PromptName",
}

// Header holds what every analysis item has.
type Header struct {
	// Type is the AnalysisType.
	Type AnalysisType
	// ID is the value of the type's ID key (RuleID, PolicyID, ...).
	ID string
	// File is the spec path relative to the load root, slash-separated
	// (it starts with ../ for PAT's extra search directories).
	File string
	// AbsFile is the absolute path of the spec, or "" inside a zip.
	AbsFile string
	// WalkDir is the directory as PAT's walk names it ("./rules/aws"); PAT
	// keeps global helpers and data models by matching it.
	WalkDir string
	// Raw is the whole spec as parsed, for keys without a typed field.
	Raw map[string]any
}

// Meta returns the header; it makes every item a Spec.
func (h *Header) Meta() *Header { return h }

// Spec is any loaded analysis item.
type Spec interface {
	Meta() *Header
}

// Detection is a rule, scheduled rule, correlation rule or policy.
type Detection struct {
	Header
	Enabled              bool
	Severity             string
	DisplayName          string
	Description          string
	Reference            string
	Runbook              string
	Status               string
	CreatedBy            string
	LogTypes             []string
	ScheduledQueries     []string
	ResourceTypes        []string
	DedupPeriodMinutes   int // 60 when absent
	Threshold            int // 1 when absent
	CreateAlert          bool
	OnlyUseBaseRiskScore bool
	OutputIds            []string
	Tags                 []string
	SummaryAttributes    []string
	Suppressions         []string
	Reports              map[string][]string
	BaseDetection        string
	BaseVersion          int
	// Filename is the .py file named by the spec; PythonPath is where it was
	// read from and PythonSource its text.
	Filename     string
	PythonPath   string
	PythonSource string
	// Detection is the simple detection body (or a correlation rule's
	// Detection), as parsed.
	Detection         any
	InlineFilters     any
	DynamicSeverities any
	AlertTitle        string
	AlertContext      any
	GroupBy           any
	// Simple is the compiled Detection body with its alert keys; for a
	// Python rule with alert keys it has no matcher; nil when there is
	// nothing to compile.
	Simple *simpledetect.Detection
	// Filters is the compiled InlineFilters, nil when there are none.
	Filters *simpledetect.Filter
	// Correlation is a correlation rule's Detection, nil for other detections.
	Correlation               *Correlation
	AutoRemediationID         string
	AutoRemediationParameters any
	ActionDelaySeconds        int
	// HasTests is false when the spec has no Tests key (a derived rule then
	// inherits the tests of its base).
	HasTests bool
	Tests    []Test
}

// IsSimple reports whether the detection is a YAML simple detection.
func (d *Detection) IsSimple() bool {
	return d.Detection != nil && d.Type != TypeCorrelationRule && d.BaseDetection == ""
}

// IsDerived reports whether the detection derives from a BaseDetection.
func (d *Detection) IsDerived() bool { return d.BaseDetection != "" }

// Test is one unit test of a detection.
type Test struct {
	Name           string
	ExpectedResult bool
	// Log is the event of a rule test; Resource the resource of a policy
	// test. Data is Resource when present, else Log.
	Log      any
	Resource any
	Data     any
	// DataJSON is Data encoded as JSON with keys in document order.
	DataJSON     json.RawMessage
	LogType      string
	ResourceType string
	Mocks        []Mock
	RuleOutputs  []RuleOutput
	// Line is the line of the test in the spec file.
	Line int
}

// Mock replaces a name in the detection's module during a test.
type Mock struct {
	ObjectName string
	// ReturnValue is a string or a bool, exactly as parsed.
	ReturnValue any
}

// RuleOutput is an expected rule match of a correlation rule test.
type RuleOutput struct {
	ID      string
	Matches any
}

// Global is a shared Python helper module.
type Global struct {
	Header
	Filename     string
	PythonPath   string
	PythonSource string
	Description  string
	Tags         []string
}

// Mapping is one data model mapping: a Path (JSONPath) or a Method.
type Mapping struct {
	Name   string
	Path   string
	Method string
}

// DataModel maps unified names to fields of one or more log types.
type DataModel struct {
	Header
	Enabled      bool
	DisplayName  string
	LogTypes     []string
	Mappings     []Mapping
	Filename     string
	PythonPath   string
	PythonSource string
}

// Pack groups analysis items by ID.
type Pack struct {
	Header
	DisplayName string
	Description string
	IDs         []string
}

// Schedule is when a scheduled query or prompt runs.
type Schedule struct {
	CronExpression string
	RateMinutes    int
	TimeoutMinutes int
}

// Query is a saved or scheduled query.
type Query struct {
	Header
	Enabled bool
	// Query is the first of Query, SnowflakeQuery, AthenaQuery,
	// DatabricksQuery and PantherFlowQuery present; Queries holds them all.
	Query                 string
	Queries               map[string]string
	Description           string
	Tags                  []string
	Lookback              bool
	LookbackWindowSeconds int
	Schedule              *Schedule
	EmailRecipients       []string
}

// AssociatedLogType links a lookup table to a log type.
type AssociatedLogType struct {
	LogType   string
	Selectors []string
}

// LookupTable is a file, S3 or SQL backed enrichment table.
type LookupTable struct {
	Header
	Enabled            bool
	Schema             string
	Description        string
	Reference          string
	Filename           string
	Refresh            any
	PrimaryKey         string
	AssociatedLogTypes []AssociatedLogType
	Query              string
}

// ScheduledPrompt is a scheduled AI prompt.
type ScheduledPrompt struct {
	Header
	DisplayName  string
	PromptText   string
	RunAsUser    string
	Description  string
	OutputLength string
	Enabled      bool
	Schedule     Schedule
}

// Problem is one error or warning about a spec file.
type Problem struct {
	// File is the spec path as in Header.File.
	File string
	// Line is 1-based; 0 when unknown.
	Line int
	// Path is the key path, e.g. Tests[2].Mocks[0].returnValue.
	Path string
	// Msg says what was expected and what was found.
	Msg     string
	Warning bool
}

// Error renders "file:line: path: message".
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// InvalidSpec is a spec file that failed to load or validate.
type InvalidSpec struct {
	File    string
	AbsFile string
	// Type and ID are set when they could be read.
	Type AnalysisType
	ID   string
	// Enabled is the spec's Enabled key; true when it is missing or not a bool. Severity is
	// its Severity when that is a string.
	Enabled  bool
	Severity string
	Problems []Problem
}

// Error renders every problem, one per line.
func (s *InvalidSpec) Error() string {
	parts := make([]string, len(s.Problems))
	for i, p := range s.Problems {
		parts[i] = p.Error()
	}
	return strings.Join(parts, "\n")
}

// Collection is the result of a load: the valid items in load order, the
// invalid specs and the warnings.
type Collection struct {
	// Root is the path that was loaded.
	Root string
	// Specs holds every valid item in load order.
	Specs        []Spec
	Detections   []*Detection
	Globals      []*Global
	DataModels   []*DataModel
	Packs        []*Pack
	Queries      []*Query
	LookupTables []*LookupTable
	Prompts      []*ScheduledPrompt
	// Invalid holds the specs that failed, in load order.
	Invalid []*InvalidSpec
	// Warnings holds problems that do not invalidate a spec.
	Warnings []Problem
}

// Problems returns every error of every invalid spec.
func (c *Collection) Problems() []Problem {
	var out []Problem
	for _, s := range c.Invalid {
		out = append(out, s.Problems...)
	}
	return out
}

// ByID returns the valid item with the given ID.
func (c *Collection) ByID(id string) (Spec, bool) {
	for _, s := range c.Specs {
		if s.Meta().ID == id {
			return s, true
		}
	}
	return nil, false
}

// Base returns the valid detection that a derived detection names as its
// BaseDetection.
func (c *Collection) Base(d *Detection) (*Detection, bool) {
	if d == nil || d.BaseDetection == "" {
		return nil, false
	}
	s, ok := c.ByID(d.BaseDetection)
	if !ok {
		return nil, false
	}
	base, ok := s.(*Detection)
	return base, ok
}
