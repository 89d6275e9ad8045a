// Package awsscan is the aws-scan source kind: an AWS account whose resources Panther scans.
//
// A source of this kind holds the account id, how to reach it (the AWS SDK's default
// credential chain, or a role assumed with STS AssumeRole and an external id), the regions
// (default: the account's enabled regions), the resource types (default: all 32) and ignore
// patterns. Running in the server, it scans the account when it is created and then every
// interval (measured from the end of the last scan, kept in state.db so a restart does not
// rescan early), and records each scan's status: start, end, resources seen and the errors
// per (type, region). Scan runs one scan now (`panther scan ACCOUNT`).
package awsscan

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/cloudsec/scan"
	"github.com/pantherlabs/panther/internal/sources"
)

// Kind is the source type name.
const Kind = "aws-scan"

// DefaultInterval is the time between scans when the settings give none.
const DefaultInterval = 24 * time.Hour

// MinInterval is the shortest scan interval accepted.
const MinInterval = 5 * time.Minute

// Settings are the kind's settings (snake_case JSON).
type Settings struct {
	Account    string   `json:"account"`
	RoleARN    string   `json:"role_arn,omitempty"`
	ExternalID string   `json:"external_id,omitempty"`
	Regions    []string `json:"regions,omitempty"`
	// ResourceTypes to scan; empty means all.
	ResourceTypes []string `json:"resource_types,omitempty"`
	// Ignore are glob patterns (* wildcard, anchored) on resource ids left out of scans.
	Ignore   []string         `json:"ignore,omitempty"`
	Interval sources.Duration `json:"interval,omitempty"`
	Parallel int              `json:"parallel,omitempty"` // regions scanned at once (default 4)
	Endpoint string           `json:"endpoint,omitempty"` // one endpoint for every service (local AWS API servers)
}

func init() {
	sources.Register(sources.Kind{Name: Kind, Validate: Validate, New: newSource})
}

var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	roleARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]+$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	extIDRE   = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

// Validate checks and normalizes aws-scan settings.
func Validate(raw json.RawMessage) (json.RawMessage, error) {
	s, err := ParseSettings(raw)
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// ParseSettings decodes and checks settings; the interval defaults to DefaultInterval.
func ParseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if err := sources.DecodeSettings(raw, &s); err != nil {
		return s, err
	}
	var errs []error
	switch {
	case s.Account == "":
		errs = append(errs, errors.New("account: required (the 12-digit AWS account id)"))
	case !accountRE.MatchString(s.Account):
		errs = append(errs, fmt.Errorf("account: %q is not a 12-digit AWS account id", s.Account))
	}
	if s.RoleARN != "" {
		m := roleARNRE.FindStringSubmatch(s.RoleARN)
		switch {
		case m == nil:
			errs = append(errs, fmt.Errorf("role_arn: %q is not an IAM role ARN (arn:aws:iam::123456789012:role/Name)", s.RoleARN))
		case s.Account != "" && m[1] != s.Account:
			errs = append(errs, fmt.Errorf("role_arn: the role is in account %s, not %s", m[1], s.Account))
		}
	}
	if s.ExternalID != "" {
		if s.RoleARN == "" {
			errs = append(errs, errors.New("external_id: needs role_arn"))
		} else if n := len(s.ExternalID); n < 2 || n > 1224 || !extIDRE.MatchString(s.ExternalID) {
			errs = append(errs, errors.New("external_id: 2 to 1224 characters of letters, digits and +=,.@:/-_"))
		}
	}
	seen := map[string]bool{}
	var regions []string
	for i, r := range s.Regions {
		r = strings.TrimSpace(r)
		if !regionRE.MatchString(r) {
			errs = append(errs, fmt.Errorf("regions[%d]: %q is not an AWS region name such as us-east-1", i, r))
		}
		if !seen[r] {
			seen[r] = true
			regions = append(regions, r)
		}
	}
	s.Regions = regions
	if len(s.ResourceTypes) > 0 {
		types, err := scan.SelectTypes(s.ResourceTypes)
		if err != nil {
			errs = append(errs, fmt.Errorf("resource_types: %w", err))
		} else {
			s.ResourceTypes = types
		}
	}
	for i, p := range s.Ignore {
		if _, err := scan.CompileGlob(p); err != nil {
			errs = append(errs, fmt.Errorf("ignore[%d]: %w", i, err))
		}
	}
	if s.Interval == 0 {
		s.Interval = sources.Duration(DefaultInterval)
	} else if d := time.Duration(s.Interval); d < MinInterval {
		errs = append(errs, fmt.Errorf("interval: %s is shorter than %s", d, MinInterval))
	}
	if s.Parallel < 0 || s.Parallel > 32 {
		errs = append(errs, fmt.Errorf("parallel: %d is outside 1..32", s.Parallel))
	}
	if s.Endpoint != "" {
		u, err := url.Parse(s.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("endpoint: %q is not an http(s) URL", s.Endpoint))
		}
	}
	return s, errors.Join(errs...)
}
