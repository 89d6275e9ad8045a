package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/cloudsec/compliance"
	"github.com/pantherlabs/panther/internal/cloudsec/resources"
	"github.com/pantherlabs/panther/internal/runtime"
)

func init() {
	// `panther scan ACCOUNT` hands its resources to the same compliance state as an import.
	openCloudSink = func(ctx context.Context, env *Env, dataDir string, st *runtime.State) (cloudsec.Sink, io.Closer, error) {
		cs, err := openCloudSecurity(ctx, env, st, dataDir, "", "")
		if err != nil {
			return nil, nil, err
		}
		return cs, cs, nil
	}
}

func resourcesCommands() []command {
	return []command{
		{name: "list", summary: "list cloud resources with their compliance status", examples: []string{"panther resources list --type AWS.S3.Bucket", "panther resources list --account 123456789012 --region us-east-1 --format json"}, run: resourcesList},
		{name: "show", summary: "show a resource: its snapshot and the status of each policy on it", examples: []string{"panther resources show arn:aws:s3:::my-bucket", "panther resources show --format json arn:aws:s3:::my-bucket"}, run: resourcesShow},
		{name: "import", summary: "import resource snapshots (JSON array or NDJSON) and evaluate the policies on them", examples: []string{"panther resources import snapshots.json", "panther resources import --detections ./policies --format json snapshots.ndjson"}, run: resourcesImport},
	}
}

// cloudStores are the resource and compliance stores over a data dir's state database, without
// Python workers: for the commands that only read.
type cloudStores struct {
	st  *runtime.State
	res *resources.Store
	cmp *compliance.Service
}

func openCloudStores(ctx context.Context, dataDir string) (*cloudStores, error) {
	st, err := runtime.OpenState(ctx, dataDir, runtime.StateOptions{NoDispatcher: true})
	if err != nil {
		return nil, err
	}
	c := &cloudStores{st: st}
	if c.res, err = resources.Open(ctx, st.DB, resources.Options{}); err != nil {
		st.Close()
		return nil, err
	}
	if c.cmp, err = compliance.New(ctx, compliance.Options{DB: st.DB, Resources: c.res}); err != nil {
		st.Close()
		return nil, err
	}
	return c, nil
}

func (c *cloudStores) Close() error { return c.st.Close() }

func resourcesList(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "resources list", "resources list [--data-dir D] [--type T]... [--account A]... [--region R]... [--deleted] [--format table|json]").withDataDir()
	var types, accounts, regions listFlag
	f.Var(&types, "type", "only resources of these types, e.g. AWS.S3.Bucket (repeatable or comma-separated)")
	f.Var(&accounts, "account", "only resources of these AWS accounts")
	f.Var(&regions, "region", "only resources of these regions (global for account-wide resources)")
	deleted := f.Bool("deleted", false, "include resources marked deleted")
	format := f.String("format", "table", "table or json (one resource per line, with its attributes)")
	limit := f.Int("limit", 0, "at most this many resources (default: all)")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	if *format != "table" && *format != "json" {
		return errorf(env, "resources list: --format is %q, expected table or json", *format)
	}
	c, err := openCloudStores(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "resources: %v", err)
	}
	defer c.Close()
	filter := resources.Filter{Types: types, AccountIDs: accounts, Regions: regions, Deleted: *deleted, Limit: 1000}
	var list []*resources.Resource
	for {
		p, err := c.res.List(ctx, filter)
		if err != nil {
			return errorf(env, "resources list: %v", err)
		}
		list = append(list, p.Resources...)
		if p.Next == "" || (*limit > 0 && len(list) >= *limit) {
			break
		}
		filter.Cursor = p.Next
	}
	if *limit > 0 && len(list) > *limit {
		list = list[:*limit]
	}
	ids := make([]string, len(list))
	for i, r := range list {
		ids[i] = r.ID
	}
	stats, err := resourceStats(ctx, c.cmp, ids)
	if err != nil {
		return errorf(env, "resources list: %v", err)
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		for _, r := range list {
			if err := enc.Encode(resourceJSON{Resource: r, Compliance: complianceOf(stats[r.ID])}); err != nil {
				return errorf(env, "resources list: %v", err)
			}
		}
		return ExitOK
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tACCOUNT\tREGION\tSTATUS\tFAILING\tLAST MODIFIED")
	for _, r := range list {
		st := complianceOf(stats[r.ID])
		status := string(st.Status)
		if r.Deleted {
			status = "DELETED"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Type, r.AccountID, r.Region, status, st.Fail, r.LastModified.Format(time.RFC3339))
	}
	tw.Flush()
	return ExitOK
}

// resourceCompliance is a resource's aggregate status over its active policies.
type resourceCompliance struct {
	Status compliance.Status `json:"status"`
	compliance.Counts
}

type resourceJSON struct {
	*resources.Resource
	Compliance resourceCompliance `json:"compliance"`
}

func complianceOf(st *compliance.ResourceStat) resourceCompliance {
	if st == nil {
		return resourceCompliance{Status: "-"}
	}
	return resourceCompliance{Status: st.Status, Counts: st.Counts}
}

func resourceStats(ctx context.Context, cmp *compliance.Service, ids []string) (map[string]*compliance.ResourceStat, error) {
	out := map[string]*compliance.ResourceStat{}
	for start := 0; start < len(ids); start += 500 {
		stats, err := cmp.ResourceStats(ctx, ids[start:min(start+500, len(ids))])
		if err != nil {
			return nil, err
		}
		for i := range stats {
			out[stats[i].ResourceID] = &stats[i]
		}
	}
	return out, nil
}

func resourcesShow(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "resources show", "resources show [--data-dir D] [--format table|json] RESOURCE_ID").withDataDir()
	format := f.String("format", "table", "table or json")
	id, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	c, err := openCloudStores(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "resources: %v", err)
	}
	defer c.Close()
	r, err := c.res.Get(ctx, id)
	if errors.Is(err, resources.ErrNotFound) {
		return errorf(env, "resources show: no resource %s (see `panther resources list`)", id)
	}
	if err != nil {
		return errorf(env, "resources show: %v", err)
	}
	page, err := c.cmp.List(ctx, compliance.Filter{ResourceIDs: []string{id}, Limit: 10000})
	if err != nil {
		return errorf(env, "resources show: %v", err)
	}
	stats, err := resourceStats(ctx, c.cmp, []string{id})
	if err != nil {
		return errorf(env, "resources show: %v", err)
	}
	if *format == "json" {
		return printJSON(env, "resources show", struct {
			resourceJSON
			Policies []*compliance.Row `json:"policies"`
		}{resourceJSON{r, complianceOf(stats[id])}, page.Rows})
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ID:\t%s\n", r.ID)
	fmt.Fprintf(tw, "Type:\t%s\n", r.Type)
	fmt.Fprintf(tw, "Account:\t%s\n", r.AccountID)
	fmt.Fprintf(tw, "Region:\t%s\n", r.Region)
	fmt.Fprintf(tw, "Source:\t%s\n", r.SourceID)
	fmt.Fprintf(tw, "Deleted:\t%v\n", r.Deleted)
	fmt.Fprintf(tw, "First seen:\t%s\n", r.FirstSeen.Format(time.RFC3339))
	fmt.Fprintf(tw, "Last modified:\t%s\n", r.LastModified.Format(time.RFC3339))
	fmt.Fprintf(tw, "Last scanned:\t%s\n", r.LastScanned.Format(time.RFC3339))
	fmt.Fprintf(tw, "Compliance:\t%s\n", complianceOf(stats[id]).Status)
	tw.Flush()
	fmt.Fprintln(env.Stdout, "\nPolicies:")
	printRows(env.Stdout, page.Rows, false)
	fmt.Fprintln(env.Stdout, "\nAttributes:")
	b, _ := json.MarshalIndent(r.Attributes, "", "  ")
	fmt.Fprintln(env.Stdout, string(b))
	return ExitOK
}

// printRows prints compliance rows as a table.
func printRows(w io.Writer, rows []*compliance.Row, withType bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if withType {
		fmt.Fprintln(tw, "POLICY\tRESOURCE\tTYPE\tSEVERITY\tSTATUS\tSUPPRESSED\tERROR")
	} else {
		fmt.Fprintln(tw, "POLICY\tSEVERITY\tSTATUS\tSUPPRESSED\tERROR")
	}
	for _, r := range rows {
		sup := ""
		if r.Suppressed {
			sup = "yes"
		}
		if withType {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.PolicyID, r.ResourceID, r.ResourceType, r.Severity, r.Status, sup, cut(oneLine(r.Error), 100))
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.PolicyID, r.Severity, r.Status, sup, cut(oneLine(r.Error), 100))
		}
	}
	tw.Flush()
}

// openCloudSecurity opens the resource and compliance stores with the enabled policies loaded
// (their Python workers started).
func openCloudSecurity(ctx context.Context, env *Env, st *runtime.State, dataDir, detections, python string) (*runtime.CloudSecurity, error) {
	return runtime.OpenCloudSecurity(ctx, runtime.CloudSecurityOptions{DataDir: dataDir, State: st, DetectionsDir: detections,
		Detection: runtime.DetectionOptions{Python: python, Stderr: env.Stderr}})
}

func resourcesImport(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "resources import", "resources import [--data-dir D] [--source ID] [--detections DIR] FILE...").withDataDir()
	source := f.String("source", "import", "the source (integration) id the resources are recorded under")
	dets := f.String("detections", "", "evaluate the policies in DIR (default: those uploaded to the data dir)")
	python := f.String("python", "", "Python interpreter for the policies (default python3)")
	format := f.String("format", "table", "table or json (the outcome)")
	paths, code, ok := f.parse(args)
	if !ok {
		return code
	}
	if len(paths) == 0 {
		fmt.Fprintln(env.Stderr, "panther resources import: no input files (use - for standard input)")
		f.Usage()
		return ExitUsage
	}
	now := time.Now().UTC()
	files := make([]resourcesFile, 0, len(paths))
	for _, p := range paths {
		var r io.Reader = env.Stdin
		name := "stdin"
		if p != "-" {
			fh, err := os.Open(p)
			if err != nil {
				return errorf(env, "resources import: %v", err)
			}
			defer fh.Close()
			r, name = fh, p
		}
		cs, err := resources.ReadSnapshots(name, r, now)
		if err != nil {
			return errorf(env, "resources import: %v", err)
		}
		files = append(files, resourcesFile{name, cs})
	}
	st, err := runtime.OpenState(ctx, f.DataDir(), runtime.StateOptions{LinkBase: os.Getenv("PANTHER_URL")})
	if err != nil {
		return errorf(env, "resources: %v", err)
	}
	defer st.Close()
	cs, err := openCloudSecurity(ctx, env, st, f.DataDir(), *dets, *python)
	if err != nil {
		return errorf(env, "resources import: %v", err)
	}
	defer cs.Close()
	total := &importOutcome{Policies: len(cs.Compliance.Policies())}
	for _, file := range files {
		out, err := cs.Compliance.Import(ctx, *source, file.changes)
		if err != nil {
			return errorf(env, "resources import: %s: %v", file.name, err)
		}
		total.Records += len(file.changes)
		total.Add(out)
	}
	for _, a := range total.Raised {
		total.AlertIDs = append(total.AlertIDs, a.ID)
	}
	sort.Strings(total.AlertIDs)
	if len(total.Raised) > 0 && st.Dispatcher != nil {
		if total.Deliveries, err = st.Dispatcher.RunOnce(ctx); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(env.Stderr, "panther: delivering alerts: %v\n", err)
		}
	}
	if *format == "json" {
		return printJSON(env, "resources import", total)
	}
	fmt.Fprintf(env.Stdout, "%d records: %d resources created or changed, %d unchanged\n", total.Records, total.Resources, total.Records-total.Resources)
	fmt.Fprintf(env.Stdout, "%d policies: %d evaluations: %d PASS, %d FAIL, %d ERROR (%d suppressed)\n",
		total.Policies, total.Evaluated, total.Pass, total.Fail, total.Errors, total.Suppressed)
	fmt.Fprintf(env.Stdout, "%d newly failing, %d POLICY alerts raised\n", total.NewlyFailing, len(total.Raised))
	if total.Deliveries > 0 {
		fmt.Fprintf(env.Stdout, "%d alert deliveries attempted\n", total.Deliveries)
	}
	return ExitOK
}

type resourcesFile struct {
	name    string
	changes []cloudsec.Change
}

type importOutcome struct {
	Records  int `json:"records"`
	Policies int `json:"policies"`
	compliance.Outcome
	AlertIDs   []string `json:"alertIds"`
	Deliveries int      `json:"deliveries"`
}
