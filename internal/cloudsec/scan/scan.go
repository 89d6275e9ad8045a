// Package scan reads the resources of an AWS account with the AWS SDK v2 and turns them into
// snapshots of the shape Panther's scanner wrote (cloudsec.Snapshot), handed to a cloudsec.Sink.
//
// A full scan lists every selected resource type in every selected region, regions in
// parallel within a limit; global types (IAM, S3's bucket list, the password policy) are
// listed once. The SDK's adaptive retryer backs off throttled calls; a listing still throttled
// after it is retried whole after a wait. A (type, region) that fails is reported in the
// Result and keeps its stored resources; one that succeeds in full ends with Sink.EndScan, so
// resources deleted in AWS are marked deleted. Rescan re-reads single resources (real-time
// updates from CloudTrail). There is one file per AWS service.
package scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"

	"github.com/pantherlabs/panther/internal/cloudsec"
)

// Options configure a Scanner.
type Options struct {
	SourceID  string
	AccountID string
	// Regions to scan; empty means the account's enabled regions (EC2 DescribeRegions).
	Regions []string
	// Types to scan; empty means all of Types().
	Types []string
	// Ignore are glob patterns (* wildcard, anchored) on resource ids left out of the scan.
	Ignore []string
	// AWS holds the credentials (default chain or an assumed role) and a home region.
	AWS aws.Config
	// Endpoint, when set, is the base endpoint of every service (tests, local AWS servers).
	Endpoint string
	// Parallel is how many regions are scanned at once (default 4).
	Parallel int
	// ThrottleWait is the wait before a throttled listing is retried whole (default 30s); it is
	// retried ThrottleRetries times (default 3).
	ThrottleWait    time.Duration
	ThrottleRetries int
	// MaxBackoff bounds the SDK retryer's delay (default 20s).
	MaxBackoff time.Duration
	Sink       cloudsec.Sink
	Now        func() time.Time
	Logger     *slog.Logger
}

// Scanner scans one account.
type Scanner struct {
	o      Options
	types  []*resourceType
	ignore []*regexp.Regexp
	c      *clients
}

// Result reports a scan.
type Result struct {
	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended"`
	Resources int       `json:"resources"` // resources seen (upserted)
	Deleted   int       `json:"deleted"`   // resources found deleted by a rescan
	Errors    []Error   `json:"errors"`
}

// Error is the failure of one (type, region) listing.
type Error struct {
	Type   string `json:"type"`
	Region string `json:"region"`
	Err    string `json:"error"`
}

func (e Error) Error() string { return e.Type + " in " + e.Region + ": " + e.Err }

// New validates o and builds a scanner.
func New(o Options) (*Scanner, error) {
	if !accountRE.MatchString(o.AccountID) {
		return nil, fmt.Errorf("scan: account id %q is not 12 digits", o.AccountID)
	}
	if o.Sink == nil {
		return nil, errors.New("scan: no sink")
	}
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	if o.ThrottleWait <= 0 {
		o.ThrottleWait = 30 * time.Second
	}
	if o.ThrottleRetries <= 0 {
		o.ThrottleRetries = 3
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.AWS.Region == "" {
		o.AWS.Region = "us-east-1"
	}
	maxBackoff := o.MaxBackoff
	if maxBackoff <= 0 {
		maxBackoff = retry.DefaultMaxBackoff
	}
	o.AWS.Retryer = func() aws.Retryer {
		return retry.NewAdaptiveMode(func(ao *retry.AdaptiveModeOptions) {
			ao.StandardOptions = append(ao.StandardOptions, func(so *retry.StandardOptions) {
				so.MaxAttempts = 5
				so.MaxBackoff = maxBackoff
			})
		})
	}
	s := &Scanner{o: o, c: newClients(o.AWS, o.Endpoint)}
	sel, err := SelectTypes(o.Types)
	if err != nil {
		return nil, err
	}
	for _, n := range sel {
		s.types = append(s.types, registry[n])
	}
	for _, p := range o.Ignore {
		re, err := CompileGlob(p)
		if err != nil {
			return nil, err
		}
		s.ignore = append(s.ignore, re)
	}
	return s, nil
}

var accountRE = regexp.MustCompile(`^\d{12}$`)

// CompileGlob compiles an ignore pattern: * matches anything, the rest literally, anchored.
func CompileGlob(p string) (*regexp.Regexp, error) {
	if p == "" {
		return nil, errors.New("scan: empty ignore pattern")
	}
	return regexp.Compile("^" + strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, `.*`) + "$")
}

// SelectTypes checks resource type names; empty means all.
func SelectTypes(names []string) ([]string, error) {
	if len(names) == 0 {
		return Types(), nil
	}
	var out []string
	for _, n := range names {
		if _, ok := registry[n]; !ok {
			return nil, fmt.Errorf("scan: unknown resource type %q (known: %s)", n, strings.Join(Types(), ", "))
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// Types lists the resource types the scanner knows, sorted.
func Types() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// resourceType is how one resource type is read.
type resourceType struct {
	name string
	// global types are listed once per scan (from the home region); their snapshots may
	// still carry a region (S3 buckets).
	global bool
	// meta types sum up the account's regions (CloudTrail.Meta...): global, from every region.
	meta bool
	list func(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error)
	// one re-reads a single resource by id; it returns errNotFound when it no longer
	// exists. nil means a rescan lists the type in the region and keeps that resource.
	one func(ctx context.Context, e *env, region, id string) (cloudsec.Snapshot, error)
}

var registry = map[string]*resourceType{}

func register(t *resourceType) {
	if _, dup := registry[t.name]; dup {
		panic("scan: type registered twice: " + t.name)
	}
	registry[t.name] = t
}

// errNotFound says a resource no longer exists.
var errNotFound = errors.New("resource not found")

// env is what a type's functions use: the clients and the account.
type env struct {
	*clients
	account string
	now     time.Time
	// regions are the regions of the scan, for the account-wide Meta types that sum up
	// every region.
	regions []string
}

// Regions returns the regions a scan covers.
func (s *Scanner) Regions(ctx context.Context) ([]string, error) {
	if len(s.o.Regions) > 0 {
		return s.o.Regions, nil
	}
	return s.c.enabledRegions(ctx)
}

// Scan runs a full scan.
func (s *Scanner) Scan(ctx context.Context) (*Result, error) {
	res := &Result{Started: s.o.Now()}
	regions, err := s.Regions(ctx)
	if err != nil {
		return nil, fmt.Errorf("scan: listing regions: %w", err)
	}
	e := &env{clients: s.c, account: s.o.AccountID, now: res.Started, regions: regions}
	var mu sync.Mutex
	record := func(n int, err *Error) {
		mu.Lock()
		defer mu.Unlock()
		res.Resources += n
		if err != nil {
			res.Errors = append(res.Errors, *err)
		}
	}
	// global types first, once
	for _, t := range s.types {
		if t.global {
			n, err := s.scanType(ctx, e, t, s.o.AWS.Region, regions, res.Started)
			record(n, err)
		}
	}
	sem := make(chan struct{}, s.o.Parallel)
	var wg sync.WaitGroup
	for _, region := range regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				record(0, &Error{Type: "*", Region: region, Err: ctx.Err().Error()})
				return
			}
			defer func() { <-sem }()
			for _, t := range s.types {
				if !t.global {
					n, err := s.scanType(ctx, e, t, region, nil, res.Started)
					record(n, err)
				}
			}
		}()
	}
	wg.Wait()
	sort.Slice(res.Errors, func(i, j int) bool {
		a, b := res.Errors[i], res.Errors[j]
		return a.Type+"\x00"+a.Region < b.Type+"\x00"+b.Region
	})
	res.Ended = s.o.Now()
	return res, nil
}

// scanType lists one type in one region (or once, for a global type) and hands the result to
// the sink. endRegions, for a global type, are the regions its snapshots may be in.
func (s *Scanner) scanType(ctx context.Context, e *env, t *resourceType, region string, endRegions []string, started time.Time) (int, *Error) {
	label := region
	if t.global {
		label = cloudsec.GlobalRegion
	}
	var snaps []cloudsec.Snapshot
	var err error
	for attempt := 0; ; attempt++ {
		snaps, err = t.list(ctx, e, region)
		if err == nil || !IsThrottle(err) || attempt >= s.o.ThrottleRetries {
			break
		}
		s.o.Logger.Warn("throttled; retrying the listing", "type", t.name, "region", label, "wait", s.o.ThrottleWait)
		tm := time.NewTimer(s.o.ThrottleWait)
		select {
		case <-ctx.Done():
			tm.Stop()
			return 0, &Error{Type: t.name, Region: label, Err: ctx.Err().Error()}
		case <-tm.C:
		}
	}
	if err != nil {
		s.o.Logger.Warn("listing failed", "type", t.name, "region", label, "err", err)
		return 0, &Error{Type: t.name, Region: label, Err: err.Error()}
	}
	changes := make([]cloudsec.Change, 0, len(snaps))
	seen := map[string][]string{} // region -> ids
	for _, sn := range snaps {
		id, _ := sn[cloudsec.KeyResourceID].(string)
		if s.ignored(id) {
			continue
		}
		r, _ := sn[cloudsec.KeyRegion].(string)
		changes = append(changes, cloudsec.Change{AccountID: e.account, Region: r, ResourceType: t.name, ResourceID: id, Snapshot: sn, ScannedAt: started})
		seen[r] = append(seen[r], id)
	}
	if len(changes) > 0 {
		if err := s.o.Sink.Upsert(ctx, s.o.SourceID, changes); err != nil {
			return 0, &Error{Type: t.name, Region: label, Err: "storing: " + err.Error()}
		}
	}
	ends := []string{region}
	if t.global {
		ends = append([]string{cloudsec.GlobalRegion}, endRegions...)
	}
	for _, r := range ends {
		if err := s.o.Sink.EndScan(ctx, s.o.SourceID, e.account, r, t.name, seen[r], started); err != nil {
			return len(changes), &Error{Type: t.name, Region: label, Err: "ending the scan: " + err.Error()}
		}
	}
	return len(changes), nil
}

func (s *Scanner) ignored(id string) bool {
	for _, re := range s.ignore {
		if re.MatchString(id) {
			return true
		}
	}
	return false
}

// Target is one resource a rescan re-reads.
type Target struct {
	ResourceType string
	Region       string // the resource's region ("global" for IAM)
	ResourceID   string // "" rescans the whole type in the region
	// Deleted marks the resource deleted without calling AWS (a Delete* event).
	Deleted bool
}

// Rescan re-reads the targets (real-time updates) and hands the result to the sink.
func (s *Scanner) Rescan(ctx context.Context, targets []Target) (*Result, error) {
	res := &Result{Started: s.o.Now()}
	e := &env{clients: s.c, account: s.o.AccountID, now: res.Started}
	for _, tg := range targets {
		if t, ok := registry[tg.ResourceType]; ok && t.meta {
			regions, err := s.Regions(ctx)
			if err != nil {
				return nil, fmt.Errorf("scan: listing regions: %w", err)
			}
			e.regions = regions
			break
		}
	}
	var changes []cloudsec.Change
	for _, tg := range targets {
		t, ok := registry[tg.ResourceType]
		if !ok || !slices.Contains(s.types, t) {
			continue
		}
		if tg.ResourceID != "" && s.ignored(tg.ResourceID) {
			continue
		}
		region := tg.Region
		if region == "" || region == cloudsec.GlobalRegion {
			region = s.o.AWS.Region
		}
		if tg.Deleted && tg.ResourceID != "" {
			changes = append(changes, cloudsec.Change{AccountID: e.account, Region: tg.Region, ResourceType: t.name, ResourceID: tg.ResourceID, Deleted: true, ScannedAt: res.Started})
			res.Deleted++
			continue
		}
		if tg.ResourceID == "" || t.one == nil {
			var ends []string
			if t.global {
				ends = []string{tg.Region}
			}
			n, err := s.scanType(ctx, e, t, region, ends, res.Started)
			res.Resources += n
			if err != nil {
				res.Errors = append(res.Errors, *err)
			}
			continue
		}
		sn, err := t.one(ctx, e, region, tg.ResourceID)
		switch {
		case errors.Is(err, errNotFound):
			changes = append(changes, cloudsec.Change{AccountID: e.account, Region: tg.Region, ResourceType: t.name, ResourceID: tg.ResourceID, Deleted: true, ScannedAt: res.Started})
			res.Deleted++
		case err != nil:
			res.Errors = append(res.Errors, Error{Type: t.name, Region: tg.Region, Err: err.Error()})
		default:
			r, _ := sn[cloudsec.KeyRegion].(string)
			changes = append(changes, cloudsec.Change{AccountID: e.account, Region: r, ResourceType: t.name, ResourceID: tg.ResourceID, Snapshot: sn, ScannedAt: res.Started})
			res.Resources++
		}
	}
	if len(changes) > 0 {
		if err := s.o.Sink.Upsert(ctx, s.o.SourceID, changes); err != nil {
			return nil, err
		}
	}
	res.Ended = s.o.Now()
	return res, nil
}

// IsThrottle says whether err is an AWS throttling error.
func IsThrottle(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded", "SlowDown",
		"TooManyRequestsException", "RequestThrottled", "RequestThrottledException", "ProvisionedThroughputExceededException":
		return true
	}
	return false
}

// errCode returns the AWS error code of err, or "".
func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// toMap turns an SDK value into the JSON object form policies read (field names as AWS's API
// names them, as Panther's scanner marshalled them).
func toMap(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("scan: marshalling %T: %v", v, err))
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("scan: unmarshalling %T: %v", v, err))
	}
	// an SDK output's request metadata is no part of the resource
	delete(m, "ResultMetadata")
	return m
}

// toJSON turns an SDK value (a slice, a struct) into JSON values.
func toJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("scan: marshalling %T: %v", v, err))
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// snapshot builds a snapshot from fields (an SDK struct, or nil) and the generic fields.
func snapshot(fields any, typ, id, arn, name, account, region string, tags map[string]string, created *time.Time) cloudsec.Snapshot {
	var m cloudsec.Snapshot
	if fields != nil {
		m = toMap(fields)
	} else {
		m = cloudsec.Snapshot{}
	}
	m[cloudsec.KeyResourceID] = id
	m[cloudsec.KeyResourceType] = typ
	m[cloudsec.KeyAccountID] = account
	m[cloudsec.KeyRegion] = region
	if arn != "" {
		m[cloudsec.KeyARN] = arn
	} else {
		delete(m, cloudsec.KeyARN)
	}
	if name != "" {
		m[cloudsec.KeyName] = name
	}
	t := map[string]any{}
	for k, v := range tags {
		t[k] = v
	}
	m[cloudsec.KeyTags] = t
	if created != nil && !created.IsZero() {
		m[cloudsec.KeyTimeCreated] = created.UTC().Format(time.RFC3339)
	} else {
		m[cloudsec.KeyTimeCreated] = nil
	}
	return m
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func arnOf(service, region, account, resource string) string {
	return "arn:aws:" + service + ":" + region + ":" + account + ":" + resource
}
