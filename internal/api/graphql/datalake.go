package graphql

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
	"github.com/pantherlabs/panther/internal/lakequery"
	"github.com/pantherlabs/panther/internal/logschema"
)

func (r *Resolver) lake() (*lakequery.Service, error) {
	if r.D.Lake == nil {
		return nil, need(false, "the data lake query service")
	}
	return r.D.Lake, nil
}

func queryModel(q *lakequery.Query) *model.DataLakeQuery {
	m := &model.DataLakeQuery{ID: q.ID, SQL: q.SQL, Name: optStr(q.Name), Status: model.DataLakeQueryStatus(q.Status),
		Message: q.Message, IsScheduled: q.IsScheduled, StartedAt: q.StartedAt.UTC(), CompletedAt: optTime(q.CompletedAt),
		IssuedByRef: lakeActorRef(q.IssuedBy)}
	switch {
	case q.Status == lakequery.StatusSucceeded && q.Truncated && m.Message == "":
		m.Message = fmt.Sprintf("the results stop at the row limit (%d rows); narrow the query or raise rowLimit", q.Limits.MaxRows)
	case q.Status == lakequery.StatusSucceeded && q.ResultsExpired:
		m.Message = "the results expired: run the query again"
	}
	return m
}

func lakeActorRef(a lakequery.Actor) string {
	switch a.Type {
	case lakequery.ActorUser:
		return "user:" + a.ID
	case lakequery.ActorToken:
		return "token:" + a.ID
	}
	return "system"
}

func (r *Resolver) queryResults(ctx context.Context, q *model.DataLakeQuery, in *model.DataLakeQueryResultsInput) (*model.DataLakeQueryResults, error) {
	if q.Status != model.DataLakeQueryStatusSucceeded {
		return nil, nil
	}
	lk, err := r.lake()
	if err != nil {
		return nil, err
	}
	pg, err := lk.Results(ctx, q.ID, lakequery.ResultsInput{Cursor: deref(deref(in).Cursor), PageSize: pageSize(deref(in).PageSize, 999, 999)})
	if err != nil {
		return nil, fail(err)
	}
	types := map[string]any{}
	order := make([]string, len(pg.Columns))
	for i, c := range pg.Columns {
		order[i], types[c.Name] = c.Name, c.Type
	}
	out := &model.DataLakeQueryResults{
		ColumnInfo: &model.DataLakeQueryResultsColumnInfo{Order: order, Types: types},
		Edges:      []*model.DataLakeQueryResultEdge{},
		PageInfo: &model.DataLakeQueryResultRecordsPageInfo{HasNextPage: pg.HasNextPage, HasPreviousPage: pg.HasPrevious,
			StartCursor: optStr(pg.StartCursor), EndCursor: optStr(pg.EndCursor)},
		Stats: &model.DataLakeQueryStats{BytesScanned: float64(pg.Stats.BytesScanned), RowCount: float64(pg.Stats.RowCount),
			ExecutionTime: float64(pg.Stats.ExecutionTime) / float64(time.Millisecond)},
	}
	for _, row := range pg.Rows {
		out.Edges = append(out.Edges, &model.DataLakeQueryResultEdge{Node: row})
	}
	return out, nil
}

func tableModel(t lakequery.Table) *model.DataLakeDatabaseTable {
	m := &model.DataLakeDatabaseTable{Name: t.Name, Description: optStr(t.Description), DisplayName: optStr(t.DisplayName),
		LogType: optStr(t.LogType), Columns: []*model.DataLakeDatabaseTableColumn{}}
	for _, c := range t.Columns {
		m.Columns = append(m.Columns, &model.DataLakeDatabaseTableColumn{Name: c.Name, Type: optStr(c.Type), Description: optStr(c.Description)})
	}
	return m
}

// maxAlertEventOffset bounds how deep an alert's events may be paged.
const maxAlertEventOffset = 100000

// alertEvents reads an alert's matched events from the rule matches tables of its log types,
// ordered by event time; the cursor is an offset.
func (r *Resolver) alertEvents(ctx context.Context, a *model.Alert, in *model.AlertEventsInput) (*model.AlertEventsOutput, error) {
	if err := need(r.D.Engine != nil, "the data lake"); err != nil {
		return nil, err
	}
	size := pageSize(deref(in).PageSize, 25, 1000)
	offset := 0
	if c := deref(deref(in).Cursor); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 || n > maxAlertEventOffset {
			return nil, invalid("the cursor %q is not one a previous page returned", c)
		}
		offset = n
	}
	logTypes := append([]string(nil), a.LogTypes...)
	sort.Strings(logTypes)
	var rows []json.RawMessage
	for _, lt := range logTypes {
		q := fmt.Sprintf(`SELECT to_json(t)::VARCHAR FROM panther_rule_matches.%s t WHERE p_alert_id = ? ORDER BY p_event_time, p_row_id LIMIT %d`,
			quoteIdent(logschema.TableName(lt)), offset+size+1-len(rows))
		_, res, err := r.D.Engine.QueryAll(ctx, q, a.ID)
		if err != nil {
			return nil, apierr.Wrap(apierr.Internal, err, "reading the events of alert %s", a.ID)
		}
		for _, row := range res {
			if s, ok := row[0].(string); ok {
				rows = append(rows, json.RawMessage(s))
			}
		}
		if len(rows) > offset+size {
			break
		}
	}
	out := &model.AlertEventsOutput{Edges: []*model.AlertEventsOutputEdge{}, PageInfo: &model.CursorBasedPaginationPageInfo{HasPreviousPage: offset > 0}}
	if offset < len(rows) {
		end := min(offset+size, len(rows))
		for _, row := range rows[offset:end] {
			out.Edges = append(out.Edges, &model.AlertEventsOutputEdge{Node: row})
		}
		if len(rows) > end {
			out.PageInfo.HasNextPage, out.PageInfo.EndCursor = true, ptr(strconv.Itoa(end))
		}
	}
	return out, nil
}

func quoteIdent(s string) string {
	out := `"`
	for _, r := range s {
		if r == '"' {
			out += `""`
		} else {
			out += string(r)
		}
	}
	return out + `"`
}
