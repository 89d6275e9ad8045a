package awsscan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/cloudsec/scan"
	"github.com/pantherlabs/panther/internal/sources"
)

// RetryAfterFailure is how soon a scan that could not run at all (credentials, network) is
// tried again, when the interval is longer.
const RetryAfterFailure = 15 * time.Minute

type source struct {
	cfg  sources.Config
	set  Settings
	deps sources.Deps
	now  func() time.Time
}

func newSource(c sources.Config, deps sources.Deps) (sources.Source, error) {
	set, err := ParseSettings(c.Settings)
	if err != nil {
		return nil, fmt.Errorf("aws-scan source %q: %w", c.Label, err)
	}
	return &source{cfg: c, set: set, deps: deps, now: time.Now}, nil
}

// Run scans the account when due (at once if it was never scanned, then every interval after
// the end of the last scan) until ctx is cancelled.
func (s *source) Run(ctx context.Context, _ sources.Publisher, rep sources.Reporter) error {
	log := s.deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	env := s.deps.Cloud
	if env == nil || env.Sink == nil || env.DB == nil {
		// Nothing to scan into: say so and wait, rather than restart in a loop.
		rep.Error(fmt.Errorf("aws-scan %s: %w", s.set.Account, cloudsec.ErrNoSink))
		<-ctx.Done()
		return nil
	}
	st, err := OpenStatus(ctx, env.DB)
	if err != nil {
		return err
	}
	interval := time.Duration(s.set.Interval)
	for {
		last, ok, err := st.Get(ctx, s.cfg.ID)
		if err != nil {
			return err
		}
		wait := Due(last, ok, interval, s.now()).Sub(s.now())
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
		res, err := Scan(ctx, s.cfg, env, log, s.now)
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case err != nil:
			rep.Error(err)
		case len(res.Errors) > 0:
			rep.Error(ResultError(res))
		default:
			rep.Error(nil)
		}
	}
}

// Due is when the next scan of a source is due, given its last status: now when it was never
// scanned (a new source), else the end of the last scan plus the interval (RetryAfterFailure
// when the last scan could not run, if that is sooner).
func Due(last Status, scanned bool, interval time.Duration, now time.Time) time.Time {
	if !scanned || last.EndedAt.IsZero() {
		return now
	}
	if last.Error != "" && RetryAfterFailure < interval {
		return last.EndedAt.Add(RetryAfterFailure)
	}
	return last.EndedAt.Add(interval)
}

// ResultError summarizes the failed listings of a scan.
func ResultError(res *scan.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d listings failed: ", len(res.Errors))
	for i, e := range res.Errors {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(res.Errors)-3)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return errors.New(b.String())
}

// Scan runs one full scan of aws-scan source c now and records its status.
func Scan(ctx context.Context, c sources.Config, env *cloudsec.Env, log *slog.Logger, now func() time.Time) (*scan.Result, error) {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if env == nil || env.DB == nil {
		return nil, errors.New("awsscan: no state database")
	}
	st, err := OpenStatus(ctx, env.DB)
	if err != nil {
		return nil, err
	}
	set, err := ParseSettings(c.Settings)
	if err != nil {
		return nil, fmt.Errorf("aws-scan source %q: %w", c.Label, err)
	}
	if err := st.Started(ctx, c.ID, set.Account, now()); err != nil {
		return nil, err
	}
	res, err := scanOnce(ctx, c, set, env.Sink, log, now)
	if err != nil {
		err = fmt.Errorf("aws-scan %s (%s): %w", set.Account, c.Label, err)
		log.Warn("scan failed", "account", set.Account, "err", err)
	} else {
		log.Info("scan done", "account", set.Account, "resources", res.Resources, "errors", len(res.Errors), "took", res.Ended.Sub(res.Started))
	}
	// the status is recorded even when ctx was cancelled mid-scan
	if e := st.Ended(context.WithoutCancel(ctx), c.ID, now(), res, err); e != nil && err == nil {
		err = e
	}
	return res, err
}

func scanOnce(ctx context.Context, c sources.Config, set Settings, sink cloudsec.Sink, log *slog.Logger, now func() time.Time) (*scan.Result, error) {
	s, err := NewScanner(ctx, c, set, sink, log, now)
	if err != nil {
		return nil, err
	}
	return s.Scan(ctx)
}

// NewScanner builds the scanner of source c: its credentials (checked to be the account's
// with STS GetCallerIdentity), regions, types and ignore patterns.
func NewScanner(ctx context.Context, c sources.Config, set Settings, sink cloudsec.Sink, log *slog.Logger, now func() time.Time) (*scan.Scanner, error) {
	if sink == nil {
		return nil, cloudsec.ErrNoSink
	}
	cfg, err := AWSConfig(ctx, set, "panther-scan-"+c.ID)
	if err != nil {
		return nil, err
	}
	if err := checkAccount(ctx, cfg, set); err != nil {
		return nil, err
	}
	return scan.New(scan.Options{SourceID: c.ID, AccountID: set.Account, Regions: set.Regions, Types: set.ResourceTypes,
		Ignore: set.Ignore, AWS: cfg, Endpoint: set.Endpoint, Parallel: set.Parallel, Sink: sink, Now: now, Logger: log})
}

// HomeRegion is the region of the calls that belong to no region (IAM, S3's bucket list,
// EC2 DescribeRegions, STS).
func HomeRegion(set Settings) string {
	if len(set.Regions) > 0 {
		return set.Regions[0]
	}
	return "us-east-1"
}

// AWSConfig loads the SDK's default configuration (environment, shared files, instance
// role...) and, when the settings name a role, wraps it in STS AssumeRole credentials
// (with the external id) that refresh themselves.
func AWSConfig(ctx context.Context, set Settings, session string) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(HomeRegion(set)))
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	if set.RoleARN != "" {
		client := sts.NewFromConfig(cfg, func(o *sts.Options) {
			if set.Endpoint != "" {
				o.BaseEndpoint = aws.String(set.Endpoint)
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(client, set.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = truncate(session, 64)
			if set.ExternalID != "" {
				o.ExternalID = aws.String(set.ExternalID)
			}
		}))
	}
	return cfg, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// checkAccount makes sure the credentials are the account's: scanning another account
// would file its resources under the wrong one.
func checkAccount(ctx context.Context, cfg aws.Config, set Settings) error {
	out, err := sts.NewFromConfig(cfg, func(o *sts.Options) {
		if set.Endpoint != "" {
			o.BaseEndpoint = aws.String(set.Endpoint)
		}
	}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		if set.RoleARN != "" {
			return fmt.Errorf("credentials (assuming %s): %w", set.RoleARN, err)
		}
		return fmt.Errorf("credentials: %w", err)
	}
	if got := aws.ToString(out.Account); got != set.Account {
		return fmt.Errorf("credentials are for account %s, not %s", got, set.Account)
	}
	return nil
}
