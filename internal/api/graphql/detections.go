package graphql

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
	"github.com/pantherlabs/panther/internal/content"
	"github.com/pantherlabs/panther/internal/correlate"
)

// contentSnap is the current detection content.
func (r *Resolver) contentSnap(ctx context.Context) (*content.Snapshot, error) {
	if err := need(r.D.Content != nil, "the detection content store"); err != nil {
		return nil, err
	}
	snap, err := r.D.Content.Snapshot(ctx)
	return snap, fail(err)
}

// detectionMatches applies the detections filters.
func detectionMatches(d *model.Detection, in *model.DetectionsInput) bool {
	if len(in.Types) > 0 && !slices.Contains(in.Types, d.Type) {
		return false
	}
	if c := strings.ToLower(deref(in.NameContains)); c != "" && !strings.Contains(strings.ToLower(d.ID), c) && !strings.Contains(strings.ToLower(d.Name), c) {
		return false
	}
	if in.Enabled != nil && *in.Enabled != d.Enabled {
		return false
	}
	if len(in.Severities) > 0 && !slices.Contains(in.Severities, d.Severity) {
		return false
	}
	if len(in.LogTypes) > 0 && !overlaps(in.LogTypes, d.LogTypes, false) {
		return false
	}
	if len(in.ResourceTypes) > 0 && !overlaps(in.ResourceTypes, d.ResourceTypes, false) {
		return false
	}
	if len(in.Tags) > 0 && !overlaps(in.Tags, d.Tags, true) {
		return false
	}
	if len(in.PackIds) > 0 && !overlaps(in.PackIds, d.Packs, false) {
		return false
	}
	return true
}

func overlaps(want, have []string, fold bool) bool {
	for _, w := range want {
		for _, h := range have {
			if w == h || (fold && strings.EqualFold(w, h)) {
				return true
			}
		}
	}
	return false
}

// saveDetection creates or replaces a detection, running its tests first when asked.
func (r *Resolver) saveDetection(ctx context.Context, in *model.DetectionInput, create bool) (*model.DetectionOutput, error) {
	snap, err := r.contentSnap(ctx)
	if err != nil {
		return nil, err
	}
	prev, exists := snap.Item(in.ID)
	switch {
	case create && exists:
		return nil, apierr.New(apierr.AlreadyExists, "a %s with ID %q exists; update it instead", prev.Type, in.ID)
	case !create && !exists:
		return nil, apierr.New(apierr.NotFound, "no detection with ID %q; create it instead", in.ID)
	case !create && !content.IsDetection(prev.Type):
		return nil, invalid("%s is a %s, not a detection", in.ID, prev.Type)
	}
	spec, err := detectionSpec(in)
	if err != nil {
		return nil, err
	}
	var previous *content.Item
	if exists {
		previous = prev
	}
	it, err := spec.Item(previous)
	if err != nil {
		return nil, invalid("%v", err)
	}
	out := &model.DetectionOutput{TestResults: []*model.DetectionTestResult{}}
	if in.RunTests == nil || *in.RunTests {
		results, err := r.runDraftTests(ctx, it)
		if err != nil {
			return nil, err
		}
		out.TestResults = results.models()
		if !results.Passed() {
			return nil, &apierr.Error{Code: apierr.InvalidInput, Msg: results.summary(in.ID) + "; fix the detection or its tests (or save with runTests: false)",
				Extra: map[string]any{"testResults": out.TestResults}}
		}
	}
	expect := 0
	if !create {
		expect = -1
		if in.ExpectedVersion != nil {
			expect = *in.ExpectedVersion
		}
	}
	stored, after, err := r.D.Content.Put(ctx, it, expect, actorRef(ctx))
	if err != nil {
		return nil, fail(err)
	}
	out.Detection = detectionModel(after, stored)
	return out, nil
}

// testOutcome is the test results of one detection.
type testOutcome struct{ content.DetectionTests }

func (t testOutcome) models() []*model.DetectionTestResult {
	out := []*model.DetectionTestResult{}
	for _, res := range t.Results {
		m := &model.DetectionTestResult{Name: res.Name, Passed: res.Passed, Errored: res.Errored, Error: optStr(res.Error),
			Output: optStr(res.Output), Functions: []*model.DetectionTestFunctionResult{}}
		for _, f := range res.Functions {
			m.Functions = append(m.Functions, &model.DetectionTestFunctionResult{Name: f.Name, Passed: f.Passed, Output: f.Output})
		}
		out = append(out, m)
	}
	return out
}

func (t testOutcome) summary(id string) string {
	if len(t.Problems) > 0 {
		return fmt.Sprintf("%s cannot run: %s", id, strings.Join(t.Problems, "; "))
	}
	var failed []string
	for _, res := range t.Results {
		if !res.Passed {
			failed = append(failed, res.Name)
		}
	}
	return fmt.Sprintf("%d of %d unit tests of %s failed: %s", len(failed), len(t.Results), id, strings.Join(failed, ", "))
}

// runDraftTests runs the tests of a draft item against the stored content.
func (r *Resolver) runDraftTests(ctx context.Context, it *content.Item) (testOutcome, error) {
	draft, err := r.D.Content.TryDraft(ctx, it)
	if err != nil {
		return testOutcome{}, fail(err)
	}
	d, ok := draft.Detection(it.ID)
	if ok && len(d.Tests) == 0 && d.BaseDetection == "" {
		return testOutcome{content.DetectionTests{ID: it.ID}}, nil
	}
	if ok && d.Type == analysis.TypeCorrelationRule {
		return correlationTests(d), nil
	}
	if err := need(r.D.Tests != nil, "running detection tests (Python)"); err != nil {
		return testOutcome{}, err
	}
	res, err := r.D.Tests.Run(ctx, draft, []string{it.ID})
	if err != nil {
		return testOutcome{}, fail(err)
	}
	if len(res) == 0 {
		return testOutcome{content.DetectionTests{ID: it.ID}}, nil
	}
	return testOutcome{res[0]}, nil
}

func (r *Resolver) testDetection(ctx context.Context, in *model.TestDetectionInput) (*model.TestDetectionOutput, error) {
	snap, err := r.contentSnap(ctx)
	if err != nil {
		return nil, err
	}
	out := &model.TestDetectionOutput{Results: []*model.DetectionTestResult{}, Problems: []string{}}
	var outcome testOutcome
	switch {
	case in.Detection != nil:
		spec, err := detectionSpec(in.Detection)
		if err != nil {
			return nil, err
		}
		prev, _ := snap.Item(in.Detection.ID)
		it, err := spec.Item(prev)
		if err != nil {
			return nil, invalid("%v", err)
		}
		outcome, err = r.runDraftTests(ctx, it)
		if err != nil {
			if ae := apierr.As(err); ae.Code == apierr.InvalidInput {
				out.Problems = append(out.Problems, ae.Msg)
				return out, nil
			}
			return nil, err
		}
	case in.ID != nil:
		d, ok := snap.Detection(*in.ID)
		if !ok {
			return nil, apierr.New(apierr.NotFound, "no loadable detection with ID %q", *in.ID)
		}
		if d.Type == analysis.TypeCorrelationRule {
			outcome = correlationTests(d)
			break
		}
		if err := need(r.D.Tests != nil, "running detection tests (Python)"); err != nil {
			return nil, err
		}
		res, err := r.D.Tests.Run(ctx, snap, []string{*in.ID})
		if err != nil {
			return nil, fail(err)
		}
		if len(res) > 0 {
			outcome = testOutcome{res[0]}
		}
	default:
		return nil, invalid("give the id of a saved detection, or a detection draft")
	}
	out.Results = outcome.models()
	out.Problems = append(out.Problems, outcome.Problems...)
	out.Passed = outcome.Passed()
	return out, nil
}

// decodeArchive decodes the base64 zip of an upload.
func decodeArchive(data string, mode *model.UploadDetectionEntitiesMode) ([]byte, error) {
	if mode != nil && *mode == model.UploadDetectionEntitiesModeV2Zip {
		return nil, invalid("V2_ZIP (pypanther) uploads are not supported; upload a panther_analysis_tool zip (CLASSIC_ZIP)")
	}
	if len(data) > content.MaxUploadBytes/3*4+4 {
		return nil, invalid("the archive is larger than %d bytes", content.MaxUploadBytes)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(data))
	if err != nil {
		return nil, invalid("data must be a base64-encoded zip archive: %v", err)
	}
	return b, nil
}

// upload parses and stores an archive.
func (r *Resolver) upload(ctx context.Context, data []byte, dryRun bool, actor string) (*content.UploadResult, error) {
	items, err := content.ParseArchive(data)
	if err == nil {
		var res *content.UploadResult
		res, err = r.D.Content.Upload(ctx, items, false, dryRun, actor)
		if err == nil {
			return res, nil
		}
	}
	if issues := content.Issues(err); len(issues) > 0 && apierr.As(fail(err)).Code != apierr.Internal {
		e := apierr.Wrap(apierr.InvalidInput, err, "upload failed: %s", describeIssues(issues))
		e.Extra = map[string]any{"issues": issues}
		return nil, e
	}
	return nil, fail(err)
}

// validateArchive lists the problems an upload of an archive would have.
func (r *Resolver) validateArchive(ctx context.Context, data []byte) []content.UploadIssue {
	items, err := content.ParseArchive(data)
	if err == nil {
		_, err = r.D.Content.Upload(ctx, items, false, true, "")
	}
	if err == nil {
		return nil
	}
	return content.Issues(err)
}

func (r *Resolver) saveGlobal(ctx context.Context, in *model.GlobalHelperInput, create bool) (*model.GlobalHelperOutput, error) {
	snap, err := r.contentSnap(ctx)
	if err != nil {
		return nil, err
	}
	prev, err := checkSave(snap, in.ID, analysis.TypeGlobal, "global helper", create)
	if err != nil {
		return nil, err
	}
	it, err := (&content.GlobalSpec{ID: in.ID, Description: deref(in.Description), Tags: in.Tags, Body: in.Body}).Item(prev)
	if err != nil {
		return nil, invalid("%v", err)
	}
	stored, after, err := r.D.Content.Put(ctx, it, expectOf(create, in.ExpectedVersion), actorRef(ctx))
	if err != nil {
		return nil, fail(err)
	}
	return &model.GlobalHelperOutput{GlobalHelper: globalModel(after, stored)}, nil
}

func (r *Resolver) saveDataModel(ctx context.Context, in *model.DataModelInput, create bool) (*model.DataModelOutput, error) {
	snap, err := r.contentSnap(ctx)
	if err != nil {
		return nil, err
	}
	prev, err := checkSave(snap, in.ID, analysis.TypeDataModel, "data model", create)
	if err != nil {
		return nil, err
	}
	spec := &content.DataModelSpec{ID: in.ID, DisplayName: deref(in.DisplayName), Description: deref(in.Description),
		Enabled: in.Enabled == nil || *in.Enabled, LogTypes: in.LogTypes, Body: deref(in.Body)}
	for _, m := range in.Mappings {
		spec.Mappings = append(spec.Mappings, analysis.Mapping{Name: m.Name, Path: deref(m.Path), Method: deref(m.Method)})
	}
	it, err := spec.Item(prev)
	if err != nil {
		return nil, invalid("%v", err)
	}
	stored, after, err := r.D.Content.Put(ctx, it, expectOf(create, in.ExpectedVersion), actorRef(ctx))
	if err != nil {
		return nil, fail(err)
	}
	return &model.DataModelOutput{DataModel: dataModelModel(after, stored)}, nil
}

func (r *Resolver) saveQuery(ctx context.Context, in *model.SavedQueryInput, create bool) (*model.SavedQueryOutput, error) {
	snap, err := r.contentSnap(ctx)
	if err != nil {
		return nil, err
	}
	prev, exists := snap.Item(in.Name)
	switch {
	case create && exists:
		return nil, apierr.New(apierr.AlreadyExists, "a %s named %q exists; update it instead", prev.Type, in.Name)
	case !create && (!exists || !content.IsQuery(prev.Type)):
		return nil, apierr.New(apierr.NotFound, "no saved query named %q; create it instead", in.Name)
	}
	spec := &content.QuerySpec{Name: in.Name, Description: deref(in.Description), SQL: in.SQL, Tags: in.Tags}
	if s := in.Schedule; s != nil {
		spec.Schedule = &content.ScheduleSpec{Cron: deref(s.Cron), RateMinutes: deref(s.RateMinutes), TimeoutMinutes: deref(s.TimeoutMinutes), Disabled: deref(s.Disabled)}
	}
	if !exists {
		prev = nil
	}
	it, err := spec.Item(prev)
	if err != nil {
		return nil, invalid("%v", err)
	}
	stored, after, err := r.D.Content.Put(ctx, it, expectOf(create, nil), actorRef(ctx))
	if err != nil {
		return nil, fail(err)
	}
	return &model.SavedQueryOutput{SavedQuery: savedQueryModel(after, stored)}, nil
}

// checkSave checks that an item to create is new, and one to update exists with the type.
func checkSave(snap *content.Snapshot, id string, t analysis.AnalysisType, what string, create bool) (*content.Item, error) {
	prev, exists := snap.Item(id)
	switch {
	case create && exists:
		return nil, apierr.New(apierr.AlreadyExists, "a %s with ID %q exists; update it instead", prev.Type, id)
	case !create && (!exists || prev.Type != t):
		return nil, apierr.New(apierr.NotFound, "no %s with ID %q; create it instead", what, id)
	}
	if !exists {
		return nil, nil
	}
	return prev, nil
}

func expectOf(create bool, v *int) int {
	if create {
		return 0
	}
	if v != nil {
		return *v
	}
	return -1
}

// correlationTests runs a correlation rule's tests in Go (internal/correlate).
func correlationTests(d *analysis.Detection) testOutcome {
	out := testOutcome{content.DetectionTests{ID: d.ID}}
	results, err := correlate.RunTests(d, nil)
	if err != nil {
		out.Problems = append(out.Problems, err.Error())
		return out
	}
	for _, t := range results {
		res := content.TestResult{Name: t.Name, Passed: t.Passed, Errored: t.Error != "", Error: t.Error,
			Functions: []content.TestFunction{{Name: "rule", Passed: t.Passed, Output: fmt.Sprint(t.Matched)}}}
		out.Results = append(out.Results, res)
	}
	return out
}
