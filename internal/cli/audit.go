package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"text/tabwriter"
	"time"

	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/state"
)

// runAudit prints the audit log: every change and sign-in, newest first.
func runAudit(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "audit", "audit [--data-dir D] [--since DUR|RFC3339] [--action A|AREA.] [--actor ID|NAME] [--result success|failure] [--limit N] [--cursor C] [--format table|json]").withDataDir()
	since := f.String("since", "", "only entries since this time (RFC 3339) or this long ago (24h)")
	action := f.String("action", "", `only this action ("auth.sign_in"), or an area's actions ("users.")`)
	actor := f.String("actor", "", "only entries of this actor (user or token id, e-mail, token name)")
	result := f.String("result", "", "success or failure")
	limit := f.Int("limit", 100, "entries per page (at most 1000)")
	cursor := f.String("cursor", "", "continue after a previous page")
	format := f.String("format", "table", "table or json")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	from, err := parseWhen(*since)
	if err != nil {
		return errorf(env, "audit: --since: %v", err)
	}
	a, err := openAuth(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "audit: %v", err)
	}
	defer a.Close()
	page, err := a.svc.AuditLog(a.ctx, auth.AuditFilter{From: from, Action: *action, Actor: *actor, Result: *result,
		Limit: *limit, Cursor: *cursor})
	if err != nil {
		return errorf(env, "audit: %v", err)
	}
	if *format == "json" {
		if page.Entries == nil {
			page.Entries = []auth.AuditEntry{}
		}
		return printJSON(env, "audit", page)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tACTOR\tACTION\tTARGET\tRESULT\tFROM\tSUMMARY")
	for _, e := range page.Entries {
		target := e.TargetType
		if e.TargetID != "" {
			target += " " + e.TargetID
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Format(time.RFC3339), e.ActorType, e.ActorName, e.Action,
			target, e.Result, e.RemoteAddr, cut(oneLine(e.Summary), 100))
	}
	tw.Flush()
	if page.Next != "" {
		fmt.Fprintf(env.Stderr, "more entries: --cursor %s\n", page.Next)
	}
	return ExitOK
}

// dataDirAudit reads the audit log of a data dir, opening its state database for each read:
// panther_system.audit for commands that query once. A data dir without a state database has
// an empty log, and reading it creates none.
type dataDirAudit string

func (d dataDirAudit) ScanAudit(ctx context.Context, afterID int64, fn func(auth.AuditEntry) error) error {
	if _, err := os.Stat(state.Path(string(d))); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	a, err := openAuth(ctx, string(d))
	if err != nil {
		return err
	}
	defer a.Close()
	return a.svc.ScanAudit(ctx, afterID, fn)
}
