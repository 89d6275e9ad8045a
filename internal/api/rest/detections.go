package rest

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
)

// detectionKind is one of Panther's REST detection collections.
type detectionKind struct {
	path, name string
	// matches tells whether a detection belongs to the collection.
	matches func(d *model.Detection) bool
	// typ is the type of detections created in the collection.
	typ model.DetectionType
}

var detectionKinds = []detectionKind{
	{"rules", "rule", func(d *model.Detection) bool {
		return (d.Type == model.DetectionTypeRule || d.Type == model.DetectionTypeDerivedRule) && d.Kind != model.DetectionKindSimple
	}, model.DetectionTypeRule},
	{"simple-rules", "simple_rule", func(d *model.Detection) bool {
		return d.Type == model.DetectionTypeRule && d.Kind == model.DetectionKindSimple
	}, model.DetectionTypeRule},
	{"scheduled-rules", "scheduled_rule", func(d *model.Detection) bool { return d.Type == model.DetectionTypeScheduledRule }, model.DetectionTypeScheduledRule},
	{"policies", "policy", func(d *model.Detection) bool { return d.Type == model.DetectionTypePolicy }, model.DetectionTypePolicy},
}

type mockJSON struct {
	ObjectName  string `json:"objectName"`
	ReturnValue string `json:"returnValue"`
}

type unitTestJSON struct {
	Name           string     `json:"name"`
	ExpectedResult bool       `json:"expectedResult"`
	Resource       string     `json:"resource"`
	Mocks          []mockJSON `json:"mocks"`
}

// detectionJSON is a rule, simple rule, scheduled rule or policy: the union of their fields;
// each collection writes its own.
type detectionJSON struct {
	ID                 string              `json:"id"`
	DisplayName        string              `json:"displayName"`
	Description        string              `json:"description"`
	Enabled            *bool               `json:"enabled"`
	Severity           string              `json:"severity"`
	Body               *string             `json:"body,omitempty"`
	LogTypes           []string            `json:"logTypes,omitempty"`
	ResourceTypes      []string            `json:"resourceTypes,omitempty"`
	ScheduledQueries   []string            `json:"scheduledQueries,omitempty"`
	Suppressions       []string            `json:"suppressions,omitempty"`
	DedupPeriodMinutes *int                `json:"dedupPeriodMinutes,omitempty"`
	Threshold          *int                `json:"threshold,omitempty"`
	Runbook            string              `json:"runbook"`
	Reference          string              `json:"reference"`
	Tags               []string            `json:"tags"`
	OutputIDs          []string            `json:"outputIDs"`
	Reports            map[string][]string `json:"reports"`
	SummaryAttributes  []string            `json:"summaryAttributes,omitempty"`
	InlineFilters      *string             `json:"inlineFilters,omitempty"`
	Detection          *string             `json:"detection,omitempty"`
	AlertTitle         *string             `json:"alertTitle,omitempty"`
	AlertContext       *string             `json:"alertContext,omitempty"`
	DynamicSeverities  *string             `json:"dynamicSeverities,omitempty"`
	GroupBy            *string             `json:"groupBy,omitempty"`
	PythonBody         *string             `json:"pythonBody,omitempty"`
	Tests              []unitTestJSON      `json:"tests"`
	Managed            bool                `json:"managed"`
	CreatedAt          string              `json:"createdAt,omitempty"`
	CreatedBy          *actorJSON          `json:"createdBy,omitempty"`
	CreatedByExternal  string              `json:"createdByExternal,omitempty"`
	LastModified       string              `json:"lastModified,omitempty"`
}

func (h *handlers) detectionJSON(r *http.Request, k detectionKind, d *model.Detection) *detectionJSON {
	out := &detectionJSON{
		ID: d.ID, DisplayName: deref(d.DisplayName), Description: deref(d.Description), Enabled: ptr(d.Enabled),
		Severity: string(d.Severity), Runbook: deref(d.Runbook), Reference: deref(d.Reference), Tags: nonNil(d.Tags),
		OutputIDs: nonNil(d.OutputIds), Reports: map[string][]string{}, Tests: []unitTestJSON{},
		CreatedAt: timeText(d.CreatedAt), LastModified: deref(timePtr(d.UpdatedAt)),
	}
	if rep, ok := d.Reports.(map[string][]string); ok {
		out.Reports = rep
	}
	if by, err := h.r.Detection().CreatedBy(r.Context(), d); err == nil {
		out.CreatedBy = actorOf(by)
	}
	out.DedupPeriodMinutes, out.Threshold = ptr(d.DedupPeriodMinutes), ptr(d.Threshold)
	switch k.name {
	case "policy":
		out.ResourceTypes, out.Suppressions = nonNil(d.ResourceTypes), nonNil(d.Suppressions)
		out.DedupPeriodMinutes, out.Threshold = nil, nil
	case "scheduled_rule":
		out.ScheduledQueries = nonNil(d.ScheduledQueries)
		out.SummaryAttributes = nonNil(d.SummaryAttributes)
	default:
		out.LogTypes = nonNil(d.LogTypes)
		out.SummaryAttributes = nonNil(d.SummaryAttributes)
	}
	if k.name == "simple_rule" {
		out.Detection, out.AlertTitle, out.AlertContext = ptr(deref(d.Detection)), d.AlertTitle, d.AlertContext
		out.DynamicSeverities, out.GroupBy = d.DynamicSeverities, d.GroupBy
	} else {
		out.Body = ptr(deref(d.Body))
	}
	if k.name == "rule" || k.name == "simple_rule" {
		out.InlineFilters = d.InlineFilters
	}
	for _, t := range d.Tests {
		ut := unitTestJSON{Name: t.Name, ExpectedResult: t.ExpectedResult, Resource: t.Resource, Mocks: []mockJSON{}}
		for _, m := range t.Mocks {
			ut.Mocks = append(ut.Mocks, mockJSON{ObjectName: m.ObjectName, ReturnValue: m.ReturnValue})
		}
		out.Tests = append(out.Tests, ut)
	}
	return out
}

func (h *handlers) listDetections(k detectionKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, err := limit(r, 100, 1000)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		q := r.URL.Query()
		in := &model.DetectionsInput{NameContains: optParam(q.Get("name-contains")), LogTypes: list(r, "log-type"),
			ResourceTypes: list(r, "resource-type"), Tags: list(r, "tag"), PageSize: ptr(100000)}
		switch st := q.Get("state"); st {
		case "":
		case "enabled", "disabled":
			in.Enabled = ptr(st == "enabled")
		default:
			h.fail(w, r, badRequest("state must be enabled or disabled, got %q", st))
			return
		}
		for _, s := range list(r, "severity") {
			sv := model.Severity(strings.ToUpper(s))
			if !sv.IsValid() {
				h.fail(w, r, badRequest("severity must be INFO, LOW, MEDIUM, HIGH or CRITICAL, got %q", s))
				return
			}
			in.Severities = append(in.Severities, sv)
		}
		res, err := h.r.Query().Detections(r.Context(), in)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		queries := list(r, "scheduled-query")
		createdBy, modifiedBy := q.Get("created-by"), q.Get("last-modified-by")
		var kept []*model.Detection
		for _, e := range res.Edges {
			d := e.Node
			if !k.matches(d) {
				continue
			}
			if len(queries) > 0 && !anyIn(queries, d.ScheduledQueries) {
				continue
			}
			if createdBy != "" && !strings.HasSuffix(d.CreatedByRef, ":"+createdBy) {
				continue
			}
			if modifiedBy != "" && !strings.HasSuffix(d.UpdatedByRef, ":"+modifiedBy) {
				continue
			}
			kept = append(kept, d)
		}
		start := 0
		if c := q.Get("cursor"); c != "" {
			start = len(kept)
			for i, d := range kept {
				if d.ID == c {
					start = i + 1
				}
			}
		}
		end := min(start+n, len(kept))
		out := struct {
			Results []*detectionJSON `json:"results"`
			Next    *string          `json:"next"`
		}{Results: []*detectionJSON{}}
		for _, d := range kept[start:end] {
			out.Results = append(out.Results, h.detectionJSON(r, k, d))
		}
		if end < len(kept) {
			out.Next = ptr(kept[end-1].ID)
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func anyIn(want, have []string) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// find returns the detection of a collection, or NOT_FOUND.
func (h *handlers) find(r *http.Request, k detectionKind, id string) (*model.Detection, error) {
	d, err := h.r.Query().Detection(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !k.matches(d) {
		return nil, apierr.New(apierr.NotFound, "%s is not one of the %s (it is a %s)", id, k.path, strings.ToLower(string(d.Type)))
	}
	return d, nil
}

func (h *handlers) getDetection(k detectionKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := h.find(r, k, pathID(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, h.detectionJSON(r, k, d))
	}
}

func (h *handlers) deleteDetection(k detectionKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := h.find(r, k, pathID(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		if _, err := h.r.Mutation().DeleteDetections(r.Context(), model.DeleteDetectionsInput{Ids: []string{pathID(r)}}); err != nil {
			h.fail(w, r, err)
			return
		}
		noContent(w)
	}
}

// input turns a REST body into the GraphQL detection input.
func (k detectionKind) input(in *detectionJSON, id string) (*model.DetectionInput, error) {
	if in.ID != "" && id != "" && in.ID != id {
		return nil, badRequest("the body's id %q is not the path's %q", in.ID, id)
	}
	if id == "" {
		id = in.ID
	}
	if id == "" {
		return nil, badRequest("id is required")
	}
	sev := model.Severity(strings.ToUpper(in.Severity))
	if !sev.IsValid() {
		return nil, badRequest("severity must be INFO, LOW, MEDIUM, HIGH or CRITICAL, got %q", in.Severity)
	}
	out := &model.DetectionInput{ID: id, Type: k.typ, Enabled: in.Enabled, DisplayName: optParam(in.DisplayName),
		Description: optParam(in.Description), Severity: sev, LogTypes: in.LogTypes, ResourceTypes: in.ResourceTypes,
		ScheduledQueries: in.ScheduledQueries, Tags: in.Tags, Runbook: optParam(in.Runbook), Reference: optParam(in.Reference),
		OutputIds: in.OutputIDs, DedupPeriodMinutes: in.DedupPeriodMinutes, Threshold: in.Threshold,
		SummaryAttributes: in.SummaryAttributes, Suppressions: in.Suppressions, InlineFilters: nonEmpty(in.InlineFilters),
		AlertTitle: nonEmpty(in.AlertTitle), AlertContext: nonEmpty(in.AlertContext), DynamicSeverities: nonEmpty(in.DynamicSeverities),
		GroupBy: nonEmpty(in.GroupBy)}
	if len(in.Reports) > 0 {
		rep := map[string]any{}
		for f, refs := range in.Reports {
			items := make([]any, len(refs))
			for i, x := range refs {
				items[i] = x
			}
			rep[f] = items
		}
		out.Reports = rep
	}
	if k.name == "simple_rule" {
		if deref(in.Detection) == "" {
			return nil, badRequest("detection (the simple detection, as YAML) is required")
		}
		out.Detection = in.Detection
	} else {
		if deref(in.Body) == "" {
			return nil, badRequest("body (the Python source) is required")
		}
		out.Body = in.Body
	}
	for _, t := range in.Tests {
		ti := &model.DetectionTestInput{Name: t.Name, ExpectedResult: t.ExpectedResult, Resource: t.Resource}
		for _, m := range t.Mocks {
			ti.Mocks = append(ti.Mocks, &model.DetectionTestMockInput{ObjectName: m.ObjectName, ReturnValue: m.ReturnValue})
		}
		out.Tests = append(out.Tests, ti)
	}
	return out, nil
}

func nonEmpty(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

// writeDetection is POST (create) and PUT (create or replace) of a collection, with
// run-tests-first (default true) and run-tests-only.
func (h *handlers) writeDetection(k detectionKind, create bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body detectionJSON
		if err := decode(r, &body); err != nil {
			h.fail(w, r, err)
			return
		}
		id := ""
		if !create {
			id = pathID(r)
		}
		in, err := k.input(&body, id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		runFirst, err := optBool(r, "run-tests-first", true)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		only, err := optBool(r, "run-tests-only", false)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		ctx := r.Context()
		if only {
			res, err := h.r.Mutation().TestDetection(ctx, model.TestDetectionInput{Detection: in})
			if err != nil {
				h.fail(w, r, err)
				return
			}
			if !res.Passed {
				WriteError(w, r, &apierr.Error{Code: apierr.InvalidInput, Msg: "the unit tests failed: " + strings.Join(append(res.Problems, failedNames(res.Results)...), "; "),
					Extra: map[string]any{"testResults": testRecords(res.Results)}})
				return
			}
			noContent(w)
			return
		}
		in.RunTests = &runFirst
		status := http.StatusOK
		existing, findErr := h.r.Query().Detection(ctx, in.ID)
		var out *model.DetectionOutput
		switch {
		case create:
			out, err = h.r.Mutation().CreateDetection(ctx, *in)
		case findErr != nil:
			status = http.StatusCreated
			out, err = h.r.Mutation().CreateDetection(ctx, *in)
		case !k.matches(existing):
			err = apierr.New(apierr.InvalidInput, "%s is a %s; change it in its own collection", in.ID, strings.ToLower(string(existing.Type)))
		default:
			out, err = h.r.Mutation().UpdateDetection(ctx, *in)
		}
		if err != nil {
			var ae *apierr.Error
			if errors.As(err, &ae) {
				if tr, ok := ae.Extra["testResults"].([]*model.DetectionTestResult); ok {
					ae = &apierr.Error{Code: ae.Code, Msg: ae.Msg, Err: ae.Err, Extra: map[string]any{"testResults": testRecords(tr)}}
					WriteError(w, r, ae)
					return
				}
			}
			h.fail(w, r, err)
			return
		}
		writeJSON(w, status, h.detectionJSON(r, k, out.Detection))
	}
}

func failedNames(results []*model.DetectionTestResult) []string {
	var out []string
	for _, t := range results {
		if !t.Passed {
			out = append(out, t.Name)
		}
	}
	return out
}

// testRecordJSON is Panther's TestDetectionRecord.
type testRecordJSON struct {
	Name         string                    `json:"name"`
	Passed       bool                      `json:"passed"`
	Errored      bool                      `json:"errored"`
	TriggerAlert bool                      `json:"triggerAlert"`
	Error        *testErrJSON              `json:"error,omitempty"`
	Functions    map[string]testSubRecJSON `json:"functions"`
}

type testErrJSON struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

type testSubRecJSON struct {
	Output string       `json:"output"`
	Error  *testErrJSON `json:"error,omitempty"`
}

func testRecords(results []*model.DetectionTestResult) []testRecordJSON {
	out := []testRecordJSON{}
	for _, t := range results {
		rec := testRecordJSON{Name: t.Name, Passed: t.Passed, Errored: t.Errored, Functions: map[string]testSubRecJSON{}}
		if t.Error != nil {
			rec.Error = &testErrJSON{Message: *t.Error}
		}
		for _, f := range t.Functions {
			name := f.Name
			if name == "rule" || name == "policy" {
				name = "detection"
				// A rule alerts when it returns True, a policy when it returns False.
				matched := f.Output == "True" || f.Output == "true"
				rec.TriggerAlert = matched == (f.Name == "rule")
			}
			sub := testSubRecJSON{Output: f.Output}
			if !f.Passed {
				sub.Error = &testErrJSON{Message: f.Output}
			}
			rec.Functions[name] = sub
		}
		out = append(out, rec)
	}
	return out
}
