package rest

import (
	"net/http"

	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
)

// page cuts a list at the cursor (the ID of the previous page's last item).
func page[T any](list []T, id func(T) string, cursor string, n int) ([]T, *string) {
	start := 0
	if cursor != "" {
		start = len(list)
		for i, x := range list {
			if id(x) == cursor {
				start = i + 1
			}
		}
	}
	end := min(start+n, len(list))
	var next *string
	if end < len(list) {
		next = ptr(id(list[end-1]))
	}
	return list[start:end], next
}

type listJSON[T any] struct {
	Results []T     `json:"results"`
	Next    *string `json:"next"`
}

type globalJSON struct {
	ID           string     `json:"id"`
	Body         string     `json:"body"`
	Description  string     `json:"description"`
	Tags         []string   `json:"tags"`
	CreatedAt    string     `json:"createdAt,omitempty"`
	CreatedBy    *actorJSON `json:"createdBy,omitempty"`
	LastModified string     `json:"lastModified,omitempty"`
}

func (h *handlers) globalJSON(r *http.Request, g *model.GlobalHelper) globalJSON {
	out := globalJSON{ID: g.ID, Body: g.Body, Description: deref(g.Description), Tags: nonNil(g.Tags), CreatedAt: timeText(g.CreatedAt), LastModified: deref(timePtr(g.UpdatedAt))}
	if by, err := h.r.GlobalHelper().CreatedBy(r.Context(), g); err == nil {
		out.CreatedBy = actorOf(by)
	}
	return out
}

func (h *handlers) listGlobals(w http.ResponseWriter, r *http.Request) {
	n, err := limit(r, 100, 1000)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.r.Query().GlobalHelpers(r.Context(), &model.GlobalHelpersInput{NameContains: optParam(r.URL.Query().Get("name-contains")), PageSize: ptr(100000)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var all []*model.GlobalHelper
	for _, e := range res.Edges {
		all = append(all, e.Node)
	}
	pg, next := page(all, func(g *model.GlobalHelper) string { return g.ID }, r.URL.Query().Get("cursor"), n)
	out := listJSON[globalJSON]{Results: []globalJSON{}, Next: next}
	for _, g := range pg {
		out.Results = append(out.Results, h.globalJSON(r, g))
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handlers) getGlobal(w http.ResponseWriter, r *http.Request) {
	g, err := h.r.Query().GlobalHelper(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.globalJSON(r, g))
}

func (h *handlers) createGlobal(w http.ResponseWriter, r *http.Request) {
	var in globalJSON
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if in.ID == "" {
		h.fail(w, r, badRequest("id is required"))
		return
	}
	res, err := h.r.Mutation().CreateGlobalHelper(r.Context(), model.GlobalHelperInput{ID: in.ID, Body: in.Body, Description: optParam(in.Description), Tags: in.Tags})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.globalJSON(r, res.GlobalHelper))
}

// putGlobal creates or replaces; Panther answers {"data": global}.
func (h *handlers) putGlobal(w http.ResponseWriter, r *http.Request) {
	var in globalJSON
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	gi := model.GlobalHelperInput{ID: pathID(r), Body: in.Body, Description: optParam(in.Description), Tags: in.Tags}
	status := http.StatusOK
	var res *model.GlobalHelperOutput
	var err error
	if _, findErr := h.r.Query().GlobalHelper(r.Context(), gi.ID); findErr != nil {
		status = http.StatusCreated
		res, err = h.r.Mutation().CreateGlobalHelper(r.Context(), gi)
	} else {
		res, err = h.r.Mutation().UpdateGlobalHelper(r.Context(), gi)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, status, map[string]any{"data": h.globalJSON(r, res.GlobalHelper)})
}

func (h *handlers) deleteGlobal(w http.ResponseWriter, r *http.Request) {
	if _, err := h.r.Mutation().DeleteGlobalHelpers(r.Context(), model.DeleteEntitiesInput{Ids: []string{pathID(r)}}); err != nil {
		h.fail(w, r, err)
		return
	}
	noContent(w)
}

type mappingJSON struct {
	Name   string `json:"name"`
	Path   string `json:"path,omitempty"`
	Method string `json:"method,omitempty"`
}

type dataModelJSON struct {
	ID           string        `json:"id"`
	DisplayName  string        `json:"displayName"`
	Description  string        `json:"description"`
	Enabled      *bool         `json:"enabled"`
	LogTypes     []string      `json:"logTypes"`
	Mappings     []mappingJSON `json:"mappings"`
	Body         string        `json:"body"`
	CreatedAt    string        `json:"createdAt,omitempty"`
	LastModified string        `json:"lastModified,omitempty"`
}

func dataModelJSONOf(d *model.DataModel) dataModelJSON {
	out := dataModelJSON{ID: d.ID, DisplayName: deref(d.DisplayName), Description: deref(d.Description), Enabled: ptr(d.Enabled),
		LogTypes: nonNil(d.LogTypes), Mappings: []mappingJSON{}, Body: deref(d.Body), CreatedAt: timeText(d.CreatedAt), LastModified: deref(timePtr(d.UpdatedAt))}
	for _, m := range d.Mappings {
		out.Mappings = append(out.Mappings, mappingJSON{Name: m.Name, Path: deref(m.Path), Method: deref(m.Method)})
	}
	return out
}

func (in *dataModelJSON) input(id string) model.DataModelInput {
	out := model.DataModelInput{ID: id, DisplayName: optParam(in.DisplayName), Description: optParam(in.Description), Enabled: in.Enabled,
		LogTypes: nonNil(in.LogTypes), Mappings: []*model.DataModelMappingInput{}, Body: optParam(in.Body)}
	for _, m := range in.Mappings {
		out.Mappings = append(out.Mappings, &model.DataModelMappingInput{Name: m.Name, Path: optParam(m.Path), Method: optParam(m.Method)})
	}
	return out
}

func (h *handlers) listDataModels(w http.ResponseWriter, r *http.Request) {
	n, err := limit(r, 100, 1000)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.r.Query().DataModels(r.Context(), &model.DataModelsInput{PageSize: ptr(100000)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var all []*model.DataModel
	for _, e := range res.Edges {
		all = append(all, e.Node)
	}
	pg, next := page(all, func(d *model.DataModel) string { return d.ID }, r.URL.Query().Get("cursor"), n)
	out := listJSON[dataModelJSON]{Results: []dataModelJSON{}, Next: next}
	for _, d := range pg {
		out.Results = append(out.Results, dataModelJSONOf(d))
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handlers) getDataModel(w http.ResponseWriter, r *http.Request) {
	d, err := h.r.Query().DataModel(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataModelJSONOf(d))
}

func (h *handlers) createDataModel(w http.ResponseWriter, r *http.Request) {
	var in dataModelJSON
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if in.ID == "" {
		h.fail(w, r, badRequest("id is required"))
		return
	}
	res, err := h.r.Mutation().CreateDataModel(r.Context(), in.input(in.ID))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataModelJSONOf(res.DataModel))
}

func (h *handlers) putDataModel(w http.ResponseWriter, r *http.Request) {
	var in dataModelJSON
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	status := http.StatusOK
	var res *model.DataModelOutput
	var err error
	if _, findErr := h.r.Query().DataModel(r.Context(), pathID(r)); findErr != nil {
		status = http.StatusCreated
		res, err = h.r.Mutation().CreateDataModel(r.Context(), in.input(pathID(r)))
	} else {
		res, err = h.r.Mutation().UpdateDataModel(r.Context(), in.input(pathID(r)))
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, status, dataModelJSONOf(res.DataModel))
}

func (h *handlers) deleteDataModel(w http.ResponseWriter, r *http.Request) {
	if _, err := h.r.Mutation().DeleteDataModels(r.Context(), model.DeleteEntitiesInput{Ids: []string{pathID(r)}}); err != nil {
		h.fail(w, r, err)
		return
	}
	noContent(w)
}

type scheduleJSON struct {
	Cron           string `json:"cron,omitempty"`
	Disabled       bool   `json:"disabled"`
	RateMinutes    int    `json:"rateMinutes,omitempty"`
	TimeoutMinutes int    `json:"timeoutMinutes,omitempty"`
}

type queryJSON struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	SQL         string        `json:"sql"`
	Schedule    *scheduleJSON `json:"schedule"`
	Managed     bool          `json:"managed"`
	CreatedAt   string        `json:"createdAt,omitempty"`
	UpdatedAt   string        `json:"updatedAt,omitempty"`
}

func queryJSONOf(q *model.SavedQuery) queryJSON {
	out := queryJSON{ID: q.ID, Name: q.Name, Description: deref(q.Description), SQL: q.SQL, CreatedAt: timeText(q.CreatedAt), UpdatedAt: deref(timePtr(q.UpdatedAt))}
	if s := q.Schedule; s != nil {
		out.Schedule = &scheduleJSON{Cron: deref(s.Cron), Disabled: s.Disabled, RateMinutes: deref(s.RateMinutes), TimeoutMinutes: deref(s.TimeoutMinutes)}
	}
	return out
}

func (in *queryJSON) input() model.SavedQueryInput {
	out := model.SavedQueryInput{Name: in.Name, Description: optParam(in.Description), SQL: in.SQL}
	if s := in.Schedule; s != nil {
		out.Schedule = &model.SavedQueryScheduleInput{Cron: optParam(s.Cron), Disabled: &s.Disabled}
		if s.RateMinutes > 0 {
			out.Schedule.RateMinutes = &s.RateMinutes
		}
		if s.TimeoutMinutes > 0 {
			out.Schedule.TimeoutMinutes = &s.TimeoutMinutes
		}
	}
	return out
}

func (h *handlers) listQueries(w http.ResponseWriter, r *http.Request) {
	n, err := limit(r, 100, 1000)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.r.Query().SavedQueries(r.Context(), &model.SavedQueriesInput{PageSize: ptr(100000)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var all []*model.SavedQuery
	for _, e := range res.Edges {
		all = append(all, e.Node)
	}
	pg, next := page(all, func(q *model.SavedQuery) string { return q.ID }, r.URL.Query().Get("cursor"), n)
	out := listJSON[queryJSON]{Results: []queryJSON{}, Next: next}
	for _, q := range pg {
		out.Results = append(out.Results, queryJSONOf(q))
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handlers) getQuery(w http.ResponseWriter, r *http.Request) {
	q, err := h.r.Query().SavedQuery(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, queryJSONOf(q))
}

func (h *handlers) createQuery(w http.ResponseWriter, r *http.Request) {
	var in queryJSON
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if in.Name == "" || in.SQL == "" {
		h.fail(w, r, badRequest("name and sql are required"))
		return
	}
	res, err := h.r.Mutation().CreateSavedQuery(r.Context(), in.input())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, queryJSONOf(res.SavedQuery))
}

func (h *handlers) updateQuery(w http.ResponseWriter, r *http.Request) {
	var in queryJSON
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	old, err := h.r.Query().SavedQuery(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if in.Name != "" && in.Name != old.Name {
		h.fail(w, r, apierr.New(apierr.InvalidInput, "a saved query cannot be renamed (%q to %q): create a new one", old.Name, in.Name))
		return
	}
	in.Name = old.Name
	res, err := h.r.Mutation().UpdateSavedQuery(r.Context(), in.input())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, queryJSONOf(res.SavedQuery))
}

func (h *handlers) deleteQuery(w http.ResponseWriter, r *http.Request) {
	q, err := h.r.Query().SavedQuery(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.r.Mutation().DeleteSavedQueriesByName(r.Context(), model.DeleteSavedQueriesByNameInput{Names: []string{q.Name}}); err != nil {
		h.fail(w, r, err)
		return
	}
	noContent(w)
}
