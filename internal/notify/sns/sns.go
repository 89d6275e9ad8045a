// Package sns delivers alerts to an Amazon SNS topic with
// MessageStructure=json: the standard notification JSON for most protocols
// and the detailed text for e-mail subscriptions.
package sns

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/awsnotify"
)

// Name is the destination type.
const Name = "sns"

// Config is the config of an SNS destination.
type Config struct {
	TopicARN string `json:"topicArn" notify:"required" desc:"ARN of the topic; its region is the client's"`
	awsnotify.Credentials
}

var topicARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256}(\.fifo)?)$`)

// Validate checks the topic ARN and the credentials.
func (c *Config) Validate() error {
	var v notify.Checks
	if v.Required("topicArn", c.TopicARN) && !topicARNRE.MatchString(c.TopicARN) {
		v.Fail("topicArn", "must be an SNS topic ARN like arn:aws:sns:us-east-1:123456789012:alerts, got %q", c.TopicARN)
	}
	c.Credentials.Check(&v)
	return v.Err()
}

// Region returns the region of the topic ARN.
func (c *Config) Region() string {
	if m := topicARNRE.FindStringSubmatch(c.TopicARN); m != nil {
		return m[1]
	}
	return ""
}

// Type registers the destination.
var Type = notify.NewType(Name, "Amazon SNS topic", New)

// Notifier publishes to one topic.
type Notifier struct {
	topic  string
	fifo   bool
	client *sns.Client
	logger *slog.Logger
	scrub  *notify.Scrubber
}

var _ notify.Notifier = (*Notifier)(nil)

// New validates cfg and returns its Notifier; the client's region is the
// topic's.
func New(cfg *Config, opts notify.Options) (*Notifier, error) {
	if err := notify.InvalidConfig(Name, cfg.Validate()); err != nil {
		return nil, err
	}
	scrub := notify.NewScrubber(cfg.Credentials.Secrets()...)
	awsCfg, err := cfg.Credentials.SDKConfig(cfg.Region(), opts, scrub)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	return &Notifier{
		topic:  cfg.TopicARN,
		fifo:   strings.HasSuffix(cfg.TopicARN, ".fifo"),
		client: sns.NewFromConfig(awsCfg),
		logger: opts.WithDefaults().Logger,
		scrub:  scrub,
	}, nil
}

// Notify publishes a.
func (n *Notifier) Notify(ctx context.Context, a *notify.Alert) (bool, error) {
	in, err := n.Input(a)
	if err != nil {
		return false, fmt.Errorf("%s: %w", Name, err)
	}
	out, err := n.client.Publish(ctx, in)
	if err != nil {
		return awsnotify.Wrap(ctx, Name, n.logger, n.scrub, err)
	}
	n.logger.DebugContext(ctx, "notification sent", "destination", Name, "messageId", aws.ToString(out.MessageId))
	return false, nil
}

// Message is the JSON message of MessageStructure=json: one string per
// protocol, "default" for those not listed.
type Message struct {
	Default string `json:"default"`
	Email   string `json:"email"`
}

const maxSubject = 99

// Input returns the Publish input for a. Subject is the title made
// printable ASCII on one line, under 100 characters, as SNS requires. FIFO
// topics get the detection id as message group and a hash of the message
// as deduplication id.
func (n *Notifier) Input(a *notify.Alert) (*sns.PublishInput, error) {
	std, err := notify.StandardJSON(a)
	if err != nil {
		return nil, err
	}
	text, err := notify.DetailedText(a)
	if err != nil {
		return nil, err
	}
	msg, err := notify.MarshalJSON(Message{Default: string(std), Email: text})
	if err != nil {
		return nil, err
	}
	in := &sns.PublishInput{
		TopicArn:         aws.String(n.topic),
		Message:          aws.String(string(msg)),
		MessageStructure: aws.String("json"),
		Subject:          aws.String(Subject(notify.Title(a))),
	}
	if n.fifo {
		sum := sha256.Sum256(msg)
		in.MessageGroupId = aws.String(groupID(a))
		in.MessageDeduplicationId = aws.String(hex.EncodeToString(sum[:]))
	}
	return in, nil
}

// Subject returns title as a valid SNS subject: printable ASCII (others
// become '?'), one line, at most 99 characters, never empty.
func Subject(title string) string {
	b := []byte(notify.OneLine(title))
	out := make([]byte, 0, maxSubject)
	for _, r := range string(b) {
		if len(out) == maxSubject {
			break
		}
		if r < 0x20 || r > 0x7e {
			r = '?'
		}
		out = append(out, byte(r))
	}
	if len(out) == 0 {
		return "Panther alert"
	}
	return string(out)
}

func groupID(a *notify.Alert) string {
	if a.DetectionID == "" {
		return "panther"
	}
	if len(a.DetectionID) > 128 {
		return a.DetectionID[:128]
	}
	return a.DetectionID
}
