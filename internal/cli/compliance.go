package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/pantherlabs/panther/internal/cloudsec/compliance"
	"github.com/pantherlabs/panther/internal/runtime"
)

func complianceCommands() []command {
	return []command{
		{name: "list", summary: "list the status of each policy on each resource", examples: []string{"panther compliance list --status FAIL", "panther compliance list --policy AWS.S3.Encryption --active --format json"}, run: complianceList},
		{name: "summary", summary: "compliance by severity, top failing policies and resources", examples: []string{"panther compliance summary", "panther compliance summary --top 5 --format json"}, run: complianceSummary},
		{name: "suppress", summary: "suppress a policy on the resources whose id matches a pattern", examples: []string{"panther compliance suppress --policy AWS.S3.Encryption 'arn:aws:s3:::public-*'"}, run: complianceSuppress},
		{name: "unsuppress", summary: "remove suppressions added with suppress", examples: []string{"panther compliance unsuppress --policy AWS.S3.Encryption 'arn:aws:s3:::public-*'"}, run: complianceUnsuppress},
	}
}

func complianceList(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "compliance list", "compliance list [--data-dir D] [--policy P]... [--status PASS|FAIL|ERROR]... [--resource R]... [--type T]... [--format table|json]").withDataDir()
	var policies, statuses, res, types, accounts, sevs listFlag
	f.Var(&policies, "policy", "only these policy IDs (repeatable or comma-separated)")
	f.Var(&statuses, "status", "only these statuses: PASS, FAIL, ERROR")
	f.Var(&res, "resource", "only these resource ids")
	f.Var(&types, "type", "only resources of these types")
	f.Var(&accounts, "account", "only resources of these accounts")
	f.Var(&sevs, "severity", "only policies of these severities")
	active := f.Bool("active", false, "leave out the suppressed pairs")
	format := f.String("format", "table", "table or json (one row per line: policyId, resourceId, resourceType, status, error, suppressed...)")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	if *format != "table" && *format != "json" {
		return errorf(env, "compliance list: --format is %q, expected table or json", *format)
	}
	filter := compliance.Filter{PolicyIDs: policies, ResourceIDs: res, ResourceTypes: types, AccountIDs: accounts, Severities: sevs, Limit: 10000}
	for _, s := range statuses {
		st, ok := compliance.ParseStatus(s)
		if !ok {
			return errorf(env, "compliance list: invalid --status %q (expected PASS, FAIL or ERROR)", s)
		}
		filter.Statuses = append(filter.Statuses, st)
	}
	if *active {
		no := false
		filter.Suppressed = &no
	}
	c, err := openCloudStores(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "compliance: %v", err)
	}
	defer c.Close()
	var rows []*compliance.Row
	for {
		p, err := c.cmp.List(ctx, filter)
		if err != nil {
			return errorf(env, "compliance list: %v", err)
		}
		rows = append(rows, p.Rows...)
		if p.Next == "" {
			break
		}
		filter.Cursor = p.Next
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return errorf(env, "compliance list: %v", err)
			}
		}
		return ExitOK
	}
	printRows(env.Stdout, rows, true)
	return ExitOK
}

func complianceSummary(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "compliance summary", "compliance summary [--data-dir D] [--top N] [--format table|json]").withDataDir()
	top := f.Int("top", 10, "how many top failing policies and resources")
	format := f.String("format", "table", "table or json")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	c, err := openCloudStores(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "compliance: %v", err)
	}
	defer c.Close()
	sum, err := c.cmp.Summary(ctx, *top)
	if err != nil {
		return errorf(env, "compliance summary: %v", err)
	}
	if *format == "json" {
		return printJSON(env, "compliance summary", sum)
	}
	w := env.Stdout
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tPOLICIES PASS\tFAIL\tERROR\tPAIRS PASS\tFAIL\tERROR\tSUPPRESSED")
	for _, sev := range compliance.Severities {
		p, a, s := sum.Policies[sev], sum.Active[sev], sum.Suppressed[sev]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", sev, p.Pass, p.Fail, p.Error, a.Pass, a.Fail, a.Error, s.Total())
	}
	tw.Flush()
	fmt.Fprintf(w, "\nResources: %d (%d PASS, %d FAIL, %d ERROR)\n", sum.Resources.Total(), sum.Resources.Pass, sum.Resources.Fail, sum.Resources.Error)
	types := make([]string, 0, len(sum.ResourcesByType))
	for t := range sum.ResourcesByType {
		types = append(types, t)
	}
	sort.Strings(types)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tRESOURCES\tPASS\tFAIL\tERROR")
	for _, t := range types {
		c := sum.ResourcesByType[t]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", t, c.Total(), c.Pass, c.Fail, c.Error)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nTop failing policies:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "POLICY\tSEVERITY\tFAILING\tPASSING\tERROR\tSUPPRESSED")
	for _, p := range sum.TopFailingPolicies {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", p.PolicyID, p.Severity, p.Fail, p.Pass, p.Error, p.Suppressed)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nTop failing resources:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tTYPE\tFAILING POLICIES\tBY SEVERITY")
	for _, r := range sum.TopFailingResources {
		var parts []string
		for _, sev := range compliance.Severities {
			if n := r.Failing[sev]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", sev, n))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.ResourceID, r.ResourceType, r.Fail, strings.Join(parts, ", "))
	}
	tw.Flush()
	return ExitOK
}

func complianceSuppress(ctx context.Context, env *Env, args []string) int {
	return complianceChangeSuppressions(ctx, env, args, true)
}

func complianceUnsuppress(ctx context.Context, env *Env, args []string) int {
	return complianceChangeSuppressions(ctx, env, args, false)
}

func complianceChangeSuppressions(ctx context.Context, env *Env, args []string, add bool) int {
	name := "unsuppress"
	if add {
		name = "suppress"
	}
	f := newFlags(env, "compliance "+name, "compliance "+name+" [--data-dir D] --policy P... PATTERN...").withDataDir()
	var policies listFlag
	f.Var(&policies, "policy", "the policy IDs (repeatable or comma-separated)")
	actor := f.String("actor", "", "who adds the suppression (recorded; default $USER)")
	python := f.String("python", "", "Python interpreter for the policies (default python3)")
	patterns, code, ok := f.parse(args)
	if !ok {
		return code
	}
	if len(policies) == 0 || len(patterns) == 0 {
		fmt.Fprintf(env.Stderr, "panther compliance %s: give --policy and at least one resource id pattern (* matches anything)\n", name)
		f.Usage()
		return ExitUsage
	}
	if *actor == "" {
		*actor = env.Getenv("USER")
	}
	st, err := runtime.OpenState(ctx, f.DataDir(), runtime.StateOptions{NoDispatcher: true})
	if err != nil {
		return errorf(env, "compliance: %v", err)
	}
	defer st.Close()
	cs, err := openCloudSecurity(ctx, env, st, f.DataDir(), "", *python)
	if err != nil {
		return errorf(env, "compliance %s: %v", name, err)
	}
	defer cs.Close()
	var n int
	if add {
		n, err = cs.Compliance.AddSuppressions(ctx, policies, patterns, *actor)
	} else {
		n, err = cs.Compliance.RemoveSuppressions(ctx, policies, patterns)
	}
	if err != nil {
		return errorf(env, "compliance %s: %v", name, err)
	}
	fmt.Fprintf(env.Stdout, "%d statuses changed their suppression\n", n)
	return ExitOK
}
