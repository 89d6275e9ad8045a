// Package sqs delivers alerts to an Amazon SQS queue as the standard
// notification JSON.
package sqs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/awsnotify"
)

// Name is the destination type.
const Name = "sqs"

// Config is the config of an SQS destination.
type Config struct {
	QueueURL string `json:"queueUrl" notify:"required" desc:"URL of the queue; its region is the client's"`
	Region   string `json:"region,omitempty" desc:"Region, when the queue URL does not name one (custom endpoints)"`
	awsnotify.Credentials
}

var (
	regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	// sqs.REGION.amazonaws.com, sqs.REGION.api.aws, vpce-....sqs.REGION.vpce.amazonaws.com
	sqsHostRE = regexp.MustCompile(`(?:^|\.)sqs\.([a-z0-9-]+)\.(?:vpce\.)?(?:amazonaws\.com(?:\.cn)?|api\.aws)$`)
	// REGION.queue.amazonaws.com, the legacy form.
	legacyHostRE = regexp.MustCompile(`^([a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?$`)
	queuePathRE  = regexp.MustCompile(`^/\d{12}/[A-Za-z0-9_-]{1,80}(\.fifo)?$`)
)

// RegionOf returns the region named by the host of an SQS queue URL, or ""
// when the host is not an AWS SQS host.
func RegionOf(queueURL string) string {
	u, err := url.Parse(queueURL)
	if err != nil {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if m := sqsHostRE.FindStringSubmatch(host); m != nil {
		return m[1]
	}
	if m := legacyHostRE.FindStringSubmatch(host); m != nil {
		return m[1]
	}
	if host == "queue.amazonaws.com" {
		return "us-east-1"
	}
	return ""
}

// Validate checks the queue URL, the region and the credentials.
func (c *Config) Validate() error {
	var v notify.Checks
	if v.URL("queueUrl", c.QueueURL, true) {
		u, _ := url.Parse(c.QueueURL)
		if !queuePathRE.MatchString(u.Path) {
			v.Fail("queueUrl", "path must be /ACCOUNT_ID/QUEUE_NAME, got %q", u.Path)
		}
		if c.Region == "" && RegionOf(c.QueueURL) == "" {
			v.Fail("region", "required: the host %q of the queue URL names no region", u.Host)
		}
	}
	if c.Region != "" && !regionRE.MatchString(c.Region) {
		v.Fail("region", "must be a region like us-east-1, got %q", c.Region)
	}
	c.Credentials.Check(&v)
	return v.Err()
}

// region returns the configured region, else the queue URL's.
func (c *Config) region() string {
	if c.Region != "" {
		return c.Region
	}
	return RegionOf(c.QueueURL)
}

// Type registers the destination.
var Type = notify.NewType(Name, "Amazon SQS queue", New)

// Notifier sends to one queue.
type Notifier struct {
	queue  string
	fifo   bool
	client *sqs.Client
	logger *slog.Logger
	scrub  *notify.Scrubber
}

var _ notify.Notifier = (*Notifier)(nil)

// New validates cfg and returns its Notifier.
func New(cfg *Config, opts notify.Options) (*Notifier, error) {
	if err := notify.InvalidConfig(Name, cfg.Validate()); err != nil {
		return nil, err
	}
	scrub := notify.NewScrubber(cfg.Credentials.Secrets()...)
	awsCfg, err := cfg.Credentials.SDKConfig(cfg.region(), opts, scrub)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	return &Notifier{
		queue:  cfg.QueueURL,
		fifo:   strings.HasSuffix(cfg.QueueURL, ".fifo"),
		client: sqs.NewFromConfig(awsCfg),
		logger: opts.WithDefaults().Logger,
		scrub:  scrub,
	}, nil
}

// Notify sends the standard notification of a. The SDK checks the
// MD5OfMessageBody of the answer.
func (n *Notifier) Notify(ctx context.Context, a *notify.Alert) (bool, error) {
	in, err := n.Input(a)
	if err != nil {
		return false, fmt.Errorf("%s: %w", Name, err)
	}
	out, err := n.client.SendMessage(ctx, in)
	if err != nil {
		return awsnotify.Wrap(ctx, Name, n.logger, n.scrub, err)
	}
	n.logger.DebugContext(ctx, "notification sent", "destination", Name, "messageId", aws.ToString(out.MessageId))
	return false, nil
}

// Input returns the SendMessage input for a. FIFO queues get the detection
// id as message group and a hash of the body as deduplication id.
func (n *Notifier) Input(a *notify.Alert) (*sqs.SendMessageInput, error) {
	body, err := notify.StandardJSON(a)
	if err != nil {
		return nil, err
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(n.queue), MessageBody: aws.String(string(body))}
	if n.fifo {
		sum := sha256.Sum256(body)
		group := a.DetectionID
		if group == "" {
			group = "panther"
		}
		if len(group) > 128 {
			group = group[:128]
		}
		in.MessageGroupId = aws.String(group)
		in.MessageDeduplicationId = aws.String(hex.EncodeToString(sum[:]))
	}
	return in, nil
}
