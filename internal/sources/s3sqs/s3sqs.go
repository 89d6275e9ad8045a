// Package s3sqs is the "s3" source kind: S3 event notifications read from an SQS queue
// (long polling), each named object streamed from S3, decompressed and framed into parts
// (internal/sources/parts) and published. The SQS message is deleted only once every part
// of every object it names is durable in the queue.
//
// Notifications may be raw S3 events, S3 events in SNS envelopes, CloudTrail's own SNS
// notifications or EventBridge "Object Created" events. The S3 test event, CloudTrail's
// validation message and events other than ObjectCreated are deleted without reading
// anything; empty objects and "folder/" keys are skipped. A message that is none of these
// (not JSON, not an S3 notification) is poison: it is reported (the source's status error,
// a warning with the message id, panther_s3sqs_poison_messages_total) and deleted so that
// it does not block the queue.
//
// Each part is published with DedupID = source id/bucket/key/etag/part, so an object read
// again (the message came back after a crash or a timeout) is dropped by the queue's
// duplicate window rather than stored twice. When the queue pushes back, the message is
// left: its visibility timeout brings it back. While a large object is read, the message's
// visibility is extended.
package s3sqs

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/sources"
)

// Kind is the name of this source kind.
const Kind = "s3"

// Defaults of the settings.
const (
	DefaultVisibilityTimeout = 5 * time.Minute
	DefaultConcurrency       = 2
	MaxConcurrency           = 32
)

// Settings are the s3 kind's settings (JSON, snake_case).
type Settings struct {
	// QueueURL is the SQS queue the notifications arrive on.
	QueueURL string `json:"queue_url"`
	// Region of the queue and the buckets; default: from the queue URL, else the SDK's
	// (AWS_REGION, the profile).
	Region string `json:"region,omitempty"`
	// Endpoint overrides the AWS endpoint of SQS and S3 (S3-compatible stores, local
	// servers); S3 then uses path-style addressing.
	Endpoint string `json:"endpoint,omitempty"`
	// S3Endpoint overrides the S3 endpoint alone.
	S3Endpoint string `json:"s3_endpoint,omitempty"`
	// VisibilityTimeout is how long a received message stays hidden from other consumers;
	// it is extended while its objects are read (default 5m).
	VisibilityTimeout sources.Duration `json:"visibility_timeout,omitempty"`
	// RoleARN, when set, is assumed (with ExternalID) on top of the SDK's default
	// credential chain.
	RoleARN    string `json:"role_arn,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
	// Prefixes, when set, limit the objects read to keys with one of these prefixes.
	Prefixes []string `json:"prefixes,omitempty"`
	// Concurrency is how many messages are processed at once (default 2).
	Concurrency int `json:"concurrency,omitempty"`
}

func init() {
	sources.Register(sources.Kind{Name: Kind, Validate: Validate, New: newSource})
}

// Validate checks s3 settings; the errors name the setting.
func Validate(raw json.RawMessage) (json.RawMessage, error) {
	s, err := parseSettings(raw)
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

var (
	roleARN   = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	sqsHostRE = regexp.MustCompile(`^sqs[.-]([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$`)
)

func parseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if err := sources.DecodeSettings(raw, &s); err != nil {
		return s, err
	}
	var errs []error
	if s.QueueURL == "" {
		errs = append(errs, errors.New("queue_url: required"))
	} else if err := checkURL(s.QueueURL, true); err != nil {
		errs = append(errs, fmt.Errorf("queue_url: %w", err))
	}
	if s.Region != "" && !regionRE.MatchString(s.Region) {
		errs = append(errs, fmt.Errorf("region: %q is not an AWS region name such as us-east-1", s.Region))
	}
	for _, e := range []struct{ name, v string }{{"endpoint", s.Endpoint}, {"s3_endpoint", s.S3Endpoint}} {
		if e.v != "" {
			if err := checkURL(e.v, false); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", e.name, err))
			}
		}
	}
	if s.VisibilityTimeout != 0 && (time.Duration(s.VisibilityTimeout) < 10*time.Second || time.Duration(s.VisibilityTimeout) > 12*time.Hour ||
		time.Duration(s.VisibilityTimeout)%time.Second != 0) {
		errs = append(errs, fmt.Errorf("visibility_timeout: %s is not a whole number of seconds from 10s to 12h", time.Duration(s.VisibilityTimeout)))
	}
	if s.RoleARN != "" && !roleARN.MatchString(s.RoleARN) {
		errs = append(errs, fmt.Errorf("role_arn: %q is not an IAM role ARN (arn:aws:iam::123456789012:role/Name)", s.RoleARN))
	}
	if s.ExternalID != "" && s.RoleARN == "" {
		errs = append(errs, errors.New("external_id: needs role_arn"))
	}
	for i, p := range s.Prefixes {
		if p == "" {
			errs = append(errs, fmt.Errorf("prefixes[%d]: empty", i))
		}
	}
	if s.Concurrency < 0 || s.Concurrency > MaxConcurrency {
		errs = append(errs, fmt.Errorf("concurrency: %d is outside 1..%d", s.Concurrency, MaxConcurrency))
	}
	return s, errors.Join(errs...)
}

// checkURL checks an http(s) URL; a queue URL also needs a path (/account/name).
func checkURL(v string, queue bool) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", v)
	}
	if queue && strings.Trim(u.Path, "/") == "" {
		return fmt.Errorf("%q has no queue path (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)", v)
	}
	return nil
}

// region returns the region of the settings: the setting, else the queue URL's.
func (s Settings) region() string {
	if s.Region != "" {
		return s.Region
	}
	if u, err := url.Parse(s.QueueURL); err == nil {
		if m := sqsHostRE.FindStringSubmatch(u.Hostname()); m != nil {
			return m[1]
		}
	}
	return ""
}

func (s Settings) visibility() time.Duration {
	if s.VisibilityTimeout == 0 {
		return DefaultVisibilityTimeout
	}
	return time.Duration(s.VisibilityTimeout)
}

func (s Settings) concurrency() int {
	if s.Concurrency == 0 {
		return DefaultConcurrency
	}
	return s.Concurrency
}
