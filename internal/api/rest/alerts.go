package rest

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
)

// actorJSON is Panther's actor object.
type actorJSON struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
}

func actorOf(a model.Actor) *actorJSON {
	switch x := a.(type) {
	case *model.User:
		return &actorJSON{ID: x.ID, Type: "user", Name: x.Email}
	case *model.APIToken:
		return &actorJSON{ID: x.ID, Type: "token", Name: x.Name}
	}
	return nil
}

type detectionInfoJSON struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type deliveryJSON struct {
	DispatchedAt string `json:"dispatchedAt"`
	Label        string `json:"label"`
	Message      string `json:"message"`
	OutputID     string `json:"outputId"`
	StatusCode   int    `json:"statusCode"`
	Success      bool   `json:"success"`
}

type alertJSON struct {
	ID                   string             `json:"id"`
	Type                 string             `json:"type"`
	Status               string             `json:"status"`
	Title                string             `json:"title"`
	Severity             string             `json:"severity"`
	Description          string             `json:"description,omitempty"`
	Reference            string             `json:"reference,omitempty"`
	Runbook              string             `json:"runbook"`
	CreatedAt            string             `json:"createdAt"`
	UpdatedAt            string             `json:"updatedAt,omitempty"`
	FirstEventOccurredAt string             `json:"firstEventOccurredAt,omitempty"`
	LastReceivedEventAt  string             `json:"lastReceivedEventAt"`
	EventCount           int                `json:"eventCount"`
	Context              any                `json:"context,omitempty"`
	Detection            *detectionInfoJSON `json:"detection,omitempty"`
	Assignee             *actorJSON         `json:"assignee"`
	UpdatedBy            *actorJSON         `json:"updatedBy"`
	Deliveries           []deliveryJSON     `json:"deliveries"`
	DedupString          string             `json:"dedupString"`
	LogTypes             []string           `json:"logTypes"`
	ErrorMessage         string             `json:"errorMessage,omitempty"`
}

func (h *handlers) alertJSON(r *http.Request, a *model.Alert) (*alertJSON, error) {
	ctx := r.Context()
	out := &alertJSON{
		ID: a.ID, Type: string(a.Type), Status: string(a.Status), Title: a.Title, Severity: string(a.Severity),
		Description: a.Description, Reference: a.Reference, Runbook: a.Runbook, CreatedAt: timeText(a.CreatedAt),
		UpdatedAt: deref(timePtr(a.UpdatedAt)), FirstEventOccurredAt: deref(timePtr(a.FirstEventOccurredAt)),
		LastReceivedEventAt: timeText(a.LastReceivedEventAt), EventCount: a.EventCount, Context: a.Context,
		Deliveries: []deliveryJSON{}, DedupString: a.DedupString, LogTypes: nonNil(a.LogTypes), ErrorMessage: deref(a.ErrorMessage),
	}
	detType := "RULE"
	switch a.Type {
	case model.AlertTypePolicy:
		detType = "POLICY"
	case model.AlertTypeScheduledRule, model.AlertTypeScheduledRuleError:
		detType = "SCHEDULED_RULE"
	case model.AlertTypeCorrelationRule, model.AlertTypeCorrelationRuleError:
		detType = "CORRELATION_RULE"
	}
	out.Detection = &detectionInfoJSON{ID: a.DetectionID, Type: detType}
	res := h.r.Alert()
	if u, err := res.Assignee(ctx, a); err == nil && u != nil {
		out.Assignee = &actorJSON{ID: u.ID, Type: "user", Name: u.Email}
	}
	if by, err := res.UpdatedBy(ctx, a); err == nil {
		out.UpdatedBy = actorOf(by)
	}
	dels, err := res.Deliveries(ctx, a)
	if err != nil {
		return nil, err
	}
	for _, d := range dels {
		out.Deliveries = append(out.Deliveries, deliveryJSON{DispatchedAt: timeText(d.DispatchedAt), Label: d.Label, Message: d.Message,
			OutputID: d.OutputID, StatusCode: d.StatusCode, Success: d.Success})
	}
	return out, nil
}

// listAlerts is GET /v1/alerts: Panther's query parameters onto AlertsInput.
func (h *handlers) listAlerts(w http.ResponseWriter, r *http.Request) {
	in, err := alertsInput(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.r.Query().Alerts(r.Context(), *in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := struct {
		Results []*alertJSON `json:"results"`
		Next    *string      `json:"next"`
	}{Results: []*alertJSON{}, Next: res.PageInfo.EndCursor}
	for _, e := range res.Edges {
		a, err := h.alertJSON(r, e.Node)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		out.Results = append(out.Results, a)
	}
	writeJSON(w, http.StatusOK, out)
}

func alertsInput(r *http.Request) (*model.AlertsInput, error) {
	q := r.URL.Query()
	n, err := limit(r, 25, 50)
	if err != nil {
		return nil, err
	}
	in := &model.AlertsInput{PageSize: &n, Cursor: optParam(q.Get("cursor")), DetectionID: optParam(q.Get("detection-id")),
		NameContains: optParam(q.Get("name-contains")), LogTypes: list(r, "log-type"), LogSources: list(r, "log-source"),
		ResourceTypes: list(r, "resource-type"), AssigneeIds: list(r, "assignee")}
	if t := q.Get("type"); t != "" {
		lt := model.AlertListingType(t)
		if !lt.IsValid() {
			return nil, badRequest("type must be ALERT, DETECTION_ERROR or SYSTEM_ERROR, got %q", t)
		}
		in.Type = &lt
	}
	for _, st := range list(r, "sub-type") {
		at := model.AlertType(st)
		if !at.IsValid() {
			return nil, badRequest("sub-type %q is not an alert type", st)
		}
		in.Subtypes = append(in.Subtypes, at)
	}
	for _, s := range list(r, "status") {
		st := model.AlertStatus(strings.ToUpper(s))
		if !st.IsValid() {
			return nil, badRequest("status must be OPEN, TRIAGED, RESOLVED or CLOSED, got %q", s)
		}
		in.Statuses = append(in.Statuses, st)
	}
	for _, s := range list(r, "severity") {
		sv := model.Severity(strings.ToUpper(s))
		if !sv.IsValid() {
			return nil, badRequest("severity must be INFO, LOW, MEDIUM, HIGH or CRITICAL, got %q", s)
		}
		in.Severities = append(in.Severities, sv)
	}
	if s := q.Get("created-after"); s != "" {
		t, err := parseTime("created-after", s)
		if err != nil {
			return nil, err
		}
		in.CreatedAtAfter = &t
	}
	if s := q.Get("created-before"); s != "" {
		t, err := parseTime("created-before", s)
		if err != nil {
			return nil, err
		}
		in.CreatedAtBefore = &t
	}
	for name, dst := range map[string]**int{"event-count-min": &in.EventCountMin, "event-count-max": &in.EventCountMax} {
		if s := q.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return nil, badRequest("%s must be a non-negative integer, got %q", name, s)
			}
			*dst = &n
		}
	}
	switch d := q.Get("sort-dir"); d {
	case "", "desc":
	case "asc":
		in.SortDir = ptr(model.SortDirEnumAscending)
	default:
		return nil, badRequest("sort-dir must be asc or desc, got %q", d)
	}
	return in, nil
}

func optParam(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (h *handlers) getAlert(w http.ResponseWriter, r *http.Request) {
	a, err := h.r.Query().Alert(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.alertJSON(r, a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

type patchAlertJSON struct {
	IDs      []string `json:"ids"`
	Status   *string  `json:"status"`
	Assignee *string  `json:"assignee"`
}

// apply sets the status and assignee of alerts; either may be absent.
func (h *handlers) patch(r *http.Request, ids []string, p patchAlertJSON) error {
	if p.Status == nil && p.Assignee == nil {
		return badRequest("give a status, an assignee, or both")
	}
	if len(ids) == 0 {
		return badRequest("give the ids of the alerts to update")
	}
	ctx := r.Context()
	m := h.r.Mutation()
	if p.Status != nil {
		st := model.AlertStatus(strings.ToUpper(*p.Status))
		if !st.IsValid() {
			return badRequest("status must be OPEN, TRIAGED, RESOLVED or CLOSED, got %q", *p.Status)
		}
		if _, err := m.UpdateAlertStatusByID(ctx, model.UpdateAlertStatusByIDInput{Ids: ids, Status: st}); err != nil {
			return err
		}
	}
	if p.Assignee != nil {
		if _, err := m.UpdateAlertsAssigneeByID(ctx, model.UpdateAlertsAssigneeByIDInput{Ids: ids, AssigneeID: p.Assignee}); err != nil {
			return err
		}
	}
	return nil
}

func (h *handlers) bulkPatchAlerts(w http.ResponseWriter, r *http.Request) {
	var p patchAlertJSON
	if err := decode(r, &p); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.patch(r, p.IDs, p); err != nil {
		h.fail(w, r, err)
		return
	}
	noContent(w)
}

func (h *handlers) patchAlert(w http.ResponseWriter, r *http.Request) {
	var p patchAlertJSON
	if err := decode(r, &p); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.patch(r, []string{pathID(r)}, p); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("{}\n"))
}

func (h *handlers) alertEvents(w http.ResponseWriter, r *http.Request) {
	n, err := limit(r, 25, 50)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	a, err := h.r.Query().Alert(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.r.Alert().Events(r.Context(), a, &model.AlertEventsInput{PageSize: &n, Cursor: optParam(r.URL.Query().Get("cursor"))})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := struct {
		Results []any   `json:"results"`
		Next    *string `json:"next"`
	}{Results: []any{}, Next: res.PageInfo.EndCursor}
	for _, e := range res.Edges {
		out.Results = append(out.Results, e.Node)
	}
	writeJSON(w, http.StatusOK, out)
}

type commentJSON struct {
	ID        string     `json:"id"`
	AlertID   string     `json:"alertId"`
	Body      string     `json:"body"`
	Format    string     `json:"format"`
	CreatedAt string     `json:"createdAt"`
	CreatedBy *actorJSON `json:"createdBy"`
	UpdatedAt string     `json:"updatedAt,omitempty"`
}

func (h *handlers) commentJSON(r *http.Request, c *model.Comment) commentJSON {
	out := commentJSON{ID: c.ID, AlertID: c.AlertID, Body: c.Body, Format: string(c.Format), CreatedAt: timeText(c.CreatedAt)}
	if by, err := h.r.Comment().CreatedBy(r.Context(), c); err == nil {
		out.CreatedBy = actorOf(by)
	}
	return out
}

func (h *handlers) listComments(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("alert-id")
	if id == "" {
		h.fail(w, r, badRequest("alert-id is required"))
		return
	}
	n, err := limit(r, 25, 50)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	a, err := h.r.Query().Alert(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.r.Alert().Comments(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	start := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		start = len(list)
		for i, cm := range list {
			if cm.ID == c {
				start = i + 1
			}
		}
	}
	end := min(start+n, len(list))
	out := struct {
		Results []commentJSON `json:"results"`
		Next    *string       `json:"next"`
	}{Results: []commentJSON{}}
	for _, c := range list[start:end] {
		out.Results = append(out.Results, h.commentJSON(r, c))
	}
	if end < len(list) {
		out.Next = ptr(list[end-1].ID)
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handlers) createComment(w http.ResponseWriter, r *http.Request) {
	var in struct{ AlertID, Body, Format string }
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if in.AlertID == "" {
		h.fail(w, r, badRequest("alertId is required"))
		return
	}
	format := model.CommentFormatPlainText
	if in.Format != "" {
		format = model.CommentFormat(in.Format)
		if !format.IsValid() {
			h.fail(w, r, badRequest("format must be PLAIN_TEXT or HTML, got %q", in.Format))
			return
		}
	}
	res, err := h.r.Mutation().CreateAlertComment(r.Context(), model.CreateAlertCommentInput{AlertID: in.AlertID, Body: in.Body, Format: &format})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.commentJSON(r, res.Comment))
}

func (h *handlers) getComment(w http.ResponseWriter, r *http.Request) {
	c, err := h.d.Alerts.CommentByID(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, apierr.New(apierr.NotFound, "no comment with ID %q", pathID(r)))
		return
	}
	writeJSON(w, http.StatusOK, h.commentJSON(r, &model.Comment{ID: strconv.FormatInt(c.ID, 10), AlertID: c.AlertID, Body: c.Body,
		CreatedAt: c.At, Format: model.CommentFormatPlainText, CreatedByRef: c.Author}))
}

func (h *handlers) updateComment(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, apierr.New(apierr.InvalidInput, "comments cannot be edited; add a new comment instead"))
}
