package graphql

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
	"github.com/pantherlabs/panther/internal/delivery"
	"github.com/pantherlabs/panther/internal/notify/store"
)

// AlertModel is an alert as the schema shows it. detectionType refines the alert type
// (scheduled and correlation rules) when the detection is known.
func AlertModel(a *alerts.Alert, detectionType analysis.AnalysisType) *model.Alert {
	m := &model.Alert{
		ID: a.ID, CreatedAt: a.CreatedAt.UTC(), Description: a.Description, Reference: a.Reference, Runbook: a.Runbook,
		Severity: severityModel(a.Severity), Status: model.AlertStatus(a.Status), Title: a.Title, Type: alertType(a.Type, detectionType),
		UpdatedAt: optTime(a.UpdatedAt), EventCount: int(a.EventCount), DedupString: a.Dedup, LogTypes: nonNil(a.LogTypes),
		FirstEventOccurredAt: optTime(a.FirstEventTime), LastReceivedEventAt: a.LastEventTime.UTC(),
		ErrorMessage: optStr(a.ErrorMessage), DetectionID: a.DetectionID, AssigneeID: a.Assignee,
	}
	if len(a.Context) > 0 {
		var v any
		if json.Unmarshal(a.Context, &v) == nil {
			m.Context = v
		}
	}
	return m
}

func alertType(t alerts.Type, det analysis.AnalysisType) model.AlertType {
	errType := t == alerts.TypeRuleError
	switch {
	case t == alerts.TypePolicy:
		return model.AlertTypePolicy
	case det == analysis.TypeScheduledRule && errType:
		return model.AlertTypeScheduledRuleError
	case det == analysis.TypeScheduledRule:
		return model.AlertTypeScheduledRule
	case det == analysis.TypeCorrelationRule && errType:
		return model.AlertTypeCorrelationRuleError
	case det == analysis.TypeCorrelationRule:
		return model.AlertTypeCorrelationRule
	case errType:
		return model.AlertTypeRuleError
	}
	return model.AlertTypeRule
}

func (r *Resolver) alertModel(ctx context.Context, a *alerts.Alert) *model.Alert {
	return AlertModel(a, r.detectionTypeOf(ctx, a.DetectionID))
}

// detectionTypeOf is the stored type of a detection ("" when unknown).
func (r *Resolver) detectionTypeOf(ctx context.Context, id string) analysis.AnalysisType {
	if r.D.Content == nil {
		return ""
	}
	snap, err := r.D.Content.Snapshot(ctx)
	if err != nil {
		return ""
	}
	if it, ok := snap.Item(id); ok {
		return it.Type
	}
	return ""
}

// alertFilter maps AlertsInput onto the store's filter; ok is false when nothing can match
// (system errors, which Panther-in-Go records as alerts of no kind yet).
func (r *Resolver) alertFilter(ctx context.Context, in *model.AlertsInput) (alerts.Filter, bool, error) {
	f := alerts.Filter{Limit: pageSize(in.PageSize, 25, 1000), Cursor: deref(in.Cursor), DetectionID: deref(in.DetectionID),
		Text: deref(in.NameContains), LogTypes: in.LogTypes, Assignees: in.AssigneeIds,
		Oldest: in.SortDir != nil && *in.SortDir == model.SortDirEnumAscending}
	if in.CreatedAtAfter != nil {
		f.From = *in.CreatedAtAfter
	}
	if in.CreatedAtBefore != nil {
		f.To = *in.CreatedAtBefore
	}
	if in.EventCountMin != nil {
		f.MinEvents = int64(*in.EventCountMin)
	}
	if in.EventCountMax != nil {
		f.MaxEvents = int64(*in.EventCountMax)
	}
	for _, s := range in.Severities {
		f.Severities = append(f.Severities, string(s))
	}
	for _, s := range in.Statuses {
		f.Statuses = append(f.Statuses, alerts.Status(s))
	}
	listing := model.AlertListingTypeAlert
	if in.Type != nil {
		listing = *in.Type
	}
	var kinds []alerts.Type
	switch listing {
	case model.AlertListingTypeSystemError:
		return f, false, nil
	case model.AlertListingTypeDetectionError:
		kinds = []alerts.Type{alerts.TypeRuleError}
	default:
		kinds = []alerts.Type{alerts.TypeRule, alerts.TypePolicy}
	}
	if len(in.Subtypes) > 0 {
		var keep []alerts.Type
		for _, st := range in.Subtypes {
			switch st {
			case model.AlertTypeRule, model.AlertTypeScheduledRule, model.AlertTypeCorrelationRule:
				keep = append(keep, alerts.TypeRule)
			case model.AlertTypeRuleError, model.AlertTypeScheduledRuleError, model.AlertTypeCorrelationRuleError:
				keep = append(keep, alerts.TypeRuleError)
			case model.AlertTypePolicy:
				keep = append(keep, alerts.TypePolicy)
			}
		}
		var both []alerts.Type
		for _, k := range kinds {
			if slices.Contains(keep, k) {
				both = append(both, k)
			}
		}
		if len(both) == 0 {
			return f, false, nil
		}
		kinds = both
	}
	f.Types = kinds
	return f, true, nil
}

// invalidCursor reports a cursor the store refuses as the caller's mistake.
func invalidCursor(err error) error {
	if strings.Contains(err.Error(), "invalid cursor") {
		return invalid("the cursor is not one a previous page returned: %v", err)
	}
	return fail(err)
}

func (r *Resolver) alertsByID(ctx context.Context, ids []string) ([]*model.Alert, error) {
	list, err := r.D.Alerts.GetMany(ctx, ids)
	if err != nil {
		return nil, fail(err)
	}
	return append([]*model.Alert{}, r.alertModels(ctx, list)...), nil
}

func commentModel(alertID string, c *alerts.Comment, format model.CommentFormat) *model.Comment {
	return &model.Comment{ID: strconv.FormatInt(c.ID, 10), Body: c.Body, CreatedAt: c.At.UTC(), Format: format, AlertID: alertID, CreatedByRef: c.Author}
}

func (r *Resolver) destinationNames(ctx context.Context) map[string]string {
	out := map[string]string{}
	if r.D.Destinations == nil {
		return out
	}
	list, err := r.D.Destinations.List(ctx)
	if err != nil {
		return out
	}
	for _, d := range list {
		out[d.ID] = d.DisplayName
	}
	return out
}

// sendTest sends a test alert to one destination now and reports how it went.
func (r *Resolver) sendTest(ctx context.Context, id string) *model.SendTestAlertResult {
	res := &model.SendTestAlertResult{OutputID: id}
	d, err := r.D.Destinations.Reveal(ctx, id)
	if err != nil {
		res.Message = apierr.As(fail(err)).Msg
		return res
	}
	n, err := r.D.Notifiers.Build(d.Type, d.Config)
	if err != nil {
		res.Message = "the destination's configuration is invalid: " + err.Error()
		return res
	}
	if _, err := n.Notify(ctx, delivery.TestAlert(r.now())); err != nil {
		res.Message = err.Error()
		return res
	}
	res.Success, res.Message = true, "sent"
	return res
}

func destinationModel(d store.Destination) *model.Destination {
	m := &model.Destination{OutputID: d.ID, DisplayName: d.DisplayName, OutputType: d.Type, CreationTime: d.CreatedAt.UTC(),
		LastModifiedTime: d.UpdatedAt.UTC(), DefaultForSeverity: []model.Severity{}, AlertTypes: []model.AlertType{}}
	for _, s := range d.DefaultForSeverity {
		m.DefaultForSeverity = append(m.DefaultForSeverity, severityModel(s))
	}
	for _, t := range d.AlertTypes {
		m.AlertTypes = append(m.AlertTypes, model.AlertType(t))
	}
	var cfg any = map[string]any{}
	if len(d.Config) > 0 {
		json.Unmarshal(d.Config, &cfg)
	}
	m.OutputConfig = cfg
	return m
}

func destinationOf(in *model.DestinationInput) (store.Destination, error) {
	cfg, err := json.Marshal(in.OutputConfig)
	if err != nil {
		return store.Destination{}, invalid("outputConfig: %v", err)
	}
	d := store.Destination{ID: deref(in.OutputID), DisplayName: in.DisplayName, Type: in.OutputType, Config: cfg,
		DefaultForSeverity: []string{}, AlertTypes: []string{}}
	for _, s := range in.DefaultForSeverity {
		d.DefaultForSeverity = append(d.DefaultForSeverity, string(s))
	}
	for _, t := range in.AlertTypes {
		d.AlertTypes = append(d.AlertTypes, string(t))
	}
	return d, nil
}
