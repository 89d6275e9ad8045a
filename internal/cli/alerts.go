package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/delivery"
)

func alertsList(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "alerts list", "alerts list [--data-dir D] [--format table|json] [filters]").withDataDir()
	format := f.String("format", "table", "table or json (one alert per line)")
	var sev, status, typ listFlag
	f.Var(&sev, "severity", "only these severities (repeatable or comma-separated)")
	f.Var(&status, "status", "only these statuses: OPEN, TRIAGED, CLOSED, RESOLVED")
	f.Var(&typ, "type", "only these types: RULE, RULE_ERROR, POLICY")
	det := f.String("detection", "", "only alerts of this detection ID")
	logType := f.String("log-type", "", "only alerts with events of this log type")
	text := f.String("contains", "", "only alerts whose title or detection ID contains this text")
	since := f.String("since", "", "only alerts created since (RFC 3339 time or a duration like 24h)")
	until := f.String("until", "", "only alerts created before (RFC 3339 time or a duration ago)")
	limit := f.Int("limit", 50, "alerts per page")
	cursor := f.String("cursor", "", "the page cursor printed by a previous call")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	filter := alerts.Filter{Severities: sev, DetectionID: *det, LogType: *logType, Text: *text, Limit: *limit, Cursor: *cursor}
	for _, s := range status {
		st, ok := alerts.ParseStatus(strings.ToUpper(s))
		if !ok {
			return errorf(env, "alerts list: invalid --status %q (expected OPEN, TRIAGED, CLOSED or RESOLVED)", s)
		}
		filter.Statuses = append(filter.Statuses, st)
	}
	for _, t := range typ {
		filter.Types = append(filter.Types, alerts.Type(strings.ToUpper(t)))
	}
	var err error
	if filter.From, err = parseWhen(*since); err != nil {
		return errorf(env, "alerts list: --since: %v", err)
	}
	if filter.To, err = parseWhen(*until); err != nil {
		return errorf(env, "alerts list: --until: %v", err)
	}
	st, err := openState(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "alerts: %v", err)
	}
	defer st.Close()
	page, err := st.alerts.List(ctx, filter)
	if err != nil {
		return errorf(env, "alerts list: %v", err)
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		for _, a := range page.Alerts {
			if err := enc.Encode(a); err != nil {
				return errorf(env, "alerts list: %v", err)
			}
		}
	} else {
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCREATED\tSEVERITY\tSTATUS\tTYPE\tEVENTS\tDETECTION\tTITLE")
		for _, a := range page.Alerts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", a.ID, a.CreatedAt.Format(time.RFC3339), a.Severity,
				a.Status, a.Type, a.EventCount, a.DetectionID, cut(oneLine(a.Title), 80))
		}
		tw.Flush()
	}
	if page.Next != "" {
		fmt.Fprintf(env.Stderr, "more alerts: --cursor %s\n", page.Next)
	}
	return ExitOK
}

// parseWhen reads an RFC 3339 time, or a duration meaning that long ago.
func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("expected an RFC 3339 time or a duration, got %q", s)
	}
	return t, nil
}

// alertDetail is what `alerts show` prints as JSON.
type alertDetail struct {
	*alerts.Alert
	History    []alerts.Change   `json:"history"`
	Comments   []alerts.Comment  `json:"comments"`
	Deliveries []delivery.Record `json:"deliveries"`
	EventsSQL  string            `json:"eventsQuery"`
}

func alertsShow(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "alerts show", "alerts show [--data-dir D] [--format table|json] ALERT_ID").withDataDir()
	format := f.String("format", "table", "table or json")
	arg, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	st, err := openState(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "alerts: %v", err)
	}
	defer st.Close()
	a, err := st.alerts.Get(ctx, arg)
	if errors.Is(err, alerts.ErrNotFound) {
		return errorf(env, "alerts show: no alert %s", arg)
	}
	if err != nil {
		return errorf(env, "alerts show: %v", err)
	}
	d := alertDetail{Alert: a}
	if d.History, err = st.alerts.History(ctx, a.ID); err == nil {
		d.Comments, err = st.alerts.Comments(ctx, a.ID)
	}
	if err == nil {
		d.Deliveries, err = st.disp.Deliveries(ctx, a.ID)
	}
	if err != nil {
		return errorf(env, "alerts show: %v", err)
	}
	db := "panther_views.all_rule_matches"
	if a.Type == alerts.TypeRuleError {
		db = "panther_views.all_rule_errors"
	}
	d.EventsSQL = fmt.Sprintf("SELECT * FROM %s WHERE p_alert_id = '%s'", db, a.ID)
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return errorf(env, "alerts show: %v", err)
		}
		return ExitOK
	}
	printAlert(env.Stdout, &d)
	return ExitOK
}

func printAlert(w io.Writer, d *alertDetail) {
	a := d.Alert
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("ID", a.ID)
	row("Title", a.Title)
	row("Type", string(a.Type))
	row("Severity", a.Severity)
	row("Status", string(a.Status))
	row("Assignee", a.Assignee)
	row("Detection", a.DetectionID+" "+a.DisplayName)
	row("Created", a.CreatedAt.Format(time.RFC3339))
	row("Updated", a.UpdatedAt.Format(time.RFC3339))
	row("Events", fmt.Sprintf("%d (first %s, last %s)", a.EventCount, a.FirstEventTime.Format(time.RFC3339), a.LastEventTime.Format(time.RFC3339)))
	row("Window", a.WindowStart.Format(time.RFC3339)+" to "+a.WindowEnd.Format(time.RFC3339))
	row("Dedup", a.Dedup)
	row("Log types", strings.Join(a.LogTypes, ", "))
	row("Description", oneLine(a.Description))
	row("Runbook", oneLine(a.Runbook))
	row("Reference", a.Reference)
	row("Error", oneLine(a.ErrorMessage))
	if len(a.Context) > 0 {
		row("Context", string(a.Context))
	}
	tw.Flush()
	if len(d.Deliveries) > 0 {
		fmt.Fprintln(w, "\nDeliveries:")
		for _, r := range d.Deliveries {
			fmt.Fprintf(w, "  %s: %s, %d attempts\n", r.DestinationID, r.Status, len(r.Attempts))
			for _, at := range r.Attempts {
				fmt.Fprintf(w, "    %s status %d %dms %s\n", at.StartedAt.Format(time.RFC3339), at.StatusCode, at.Latency, oneLine(at.Error))
			}
		}
	}
	if len(d.Comments) > 0 {
		fmt.Fprintln(w, "\nComments:")
		for _, c := range d.Comments {
			fmt.Fprintf(w, "  %s %s: %s\n", c.At.Format(time.RFC3339), c.Author, c.Body)
		}
	}
	if len(d.History) > 0 {
		fmt.Fprintln(w, "\nHistory:")
		for _, h := range d.History {
			fmt.Fprintf(w, "  %s %s %s %s -> %s\n", h.At.Format(time.RFC3339), h.Actor, h.Action, h.Old, cut(oneLine(h.New), 60))
		}
	}
	fmt.Fprintf(w, "\nEvents: panther query \"%s\"\n", d.EventsSQL)
}

func alertsChange(ctx context.Context, env *Env, sub string, args []string) int {
	usage := map[string]string{
		"status":  "alerts status [--data-dir D] [--by WHO] OPEN|TRIAGED|CLOSED|RESOLVED ALERT_ID...",
		"assign":  "alerts assign [--data-dir D] [--by WHO] ASSIGNEE ALERT_ID...   (\"\" unassigns)",
		"comment": "alerts comment [--data-dir D] [--by WHO] ALERT_ID TEXT",
	}[sub]
	f := newFlags(env, "alerts "+sub, usage).withDataDir()
	by := f.String("by", "", "who makes the change (default $USER)")
	pos, code, ok := f.parse(args)
	if !ok {
		return code
	}
	if len(pos) < 2 {
		f.Usage()
		return ExitUsage
	}
	actor := *by
	if actor == "" {
		actor = env.Getenv("USER")
	}
	if actor == "" {
		actor = "cli"
	}
	st, err := openState(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "alerts: %v", err)
	}
	defer st.Close()
	switch sub {
	case "status":
		s, ok := alerts.ParseStatus(strings.ToUpper(pos[0]))
		if !ok {
			return errorf(env, "alerts status: invalid status %q (expected OPEN, TRIAGED, CLOSED or RESOLVED)", pos[0])
		}
		err = st.alerts.SetStatus(ctx, pos[1:], s, actor)
	case "assign":
		err = st.alerts.Assign(ctx, pos[1:], pos[0], actor)
	case "comment":
		_, err = st.alerts.AddComment(ctx, pos[0], actor, strings.Join(pos[1:], " "))
	}
	if err != nil {
		return errorf(env, "alerts %s: %v", sub, err)
	}
	return ExitOK
}

// alertsDeliver sends the pending deliveries, waiting for retries until none is pending or
// --wait has passed.
func alertsDeliver(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "alerts deliver", "alerts deliver [--data-dir D] [--wait 10m]").withDataDir()
	wait := f.Duration("wait", 0, "keep retrying pending deliveries this long (default: one pass over those due now)")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	st, err := openState(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "alerts: %v", err)
	}
	defer st.Close()
	deadline := time.Now().Add(*wait)
	for {
		n, err := st.disp.RunOnce(ctx)
		if err != nil {
			return errorf(env, "alerts deliver: %v", err)
		}
		if n > 0 {
			fmt.Fprintf(env.Stdout, "%d deliveries attempted\n", n)
		}
		next, pending, err := st.disp.NextDue(ctx)
		if err != nil {
			return errorf(env, "alerts deliver: %v", err)
		}
		if !pending {
			fmt.Fprintln(env.Stdout, "no delivery pending")
			return ExitOK
		}
		if next.After(deadline) {
			fmt.Fprintf(env.Stdout, "deliveries still pending; next retry at %s\n", next.UTC().Format(time.RFC3339))
			return ExitOK
		}
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return ExitError
		case <-t.C:
		}
	}
}

func alertsResend(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "alerts resend", "alerts resend [--data-dir D] [--destination ID]... ALERT_ID").withDataDir()
	var dests listFlag
	f.Var(&dests, "destination", "send to this destination (default: the alert's routed destinations)")
	arg, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	st, err := openState(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "alerts: %v", err)
	}
	defer st.Close()
	if err := st.disp.Resend(ctx, arg, dests); err != nil {
		return errorf(env, "alerts resend: %v", err)
	}
	n, err := st.disp.RunOnce(ctx)
	if err != nil {
		return errorf(env, "alerts resend: %v", err)
	}
	fmt.Fprintf(env.Stdout, "%d deliveries attempted\n", n)
	return ExitOK
}
